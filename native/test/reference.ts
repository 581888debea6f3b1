// Straightforward TypeScript reference implementations of the native kernels.
// Used by native/test/*.test.ts and native/bench/kernels.ts (never by src/). They follow the
// definitions in native/README.md literally (direct loops, explicit distributions), with
// float32 steps written out via Math.fround where the native code computes in float32.

import { mulberry32 } from '../../src/shared/random';
export const f32 = Math.fround;

export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x); // rounds .5 toward +Infinity
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

// ------------------------------------------------------------- min / max ----

export function refMinMax(data: Float32Array): { min: number; max: number; nonFinite: number } {
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, nonFinite };
}

/** [outer, channels, inner] around `axis` (negative counts from the end). */
export function layout(dims: number[], axis: number): { outer: number; channels: number; inner: number } {
  const a = axis < 0 ? axis + dims.length : axis;
  let outer = 1;
  let inner = 1;
  for (let k = 0; k < a; k++) outer *= dims[k]!;
  for (let k = a + 1; k < dims.length; k++) inner *= dims[k]!;
  return { outer, channels: dims[a]!, inner };
}

export function refMinMaxPerChannel(data: Float32Array, dims: number[], axis: number): { min: Float32Array; max: Float32Array; nonFinite: number } {
  const { channels, inner } = layout(dims, axis);
  const min = new Float32Array(channels).fill(Infinity);
  const max = new Float32Array(channels).fill(-Infinity);
  let nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    const c = Math.floor(i / inner) % channels;
    if (v < min[c]!) min[c] = v;
    if (v > max[c]!) max[c] = v;
  }
  return { min, max, nonFinite };
}

// ---------------------------------------------------------- quantization ----

export type QType = 'int8' | 'uint8';
export interface Rule {
  dtype: QType;
  symmetric: boolean;
  reduceRange?: boolean;
}

export function refQRange(r: Rule): { qmin: number; qmax: number } {
  if (r.symmetric) {
    const m = r.reduceRange ? 63 : 127;
    const zp = r.dtype === 'int8' ? 0 : r.reduceRange ? 64 : 128;
    return { qmin: zp - m, qmax: zp + m };
  }
  if (r.dtype === 'int8') return r.reduceRange ? { qmin: -64, qmax: 63 } : { qmin: -128, qmax: 127 };
  return r.reduceRange ? { qmin: 0, qmax: 127 } : { qmin: 0, qmax: 255 };
}

export function refQParams(min: number, max: number, r: Rule): { scale: number; zeroPoint: number } {
  const { qmin, qmax } = refQRange(r);
  if (r.symmetric) {
    const absmax = Math.max(Math.abs(min), Math.abs(max));
    let scale = f32(absmax / ((qmax - qmin) / 2));
    if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
    return { scale, zeroPoint: (qmin + qmax) / 2 };
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  let scale = f32((hi - lo) / (qmax - qmin));
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  const zp = Math.min(Math.max(roundHalfEven(qmin - lo / scale), qmin), qmax);
  return { scale, zeroPoint: zp };
}

/** ONNX QuantizeLinear on one value: saturate(roundHalfEven(float32(x / scale)) + zp); NaN → zp. */
export function refQuantizeValue(x: number, scale: number, zp: number, qmin: number, qmax: number): number {
  if (Number.isNaN(x)) return zp;
  const r = roundHalfEven(f32(x / scale)) + zp;
  return Math.min(Math.max(r, qmin), qmax);
}

export function refQuantizeLinear(data: Float32Array, scale: number, zeroPoint: number, dtype: QType): Int8Array | Uint8Array {
  const out = dtype === 'int8' ? new Int8Array(data.length) : new Uint8Array(data.length);
  const qmin = dtype === 'int8' ? -128 : 0;
  const qmax = dtype === 'int8' ? 127 : 255;
  const s = f32(scale);
  for (let i = 0; i < data.length; i++) out[i] = refQuantizeValue(data[i]!, s, zeroPoint, qmin, qmax);
  return out;
}

export function refQuantizeWeights(
  data: Float32Array,
  dims: number[],
  opts: Rule & { axis?: number },
): { data: Int8Array | Uint8Array; scale: Float32Array; zeroPoint: Int8Array | Uint8Array } {
  const perChannel = opts.axis !== undefined;
  const { channels, inner } = perChannel ? layout(dims, opts.axis!) : { channels: 1, inner: data.length };
  const mm = perChannel
    ? refMinMaxPerChannel(data, dims, opts.axis!)
    : (() => {
        const r = refMinMax(data);
        return { min: new Float32Array([r.min]), max: new Float32Array([r.max]), nonFinite: r.nonFinite };
      })();
  if (mm.nonFinite) throw new Error(`weights hold ${mm.nonFinite} non-finite values`);
  const scale = new Float32Array(channels);
  const zeroPoint = opts.dtype === 'int8' ? new Int8Array(channels) : new Uint8Array(channels);
  for (let c = 0; c < channels; c++) {
    const empty = !(mm.min[c]! <= mm.max[c]!);
    const p = refQParams(empty ? 0 : mm.min[c]!, empty ? 0 : mm.max[c]!, opts);
    scale[c] = p.scale;
    zeroPoint[c] = p.zeroPoint;
  }
  const { qmin, qmax } = refQRange(opts);
  const out = opts.dtype === 'int8' ? new Int8Array(data.length) : new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = refQuantizeValue(data[i]!, scale[c]!, zeroPoint[c]!, qmin, qmax);
  }
  return { data: out, scale, zeroPoint };
}

