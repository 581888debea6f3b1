// Typed facade over the native kernels (native/build/Release/octet_native.node).
// This module is the ONLY way the rest of Octet reaches the addon. It loads the addon
// lazily on first use and maps native failures to OctetError. Semantics: native/README.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OctetError } from '../src/shared/errors';

// ------------------------------------------------------------------ types ----

export type KernelName = 'avx512' | 'avx2' | 'scalar';

export interface CpuFeatures {
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  avx512bw: boolean;
  avx512vnni: boolean;
  avxvnni: boolean;
  hardwareThreads: number;
  /** kernel set in use now */
  kernel: KernelName;
  /** best kernel set this CPU supports (what 'auto' selects) */
  bestKernel: KernelName;
  /** threads the kernels use now (setThreads) */
  threads: number;
}

/** Over finite values only; empty or all-non-finite input gives min=+Infinity, max=-Infinity. */
export interface MinMax {
  min: number;
  max: number;
  nonFinite: number;
}

export interface RangeOpts {
  symmetric: boolean;
  /** quantization levels, default 256 (128 for a 7-bit reduced range) */
  levels?: number;
}

export interface Range {
  lo: number;
  hi: number;
}

export type QType = 'int8' | 'uint8';

export interface WeightQuantOpts {
  dtype: QType;
  symmetric: boolean;
  /** quantization axis (negative counts from the end); omitted → per tensor */
  axis?: number;
  /** 7-bit ranges: symmetric [-63,63], asymmetric int8 [-64,63] / uint8 [0,127] */
  reduceRange?: boolean;
}

export interface QuantizedTensor {
  data: Int8Array | Uint8Array;
  /** one per channel (length 1 per tensor) */
  scale: Float32Array;
  zeroPoint: Int8Array | Uint8Array;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
  /** clamp range used for quantized values under the same rule */
  qmin: number;
  qmax: number;
}

export interface Fidelity {
  cosine: number;
  sqnrDb: number;
  mse: number;
  maxAbs: number;
  /** pairs compared (both finite) */
  count: number;
  /** pairs skipped because either side is NaN/±Inf */
  nonFinite: number;
}

// ------------------------------------------------------------- the addon ----

interface NativeHistogram {
  update(data: Float32Array): void;
  updateAsync(data: Float32Array): Promise<void>;
  counts(): Float64Array;
  merge(other: NativeHistogram): void;
  state(): { bins: number; count: number; nonFinite: number; min: number; max: number; lo: number; hi: number };
  readonly bins: number;
  readonly count: number;
  readonly nonFinite: number;
  readonly min: number;
  readonly max: number;
  readonly lo: number;
  readonly hi: number;
}

interface NativeAddon {
  Histogram: new (bins?: number) => NativeHistogram;
  cpuFeatures(): CpuFeatures;
  setThreads(n: number): void;
  setKernel(name: string): KernelName;
  minMax(data: Float32Array): MinMax;
  minMaxPerChannel(data: Float32Array, dims: number[], axis: number): { min: Float32Array; max: Float32Array; nonFinite: number };
  minMaxRange(h: NativeHistogram, symmetric: boolean): Range;
  percentileRange(h: NativeHistogram, percentile: number, symmetric: boolean): Range;
  klRange(h: NativeHistogram, symmetric: boolean, levels?: number): Range;
  mseRange(h: NativeHistogram, symmetric: boolean, levels?: number): Range;
  quantizeWeights(data: Float32Array, dims: number[], dtype: QType, symmetric: boolean, axis: number | undefined, reduceRange: boolean): QuantizedTensor;
  computeQParams(lo: number, hi: number, dtype: QType, symmetric: boolean, reduceRange: boolean): QParams;
  quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { data: Int32Array; scale: Float32Array };
  quantizeLinear(data: Float32Array, scale: number, zeroPoint: number, dtype: QType): Int8Array | Uint8Array;
  fidelity(reference: Float32Array, test: Float32Array): Fidelity;
  _internal: {
    klSearch(hist: Float64Array, quantBins: number): { index: number; kl: Float64Array };
    foldAbs(h: NativeHistogram): { counts: Float64Array; A: number };
  };
}

