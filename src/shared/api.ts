// The one contract between the renderer and the main side. IPC (Electron), the WebSocket (browser
// mode) and the preload are all derived from API below: a method exists if and only if it is in
// that table, its arguments are checked at run time by its zod schema, and its result type is
// carried alongside so both ends agree at compile time.
import { z } from 'zod';
import type { ErrorInfo } from './errors';
import type { JobKind, JobTypes, LayerDetail, ProgressEvent } from './jobs';
import type { ModelSummary } from './model';
import { benchSettingsSchema } from './bench';
import { preprocessSchema, recipeSchema, TUNE_METRICS, type PreprocessConfig, type RecipeInput } from './recipe';

/** Phantom carrier for a result type: the table holds no value, only the type. */
const returns = <T>(): T => undefined as unknown as T;

const path = z.string().trim().min(1, 'a path is required').max(4096);
/** A data spec: a .npz archive, a .npy file, a folder of .npy files or of images, or a built-in name (mnist, mnist:train, mnist:test). */
const dataSpec = z.string().trim().min(1, 'choose calibration data').max(4096);
const shapes = z.record(z.string().min(1).max(512), z.array(z.number().int().positive()).min(1).max(8)).optional();
const jobId = z.string().min(1).max(64);

/** What the renderer asks for; the main side fills in output paths it owns (its work folder). */
export const jobRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('quantize'),
    params: z.strictObject({
      model: path,
      data: dataSpec,
      recipe: recipeSchema.optional(),
      shapes,
    }),
  }),
  z.strictObject({
    kind: z.literal('bench'),
    // The settings (limits and all) are shared/bench.ts's, as for the CLI and the engine.
    params: benchSettingsSchema.extend({
      fp32: path,
      int8: path,
      data: dataSpec,
      /** A CSV of labels the user chose (pickPath 'labelsCsv'). */
      labels: path.optional(),
      shapes,
      preprocess: preprocessSchema.optional(),
    }),
  }),
  z.strictObject({ kind: z.literal('inspect'), params: z.strictObject({ model: path }) }),
  z.strictObject({
    kind: z.literal('tune'),
    params: z.strictObject({
      model: path,
      data: dataSpec,
      /** Held-out data for the loss; without it the samples of `data` after calib_samples. */
      eval: dataSpec.optional(),
      labels: path.optional(),
      recipe: recipeSchema.optional(),
      metric: z.enum(TUNE_METRICS).optional(),
      tolerableLoss: z.number().min(0).max(1e6).optional(),
      maxTrials: z.number().int().min(1).max(200).optional(),
      timeoutSeconds: z.number().min(1).max(86400).optional(),
      evalSamples: z.number().int().min(1).max(10000).optional(),
      latencySeconds: z.number().min(0.1).max(30).optional(),
      shapes,
    }),
  }),
]);
export type JobRequest = z.input<typeof jobRequestSchema>;

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

interface JobBase {
  id: string;
  state: JobState;
  /** One line for lists, e.g. "quantize digits.onnx". */
  label: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress?: ProgressEvent;
  /** The worker's process id while it runs (for diagnostics and the crash test). */
  pid?: number;
  error?: ErrorInfo;
  /** The last log lines of the job. */
  logs: string[];
}
/** A job as the renderer sees it: the parameters the worker got and, once done, its result. */
export type JobInfo = { [K in JobKind]: JobBase & { kind: K; params: JobTypes[K]['params']; result?: JobTypes[K]['result'] } }[JobKind];

export interface NodeRef {
  name: string;
  opType: string;
}

export interface RuleMatch {
  key: string;
  /** How the key is read: an exact node name, an op type (or alias), a regex, or nothing it matches. */
  kind: 'name' | 'type' | 'regex' | 'none';
  /** Nodes the key matches. */
  matches: number;
  /** Nodes where this key is the highest-precedence match (name > regex > type). */
  wins: number;
  /** A few of the matched node names. */
  examples: string[];
  /** Set when the key is not usable (e.g. a broken regex). */
  error?: string;
}

export interface PreviewSample {
  index: number;
  label?: number;
  labelName?: string;
  width: number;
  height: number;
  channels: number;
  /** A small PNG of what the model is fed (rescaled to 0..255 for display), or absent for non-image inputs. */
  png?: string;
  stats: { min: number; max: number; mean: number };
}

