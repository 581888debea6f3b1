/**
 * The demo digit classifier, forward and backward by hand on Float32Arrays:
 *   Conv k1×k1 (1→c1, same padding) → Relu → MaxPool 2 → Conv k2×k2 (c1→c2, same) → Relu →
 *   MaxPool 2 → Flatten → Linear (c2·7·7 → 10).
 * Convolutions run as im2col + a row-major GEMM whose inner loop walks contiguous pixels.
 * Layouts match ONNX: conv weights [cout, cin, k, k], activations CHW, linear weights
 * [out, in] (Gemm transB=1), so export is a plain copy.
 */
import { randn, rng } from '../../src/main/onnx/builder';

export interface CnnConfig {
  c1: number;
  k1: number;
  c2: number;
  k2: number;
}

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;

/** Parameters in a fixed order: w1, b1, w2, b2, w3, b3. */
export interface CnnParams {
  cfg: CnnConfig;
  tensors: Float32Array[];
  dims: number[][];
}

export function featureCount(cfg: CnnConfig): number {
  return cfg.c2 * (SIDE / 4) * (SIDE / 4);
}

/** He-normal conv/linear weights, zero biases, from a seeded generator. */
export function initParams(cfg: CnnConfig, seed: number): CnnParams {
  const rand = rng(seed);
  const f = featureCount(cfg);
  const dims = [[cfg.c1, 1, cfg.k1, cfg.k1], [cfg.c1], [cfg.c2, cfg.c1, cfg.k2, cfg.k2], [cfg.c2], [CLASSES, f], [CLASSES]];
  const tensors = [
    randn(cfg.c1 * cfg.k1 * cfg.k1, Math.sqrt(2 / (cfg.k1 * cfg.k1)), rand),
    new Float32Array(cfg.c1),
    randn(cfg.c2 * cfg.c1 * cfg.k2 * cfg.k2, Math.sqrt(2 / (cfg.c1 * cfg.k2 * cfg.k2)), rand),
    new Float32Array(cfg.c2),
    randn(CLASSES * f, Math.sqrt(1 / f), rand),
    new Float32Array(CLASSES),
  ];
  return { cfg, tensors, dims };
}

export function zerosLike(p: CnnParams): Float32Array[] {
  return p.tensors.map((t) => new Float32Array(t.length));
}

/** col[(c·k·k + ky·k + kx)·H·W + y·W + x] = src[c, y+ky-pad, x+kx-pad] (0 outside); stride 1, same size. */
function im2col(src: Float32Array, c: number, h: number, w: number, k: number, col: Float32Array): void {
  const pad = (k - 1) >> 1;
  const P = h * w;
  for (let ci = 0; ci < c; ci++) {
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const row = ((ci * k + ky) * k + kx) * P;
        for (let y = 0; y < h; y++) {
          const sy = y + ky - pad;
          const o = row + y * w;
          if (sy < 0 || sy >= h) {
            col.fill(0, o, o + w);
            continue;
          }
          const s = ci * P + sy * w;
          for (let x = 0; x < w; x++) {
            const sx = x + kx - pad;
            col[o + x] = sx >= 0 && sx < w ? src[s + sx] : 0;
          }
        }
      }
    }
  }
}

/** Inverse scatter of im2col: dst[c, y+ky-pad, x+kx-pad] += col[...]. dst is overwritten. */
function col2im(col: Float32Array, c: number, h: number, w: number, k: number, dst: Float32Array): void {
  const pad = (k - 1) >> 1;
  const P = h * w;
  dst.fill(0, 0, c * P);
  for (let ci = 0; ci < c; ci++) {
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const row = ((ci * k + ky) * k + kx) * P;
        for (let y = 0; y < h; y++) {
          const sy = y + ky - pad;
          if (sy < 0 || sy >= h) continue;
          const o = row + y * w;
          const s = ci * P + sy * w;
          const x0 = Math.max(0, pad - kx);
          const x1 = Math.min(w, w + pad - kx);
          for (let x = x0; x < x1; x++) dst[s + x + kx - pad] += col[o + x];
        }
      }
    }
  }
}

