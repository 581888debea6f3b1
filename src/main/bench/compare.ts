import { stat } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { fidelity as fidelityKernel, cpuFeatures } from '../../../native';
import { openSession, run } from '../runtime/session';
import { openDataSource } from '../data';
import { loadModel } from '../onnx/model';
import { inputSpecs } from '../quant/quantize';
import { interleavedLatency } from './latency';
import { OctetError } from '../../shared/errors';
import type { BenchParams, BenchResult, OutputFidelity } from '../../shared/bench';
import type { JobContext } from '../quant/quantize';
import { cpus } from 'node:os';

/**
 * fp32 against int8 on the same data: accuracy when the data has labels, output fidelity
 * always, and interleaved latency on one sample.
 */
export async function compareModels(p: BenchParams, ctx: JobContext = {}): Promise<BenchResult> {
  const threads = p.threads ?? 1;
  const [fpModel, q] = await Promise.all([loadModel(p.fp32), stat(p.int8).catch(() => undefined)]);
  if (!q) throw new OctetError('MODEL_NOT_FOUND', `Model not found: ${p.int8}`);
  const specs = inputSpecs(fpModel.model, p.shapes ?? {});
  const source = await openDataSource(p.data, specs, { split: 'evaluation', preprocess: p.preprocess });
  const n = Math.min(source.count, p.samples ?? 500);
  const [a, b] = [await openSession(p.fp32, { threads }), await openSession(p.int8, { threads })];
  try {
    const outputs = a.outputNames;
    const refs = new Map<string, Float32Array[]>(outputs.map((o) => [o, []]));
    const tests = new Map<string, Float32Array[]>(outputs.map((o) => [o, []]));
    let correctA = 0;
    let correctB = 0;
    let agree = 0;
    let labelled = 0;
    const worst: { index: number; cosine: number }[] = [];
    for (let i = 0; i < n; i++) {
      if (ctx.signal?.aborted) throw new OctetError('CANCELLED', 'The benchmark was cancelled');
      const s = await source.read(i);
      const [ra, rb] = [await run(a, s.feeds), await run(b, s.feeds)];
      for (const o of outputs) {
        refs.get(o)!.push(floats(ra[o]));
        tests.get(o)!.push(floats(rb[o]));
      }
      const la = argmax(floats(ra[outputs[0]]));
      const lb = argmax(floats(rb[outputs[0]]));
      if (la === lb) agree++;
      if (s.label !== undefined) {
        labelled++;
        if (la === s.label) correctA++;
        if (lb === s.label) correctB++;
      }
      worst.push({ index: i, cosine: fidelityKernel(floats(ra[outputs[0]]), floats(rb[outputs[0]])).cosine });
      ctx.onProgress?.({ phase: 'evaluate', done: i + 1, total: n });
    }
    const perOutput: OutputFidelity[] = outputs.map((o) => {
      const f = fidelityKernel(concat(refs.get(o)!), concat(tests.get(o)!));
      return { output: o, cosine: f.cosine, sqnrDb: f.sqnrDb, maxAbs: f.maxAbs, mse: f.mse };
    });
    worst.sort((x, y) => x.cosine - y.cosine);
    ctx.onProgress?.({ phase: 'bench', done: 0, total: 1 });
    const sample = await source.read(0);
    const rounds = p.runs ?? 100;
    const lat = await interleavedLatency(a, b, sample.feeds, rounds);
    ctx.onProgress?.({ phase: 'bench', done: 1, total: 1 });
    const cpu = cpuFeatures();
    const acc = labelled > 0 ? { fp32: correctA / labelled, int8: correctB / labelled, delta: (correctB - correctA) / labelled, samples: labelled } : undefined;
    return {
      samples: n,
      data: source.description,
      latency: { fp32: lat.a, int8: lat.b, ratioMedian: lat.ratioMedian, ratioP10: lat.ratioP10, ratioP90: lat.ratioP90, rounds, threads },
      size: { fp32: fpModel.sizeBytes, int8: q.size },
      accuracy: acc,
      fidelity: {
        cosine: Math.min(...perOutput.map((f) => f.cosine)),
        sqnrDb: Math.min(...perOutput.map((f) => f.sqnrDb)),
        maxAbs: Math.max(...perOutput.map((f) => f.maxAbs)),
        top1Agreement: agree / n,
        perOutput,
        worstSamples: worst.slice(0, 5),
      },
      cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length, avx2: cpu.avx2, avx512: cpu.avx512f, vnni: cpu.avx512vnni || cpu.avxvnni },
    };
  } finally {
    await a.release();
    await b.release();
  }
}

function floats(t: ort.Tensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  return Float32Array.from(t.data as ArrayLike<number>);
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
