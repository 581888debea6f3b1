// Types shared by every data source (image folders, .npy files, built-in digits).

/** Element types a model input can have (ONNX tensor types Octet feeds). */
export type ElemType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** A model input with fully static dims (the caller already applied --shape). dims[0] is the batch. */
export interface InputSpec {
  name: string;
  type: ElemType;
  dims: number[];
}

/**
 * A model input as declared, after --shape: null for a dim the data has to fix (symbolic or
 * unknown), with the symbolic dim names so that inputs sharing a dim (batch, sequence) agree.
 */
export interface ModelInput {
  name: string;
  type: ElemType;
  dims: (number | null)[];
  /** Symbolic dim names as declared (undefined for static or unnamed dims). */
  dimNames?: (string | undefined)[];
}

/** An integer input read by a Gather on a table (token ids into an embedding): ids must be in 0..rows-1. */
export interface IdLimit {
  rows: number;
  /** The table's initializer name, for the message. */
  table: string;
}

/** What one model input gets from the data, for logs, the report and the wizard. */
export interface InputFeedInfo {
  name: string;
  type: ElemType;
  /** The dims each sample is fed with. */
  dims: number[];
  /** Where its values come from: an array (file or archive member), images, digits, or zeros. */
  source: 'array' | 'images' | 'digits' | 'zeros';
  /** e.g. "/d/a.npz:input_ids.npy"; absent for zeros. */
  origin?: string;
  /** The array as stored: its full shape (first axis = samples) and dtype. */
  arrayShape?: number[];
  arrayDtype?: string;
  /** Set when a Gather reads this input from a table (token ids). */
  idLimit?: IdLimit;
}

/** Typed arrays a feed can hold. `bool` feeds use Uint8Array holding 0 or 1 (what onnxruntime-node expects); float16 feeds hold the half-precision bits in a Uint16Array. */
export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

/** One tensor for one model input; `dims` equal the InputSpec's dims. */
export interface Feed {
  type: ElemType;
  data: TypedData;
  dims: number[];
}

export interface Sample {
  feeds: Record<string, Feed>;
  /** Class index into DataSource.labels (image class folders) or the digit 0..9 (built-in digits). */
  label?: number;
}

export interface DataSource {
  /** One line for logs and the UI, e.g. "12 images from /x/y (stretch to 240×320, RGB, NCHW)". */
  readonly description: string;
  readonly count: number;
  /** Class names when samples carry labels; label i names class i. */
  readonly labels?: string[];
  /** One sample, batch dim as in the InputSpec. Random access: the same index always gives the same sample. */
  read(index: number): Promise<Sample>;
  /**
   * Checks every sample up front (decodes each image, scans .npy data for NaN/Inf) and throws
   * the first problem as read() would. Call it before a long calibration run to fail early.
   */
  validate?(onProgress?: (done: number, total: number) => void): Promise<void>;
  /** Per model input: the dims each sample is fed with and where the values come from (multi-input aware sources). */
  readonly feeds?: InputFeedInfo[];
  /** Things the user should know, e.g. "input 'h' is not in the data: fed zeros [1,1,64] (a recurrent state)". */
  readonly notes?: string[];
}

export interface ImagePreprocess {
  /**
   * stretch: resize to H×W ignoring aspect ratio.
   * center-crop: take the largest centred region with the input's aspect ratio, then resize.
   * random-crop: take a seeded random region with the input's aspect ratio covering 50–100% of the
   *   largest such region (per side), then resize. Deterministic for a given seed.
   */
  resize: 'stretch' | 'center-crop' | 'random-crop';
  /** Samples per image; >1 needs resize 'random-crop' (each crop is a different seeded region). */
  cropsPerImage: number;
  seed: number;
  /** Channel order of the model input. GRAY needs a 1-channel input, RGB/BGR a 3-channel one. */
  channels: 'RGB' | 'BGR' | 'GRAY';
  layout: 'NCHW' | 'NHWC';
  /** x = (pixel/255 - mean[c]) / std[c], c in the model's channel order (for BGR, mean[0] is blue). One value applies to all channels. */
  mean: number[];
  std: number[];
}

/**
 * Defaults. When `layout` or `channels` is not given explicitly, the image source infers it from
 * the input dims ([1,3,H,W] → NCHW, [1,H,W,3] → NHWC, C=1 → GRAY), so these two are only
 * the fallback for ambiguous shapes such as [1,3,3,3].
 */
export const DEFAULT_PREPROCESS: ImagePreprocess = Object.freeze({
  resize: 'stretch',
  cropsPerImage: 1,
  seed: 0,
  channels: 'RGB',
  layout: 'NCHW',
  mean: Object.freeze([0, 0, 0]) as number[],
  std: Object.freeze([1, 1, 1]) as number[],
}) as ImagePreprocess;

export interface OpenOptions {
  /** Image preprocessing (image folders only). */
  preprocess?: Partial<ImagePreprocess>;
  /** Use at most this many samples (the first ones in the source's deterministic order). */
  limit?: number;
  /** Which split of the built-in digits; ignored by other sources, which are used whole. */
  split?: 'calibration' | 'evaluation';
  /** Integer inputs that index a table (token ids): values are checked against its row count. */
  idLimits?: Record<string, IdLimit>;
}