const ADDON_REL = path.join('build', 'Release', 'octet_native.node');

/** Where the facade looks for the addon, in order. */
export function addonCandidates(): string[] {
  const out: string[] = [];
  const env = process.env.OCTET_NATIVE_PATH;
  if (env) out.push(path.resolve(env));
  out.push(path.join(__dirname, ADDON_REL));
  // the facade bundled into dist/ by esbuild
  out.push(path.join(__dirname, '..', 'native', ADDON_REL));
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) out.push(path.join(resourcesPath, 'app.asar.unpacked', 'native', ADDON_REL));
  return out;
}

export const NATIVE_MISSING_MESSAGE = 'The native addon is not built: run `npm run build:native` (see README, Troubleshooting)';

/** Loads the addon from the first candidate that works; throws OctetError('NATIVE_MISSING'). */
export function loadAddon(candidates: string[] = addonCandidates()): NativeAddon {
  const failures: string[] = [];
  for (const file of candidates) {
    if (!fs.existsSync(file)) {
      failures.push(`${file}: not found`);
      continue;
    }
    try {
      return require(file) as NativeAddon;
    } catch (e) {
      failures.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new OctetError('NATIVE_MISSING', NATIVE_MISSING_MESSAGE, failures.join('\n'));
}

let addon: NativeAddon | undefined;

function native(): NativeAddon {
  if (addon) return addon;
  const a = loadAddon();
  const k = process.env.OCTET_NATIVE_KERNEL;
  if (k && k !== 'auto') {
    try {
      a.setKernel(k);
    } catch (e) {
      process.emitWarning(`OCTET_NATIVE_KERNEL=${k} ignored: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  addon = a;
  return a;
}

/** Maps the addon's data errors (err.code) to OctetError; other errors pass through. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw mapError(e);
  }
}

function mapError(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'DATA_NOT_FINITE' && e instanceof Error) return new OctetError('DATA_NOT_FINITE', e.message, e.stack);
  return e;
}

// -------------------------------------------------------------- functions ----

export function cpuFeatures(): CpuFeatures {
  return native().cpuFeatures();
}

/** Worker threads used by the kernels, caller included (default: hardware threads). */
export function setThreads(n: number): void {
  native().setThreads(n);
}

/**
 * Forces a kernel set ('auto' = best supported). Throws RangeError if the CPU lacks it.
 * Also settable at load time with OCTET_NATIVE_KERNEL. Returns the kernel now in use.
 */
export function setKernel(name: KernelName | 'auto'): KernelName {
  return native().setKernel(name);
}

export function minMax(data: Float32Array): MinMax {
  return native().minMax(data);
}

export function minMaxPerChannel(data: Float32Array, dims: number[], axis: number): { min: Float32Array; max: Float32Array; nonFinite: number } {
  return native().minMaxPerChannel(data, dims, axis);
}

/** Streaming histogram observer of one tensor, updated batch by batch. */
export class Histogram {
  /** @internal */
  readonly native: NativeHistogram;

  constructor(bins?: number) {
    this.native = new (native().Histogram)(bins);
  }

  update(data: Float32Array): void {
    this.native.update(data);
  }

  /** Off the JS thread; the caller must not mutate or transfer `data` until it resolves. */
  updateAsync(data: Float32Array): Promise<void> {
    return this.native.updateAsync(data);
  }

  get bins(): number {
    return this.native.bins;
  }
  /** finite values seen */
  get count(): number {
    return this.native.count;
  }
  /** NaN/±Inf values seen and skipped */
  get nonFinite(): number {
    return this.native.nonFinite;
  }
  /** observed finite minimum (+Infinity before any finite value) */
  get min(): number {
    return this.native.min;
  }
  /** observed finite maximum (-Infinity before any finite value) */
  get max(): number {
    return this.native.max;
  }
  /** histogram range low end (always <= min(min, 0)); 0 before any finite value */
  get lo(): number {
    return this.native.lo;
  }
  /** histogram range high end (always >= max(max, 0)); 0 before any finite value */
  get hi(): number {
    return this.native.hi;
  }

  /**
   * All scalar fields read atomically. Like the getters, this reflects the last completed
   * update and never waits for a running updateAsync (counts() and the range functions do).
   */
  state(): { bins: number; count: number; nonFinite: number; min: number; max: number; lo: number; hi: number } {
    return this.native.state();
  }

  /**
   * Copy of the bin masses (fractional after re-binning). Bin k covers [lo + k*w, lo + (k+1)*w),
   * w = (hi - lo) / bins. Waits for a running updateAsync.
   */
  counts(): Float64Array {
    return this.native.counts();
  }

  /** Adds another observer's data (re-binned into the union range). */
  merge(other: Histogram): void {
    this.native.merge(other.native);
  }
}

function rangeArgs(h: Histogram, opts: RangeOpts): [NativeHistogram, boolean, number | undefined] {
  if (!(h instanceof Histogram)) throw new TypeError('expected a Histogram');
  return [h.native, opts.symmetric, opts.levels];
}

export function minMaxRange(h: Histogram, opts: RangeOpts): Range {
  const [nh, sym] = rangeArgs(h, opts);
  return native().minMaxRange(nh, sym);
}

export function percentileRange(h: Histogram, percentile: number, opts: RangeOpts): Range {
  const [nh, sym] = rangeArgs(h, opts);
  return native().percentileRange(nh, percentile, sym);
}

export function klRange(h: Histogram, opts: RangeOpts): Range {
  const [nh, sym, levels] = rangeArgs(h, opts);
  return native().klRange(nh, sym, levels);
}

export function mseRange(h: Histogram, opts: RangeOpts): Range {
  const [nh, sym, levels] = rangeArgs(h, opts);
  return native().mseRange(nh, sym, levels);
}

/** Throws OctetError('DATA_NOT_FINITE') when the weights hold NaN/±Inf. */
export function quantizeWeights(data: Float32Array, dims: number[], opts: WeightQuantOpts): QuantizedTensor {
  return call(() => native().quantizeWeights(data, dims, opts.dtype, opts.symmetric, opts.axis, opts.reduceRange ?? false));
}

/**
 * Scale / zero point for a real range under the same rules as quantizeWeights (use it on
 * the ranges returned by the *Range functions). A zero-width range gives scale 1.
 */
export function computeQParams(range: Range, opts: Omit<WeightQuantOpts, 'axis'>): QParams {
  return native().computeQParams(range.lo, range.hi, opts.dtype, opts.symmetric, opts.reduceRange ?? false);
}

/**
 * scale[c] = float32(inputScale * weightScales[c]) (a scale of 0 becomes 1); `scale` has
 * weightScales.length entries (1 → broadcast over the bias). Throws DATA_NOT_FINITE.
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { data: Int32Array; scale: Float32Array } {
  return call(() => native().quantizeBias(bias, inputScale, weightScales));
}

/** ONNX QuantizeLinear with given params (saturating, round half to even; NaN → zeroPoint). */
export function quantizeLinear(data: Float32Array, scale: number, zeroPoint: number, dtype: QType): Int8Array | Uint8Array {
  return native().quantizeLinear(data, scale, zeroPoint, dtype);
}

export function fidelity(reference: Float32Array, test: Float32Array): Fidelity {
  return native().fidelity(reference, test);
}

/** @internal building blocks exposed for tests */
export const _internal = {
  klSearch(hist: Float64Array, quantBins: number): { index: number; kl: Float64Array } {
    return native()._internal.klSearch(hist, quantBins);
  },
  foldAbs(h: Histogram): { counts: Float64Array; A: number } {
    return native()._internal.foldAbs(h.native);
  },
};
