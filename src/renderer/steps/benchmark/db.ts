/** Decibels; JSON turns the +∞ of identical tensors into null. */
export const db = (x: number | null | undefined, none = 'identical') => (typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(1)} dB` : none);