/**
 * out[m, p] += Σ_k A(m, k) · B[k·P + p], where A(m, k) = A[m·ars + k·acs] (so A can be read
 * transposed). Blocked 2 rows × 4 k so each B load feeds two rows: ~4× the plain loop in V8.
 */
function gemmNN(A: Float32Array, ars: number, acs: number, B: Float32Array, out: Float32Array, M: number, K: number, P: number): void {
  let m = 0;
  for (; m + 1 < M; m += 2) {
    const o0 = m * P;
    const o1 = o0 + P;
    const a0 = m * ars;
    const a1 = a0 + ars;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const x0 = A[a0 + k * acs], x1 = A[a0 + (k + 1) * acs], x2 = A[a0 + (k + 2) * acs], x3 = A[a0 + (k + 3) * acs];
      const y0 = A[a1 + k * acs], y1 = A[a1 + (k + 1) * acs], y2 = A[a1 + (k + 2) * acs], y3 = A[a1 + (k + 3) * acs];
      const r0 = k * P, r1 = r0 + P, r2 = r1 + P, r3 = r2 + P;
      for (let p = 0; p < P; p++) {
        const b0 = B[r0 + p], b1 = B[r1 + p], b2 = B[r2 + p], b3 = B[r3 + p];
        out[o0 + p] += x0 * b0 + x1 * b1 + x2 * b2 + x3 * b3;
        out[o1 + p] += y0 * b0 + y1 * b1 + y2 * b2 + y3 * b3;
      }
    }
    for (; k < K; k++) {
      const x0 = A[a0 + k * acs];
      const y0 = A[a1 + k * acs];
      const r0 = k * P;
      for (let p = 0; p < P; p++) {
        const b0 = B[r0 + p];
        out[o0 + p] += x0 * b0;
        out[o1 + p] += y0 * b0;
      }
    }
  }
  for (; m < M; m++) {
    const o0 = m * P;
    for (let k = 0; k < K; k++) {
      const x0 = A[m * ars + k * acs];
      const r0 = k * P;
      for (let p = 0; p < P; p++) out[o0 + p] += x0 * B[r0 + p];
    }
  }
}

/** out[m·K + k] += Σ_p A[m·P + p] · B[k·P + p]  (A·Bᵀ; the weight gradient). Blocked 2 × 4. */
function gemmNT(A: Float32Array, B: Float32Array, out: Float32Array, M: number, K: number, P: number): void {
  let m = 0;
  for (; m + 1 < M; m += 2) {
    const a0 = m * P;
    const a1 = a0 + P;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const r0 = k * P, r1 = r0 + P, r2 = r1 + P, r3 = r2 + P;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < P; p++) {
        const d0 = A[a0 + p], d1 = A[a1 + p];
        const b0 = B[r0 + p], b1 = B[r1 + p], b2 = B[r2 + p], b3 = B[r3 + p];
        s00 += d0 * b0; s01 += d0 * b1; s02 += d0 * b2; s03 += d0 * b3;
        s10 += d1 * b0; s11 += d1 * b1; s12 += d1 * b2; s13 += d1 * b3;
      }
      const o0 = m * K + k;
      const o1 = o0 + K;
      out[o0] += s00; out[o0 + 1] += s01; out[o0 + 2] += s02; out[o0 + 3] += s03;
      out[o1] += s10; out[o1 + 1] += s11; out[o1 + 2] += s12; out[o1 + 3] += s13;
    }
    for (; k < K; k++) {
      const r0 = k * P;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < P; p++) {
        s0 += A[a0 + p] * B[r0 + p];
        s1 += A[a1 + p] * B[r0 + p];
      }
      out[m * K + k] += s0;
      out[(m + 1) * K + k] += s1;
    }
  }
  for (; m < M; m++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += A[m * P + p] * B[k * P + p];
      out[m * K + k] += s;
    }
  }
}

/** out[co, p] = b[co] + Σ_k W[co, k] · col[k, p]  (W: [cout, K], col: [K, P]). */
function convGemm(W: Float32Array, b: Float32Array, col: Float32Array, cout: number, K: number, P: number, out: Float32Array): void {
  for (let co = 0; co < cout; co++) out.fill(b[co], co * P, (co + 1) * P);
  gemmNN(W, K, 1, col, out, cout, K, P);
}

