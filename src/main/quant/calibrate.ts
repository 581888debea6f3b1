import { Histogram } from '../../../native';
import { cloneModel, encodeModel, type ModelProto } from '../onnx/model';
import { GraphView, makeValueInfo, type GraphProto } from '../onnx/graph';
import { DT } from '../onnx/tensor';
import { openSession, run } from '../runtime/session';
import { OctetError } from '../../shared/errors';
import type { DataSource, Sample } from '../data/types';
import type { QuantPlan, TensorQuant } from './plan';
import { handlerFor } from './ops/registry';
import { RANGE_FUNCTIONS, type RangeSettings } from './rangeFunctions';

/** `RangeSettings`: the recipe values the range functions read (the percentile). */
export interface CalibrationOptions extends RangeSettings {
  samples: number;
  bins: number;
  /** Most activation bytes fetched from ORT per run; more tensors are observed in further passes. */
  memoryBudgetBytes?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Tensors whose per-channel (last axis) min and max are also wanted, for SmoothQuant. */
  channelStats?: readonly string[];
}

/** Per-channel extremes of a tensor over its last axis and every sample. */
export interface ChannelStats {
  min: Float32Array;
  max: Float32Array;
}

export interface TensorRange {
  lo: number;
  hi: number;
  min: number;
  max: number;
}

export interface CalibrationResult {
  ranges: Map<string, TensorRange>;
  samples: number;
  passes: number;
  seconds: number;
  warnings: string[];
  /** Per-channel extremes of the tensors named in `channelStats`. */
  channels?: Map<string, ChannelStats>;
  /** The observed histograms, so that other range algorithms cost no further run (act_algo auto). */
  histograms?: ReadonlyMap<string, Histogram>;
}

const DEFAULT_BUDGET = 256 * 2 ** 20;
const PROBE_GROUP = 32;

/**
 * Runs the model over the samples with the observed tensors added as outputs and streams each
 * fetched tensor into a native histogram, which is then dropped: memory stays bounded by one
 * run's fetched tensors, never by samples × activations.
 */
export async function calibrate(model: ModelProto, tensors: TensorQuant[], source: DataSource, opts: CalibrationOptions): Promise<CalibrationResult> {
  const started = performance.now();
  const n = Math.min(source.count, opts.samples);
  if (n <= 0) throw new OctetError('DATA_EMPTY', `The calibration data holds no samples (${source.description})`);
  const names = tensors.map((t) => t.name);
  const hists = new Map(names.map((name) => [name, new Histogram(opts.bins)]));
  const budget = opts.memoryBudgetBytes ?? DEFAULT_BUDGET;
  const wantChannels = new Set(opts.channelStats ?? []);
  const channels = new Map<string, ChannelStats>();

  const session = await openSession(encodeModel(withOutputs(model, names)));
  let passes = 1;
  try {
    const check = () => {
      if (opts.signal?.aborted) throw new OctetError('CANCELLED', 'Calibration was cancelled');
    };
    const observe = async (sample: Sample, fetches: string[]) => {
      const res = await run(session, sample.feeds, fetches);
      for (const name of fetches) {
        const data = res[name].data;
        if (!(data instanceof Float32Array))
          throw new OctetError('MODEL_UNSUPPORTED', `Tensor '${name}' is ${res[name].type}, not float32; only float activations can be quantized`);
        await hists.get(name)!.updateAsync(data);
        if (wantChannels.has(name)) addChannelStats(channels, name, data, res[name].dims);
      }
      return res;
    };

    // Probe: sample 0 in small groups tells each tensor's size, and counts as observed.
    const first = await source.read(0);
    const sizes = new Map<string, number>();
    for (let i = 0; i < names.length; i += PROBE_GROUP) {
      check();
      const group = names.slice(i, i + PROBE_GROUP);
      const res = await observe(first, group);
      for (const name of group) sizes.set(name, (res[name].data as Float32Array).byteLength);
    }
    const groups = packGroups(names, sizes, budget);
    passes = groups.length;
    const total = 1 + (n - 1) * groups.length;
    let done = 1;
    opts.onProgress?.(done, total);
    // With several passes, read each sample once if they fit in a quarter of the budget.
    const cache = groups.length > 1 && sampleBytes(first) * n <= budget / 4 ? new Map<number, Sample>() : undefined;
    for (const group of groups) {
      for (let s = 1; s < n; s++) {
        check();
        let sample = cache?.get(s);
        if (!sample) {
          sample = await source.read(s);
          cache?.set(s, sample);
        }
        await observe(sample, group);
        opts.onProgress?.(++done, total);
      }
    }
  } finally {
    await session.release();
  }

  const warnings: string[] = [];
  for (const [name, h] of hists)
    if (h.nonFinite > 0) warnings.push(`Tensor '${name}' produced ${h.nonFinite} NaN/Inf values during calibration; they were ignored`);
  const ranges = rangesFrom(hists, tensors, opts);
  return { ranges, samples: n, passes, seconds: (performance.now() - started) / 1000, warnings, channels, histograms: hists };
}

