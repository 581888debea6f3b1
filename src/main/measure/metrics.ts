// Small per-sample metrics for classifiers.

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** True when `label` is among the k highest scores (ties count against the label: strictly greater scores rank above it). */
export function inTopK(scores: ArrayLike<number>, label: number, k: number): boolean {
  if (label < 0 || label >= scores.length) return false;
  const s = scores[label];
  if (Number.isNaN(s)) return false;
  let above = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > s && ++above >= k) return false;
  return true;
}

export function concatFloats(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Share of rows (runs of `row` consecutive values: the last axis) whose argmax is the same in
 * both. For a [1, C] classifier output that is plain top-1 agreement; for a detector's
 * [1, anchors, classes] scores it is per-anchor class agreement.
 */
export function rowArgmaxAgreement(x: Float32Array, y: Float32Array, row: number): number {
  const r = row >= 1 && x.length % row === 0 ? row : x.length;
  const rows = x.length / r;
  if (!(rows >= 1)) return 1;
  let same = 0;
  for (let k = 0; k < rows; k++) if (argmax(x.subarray(k * r, (k + 1) * r)) === argmax(y.subarray(k * r, (k + 1) * r))) same++;
  return same / rows;
}
