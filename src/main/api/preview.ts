// A few samples of the data exactly as the model is fed them, drawn as small PNGs. Reading a
// handful of samples is light, so it runs here rather than in a worker.
import sharp from 'sharp';
import { openDataSource } from '../data';
import type { Feed } from '../data/types';
import type { PreprocessConfig } from '../../shared/recipe';
import type { DataPreview, PreviewSample } from '../../shared/api';
import { OctetError } from '../../shared/errors';
import { modelFacts, staticInputs } from './modelFacts';

export interface PreviewRequest {
  model: string;
  data: string;
  preprocess?: PreprocessConfig;
  count: number;
  split: 'calibration' | 'evaluation';
  shapes?: Record<string, number[]>;
}

export async function previewData(req: PreviewRequest): Promise<DataPreview> {
  const facts = await modelFacts(req.model);
  const inputs = staticInputs(facts, req.shapes);
  const source = await openDataSource(req.data, inputs, { preprocess: req.preprocess, split: req.split });
  if (source.count === 0) throw new OctetError('DATA_EMPTY', `${source.description} holds no samples`);
  const input = inputs[0];
  const n = Math.min(req.count, source.count);
  const samples: PreviewSample[] = [];
  for (let i = 0; i < n; i++) {
    const s = await source.read(i);
    const feed = s.feeds[input.name];
    const label = s.label;
    samples.push({ index: i, label, labelName: label !== undefined ? (source.labels?.[label] ?? String(label)) : undefined, ...(await drawFeed(feed, req.preprocess)) });
  }
  return { description: source.description, count: source.count, labels: source.labels, input: { name: input.name, type: input.type, dims: input.dims }, samples };
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
  const values = Float64Array.from(feed.data as ArrayLike<number | bigint>, (v) => Number(v));
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const stats = { min, max, mean: values.length ? sum / values.length : 0 };
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
        px[(y * lay.width + x) * lay.channels + c] = Math.round(((values[lay.at(y, x, src)] - min) / span) * 255);
      }
    }
  }
  let img = sharp(px, { raw: { width: lay.width, height: lay.height, channels: lay.channels as 1 | 3 } });
  // Thumbnails, not full images: the preview only has to show what preprocessing did.
  if (Math.max(lay.width, lay.height) > PREVIEW_SIDE) img = img.resize({ width: PREVIEW_SIDE, height: PREVIEW_SIDE, fit: 'inside' });
  const png = await img.png().toBuffer();
  return { width: lay.width, height: lay.height, channels: lay.channels, png: `data:image/png;base64,${png.toString('base64')}`, stats };
}
