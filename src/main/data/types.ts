// Types shared by every data source (image folders, .npy files, built-in digits).

/** Element types a model input can have (ONNX tensor types Octet feeds). */
export type ElemType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** A model input with fully static dims (the caller already applied --shape). dims[0] is the batch. */
export interface InputSpec {
  name: string;
  type: ElemType;
  dims: number[];
}

/** Typed arrays a feed can hold. `bool` feeds use Uint8Array holding 0 or 1 (what onnxruntime-node expects). */
export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

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
}
