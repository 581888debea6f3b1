// fp32-vs-int8 comparison: what `octet bench --json` writes and the wizard charts.
// Schema documented in docs/bench.md. Fields added after the first version are optional, so
// results saved by older builds still type-check.
import { z } from 'zod';
import type { PreprocessConfig } from './recipe';

/**
 * The benchmark's settings: one schema with one set of limits and defaults, read by the API
 * (shared/api.ts's startJob), the CLI (`octet bench` flags) and the engine (bench/compare.ts).
 * A new setting is a field here, its default in BENCH_DEFAULTS, and its flag in cli/bench.ts.
 */
export const benchSettingsSchema = z.strictObject({
  /** Samples evaluated for accuracy and fidelity. */
  samples: z.number().int().min(1).max(1_000_000).optional(),
  /** Interleaved A/B rounds for the batch-1 latency: at least this many... */
  runs: z.number().int().min(1).max(100_000).optional(),
  /** ...and at least this many seconds of them (at most 100× runs). Throughput points get a third of it each, at most 1 s. */
  minSeconds: z.number().min(0).max(3600).optional(),
  /** Intra-op threads for latency, accuracy and fidelity. */
  threads: z.number().int().min(1).max(1024).optional(),
  /** Batch sizes for throughput; batches > 1 need a symbolic batch dim in both models. */
  batches: z.array(z.number().int().min(1).max(65_536)).min(1).max(16).optional(),
  /** Intra-op thread counts for throughput (default [1, all cores]). */
  throughputThreads: z.array(z.number().int().min(1).max(1024)).min(1).max(16).optional(),
  /** Interleaved A/B rounds per throughput point (default max(5, runs / 5)). */
  throughputRuns: z.number().int().min(1).max(100_000).optional(),
  /** Untimed runs of each model before the rounds. */
  warmup: z.number().int().min(0).max(10_000).optional(),
  /** Samples for the per-layer error (0 skips it). */
  layerSamples: z.number().int().min(0).max(1024).optional(),
  /** Measure per-model memory in a child process. */
  memory: z.boolean().optional(),
});
export type BenchSettings = z.infer<typeof benchSettingsSchema>;

/** The settings of a BenchParams (paths, shapes and labels left out) checked against the schema. */
export function parseBenchSettings(p: BenchSettings) {
  return benchSettingsSchema.safeParse(Object.fromEntries(Object.entries(p).filter(([k]) => k in benchSettingsSchema.shape)));
}

/** What an unset setting means (throughputThreads and throughputRuns depend on the machine and on runs: see above). */
export const BENCH_DEFAULTS = {
  samples: 500,
  runs: 100,
  minSeconds: 3,
  threads: 1,
  batches: [1],
  warmup: 5,
  layerSamples: 4,
  memory: true,
  memoryRuns: 10,
} as const;