/** Each tensor's range by its own algorithm, from its calibration histogram. */
export function rangesFrom(hists: ReadonlyMap<string, Histogram>, tensors: readonly TensorQuant[], settings: RangeSettings): Map<string, TensorRange> {
  const ranges = new Map<string, TensorRange>();
  for (const t of tensors) {
    const h = hists.get(t.name);
    if (!h) continue;
    if (h.count === 0) {
      ranges.set(t.name, { lo: 0, hi: 0, min: 0, max: 0 });
      continue;
    }
    const ro = { symmetric: t.symmetric && !t.startsAtZero, levels: 256 };
    const r = RANGE_FUNCTIONS[t.algo](h, ro, settings);
    ranges.set(t.name, { lo: r.lo, hi: r.hi, min: h.min, max: h.max });
  }
  return ranges;
}

function addChannelStats(all: Map<string, ChannelStats>, name: string, data: Float32Array, dims: readonly number[]): void {
  const k = dims[dims.length - 1] ?? 1;
  let st = all.get(name);
  if (!st) {
    st = { min: new Float32Array(k).fill(Infinity), max: new Float32Array(k).fill(-Infinity) };
    all.set(name, st);
  }
  if (st.min.length !== k) return; // a tensor whose last dim changes between samples has no channels to smooth
  for (let i = 0; i < data.length; i += k) {
    for (let c = 0; c < k; c++) {
      const v = data[i + c];
      if (v < st.min[c]) st.min[c] = v;
      if (v > st.max[c]) st.max[c] = v;
    }
  }
}

function withOutputs(model: ModelProto, names: string[]): ModelProto {
  const m = cloneModel(model);
  const graph = m.graph!;
  const existing = new Set(graph.output.map((o) => o.name));
  for (const name of names) if (!existing.has(name)) graph.output.push(makeValueInfo(name, DT.FLOAT, undefined));
  return m;
}

function packGroups(names: string[], sizes: Map<string, number>, budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const name of names) {
    const size = sizes.get(name) ?? 0;
    if (current.length && bytes + size > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(name);
    bytes += size;
  }
  if (current.length) groups.push(current);
  return groups;
}

function sampleBytes(s: Sample): number {
  return Object.values(s.feeds).reduce((a, f) => a + f.data.byteLength, 0);
}

/**
 * Ranges for planned tensors that calibration did not observe because, in the plan it ran for,
 * they shared a scale through a passthrough op (Reshape, Transpose…). A measured variant that
 * keeps the op upstream in fp32 needs them; a passthrough op only moves or selects values, so
 * its input's range holds for its output.
 */
export function withPassthroughRanges(graph: GraphProto, plan: QuantPlan, ranges: Map<string, TensorRange>): Map<string, TensorRange> {
  const missing = [...plan.tensors.values()].filter((t) => !t.sharesWith && !t.fixedRange && !ranges.has(t.name));
  if (!missing.length) return ranges;
  const g = new GraphView(graph);
  const out = new Map(ranges);
  for (const t of missing) {
    let name = t.name;
    for (let producer = g.producer.get(name); producer && !out.has(name) && handlerFor(producer)?.kind === 'passthrough'; producer = g.producer.get(name))
      name = producer.input[0];
    const r = out.get(name);
    if (r) out.set(t.name, r);
  }
  return out;
}
