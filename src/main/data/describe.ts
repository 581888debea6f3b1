// What the wizard's Data step shows for any number of inputs: each model input with the array that
// feeds it (shape, dtype), the dims each sample is fed with and its value range. Token ids and
// masks are shown as numbers; image inputs also get pictures from previewData.
import type { DataDescription, DataInputView } from '../../shared/api';
import type { PreprocessConfig } from '../../shared/recipe';
import { openDataSource } from './source';
import type { ElemType, InputFeedInfo, ModelInput } from './types';

/** Samples scanned for value ranges: enough to show what the data holds, bounded in time. */
export const DESCRIBE_SAMPLES = 256;

export interface DescribeRequest {
  data: string;
  split?: 'calibration' | 'evaluation';
  preprocess?: PreprocessConfig;
  shapes?: Record<string, number[]>;
}

/** Model inputs from declared feeds (null = symbolic), with --shape applied. */
export function inputsFromFeeds(
  feeds: { name: string; type: string; dims: (number | null)[] | undefined }[],
  shapes: Record<string, number[]> = {},
): ModelInput[] {
  return feeds.map((f) => ({
    name: f.name,
    type: f.type as ElemType,
    dims: Object.hasOwn(shapes, f.name) ? shapes[f.name].slice() : (f.dims ?? []).map((d) => (d === null || d < 1 ? null : d)),
  }));
}

function kindOf(info: InputFeedInfo, min: number, max: number): DataInputView['kind'] {
  if (info.source === 'zeros') return 'zeros';
  if (info.source === 'images' || info.source === 'digits') return 'image';
  const int = !info.type.startsWith('float');
  if (int && /mask/i.test(info.name) && min >= 0 && max <= 1) return 'mask';
  if (info.type === 'bool') return 'mask';
  if (int && (info.idLimit || /ids?$|token|index|indices/i.test(info.name))) return 'ids';
  return 'values';
}

export async function describeData(
  req: DescribeRequest,
  feeds: { name: string; type: string; dims: (number | null)[] | undefined }[],
): Promise<DataDescription> {
  const inputs = inputsFromFeeds(feeds, req.shapes);
  const source = await openDataSource(req.data, inputs, { split: req.split, preprocess: req.preprocess, limit: undefined });
  const infos: InputFeedInfo[] = source.feeds ?? inputs.map((i) => ({ name: i.name, type: i.type, dims: i.dims.map((d) => d ?? 1), source: 'array' }));
  // Decoding images is slow; arrays are cheap to scan.
  const scanned = Math.min(source.count, infos.some((i) => i.source === 'images') ? 8 : DESCRIBE_SAMPLES);
  const lo = new Map(infos.map((i) => [i.name, Infinity]));
  const hi = new Map(infos.map((i) => [i.name, -Infinity]));
  const head = new Map<string, number[]>();
  for (let s = 0; s < scanned; s++) {
    const sample = await source.read(s);
    for (const [name, f] of Object.entries(sample.feeds)) {
      let a = lo.get(name)!;
      let b = hi.get(name)!;
      const data = f.data as ArrayLike<number | bigint>;
      for (let k = 0; k < data.length; k++) {
        const v = Number(data[k]);
        if (v < a) a = v;
        if (v > b) b = v;
      }
      lo.set(name, a);
      hi.set(name, b);
      if (s === 0)
        head.set(
          name,
          Array.from({ length: Math.min(32, data.length) }, (_, k) => Number(data[k])),
        );
    }
  }
  const declared = new Map(feeds.map((f) => [f.name, f.dims ?? null]));
  return {
    description: source.description,
    count: source.count,
    labels: source.labels,
    notes: [...(source.notes ?? [])],
    inputs: infos.map((info) => {
      const min = lo.get(info.name) ?? 0;
      const max = hi.get(info.name) ?? 0;
      const kind = kindOf(info, min, max);
      return {
        name: info.name,
        type: info.type,
        modelDims: declared.get(info.name) ?? null,
        dims: info.dims,
        source: info.source,
        origin: info.origin,
        arrayShape: info.arrayShape,
        arrayDtype: info.arrayDtype,
        kind,
        min: Number.isFinite(min) ? min : 0,
        max: Number.isFinite(max) ? max : 0,
        scanned,
        head: kind === 'ids' || kind === 'mask' ? head.get(info.name) : undefined,
      };
    }),
  };
}