export interface BenchParams extends BenchSettings {
  fp32: string;
  int8: string;
  data: string;
  shapes?: Record<string, number[]>;
  preprocess?: PreprocessConfig;
  /** CSV mapping sample (image file name, or sample index) → class index or name; overrides labels from the data. */
  labels?: string;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface WorstSample {
  index: number;
  cosine: number;
  /** The sample's label, when the data has labels. */
  label?: number;
  /** Top-1 class of each model, when the first output is one score per class. */
  fp32Top1?: number;
  int8Top1?: number;
}

export interface OutputFidelity {
  output: string;
  cosine: number;
  sqnrDb: number;
  maxAbs: number;
  mse: number;
  /**
   * Share of rows of the last axis where both models put the maximum at the same index, averaged
   * over samples: top-1 agreement for a [1, C] classifier, per-anchor class agreement for a
   * detector's [1, anchors, classes] scores.
   */
  top1Agreement?: number;
  /** Lowest per-sample cosine on this output first. */
  worstSamples?: { index: number; cosine: number }[];
}

export interface TopK {
  fp32: number;
  int8: number;
  delta: number;
}

export interface ThroughputPoint {
  batch: number;
  threads: number;
  /** Median milliseconds per batch over every timed run, and the samples per second that gives. */
  fp32: { p50Ms: number; samplesPerSec: number };
  int8: { p50Ms: number; samplesPerSec: number };
  /** Median over rounds of int8/fp32 time per batch (block minima, as for latency). */
  ratioMedian: number;
  /** fp32 time / int8 time (1 / ratioMedian): above 1 means int8 is faster. */
  speedup: number;
  rounds: number;
}

export interface ModelMemory {
  /** RSS growth from creating the session (weights, prepacked kernels, graph). */
  sessionBytes: number;
  /** Peak RSS growth over session creation and the runs (ru_maxrss − RSS before creation). */
  peakBytes: number;
  /** The probe process's own peak RSS, Node and ONNX Runtime included. */
  processPeakBytes: number;
  createMs: number;
}

export interface LayerError {
  /** Tensor name, as in the fp32 model. */
  tensor: string;
  /** The fp32 node that produces it ('' for a graph input) and its op type ('input' for a graph input). */
  node: string;
  op: string;
  /** Position of the producer in the fp32 graph (0 for graph inputs). */
  order: number;
  sqnrDb: number;
  cosine: number;
  maxAbs: number;
  mse: number;
  /** Worst SQNR among the nearest compared tensors upstream minus this one: the error this stretch adds. */
  dropDb?: number;
  /** How the int8 side was read: a DequantizeLinear output, or a `<name>_quantized` tensor dequantized with its scale and zero point. */
  via: 'dequantized' | 'quantized';
}

export interface BenchResult {
  samples: number;
  data: string;
  /** The two model files compared. */
  models?: { fp32: string; int8: string };
  /**
   * Milliseconds per run, batch 1 (percentiles over every timed run). ratioMedian = median over
   * the A/B rounds of int8/fp32, each round's ratio taken between the two blocks' minima (blockStat).
   */
  latency: {
    fp32: Percentiles;
    int8: Percentiles;
    ratioMedian: number;
    ratioP10: number;
    ratioP90: number;
    rounds: number;
    threads: number;
    warmup?: number;
    /** Runs per model per round (the first run of each block is dropped). */
    block?: number;
    /** What each block contributes to its round's ratio: the minimum of its runs (the bench) or their median. */
    blockStat?: 'min' | 'median';
    /** Every timed run in ms, in order (for the distribution chart); evenly thinned to at most 2,000. */
    timesMs?: { fp32: number[]; int8: number[] };
    /** int8/fp32 of each round, in order; evenly thinned to at most 2,000. */
    roundRatios?: number[];
  };
  size: { fp32: number; int8: number };
  accuracy?: {
    fp32: number;
    int8: number;
    delta: number;
    samples: number;
    /** Top-5, when the first output has at least 5 classes. */
    top5?: TopK;
    /** Where the labels came from. */
    labelSource?: 'folders' | 'csv' | 'digits' | 'data';
    /** Class names by index, when known. */
    classes?: string[];
  };
  /** Over all outputs: the lowest cosine and SQNR, the largest max |err|; top1Agreement is the first output's. */
  fidelity: { cosine: number; sqnrDb: number; maxAbs: number; top1Agreement: number; perOutput: OutputFidelity[]; worstSamples: WorstSample[] };
  cpu: {
    model: string;
    cores: number;
    avx2: boolean;
    avx512: boolean;
    vnni: boolean;
    avx512vnni?: boolean;
    avxvnni?: boolean;
    /** ONNX Runtime version. */
    ort?: string;
    /** 1-minute load average when the benchmark started and when it finished: how busy the machine was. */
    loadAverage?: { start: number; end: number };
  };
  throughput?: {
    /** 'symbolic' when both models take any batch; otherwise the fixed batch (usually 1). */
    batchDim: 'symbolic' | number;
    /** Requested batches that could not run, with why (e.g. "fixed batch 1"). */
    unsupported: { batch: number; reason: string }[];
    points: ThroughputPoint[];
  };
  memory?: {
    /** How it was measured. */
    method: string;
    batch: number;
    threads: number;
    runs: number;
    fp32?: ModelMemory;
    int8?: ModelMemory;
    error?: string;
  };
  perLayer?: {
    samples: number;
    /** Worst SQNR first. */
    layers: LayerError[];
    /** int8 tensors with no fp32 counterpart, not compared. */
    skipped: number;
    method: string;
    error?: string;
  };
  /** Non-fatal notes (unmatched CSV rows, skipped measurements). */
  notes?: string[];
  /** ISO time the benchmark finished. */
  createdAt?: string;
  octetVersion?: string;
}