export interface DataPreview {
  description: string;
  count: number;
  labels?: string[];
  input: { name: string; type: string; dims: number[] };
  samples: PreviewSample[];
}

/** One model input as the data feeds it (describeData). */
export interface DataInputView {
  name: string;
  type: string;
  /** The input's dims as the model declares them (null: symbolic, fixed by the data or --shape). */
  modelDims: (number | null)[] | null;
  /** The dims each sample is fed with. */
  dims: number[];
  source: 'array' | 'images' | 'digits' | 'zeros';
  /** The array it comes from, e.g. "/d/a.npz array 'input_ids'". */
  origin?: string;
  /** The array as stored: full shape (first axis = samples) and dtype. */
  arrayShape?: number[];
  arrayDtype?: string;
  /** How to show it: token ids and masks as numbers, images as pictures (previewData). */
  kind: 'ids' | 'mask' | 'values' | 'image' | 'zeros';
  /** Value range over the first `scanned` samples. */
  min: number;
  max: number;
  scanned: number;
  /** The first values of sample 0 (ids and masks, shown as they are). */
  head?: number[];
}

export interface DataDescription {
  description: string;
  count: number;
  labels?: string[];
  /** e.g. a recurrent state fed zeros. */
  notes: string[];
  inputs: DataInputView[];
}

export interface Settings {
  recentModels: string[];
  lastRecipe?: RecipeInput;
  lastData?: { spec: string; preprocess?: PreprocessConfig };
}

export interface ExportedFile {
  kind: 'model' | 'recipe' | 'reportJson' | 'reportHtml';
  path: string;
  bytes: number;
  /** True when a file of that name was replaced. */
  replaced: boolean;
}

export interface BrowseEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
  size?: number;
}

export interface Capabilities {
  mode: 'electron' | 'browser';
  version: string;
  /** Native open/save dialogs (Electron). */
  dialogs: boolean;
  /** Folders paths may come from (browser mode). */
  roots: { path: string; writable: boolean }[];
  concurrency: number;
  /** Cores of the machine that runs the jobs: what "all cores" means in a benchmark (bench/compare.ts). */
  cores: number;
}

const settingsPatch = z.strictObject({
  lastRecipe: recipeSchema.optional(),
  lastData: z.strictObject({ spec: dataSpec, preprocess: preprocessSchema.optional() }).optional(),
});

