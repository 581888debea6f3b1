// Calibration and evaluation data: .npz archives, .npy files and folders of them, folders of images, built-in digits.
export type { DataSource, ElemType, Feed, IdLimit, ImagePreprocess, InputFeedInfo, InputSpec, ModelInput, OpenOptions, Sample, TypedData } from './types';
export { DEFAULT_PREPROCESS } from './types';
export { openDataSource } from './source';
export { parseNpyHeader, type NpyHeader } from './npy';
export { openNpy, openArrays, npzArrays, npyFolderArrays, isRecurrentState } from './arrays';
export { modelInputs, staticInput, staticInputs, embeddingLimits } from './modelInputs';
export { IMAGE_EXTENSIONS, ImageFolderSource, openImageFolder } from './images';
export { openDigits, type DigitSplit } from './digits';
