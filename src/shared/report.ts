// The quantization report: what `octet quantize --report` writes, what the worker returns and
// what the wizard shows. Plain data so it crosses every transport unchanged.
import type { ActAlgo, Recipe } from './recipe';

/** Output cosine against fp32 below which an int8 model is not faithful: the report's note and the zoo's verdict. */
export const FAITHFUL_COSINE = 0.995;
/** Agreement of integer results (top class, decoded text) at and above which int8 counts as faithful. */
export const FAITHFUL_AGREEMENT = 0.99;

export interface FusionDetail {
  node: string;
  opType: string;
  reason: string;
}

export interface FusionReport {
  /** Compute ops (Conv, MatMul, Gemm) that ORT runs with int8 kernels. */
  int8Ops: number;
  /** Compute ops left in fp32 after ORT's optimizations. */
  fp32ComputeOps: number;
  int8OpsByType: Record<string, number>;
  fp32OpsByType: Record<string, number>;
  /** Q/DQ nodes ORT could not fold away: each one costs a pass over its tensor. */
  quantizeOps: number;
  dequantizeOps: number;
  /** Every fp32 compute op with the reason it stayed fp32. */
  details: FusionDetail[];
  warnings: string[];
}

/** One int8 compute op's kernel time against its fp32 form, measured on this CPU at 1 thread. */
export interface OpSpeed {
  node: string;
  opType: string;
  fp32Us: number;
  int8Us: number;
}

export interface SpeedCheck {
  /** Compute ops kept in fp32 because int8 measured slower here. */
  keptFloat: string[];
  /** Median int8-variant latency ratio (with kept-fp32 ops / all-int8), interleaved; absent when nothing was worth trying. */
  variantRatio?: number;
  ops: OpSpeed[];
  /** MatMuls of two activations, tried in fp32 as a group: int8 only when clearly faster and at most 1 dB less faithful. */
  activationMatMuls?: GroupCheck;
  /** Add/Mul between int8 ops measured in int8 against fp32 (each int8 one rounds its output once more). */
  elementwise?: GroupCheck;
  /** Elementwise ops gated by an fp32 input (x · HardSigmoid(…)), int8 with the gate quantized or fp32, one group per op computing the gate. */
  gates?: (GroupCheck & { gate: string })[];
}

/** The output with the lowest cosine against fp32: the one fidelity is judged by. */
export function lowestOutput<O extends { cosine: number }>(outputs: readonly O[]): O | undefined {
  return outputs.reduce<O | undefined>((a, b) => (!a || b.cosine < a.cosine ? b : a), undefined);
}

/** A group of ops measured in fp32 against int8 as a whole. */
export interface GroupCheck {
  nodes: string[];
  keptFloat: boolean;
  /** Median interleaved latency ratio, with the group in fp32 / in int8. */
  variantRatio: number;
  /** Output SQNR on calibration samples with the group in int8 and in fp32. */
  sqnrDb: { int8: number; fp32: number };
}

/** One MatMul/Gemm under w_granularity `auto`: its weight SQNR (dB) quantized each way. */
export interface GranularityOp {
  node: string;
  opType: string;
  weightSqnrDb: { perChannel: number; perTensor: number };
}

/** How w_granularity `auto` was resolved. */
export interface WeightGranularity {
  /** Nodes given per-tensor weights; every other weight is per-channel. */
  perTensor: string[];
  reason: string;
  ops: GranularityOp[];
  /** Output SQNR on calibration samples, all-per-channel and with the per-tensor variant, when one was tried. */
  sqnrDb?: { perChannel: number; variant: number };
  /** Median latency ratio variant / per-channel, interleaved; when one was tried. */
  variantRatio?: number;
}

export interface QuantizeReport {
  octetVersion: string;
  createdAt: string;
  input: { path: string; sha256: string; opset: number; sizeBytes: number };
  output: { path: string; sizeBytes: number; opset: number; format: Recipe['format'] };
  recipe: Recipe;
  preparation: {
    opsetUpgradedFrom?: number;
    opsetChanges: string[];
    foldedBatchNorms: number;
    /** Div by a constant rewritten as Mul (ORT has an int8 Mul, no int8 Div). */ divisionsAsMul?: number;
    /** Add/Mul whose constant input was moved second, for ORT's Conv+Add/Mul fusions. */ constantsSecond?: number;
    /** GELU subgraphs (Div, Erf, Add, Mul, Mul) written as one Gelu node, which ORT cannot fuse behind a DequantizeLinear. */
    geluFused?: number;
    shapes: Record<string, number[]>;
  };
  /** `notes`: what the data left to defaults, e.g. a recurrent state fed zeros. */
  /** `algo` is the algorithm the ranges came from (act_algo `auto` resolved; `choice` says how). */
  calibration: { samples: number; algo: ActAlgo; seconds: number; tensors: number; passes: number; data: string; notes?: string[]; choice?: RangeChoiceReport };
  /**
   * The written model's outputs against fp32 on calibration samples (padded positions left out):
   * the fidelity every measured choice aimed at, and `note` when it is low enough to matter.
   */
  outputFidelity?: {
    samples: number;
    sqnrDb: number;
    /** The median over samples of each one's output SQNR (what act_algo auto compares). */ medianSampleSqnrDb: number;
    cosine: number;
    /** Each output on its own; the lowest cosine decides the note. */
    outputs: {
      name: string;
      cosine: number;
      maxAbsError: number;
      maxAbs: number;
      /** Class scores: share of samples whose top class (on every row) is fp32's. */
      argmaxAgreement?: number;
    }[];
    note?: string;
  };
  /** Multiply-accumulates of one calibration sample (main graph's Conv/MatMul/Gemm), and whether int8 can be expected to pay. */
  compute?: { macsPerSample: number; computeBound: boolean; note?: string };
  fusion: FusionReport;
  speedCheck?: SpeedCheck;
  smoothQuant?: SmoothQuantReport;
  /** Whether weights use 7 bits (reduce_range) and why. */
  weightBits: { reduceRange: boolean; reason: string };
  /** Present when w_granularity `auto` applied to some MatMul/Gemm and the speed check ran. */
  weightGranularity?: WeightGranularity;
  nodes: { total: number; int8: number; excluded: { node: string; opType: string; reason: string }[] };
  warnings: string[];
  seconds: number;
}

/** What act_algo `auto` chose, with each algorithm's output SQNR on calibration samples. */
export interface RangeChoiceReport {
  chosen: ActAlgo;
  sqnrDb: Partial<Record<ActAlgo, number>>;
  reason: string;
}

/** What `smooth_quant` decided, with the output SQNR of each candidate on calibration samples. */
export interface SmoothQuantReport {
  applied: boolean;
  alpha?: number;
  /** MatMul/Gemm activations that could be smoothed (one per shared input). */
  groups: number;
  reason: string;
  /** Output SQNR (dB): without SmoothQuant, and per alpha tried. */
  sqnrDb?: { off: number; byAlpha: Record<string, number> };
}

/** The weight granularity as resolved, with the measurement behind `auto` when there was one. */
export function weightGranularityText(r: Pick<QuantizeReport, 'recipe' | 'weightGranularity'>): string {
  const g = r.weightGranularity;
  if (g) return g.reason.replace(/^auto: /, '');
  return r.recipe.w_granularity === 'auto' ? 'per-channel' : r.recipe.w_granularity.replace('_', '-');
}
