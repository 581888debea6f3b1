// Calibration and evaluation data: .npy files, folders of images, built-in digits.
export type { DataSource, ElemType, Feed, ImagePreprocess, InputSpec, OpenOptions, Sample, TypedData } from './types';
export { DEFAULT_PREPROCESS } from './types';
export { openDataSource } from './source';
export { openNpy, parseNpyHeader, type NpyHeader } from './npy';
export { IMAGE_EXTENSIONS, ImageFolderSource, openImageFolder } from './images';
export { openDigits, type DigitSplit } from './digits';