/** Relu in place, then 2×2/2 max pooling; `arg` records the winning flat index for backward. */
function reluPool(z: Float32Array, c: number, h: number, w: number, out: Float32Array, arg: Int32Array): void {
  const oh = h >> 1;
  const ow = w >> 1;
  for (let i = 0; i < c * h * w; i++) if (z[i] < 0) z[i] = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const i0 = ci * h * w + 2 * y * w + 2 * x;
        let best = i0;
        if (z[i0 + 1] > z[best]) best = i0 + 1;
        if (z[i0 + w] > z[best]) best = i0 + w;
        if (z[i0 + w + 1] > z[best]) best = i0 + w + 1;
        const o = (ci * oh + y) * ow + x;
        out[o] = z[best];
        arg[o] = best;
      }
    }
  }
}

/** Scratch buffers for one sample: the forward caches what backward needs. */
export class Workspace {
  readonly col1: Float32Array;
  readonly z1: Float32Array;
  readonly p1: Float32Array;
  readonly arg1: Int32Array;
  readonly col2: Float32Array;
  readonly z2: Float32Array;
  readonly p2: Float32Array;
  readonly arg2: Int32Array;
  readonly logits = new Float32Array(CLASSES);
  readonly dlogits = new Float32Array(CLASSES);
  readonly dp2: Float32Array;
  readonly dz2: Float32Array;
  readonly dcol2: Float32Array;
  readonly dp1: Float32Array;
  readonly dz1: Float32Array;

  constructor(readonly cfg: CnnConfig) {
    const P1 = PIXELS;
    const P2 = PIXELS / 4;
    this.col1 = new Float32Array(cfg.k1 * cfg.k1 * P1);
    this.z1 = new Float32Array(cfg.c1 * P1);
    this.p1 = new Float32Array(cfg.c1 * P2);
    this.arg1 = new Int32Array(cfg.c1 * P2);
    this.col2 = new Float32Array(cfg.c1 * cfg.k2 * cfg.k2 * P2);
    this.z2 = new Float32Array(cfg.c2 * P2);
    this.p2 = new Float32Array(featureCount(cfg));
    this.arg2 = new Int32Array(featureCount(cfg));
    this.dp2 = new Float32Array(featureCount(cfg));
    this.dz2 = new Float32Array(cfg.c2 * P2);
    this.dcol2 = new Float32Array(this.col2.length);
    this.dp1 = new Float32Array(cfg.c1 * P2);
    this.dz1 = new Float32Array(cfg.c1 * P1);
  }
}

/** Forward pass of one 28×28 image; logits land in ws.logits. */
export function forward(p: CnnParams, x: Float32Array, ws: Workspace): Float32Array {
  const { c1, k1, c2, k2 } = p.cfg;
  const [w1, b1, w2, b2, w3, b3] = p.tensors;
  const P1 = PIXELS;
  const h2 = SIDE / 2;
  const P2 = h2 * h2;
  im2col(x, 1, SIDE, SIDE, k1, ws.col1);
  convGemm(w1, b1, ws.col1, c1, k1 * k1, P1, ws.z1);
  reluPool(ws.z1, c1, SIDE, SIDE, ws.p1, ws.arg1);
  im2col(ws.p1, c1, h2, h2, k2, ws.col2);
  convGemm(w2, b2, ws.col2, c2, c1 * k2 * k2, P2, ws.z2);
  reluPool(ws.z2, c2, h2, h2, ws.p2, ws.arg2);
  const F = ws.p2.length;
  for (let o = 0; o < CLASSES; o++) {
    let s = b3[o];
    const r = o * F;
    for (let i = 0; i < F; i++) s += w3[r + i] * ws.p2[i];
    ws.logits[o] = s;
  }
  return ws.logits;
}

/**
 * Softmax cross-entropy on ws.logits for `label`, backpropagated into `grads` (accumulated,
 * scaled by `scale`, e.g. 1/batch). Returns the sample's loss. Call right after forward().
 */