export function refQuantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { data: Int32Array; scale: Float32Array } {
  const scale = new Float32Array(weightScales.length);
  for (let c = 0; c < weightScales.length; c++) {
    const s = f32(inputScale * weightScales[c]!);
    scale[c] = s > 0 && Number.isFinite(s) ? s : 1;
  }
  const data = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scale[weightScales.length === 1 ? 0 : i]!;
    data[i] = Math.min(Math.max(roundHalfEven(bias[i]! / s), -2147483648), 2147483647);
  }
  return { data, scale };
}

// -------------------------------------------------------------- fidelity ----

export function refFidelity(
  ref: Float32Array,
  test: Float32Array,
): { cosine: number; sqnrDb: number; mse: number; maxAbs: number; count: number; nonFinite: number } {
  if (ref.length !== test.length) throw new Error('length mismatch');
  let rr = 0;
  let tt = 0;
  let rt = 0;
  let dd = 0;
  let maxAbs = 0;
  let count = 0;
  let nonFinite = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = ref[i]!;
    const b = test[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      nonFinite++;
      continue;
    }
    const d = a - b;
    rr += a * a;
    tt += b * b;
    rt += a * b;
    dd += d * d;
    maxAbs = Math.max(maxAbs, Math.abs(d));
    count++;
  }
  const cosine = rr === 0 && tt === 0 ? 1 : rr === 0 || tt === 0 ? 0 : Math.max(-1, Math.min(1, rt / (Math.sqrt(rr) * Math.sqrt(tt))));
  const sqnrDb = dd === 0 ? Infinity : rr === 0 ? -Infinity : 10 * Math.log10(rr / dd);
  return { cosine, sqnrDb, mse: count ? dd / count : 0, maxAbs, count, nonFinite };
}

// ------------------------------------------------------------- histogram ----

/**
 * One-pass histogram of the finite values over [lo, hi] with the addon's float32 bin
 * arithmetic: t = float32(float32(x * inv) + off), inv = float32(bins / (hi - lo)),
 * off = float32(-lo * inv), bin = trunc(clamp(t, 0, bins - 1)).
 */
export function refHistogram(data: Float32Array, bins: number, lo: number, hi: number): Float64Array {
  const counts = new Float64Array(bins);
  const inv = f32(bins / (hi - lo));
  const off = f32(-lo * inv);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    let t = f32(f32(v * inv) + off);
    t = Math.min(Math.max(t, 0), bins - 1);
    counts[Math.trunc(t)]!++;
  }
  return counts;
}

/** Streaming observer with the documented semantics, written plainly (used by the bench). */
export class RefHistogram {
  counts: Float64Array;
  lo = 0;
  hi = 0;
  min = Infinity;
  max = -Infinity;
  count = 0;
  nonFinite = 0;
  constructor(readonly bins = 2048) {
    this.counts = new Float64Array(bins);
  }
  update(data: Float32Array): void {
    const m = refMinMax(data);
    this.nonFinite += m.nonFinite;
    const finite = data.length - m.nonFinite;
    if (finite === 0) return;
    const first = this.count === 0 && this.hi === this.lo;
    this.min = Math.min(this.min, m.min);
    this.max = Math.max(this.max, m.max);
    let lo = first ? m.min : Math.min(this.lo, m.min);
    let hi = first ? m.max : Math.max(this.hi, m.max);
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
    if (hi - lo < 1e-30) {
      if (hi > 0 || lo === 0) hi = lo + 1e-30;
      else lo = hi - 1e-30;
    }
    if (first) {
      this.lo = lo;
      this.hi = hi;
    } else if (lo !== this.lo || hi !== this.hi) {
      this.counts = refRebin(this.counts, this.lo, this.hi, this.bins, lo, hi);
      this.lo = lo;
      this.hi = hi;
    }
    const add = refHistogram(data, this.bins, this.lo, this.hi);
    for (let b = 0; b < this.bins; b++) this.counts[b]! += add[b]!;
    this.count += finite;
  }
}