/** Every method: its parameter schema and result type. The only list of methods anywhere. */
export const API = {
  capabilities: { params: z.strictObject({}), result: returns<Capabilities>() },
  /** The project's own demo: model, data and a recipe that works offline. */
  demoDefaults: {
    params: z.strictObject({}),
    result: returns<{ model: string; available: boolean; data: string; recipe: RecipeInput; evalSamples: number; description: string }>(),
  },
  /** Summary of a model (runs an inspect job in a worker). */
  inspectModel: { params: z.strictObject({ path }), result: returns<ModelSummary>() },
  /** Node names (unnamed nodes named as the engine names them) and op types, for the rules table. */
  listNodes: { params: z.strictObject({ model: path }), result: returns<{ nodes: NodeRef[] }>() },
  /** How many nodes each recipe.local key hits. */
  countRuleMatches: {
    params: z.strictObject({ model: path, keys: z.array(z.string().max(1024)).max(500) }),
    result: returns<{ rules: RuleMatch[]; total: number }>(),
  },
  /** A few preprocessed samples of the data, as the model will see them. */
  previewData: {
    params: z.strictObject({
      model: path,
      data: dataSpec,
      preprocess: preprocessSchema.optional(),
      count: z.number().int().min(1).max(24).default(8),
      split: z.enum(['calibration', 'evaluation']).default('calibration'),
      shapes,
    }),
    result: returns<DataPreview>(),
  },
  /** Every model input with the array that feeds it: shape, dtype, value range (any number of inputs, .npz/.npy data). */
  describeData: {
    params: z.strictObject({
      model: path,
      data: dataSpec,
      preprocess: preprocessSchema.optional(),
      split: z.enum(['calibration', 'evaluation']).default('calibration'),
      shapes,
    }),
    result: returns<DataDescription>(),
  },
  /** The fix loop: one quantized tensor's calibration histogram, chosen range, isolated error and owner node (a side job). */
  layerDetail: {
    params: z.strictObject({
      fp32: path,
      int8: path,
      data: dataSpec,
      tensor: z.string().min(1).max(4096),
      samples: z.number().int().min(1).max(256).default(16),
      preprocess: preprocessSchema.optional(),
      shapes,
    }),
    result: returns<LayerDetail>(),
  },
  startJob: { params: jobRequestSchema, result: returns<{ jobId: string }>() },
  cancelJob: { params: z.strictObject({ jobId }), result: returns<{ cancelled: boolean }>() },
  getJob: { params: z.strictObject({ jobId }), result: returns<JobInfo>() },
  listJobs: { params: z.strictObject({}), result: returns<JobInfo[]>() },
  /** Copies the int8 model and writes the recipe and report (JSON, HTML) into a folder. */
  exportArtifacts: {
    params: z.strictObject({
      jobId,
      benchJobId: jobId.optional(),
      folder: path,
      baseName: z
        .string()
        .trim()
        .min(1)
        .max(200)
        .regex(/^[^/\\:*?"<>|\0]+$/, 'a file name without / \\ : * ? " < > |')
        .refine((s) => s !== '.' && s !== '..', 'not . or ..'),
      include: z.strictObject({ model: z.boolean(), recipe: z.boolean(), reportJson: z.boolean(), reportHtml: z.boolean() }),
    }),
    result: returns<{ files: ExportedFile[] }>(),
  },
  /** Browser mode: lists a folder inside the allowed roots (no argument: the roots). */
  browse: { params: z.strictObject({ dir: path.optional() }), result: returns<{ dir?: string; parent?: string; entries: BrowseEntry[] }>() },
  /** Electron: a native dialog; the chosen path becomes allowed. null when the user cancels. */
  pickPath: {
    params: z.strictObject({ purpose: z.enum(['model', 'dataFolder', 'dataNpy', 'labelsCsv', 'exportFolder']) }),
    result: returns<{ path: string | null }>(),
  },
  recent: { params: z.strictObject({}), result: returns<Settings>() },
  saveSettings: { params: settingsPatch, result: returns<Settings>() },
} as const;

export type ApiTable = typeof API;
export type ApiMethod = keyof ApiTable;
export const API_METHODS = Object.keys(API) as ApiMethod[];
/** What a caller passes (defaults may be left out). */
export type ApiParams<M extends ApiMethod> = z.input<ApiTable[M]['params']>;
/** What a handler receives after validation (defaults filled in). */
export type ApiArgs<M extends ApiMethod> = z.output<ApiTable[M]['params']>;
export type ApiResult<M extends ApiMethod> = ApiTable[M]['result'];

export const isApiMethod = (m: unknown): m is ApiMethod => typeof m === 'string' && Object.prototype.hasOwnProperty.call(API, m);

/** Pushed from the main side to every renderer: job updates, and menu commands in Electron. */
export type ApiEvent =
  | { type: 'state'; job: JobInfo }
  | { type: 'progress'; jobId: string; progress: ProgressEvent }
  | { type: 'log'; jobId: string; line: string }
  | { type: 'result'; job: JobInfo }
  | { type: 'error'; job: JobInfo }
  /** Electron menu commands (the path was picked in a native dialog and is allowed). */
  | { type: 'command'; command: 'openModel'; path: string }
  | { type: 'command'; command: 'step'; step: number };

/** Every reply carries an error as data, so no transport has to serialize exceptions. */
export type ApiReply<M extends ApiMethod = ApiMethod> = { ok: true; result: ApiResult<M> } | { ok: false; error: ErrorInfo };

// WebSocket frames (browser mode).
export type WsRequest = { id: number; method: ApiMethod; params: unknown };
export type WsServerFrame = ({ id: number } & ApiReply) | { event: ApiEvent };

// Electron IPC channels.
export const IPC_CALL = 'octet:call';
export const IPC_EVENT = 'octet:event';
export const IPC_DROP = 'octet:drop';

/** What the preload exposes as window.octet: one function per API method, plus events. */
export type OctetBridge = {
  api: { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiReply<M>> };
  onEvent(cb: (e: ApiEvent) => void): () => void;
  /** A dropped file's path, which becomes allowed (Electron only; null for files without a path). */
  droppedFile(file: unknown): Promise<string | null>;
};

export const DEMO_DATA = 'mnist';