export function backward(p: CnnParams, label: number, ws: Workspace, grads: Float32Array[], scale: number): number {
  const { c1, k1, c2, k2 } = p.cfg;
  const [, , w2, , w3] = p.tensors;
  const [gw1, gb1, gw2, gb2, gw3, gb3] = grads;
  const P1 = PIXELS;
  const h2 = SIDE / 2;
  const P2 = h2 * h2;
  const F = ws.p2.length;

  let max = -Infinity;
  for (let o = 0; o < CLASSES; o++) max = Math.max(max, ws.logits[o]);
  let sum = 0;
  for (let o = 0; o < CLASSES; o++) sum += Math.exp(ws.logits[o] - max);
  const loss = Math.log(sum) - (ws.logits[label] - max);
  for (let o = 0; o < CLASSES; o++) ws.dlogits[o] = (Math.exp(ws.logits[o] - max) / sum - (o === label ? 1 : 0)) * scale;

  // Linear.
  ws.dp2.fill(0);
  for (let o = 0; o < CLASSES; o++) {
    const d = ws.dlogits[o];
    gb3[o] += d;
    const r = o * F;
    for (let i = 0; i < F; i++) {
      gw3[r + i] += d * ws.p2[i];
      ws.dp2[i] += d * w3[r + i];
    }
  }
  // Pool 2 + Relu 2: the gradient goes to the max, which was > 0 unless the whole window was ≤ 0.
  ws.dz2.fill(0);
  for (let i = 0; i < F; i++) if (ws.p2[i] > 0) ws.dz2[ws.arg2[i]] += ws.dp2[i];
  // Conv 2: dW += dz·colᵀ, dcol = Wᵀ·dz.
  const K2 = c1 * k2 * k2;
  for (let co = 0; co < c2; co++) {
    let db = 0;
    for (let q = co * P2; q < (co + 1) * P2; q++) db += ws.dz2[q];
    gb2[co] += db;
  }
  gemmNT(ws.dz2, ws.col2, gw2, c2, K2, P2);
  ws.dcol2.fill(0);
  gemmNN(w2, 1, K2, ws.dz2, ws.dcol2, K2, c2, P2);
  col2im(ws.dcol2, c1, h2, h2, k2, ws.dp1);
  // Pool 1 + Relu 1.
  ws.dz1.fill(0);
  for (let i = 0; i < ws.p1.length; i++) if (ws.p1[i] > 0) ws.dz1[ws.arg1[i]] += ws.dp1[i];
  // Conv 1 (no input gradient needed).
  for (let co = 0; co < c1; co++) {
    let db = 0;
    for (let q = co * P1; q < (co + 1) * P1; q++) db += ws.dz1[q];
    gb1[co] += db;
  }
  gemmNT(ws.dz1, ws.col1, gw1, c1, k1 * k1, P1);
  return loss;
}

/** Adam with decoupled weight decay on weights only (not biases). */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    private readonly params: CnnParams,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
    private readonly weightDecay = 1e-4,
  ) {
    this.m = zerosLike(params);
    this.v = zerosLike(params);
  }

  step(grads: Float32Array[], lr: number): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    this.params.tensors.forEach((w, j) => {
      const g = grads[j];
      const m = this.m[j];
      const v = this.v[j];
      const decay = j % 2 === 0 ? this.weightDecay : 0;
      for (let i = 0; i < w.length; i++) {
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * g[i];
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * g[i] * g[i];
        w[i] -= lr * ((m[i] / c1) / (Math.sqrt(v[i] / c2) + this.eps) + decay * w[i]);
      }
    });
  }
}

/** Copies a 28×28 image shifted by (dx, dy) pixels, filling with 0 (the background). */
export function shiftImage(src: Float32Array, srcOffset: number, dx: number, dy: number, dst: Float32Array): void {
  dst.fill(0);
  for (let y = 0; y < SIDE; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= SIDE) continue;
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < SIDE) dst[y * SIDE + x] = src[srcOffset + sy * SIDE + sx];
    }
  }
}