/** Moves bin masses to a new range, splitting each old bin by overlap with the new bins. */
export function refRebin(counts: Float64Array, lo: number, hi: number, bins: number, nlo: number, nhi: number): Float64Array {
  const out = new Float64Array(bins);
  const w = (hi - lo) / counts.length;
  const nw = (nhi - nlo) / bins;
  for (let i = 0; i < counts.length; i++) {
    const m = counts[i]!;
    if (m === 0) continue;
    addInterval(out, nlo, nw, lo + i * w, lo + (i + 1) * w, m);
  }
  return out;
}

/** Adds `mass` spread uniformly over [p, q] to bins of width w starting at lo. */
export function addInterval(out: Float64Array, lo: number, w: number, p: number, q: number, mass: number): void {
  const n = out.length;
  if (q - p <= 1e-12 * w) {
    out[Math.min(Math.max(Math.floor((p - lo) / w), 0), n - 1)]! += mass;
    return;
  }
  for (let j = 0; j < n; j++) {
    const u = lo + j * w;
    const ov = Math.min(q, u + w) - Math.max(p, u);
    if (ov > 0) out[j]! += (mass * ov) / (q - p);
  }
}

/** |x| histogram over [0, A] with the same bin count, A = max(-lo, hi). */
export function refFoldAbs(counts: Float64Array, lo: number, hi: number): { counts: Float64Array; A: number } {
  const B = counts.length;
  const A = Math.max(-lo, hi);
  const out = new Float64Array(B);
  const w = (hi - lo) / B;
  for (let k = 0; k < B; k++) {
    const m = counts[k]!;
    if (m === 0) continue;
    const u = lo + k * w;
    const v = u + w;
    // mass on the negative part maps to [|v|, |u|], the positive part stays
    const negLen = Math.max(0, Math.min(v, 0) - u);
    const posLen = Math.max(0, v - Math.max(u, 0));
    if (negLen > 0) addInterval(out, 0, A / B, Math.max(-v, 0), -u, (m * negLen) / w);
    if (posLen > 0) addInterval(out, 0, A / B, Math.max(u, 0), v, (m * posLen) / w);
  }
  return { counts: out, A };
}

// ---------------------------------------------------------- calibration ----

export const KL_EPS = 1e-4;

/**
 * TensorRT entropy calibration, literally: for each i in [qb, B], P = hist[0:i] with the
 * outlier mass added to P[i-1]; Q = hist[0:i] merged into qb bins (floor(i/qb) per bin, the
 * last one takes the rest) and expanded back over the entries where P > 0 (Q entries that
 * stay 0 where P > 0 get KL_EPS); KL(P||Q) on the normalized distributions.
 */
export function refKlSearch(h: Float64Array, qb: number): { index: number; kl: Float64Array } {
  const B = h.length;
  const kl = new Float64Array(B + 1).fill(NaN);
  let total = 0;
  for (let k = 0; k < B; k++) total += h[k]!;
  if (qb < 1 || B < qb || !(total > 0)) return { index: B, kl };
  let best = Infinity;
  let index = B;
  for (let i = qb; i <= B; i++) {
    const P = Array.from(h.subarray(0, i));
    let outliers = 0;
    for (let k = i; k < B; k++) outliers += h[k]!;
    P[i - 1]! += outliers;
    const m = Math.floor(i / qb);
    const Q = new Array<number>(i).fill(0);
    for (let j = 0; j < qb; j++) {
      const s = j * m;
      const e = j === qb - 1 ? i : s + m;
      let S = 0;
      let nnz = 0;
      for (let k = s; k < e; k++) {
        S += h[k]!;
        if (P[k]! > 0) nnz++;
      }
      for (let k = s; k < e; k++) if (P[k]! > 0) Q[k] = S > 0 ? S / nnz : KL_EPS;
    }
    const sp = P.reduce((a, b) => a + b, 0);
    const sq = Q.reduce((a, b) => a + b, 0);
    let d = 0;
    for (let k = 0; k < i; k++) {
      const p = P[k]! / sp;
      if (p > 0) d += p * Math.log(p / (Q[k]! / sq));
    }
    kl[i] = d;
    if (d < best) {
      best = d;
      index = i;
    }
  }
  return { index, kl };
}

