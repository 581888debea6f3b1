// The one message protocol between a job host (Electron utility process, or a forked Node
// process for the CLI and browser mode) and the worker that runs the heavy job.
import type { ErrorInfo } from './errors';
import type { RecipeInput } from './recipe';
import type { QuantizeReport } from './report';
import type { ModelSummary } from './model';
import type { RuleMatch } from './api';
import type { BenchParams, BenchResult } from './bench';

export type Phase = 'load' | 'prepare' | 'calibrate' | 'convert' | 'save' | 'verify' | 'bench' | 'evaluate';

export interface ProgressEvent {
  phase: Phase;
  done: number;
  total: number;
  /** Estimated time left in this phase, from the rate so far. */
  etaMs?: number;
}

export interface QuantizeParams {
  model: string;
  output: string;
  data: string;
  recipe?: RecipeInput;
  shapes?: Record<string, number[]>;
  reportPath?: string;
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
  /** The model's graph without its weights, for the main process (which must not parse models itself). */
  facts: { params: FactsParams; result: ModelFacts };
}
export type JobKind = keyof JobTypes;
export type JobSpec = { [K in JobKind]: { kind: K; params: JobTypes[K]['params'] } }[JobKind];

/** host → worker */
export type HostMessage = { type: 'start'; jobId: string; spec: JobSpec } | { type: 'cancel'; jobId: string };

/** worker → host */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; jobId: string; progress: ProgressEvent }
  | { type: 'log'; jobId: string; line: string }
  | { type: 'result'; jobId: string; result: unknown }
  | { type: 'error'; jobId: string; error: ErrorInfo };
