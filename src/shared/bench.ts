// fp32-vs-int8 comparison: what `octet bench --json` writes and the wizard charts.
import type { PreprocessConfig } from './recipe';

export interface BenchParams {
  fp32: string;
  int8: string;
  data: string;
  samples?: number;
  runs?: number;
  threads?: number;
  shapes?: Record<string, number[]>;
  preprocess?: PreprocessConfig;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface OutputFidelity {
  output: string;
  cosine: number;
  sqnrDb: number;
  maxAbs: number;
  mse: number;
}

export interface BenchResult {
  samples: number;
  data: string;
  /** Milliseconds per run, batch 1. ratioMedian = median over rounds of int8/fp32. */
  latency: { fp32: Percentiles; int8: Percentiles; ratioMedian: number; ratioP10: number; ratioP90: number; rounds: number; threads: number };
  size: { fp32: number; int8: number };
  accuracy?: { fp32: number; int8: number; delta: number; samples: number };
  fidelity: { cosine: number; sqnrDb: number; maxAbs: number; top1Agreement: number; perOutput: OutputFidelity[]; worstSamples: { index: number; cosine: number }[] };
  cpu: { model: string; cores: number; avx2: boolean; avx512: boolean; vnni: boolean };
}
