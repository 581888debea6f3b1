// A few samples of the data exactly as the model is fed them, drawn as small PNGs. Reading a
// handful of samples is light, so it runs here rather than in a worker, but only for inputs of a
// bounded size: the model declares the sample size, and a model is hostile input, so the size is
// checked before anything is read or allocated.
import sharp from 'sharp';
import { openDataSource } from '../data';
import type { Feed } from '../data/types';
import type { PreprocessConfig } from '../../shared/recipe';
import type { DataPreview, PreviewSample } from '../../shared/api';
import { OctetError } from '../../shared/errors';
import { staticInputs, type ModelFacts } from './modelFacts';

export interface PreviewRequest {
  model: string;
  data: string;
  preprocess?: PreprocessConfig;
  count: number;
  split: 'calibration' | 'evaluation';
  shapes?: Record<string, number[]>;
}

/**
 * Values one previewed sample may hold, over all its inputs: 32 Mi, e.g. [1,3,3000,3000] (27 M).
 * A sample is read, drawn and dropped before the next, and drawing adds one byte per value, so
 * the preview holds at most about 32 Mi × (8 + 1) bytes ≈ 290 MiB (float64; 160 MiB for float32)
 * plus the image decoder's buffers, whatever the model declares. [1,3,20000,20000] (1.2 G values,
 * 4.8 GB as float32) is refused before anything is read.
 */
export const PREVIEW_MAX_VALUES = 32 * 2 ** 20;

export async function previewData(req: PreviewRequest, facts: ModelFacts): Promise<DataPreview> {
  const inputs = staticInputs(facts, req.shapes);
  const values = inputs.reduce((a, i) => a + i.dims.reduce((x, d) => x * d, 1), 0);
  if (values > PREVIEW_MAX_VALUES) {
    const dims = inputs.map((i) => `'${i.name}' [${i.dims.join(',')}]`).join(', ');
    throw new OctetError(
      'MODEL_UNSUPPORTED',
      `The model's input${inputs.length === 1 ? '' : 's'} ${dims} hold${inputs.length === 1 ? 's' : ''} ${values.toLocaleString('en-US')} values per sample; the data preview reads at most ${PREVIEW_MAX_VALUES.toLocaleString('en-US')} (e.g. [1,3,3000,3000]). Give a smaller --shape if the model takes one.`,
    );
  }
  const source = await openDataSource(req.data, inputs, { preprocess: req.preprocess, split: req.split });
  if (source.count === 0) throw new OctetError('DATA_EMPTY', `${source.description} holds no samples`);
  const input = inputs[0];
  const n = Math.min(req.count, source.count);
  const samples: PreviewSample[] = [];
  for (let i = 0; i < n; i++) {
    const s = await source.read(i);
    // An own property only: an input named `constructor` must not find Object's.
    const feed = Object.hasOwn(s.feeds, input.name) ? s.feeds[input.name] : undefined;
    if (!feed) throw new OctetError('INTERNAL', `${source.description} gave no value for input '${input.name}'`);
    const label = s.label;
    samples.push({
      index: i,
      label,
      labelName: label !== undefined ? (source.labels?.[label] ?? String(label)) : undefined,
      ...(await drawFeed(feed, req.preprocess)),
    });
  }
  return {
    description: source.description,
    count: source.count,
    labels: source.labels,
    input: { name: input.name, type: input.type, dims: input.dims },
    samples,
  };
}

const PREVIEW_SIDE = 160;

interface ImageLayout {
  width: number;
  height: number;
  channels: number;
  at: (y: number, x: number, c: number) => number;
}

/** How a batch-1 tensor maps to an image, if it looks like one. */
function layoutOf(dims: number[], pre?: PreprocessConfig): ImageLayout | undefined {
  const d = dims[0] === 1 ? dims.slice(1) : dims;
  if (d.length === 2) return { height: d[0], width: d[1], channels: 1, at: (y, x) => y * d[1] + x };
  if (d.length !== 3) return undefined;
  const chw = pre?.layout === 'NCHW' || (pre?.layout !== 'NHWC' && [1, 3].includes(d[0]));
  const hwc = pre?.layout === 'NHWC' || (!chw && [1, 3].includes(d[2]));
  if (chw && [1, 3].includes(d[0])) {
    const [c, h, w] = d;
    return { channels: c, height: h, width: w, at: (y, x, k) => k * h * w + y * w + x };
  }
  if (hwc && [1, 3].includes(d[2])) {
    const [h, w, c] = d;
    return { channels: c, height: h, width: w, at: (y, x, k) => (y * w + x) * c + k };
  }
  return undefined;
}

async function drawFeed(feed: Feed, pre?: PreprocessConfig): Promise<Omit<PreviewSample, 'index' | 'label' | 'labelName'>> {
  // Read in place (no float64 copy of the sample): bigint elements become numbers one at a time.
  const data = feed.data as ArrayLike<number | bigint>;
  const value = (i: number): number => Number(data[i]);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = value(i);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const stats = { min, max, mean: data.length ? sum / data.length : 0 };
  const lay = layoutOf(feed.dims, pre);
  if (!lay || lay.width * lay.height > 1024 * 1024) return { width: 0, height: 0, channels: 0, stats };
  // Stretch to 0..255 for display: normalisation (mean/std) makes raw values unreadable as pixels.
  const span = max > min ? max - min : 1;
  const px = Buffer.alloc(lay.width * lay.height * lay.channels);
  const bgr = pre?.channels === 'BGR' && lay.channels === 3;
  for (let y = 0; y < lay.height; y++) {
    for (let x = 0; x < lay.width; x++) {
      for (let c = 0; c < lay.channels; c++) {
        const src = bgr ? 2 - c : c;
        px[(y * lay.width + x) * lay.channels + c] = Math.round(((value(lay.at(y, x, src)) - min) / span) * 255);
      }
    }
  }
  let img = sharp(px, { raw: { width: lay.width, height: lay.height, channels: lay.channels as 1 | 3 } });
  // Thumbnails, not full images: the preview only has to show what preprocessing did.
  if (Math.max(lay.width, lay.height) > PREVIEW_SIDE) img = img.resize({ width: PREVIEW_SIDE, height: PREVIEW_SIDE, fit: 'inside' });
  const png = await img.png().toBuffer();
  return { width: lay.width, height: lay.height, channels: lay.channels, png: `data:image/png;base64,${png.toString('base64')}`, stats };
}
