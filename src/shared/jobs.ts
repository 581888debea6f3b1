// The one message protocol between a job host (Electron utility process, or a forked Node
// process for the CLI and browser mode) and the worker that runs the heavy job.
import type { ErrorInfo } from './errors';
import type { PreprocessConfig, Recipe, RecipeInput, TuneMetric } from './recipe';
import type { QuantizeReport } from './report';
import type { ModelSummary } from './model';
import type { RuleMatch } from './api';
import type { BenchParams, BenchResult } from './bench';

export type Phase = 'load' | 'prepare' | 'calibrate' | 'convert' | 'save' | 'verify' | 'bench' | 'evaluate' | 'tune';

export interface ProgressEvent {
  phase: Phase;
  done: number;
  total: number;
  /** Estimated time left in this phase, from the rate so far. */
  etaMs?: number;
  /** Tune jobs: every trial so far and the best, so a live chart (and a cancel) keeps them. */
  tune?: TuneProgress;
}

/** What the worker hands every job function: progress and log sinks and the cancel signal. */
export interface JobHooks {
  onProgress?: (p: ProgressEvent) => void;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface QuantizeParams {
  model: string;
  output: string;
  data: string;
  recipe?: RecipeInput;
  shapes?: Record<string, number[]>;
  reportPath?: string;
}

export interface TuneParams {
  model: string;
  /** The int8 model: always written, with the best candidate found (so far, while it runs). */
  output: string;
  /** Calibration data; without `eval`, its first calib_samples calibrate and the next evalSamples measure the loss. */
  data: string;
  /** Held-out data for the loss (the evaluation split of the built-in digits). */
  eval?: string;
  /** A labels CSV (as for bench): enables metric top1 on data without its own labels. */
  labels?: string;
  /** The base recipe; its `tuning` block gives the defaults for metric, tolerableLoss and maxTrials. */
  recipe?: RecipeInput;
  metric?: TuneMetric;
  tolerableLoss?: number;
  maxTrials?: number;
  /** Stop starting trials after this many seconds. */
  timeoutSeconds?: number;
  /** Samples the loss is measured on (default 1000, fewer when the data holds fewer). */
  evalSamples?: number;
  /** Seconds of interleaved A/B timing per trial (default 1). */
  latencySeconds?: number;
  shapes?: Record<string, number[]>;
  /** The winning recipe, every measured decision pinned (default: next to output, <stem>.recipe.json). */
  recipePath?: string;
  /** Every trial as JSON. */
  reportPath?: string;
}

/** One candidate, converted and measured. */
export interface TuneTrial {
  index: number;
  /** Which step of the strategy proposed it. */
  step: 'base' | 'act_algo' | 'local_algo' | 'granularity' | 'smooth_quant' | 'fallback';
  /** One line: what this trial changed against the base recipe. */
  delta: string;
  /** The recipe fields that differ from the (pinned) base recipe. */
  recipeDelta: Record<string, unknown>;
  /** The full recipe, every decision pinned (replays to the same bytes). */
  recipe: Recipe;
  /** In the metric's units (see TuneResult.lossMeaning); undefined when the trial failed. */
  loss?: number;
  meets?: boolean;
  /** Measured on the evaluation samples. */
  top1?: number;
  cosine?: number;
  sqnrDb?: number;
  /** int8/fp32, median of interleaved rounds at 1 thread. */
  latencyRatio?: number;
  int8Ms?: number;
  fp32Ms?: number;
  /** Compute ops ORT runs in int8 / leaves in fp32. */
  int8Ops?: number;
  fp32Ops?: number;
  seconds: number;
  error?: string;
}

export interface TuneProgress {
  metric: TuneMetric;
  tolerableLoss: number;
  maxTrials: number;
  trials: TuneTrial[];
  /** Index into trials of the best so far (the fastest that meets the tolerance, else the lowest loss). */
  best?: number;
  /** fp32 top-1 on the evaluation samples, when there are labels. */
  fp32Top1?: number;
}

export interface TuneResult extends TuneProgress {
  met: boolean;
  best: number;
  /** What ended the search. */
  stoppedBy: 'goal' | 'max_trials' | 'timeout' | 'exhausted';
  /** e.g. "loss = 1 − cosine of the outputs against fp32 (worst output)". */
  lossMeaning: string;
  /** How calibration and evaluation samples were chosen. */
  split: string;
  evalSamples: number;
  /** Which sensitivity measure ordered the fp32 fallbacks, and why. */
  sensitivity: string;
  /** Compute ops probed alone in fp32 (loss with only that op fp32), when the fallback step ran. */
  probes?: { node: string; loss: number; seconds: number }[];
  /** The chosen candidate timed head to head against the fastest other graph within the tolerance, when they measured within 10%: rival/chosen latency. */
  runoff?: { chosen: number; rival: number; ratio: number; kept: number };
  output: string;
  recipePath: string;
  reportPath?: string;
  /** The winning recipe as written. */
  recipe: Recipe;
  /** The final model re-converted from the written recipe alone (as `octet quantize --recipe` does) had the trial's bytes. */
  replayIdentical: boolean;
  /** The written model's loss, when its bytes differ from the trial's (then measured again). */
  finalLoss?: number;
  /** The quantization report of the written model. */
  report: QuantizeReport;
  seconds: number;
}

/** The fix loop's look at one quantized tensor (quant/tune/layerDetail.ts). */
export interface LayerDetailParams {
  fp32: string;
  int8: string;
  data: string;
  tensor: string;
  /** Calibration samples to read (the first ones, as calibration does). */
  samples: number;
  preprocess?: PreprocessConfig;
  shapes?: Record<string, number[]>;
}

export interface LayerDetail {
  tensor: string;
  /** The node whose `local` rule sets this tensor's range (a Relu absorbed after a Conv belongs to the Conv). */
  owner?: { name: string; opType: string };
  samples: number;
  values: number;
  min: number;
  max: number;
  /** Equal-width bins from lo to hi (which include the chosen range). */
  histogram: { lo: number; hi: number; counts: number[] };
  /** The range the int8 model quantizes this tensor to (from its DequantizeLinear). */
  range?: { lo: number; hi: number; scale: number; zeroPoint: number; qmin: number; qmax: number };
  /** Share of values outside the range (clipped). */
  clippedFraction?: number;
  /** SQNR of the fp32 values against themselves quantized with that range: the error this tensor alone adds (999: none). */
  isolatedSqnrDb?: number;
}

export interface InspectParams {
  model: string;
}

export interface FactsParams {
  model: string;
  /** Models with more nodes (subgraphs included) are refused with a clear error. */
  maxNodes: number;
  /** Recipe keys to count matches for (countRuleMatches when the count is too big for the main process). */
  keys?: string[];
}

/** What the wizard's Data and Rules steps need to know about a model: node names and the inputs it feeds. */
export interface ModelFacts {
  nodes: { name: string; opType: string }[];
  feeds: { name: string; type: string; dims: (number | null)[] | undefined }[];
  /** With params.keys: the matches of each key. */
  rules?: RuleMatch[];
}

/** Every job kind with its parameters and result: one table, so transports cannot drift. */
export interface JobTypes {
  quantize: { params: QuantizeParams; result: QuantizeReport };
  inspect: { params: InspectParams; result: ModelSummary };
  bench: { params: BenchParams; result: BenchResult };
  /** Accuracy-aware tuning: trials of recipes, the fastest within the tolerance kept (quant/tune.ts). */
  tune: { params: TuneParams; result: TuneResult };
  /** One quantized tensor for the fix loop: histogram, chosen range, isolated error, owner node. */
  layer: { params: LayerDetailParams; result: LayerDetail };
  /** The model's graph without its weights, for the main process (which must not parse models itself). */
  facts: { params: FactsParams; result: ModelFacts };
}
export type JobKind = keyof JobTypes;
export type JobParams<K extends JobKind> = JobTypes[K]['params'];
export type JobResult<K extends JobKind> = JobTypes[K]['result'];
/** One job of kind K: what a host sends a worker. */
export interface JobSpecOf<K extends JobKind> {
  kind: K;
  params: JobParams<K>;
}
/** Any job: the union over JobTypes, so a switch on `kind` narrows `params`. */
export type JobSpec = { [K in JobKind]: JobSpecOf<K> }[JobKind];
/** A finished job's result, tagged with its kind so the host can check it is the one it asked for. */
export interface JobResultMessage<K extends JobKind> {
  type: 'result';
  jobId: string;
  kind: K;
  result: JobResult<K>;
}

/** host → worker */
export type HostMessage = { type: 'start'; jobId: string; spec: JobSpec } | { type: 'cancel'; jobId: string };

/** worker → host */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; jobId: string; progress: ProgressEvent }
  | { type: 'log'; jobId: string; line: string }
  | { [K in JobKind]: JobResultMessage<K> }[JobKind]
  | { type: 'error'; jobId: string; error: ErrorInfo };
