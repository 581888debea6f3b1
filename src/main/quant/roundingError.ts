// How much one tensor's own int8 rounding (and clipping) loses, from its calibration histogram:
// what the output would keep if nothing else were quantized. Set beside the measured output SQNR
// it tells two reasons for a low figure apart: a few tensors whose range is ruled by rare large
// values (their own SQNR is low), or a network that amplifies small roundings layer after layer
// (every tensor's own SQNR is high, the output's is not).
import type { Histogram } from '../../../native';
import type { TensorRange } from './calibrate';

/** Own SQNR (dB) of a tensor quantized to 256 levels over [lo, hi]: bins inside round (step²/12), bins outside clip. */
export function ownSqnrDb(h: Histogram, r: TensorRange): number {
  const counts = h.counts();
  if (h.count === 0 || r.hi <= r.lo) return Infinity;
  const w = (h.hi - h.lo) / counts.length;
  const step = (r.hi - r.lo) / 255;
  let signal = 0;
  let noise = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (c === 0) continue;
    const x = h.lo + (k + 0.5) * w;
    signal += c * x * x;
    const clipped = Math.min(Math.max(x, r.lo), r.hi);
    noise += c * ((x - clipped) ** 2 + (x === clipped ? (step * step) / 12 : 0));
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** The tensors with the lowest own SQNR, worst first. */
export function worstRounding(
  hists: ReadonlyMap<string, Histogram>,
  ranges: ReadonlyMap<string, TensorRange>,
  n: number,
): { tensor: string; sqnrDb: number }[] {
  const all: { tensor: string; sqnrDb: number }[] = [];
  for (const [tensor, r] of ranges) {
    const h = hists.get(tensor);
    if (h) all.push({ tensor, sqnrDb: ownSqnrDb(h, r) });
  }
  return all.sort((a, b) => a.sqnrDb - b.sqnrDb).slice(0, n);
}
