// Throughput at several batch sizes and intra-op thread counts, each point timed with the same
// block-interleaved A/B rounds as the batch-1 latency.
import type * as ort from 'onnxruntime-node';
import type { ModelProto } from '../onnx/model';
import { GraphView, valueDims } from '../onnx/graph';
import type { Feed, Sample, TypedData } from '../data/types';
import { interleavedLatency } from './latency';
import { openSession, firstLine } from '../runtime/session';
import { OctetError } from '../../shared/errors';
import type { ThroughputPoint } from '../../shared/bench';

export interface BatchPlan {
  batchDim: 'symbolic' | number;
  runnable: number[];
  unsupported: { batch: number; reason: string }[];
}

/** Which requested batches both models can take: any when every feed input's first dim is symbolic. */
export function planBatches(models: { label: string; model: ModelProto }[], requested: number[], sampleBatch: number): BatchPlan {
  let fixed: { n: number; why: string } | undefined;
  for (const { label, model } of models) {
    for (const v of new GraphView(model.graph!).feedInputs) {
      const d = valueDims(v);
      const first = d?.[0];
      if (!d || d.length === 0) fixed ??= { n: sampleBatch, why: `the ${label} model's input '${v.name}' has no batch dim` };
      else if (first !== null && first !== undefined && first > 0) fixed ??= { n: first, why: `the ${label} model's input '${v.name}' fixes it at ${first}` };
    }
  }
  if (!fixed && sampleBatch !== 1) fixed = { n: sampleBatch, why: `each sample already has batch ${sampleBatch} (from the data or --shape)` };
  const want = [...new Set(requested)].sort((a, b) => a - b);
  if (!fixed) return { batchDim: 'symbolic', runnable: want, unsupported: [] };
  const f = fixed;
  return {
    batchDim: f.n,
    runnable: [f.n],
    unsupported: want.filter((b) => b !== f.n).map((batch) => ({ batch, reason: `fixed batch ${f.n}: ${f.why}` })),
  };
}

/** Stacks `batch` samples (cycling through them) along the first axis of every feed. */
export function batchFeeds(samples: Sample[], batch: number): Record<string, Feed> {
  const first = samples[0].feeds;
  const out: Record<string, Feed> = {};
  for (const [name, f] of Object.entries(first)) {
    if (batch === 1) {
      out[name] = f;
      continue;
    }
    const per = f.data.length;
    const Ctor = f.data.constructor as new (n: number) => TypedData;
    const data = new Ctor(per * batch);
    for (let i = 0; i < batch; i++)
      (data as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(samples[i % samples.length].feeds[name].data as ArrayLike<unknown>, i * per);
    out[name] = { type: f.type, data, dims: [f.dims[0] * batch, ...f.dims.slice(1)] };
  }
  return out;
}

export interface ThroughputRun {
  points: ThroughputPoint[];
  failed: { batch: number; threads: number; reason: string }[];
}

/** A throughput point from an A/B latency measurement already made. */
export function pointFromLatency(
  batch: number,
  threads: number,
  lat: { a: { p50: number }; b: { p50: number }; ratioMedian: number; rounds: number },
): ThroughputPoint {
  const rate = (ms: number) => (batch * 1000) / ms;
  return {
    batch,
    threads,
    fp32: { p50Ms: lat.a.p50, samplesPerSec: rate(lat.a.p50) },
    int8: { p50Ms: lat.b.p50, samplesPerSec: rate(lat.b.p50) },
    ratioMedian: lat.ratioMedian,
    speedup: 1 / lat.ratioMedian,
    rounds: lat.rounds,
  };
}

/**
 * Times every (threads, batch) point. Sessions are opened once per thread count; `reuse`
 * supplies already-open sessions for one thread count (the latency sessions); `known` points
 * (the batch-1 latency itself) are not measured again.
 */
export async function measureThroughput(
  paths: { fp32: string; int8: string },
  samples: Sample[],
  batches: number[],
  threads: number[],
  rounds: number,
  opts: {
    reuse?: { threads: number; a: ort.InferenceSession; b: ort.InferenceSession };
    known?: ThroughputPoint[];
    /** Minimum time per point (see interleavedLatency's minMs). */
    minMs?: number;
    signal?: AbortSignal;
    /** Share of the points measured so far, 0..1. */
    onProgress?: (fraction: number) => void;
  } = {},
): Promise<ThroughputRun> {
  const points: ThroughputPoint[] = [];
  const failed: ThroughputRun['failed'] = [];
  const isKnown = (batch: number, t: number) => !!opts.known?.some((k) => k.batch === batch && k.threads === t);
  const total = threads.reduce((n, t) => n + batches.filter((b) => !isKnown(b, t)).length, 0);
  let measured = 0;
  for (const t of threads) {
    const todo = batches.filter((batch) => !isKnown(batch, t));
    if (todo.length < batches.length) points.push(...opts.known!.filter((k) => k.threads === t && batches.includes(k.batch)));
    if (todo.length === 0) continue;
    const reuse = opts.reuse?.threads === t ? opts.reuse : undefined;
    const a = reuse?.a ?? (await openSession(paths.fp32, { threads: t }));
    const b =
      reuse?.b ??
      (await openSession(paths.int8, { threads: t }).catch(async (e) => {
        await a.release();
        throw e;
      }));
    try {
      for (const batch of todo) {
        if (opts.signal?.aborted) throw new OctetError('CANCELLED', 'The benchmark was cancelled');
        try {
          const lat = await interleavedLatency(a, b, batchFeeds(samples, batch), rounds, {
            warmup: 2,
            block: 4,
            blockStat: 'min',
            minMs: opts.minMs,
            signal: opts.signal,
            onRound: (done, all) => opts.onProgress?.((measured + done / all) / total),
          });
          points.push(pointFromLatency(batch, t, lat));
        } catch (e) {
          if (e instanceof OctetError && e.code === 'CANCELLED') throw e;
          failed.push({ batch, threads: t, reason: `ONNX Runtime cannot run batch ${batch}: ${firstLine(e)}` });
        }
        opts.onProgress?.(++measured / total);
      }
    } finally {
      if (!reuse) {
        await a.release();
        await b.release();
      }
    }
  }
  points.sort((x, y) => x.threads - y.threads || x.batch - y.batch);
  return { points, failed };
}
