/**
 * The demo digit classifier, forward and backward by hand on Float32Arrays:
 *   Flatten (784) → Linear → Relu → … → Linear → Relu → Linear (→ 10)
 * with the hidden widths of MlpConfig (e.g. [1024, 512]). Weights are kept [in, out] (row k =
 * the weights fed by input k), so forward is one contiguous axpy per non-zero input and the
 * weight gradient one axpy per non-zero input: MNIST pixels are ~80% zero and Relu outputs about
 * half zero, and both loops skip zeros. Export transposes to ONNX's Gemm [out, in] (transB=1).
 * Everything is float32 in a fixed order, so a run is deterministic.
 */
import { randn, rng } from '../../src/main/onnx/builder';

export interface MlpConfig {
  hidden: number[];
}

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;

/** Parameters in a fixed order: w1, b1, w2, b2, …; w_l is [in, out], b_l is [out]. */
export interface MlpParams {
  cfg: MlpConfig;
  tensors: Float32Array[];
  dims: number[][];
}

/** Layer widths including input and output: [784, ...hidden, 10]. */
export function widths(cfg: MlpConfig): number[] {
  return [PIXELS, ...cfg.hidden, CLASSES];
}

export function parameterCount(cfg: MlpConfig): number {
  const w = widths(cfg);
  let n = 0;
  for (let l = 0; l + 1 < w.length; l++) n += w[l] * w[l + 1] + w[l + 1];
  return n;
}

/** He-normal hidden weights, LeCun-normal output weights, zero biases, from a seeded generator. */
export function initParams(cfg: MlpConfig, seed: number): MlpParams {
  const rand = rng(seed);
  const w = widths(cfg);
  const dims: number[][] = [];
  const tensors: Float32Array[] = [];
  for (let l = 0; l + 1 < w.length; l++) {
    const last = l + 2 === w.length;
    dims.push([w[l], w[l + 1]], [w[l + 1]]);
    tensors.push(randn(w[l] * w[l + 1], Math.sqrt((last ? 1 : 2) / w[l]), rand), new Float32Array(w[l + 1]));
  }
  return { cfg, tensors, dims };
}

export function zerosLike(p: MlpParams): Float32Array[] {
  return p.tensors.map((t) => new Float32Array(t.length));
}

/** Scratch buffers for one sample: the forward caches what backward needs. */
export class Workspace {
  /** acts[0] is the input, acts[l] the Relu output of hidden layer l, acts[L] the logits. */
  readonly acts: Float32Array[];
  /** Gradients with respect to acts[l]. */
  readonly grads: Float32Array[];
  readonly logits: Float32Array;

  constructor(readonly cfg: MlpConfig) {
    const w = widths(cfg);
    this.acts = w.map((n) => new Float32Array(n));
    this.grads = w.map((n) => new Float32Array(n));
    this.logits = this.acts[w.length - 1];
  }
}

/** out[n] = b[n] + Σ_k a[k]·W[k·N + n], skipping zero a[k]. */
function linear(W: Float32Array, b: Float32Array, a: Float32Array, K: number, N: number, out: Float32Array): void {
  out.set(b);
  for (let k = 0; k < K; k++) {
    const v = a[k];
    if (v === 0) continue;
    const r = k * N;
    for (let n = 0; n < N; n++) out[n] += v * W[r + n];
  }
}

/** Forward pass of one 28×28 image (784 values); logits land in ws.logits. */
export function forward(p: MlpParams, x: Float32Array, ws: Workspace): Float32Array {
  const w = widths(p.cfg);
  const L = w.length - 1;
  ws.acts[0].set(x.subarray(0, PIXELS));
  for (let l = 0; l < L; l++) {
    const out = ws.acts[l + 1];
    linear(p.tensors[2 * l], p.tensors[2 * l + 1], ws.acts[l], w[l], w[l + 1], out);
    if (l + 1 < L) for (let n = 0; n < out.length; n++) if (out[n] < 0) out[n] = 0;
  }
  return ws.logits;
}

/**
 * Softmax cross-entropy on ws.logits for `label`, backpropagated into `grads` (accumulated,
 * scaled by `scale`, e.g. 1/batch). Returns the sample's loss. Call right after forward().
 */
export function backward(p: MlpParams, label: number, ws: Workspace, grads: Float32Array[], scale: number): number {
  const w = widths(p.cfg);
  const L = w.length - 1;
  const z = ws.logits;
  let max = -Infinity;
  for (let o = 0; o < CLASSES; o++) max = Math.max(max, z[o]);
  let sum = 0;
  for (let o = 0; o < CLASSES; o++) sum += Math.exp(z[o] - max);
  const loss = Math.log(sum) - (z[label] - max);
  const dz = ws.grads[L];
  for (let o = 0; o < CLASSES; o++) dz[o] = (Math.exp(z[o] - max) / sum - (o === label ? 1 : 0)) * scale;

  for (let l = L - 1; l >= 0; l--) {
    const K = w[l];
    const N = w[l + 1];
    const W = p.tensors[2 * l];
    const gW = grads[2 * l];
    const gb = grads[2 * l + 1];
    const a = ws.acts[l];
    const d = ws.grads[l + 1];
    for (let n = 0; n < N; n++) gb[n] += d[n];
    const da = l > 0 ? ws.grads[l] : undefined;
    for (let k = 0; k < K; k++) {
      const v = a[k];
      // a[k] is a Relu output (or a pixel): zero means no weight gradient and, for hidden
      // units, no gradient through the Relu either.
      if (v === 0) {
        if (da) da[k] = 0;
        continue;
      }
      const r = k * N;
      let s = 0;
      for (let n = 0; n < N; n++) {
        gW[r + n] += v * d[n];
        s += W[r + n] * d[n];
      }
      if (da) da[k] = s;
    }
  }
  return loss;
}

/** Adam with decoupled weight decay on weights only (not biases). */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    private readonly params: MlpParams,
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
        w[i] -= lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + this.eps) + decay * w[i]);
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