export interface HistView {
  counts: Float64Array;
  lo: number;
  hi: number;
  min: number;
  max: number;
  count: number;
}

export function refKlRange(h: HistView, symmetric: boolean, levels = 256): { lo: number; hi: number } {
  if (h.count === 0) return { lo: 0, hi: 0 };
  const mn = Math.min(h.min, 0);
  const mx = Math.max(h.max, 0);
  const B = h.counts.length;
  if (symmetric || h.min < 0) {
    const f = refFoldAbs(h.counts, h.lo, h.hi);
    const i = refKlSearch(f.counts, levels / 2).index;
    const T = Math.min((i + 0.5) * (f.A / B), Math.max(-mn, mx));
    return symmetric ? { lo: -T, hi: T } : { lo: Math.max(-T, mn), hi: Math.min(T, mx) };
  }
  const i = refKlSearch(h.counts, levels).index;
  return { lo: 0, hi: Math.min((i + 0.5) * ((h.hi - h.lo) / B), mx) };
}

/** Expected squared error of clipping to [a, b] plus step^2/12 rounding noise, bin by bin. */
export function refMseError(h: HistView, a: number, b: number, levels: number): number {
  const B = h.counts.length;
  const w = (h.hi - h.lo) / B;
  const step = (b - a) / (levels - 1);
  let err = 0;
  for (let k = 0; k < B; k++) {
    const m = h.counts[k]!;
    if (m === 0) continue;
    const u = h.lo + k * w;
    const v = u + w;
    const dens = m / w;
    // inside part
    const inLen = Math.max(0, Math.min(v, b) - Math.max(u, a));
    err += (dens * inLen * (step * step)) / 12;
    // above b: integral of (x-b)^2
    if (v > b) {
      const s = Math.max(u, b);
      err += (dens * ((v - b) ** 3 - (s - b) ** 3)) / 3;
    }
    // below a: integral of (a-x)^2
    if (u < a) {
      const e = Math.min(v, a);
      err += (dens * ((a - u) ** 3 - (a - e) ** 3)) / 3;
    }
  }
  return err;
}

/** Candidates alpha = k/256 (k = 1..256), then 63 steps between the neighbours of the best. */
export function refMseRange(h: HistView, symmetric: boolean, levels = 256): { lo: number; hi: number } {
  if (h.count === 0) return { lo: 0, hi: 0 };
  const mn = Math.min(h.min, 0);
  const mx = Math.max(h.max, 0);
  const A = Math.max(-mn, mx);
  const [L0, H0] = symmetric ? [-A, A] : [mn, mx];
  if (!(H0 - L0 > 0)) return { lo: L0, hi: H0 };
  let best = Infinity;
  let bestAlpha = 1;
  let bestK = 256;
  for (let k = 1; k <= 256; k++) {
    const alpha = k / 256;
    const e = refMseError(h, alpha * L0, alpha * H0, levels);
    if (e < best) {
      best = e;
      bestAlpha = alpha;
      bestK = k;
    }
  }
  const a0 = (bestK - 1) / 256;
  const a1 = Math.min(bestK + 1, 256) / 256;
  for (let j = 1; j < 64; j++) {
    const alpha = a0 + ((a1 - a0) * j) / 64;
    if (!(alpha > 0)) continue;
    const e = refMseError(h, alpha * L0, alpha * H0, levels);
    if (e < best) {
      best = e;
      bestAlpha = alpha;
    }
  }
  return { lo: bestAlpha * L0, hi: bestAlpha * H0 };
}

/** Percentile straight from the raw data (sorted), for end-to-end checks. */
export function percentileOfSorted(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (p / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

// ------------------------------------------------------------- test data ----

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export const rng = mulberry32;

export function gaussian(n: number, seed = 1, sigma = 1, mean = 0): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = r() || 1e-12;
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * sigma;
    out[i] = mean + m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function uniform(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}
