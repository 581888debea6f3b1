import { cpus, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { fidelity as fidelityKernel, cpuFeatures } from '../../../native';
import { openSession, run } from '../runtime/session';
import { openDataSource } from '../data';
import type { DataSource, Sample } from '../data';
import { loadModel } from '../onnx/model';
import { embeddingLimits, modelInputs } from '../data/modelInputs';
import { interleavedLatency } from '../measure/latency';
import { planBatches, measureThroughput, pointFromLatency } from '../measure/throughput';
import { measureModelMemory, MEMORY_METHOD } from '../measure/memory';
import { perLayerError } from '../measure/perLayer';
import { outputScaleInput } from '../quant/ops/registry';
import { csvLabels } from '../data/labels';
import { argmax, inTopK, concatFloats, rowArgmaxAgreement } from '../measure/metrics';
import { OctetError } from '../../shared/errors';
import { OCTET_VERSION } from '../../shared/version';
import {
  BENCH_DEFAULTS,
  parseBenchSettings,
  type BenchParams,
  type BenchResult,
  type ModelMemory,
  type OutputFidelity,
  type WorstSample,
} from '../../shared/bench';
import { describeIssues } from '../../shared/errors';
import type { JobHooks } from '../../shared/jobs';

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** At most `max` values, evenly spaced, so the result stays small however many rounds ran. */
export function thin(xs: number[], max = 2000): number[] {
  if (xs.length <= max) return xs;
  return Array.from({ length: max }, (_, i) => xs[Math.floor((i * xs.length) / max)]);
}

/**
 * The settings of a BenchParams checked against the one schema (shared/bench.ts; callers other
 * than the API and the CLI reach here unchecked) with every default filled in.
 */
export function benchSettings(p: BenchParams) {
  const parsed = parseBenchSettings(p);
  if (!parsed.success) throw new OctetError('BAD_USAGE', `bench settings: ${describeIssues(parsed.error.issues, '(settings)')}`);
  const v = parsed.data;
  const runs = v.runs ?? BENCH_DEFAULTS.runs;
  return {
    samples: v.samples ?? BENCH_DEFAULTS.samples,
    runs,
    minSeconds: v.minSeconds ?? BENCH_DEFAULTS.minSeconds,
    threads: v.threads ?? BENCH_DEFAULTS.threads,
    batches: v.batches ?? [...BENCH_DEFAULTS.batches],
    throughputThreads: [...new Set(v.throughputThreads ?? [1, cpus().length])].sort((x, y) => x - y),
    throughputRuns: v.throughputRuns ?? Math.max(5, Math.round(runs / 5)),
    warmup: v.warmup ?? BENCH_DEFAULTS.warmup,
    layerSamples: v.layerSamples ?? BENCH_DEFAULTS.layerSamples,
    memory: v.memory ?? BENCH_DEFAULTS.memory,
  };
}

export function cpuFacts(): BenchResult['cpu'] {
  const f = cpuFeatures();
  return {
    model: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    avx2: f.avx2,
    avx512: f.avx512f,
    vnni: f.avx512vnni || f.avxvnni,
    avx512vnni: f.avx512vnni,
    avxvnni: f.avxvnni,
    ort: (ort.env.versions as { node?: string } | undefined)?.node,
  };
}

type Settings = ReturnType<typeof benchSettings>;
type Log = (line: string) => void;
type Latency = Awaited<ReturnType<typeof interleavedLatency>>;
type Loaded = Awaited<ReturnType<typeof loadModel>>;

/**
 * fp32 against int8 on the same data: accuracy (top-1, top-5) when the data or a CSV has
 * labels, output fidelity always, block-interleaved latency at batch 1, throughput by batch
 * and thread count, per-model memory in a child process, and per-layer error.
 */
export async function compareModels(p: BenchParams, ctx: JobHooks = {}): Promise<BenchResult> {
  const settings = benchSettings(p);
  const notes: string[] = [];
  const log: Log = (line) => {
    notes.push(line);
    ctx.onLog?.(line);
  };
  const loadStart = loadavg()[0];
  noteMachineLoad(settings, loadStart, log);

  ctx.onProgress?.({ phase: 'load', done: 0, total: 1 });
  const { fpModel, qModel, source } = await openInputs(p, log);
  const n = Math.min(source.count, settings.samples);
  const labels = await labelsFor(p, source, n, log);
  ctx.onProgress?.({ phase: 'load', done: 1, total: 1 });

  const { threads, layerSamples } = settings;
  const a = await openSession(p.fp32, { threads });
  const b = await openSession(p.int8, { threads }).catch(async (e) => {
    await a.release();
    throw e;
  });
  let evaluated: Evaluation;
  let perLayer: BenchResult['perLayer'];
  let speed: Speed;
  const evalUnits = n + (layerSamples > 0 ? Math.min(layerSamples, n) : 0);
  try {
    evaluated = await evaluate(a, b, source, n, labels.labelOf, ctx, evalUnits);
    for (const note of evaluated.notes) log(note);
    if (layerSamples > 0) {
      if (ctx.signal?.aborted) throw new OctetError('CANCELLED', 'The benchmark was cancelled');
      perLayer = await measurePerLayer(fpModel, qModel, source, { first: n, samples: Math.min(layerSamples, n), total: evalUnits, threads }, ctx, log);
    }
    speed = await measureSpeed(p, settings, { a, b, fpModel, qModel, source, n }, ctx, log);
  } finally {
    await a.release();
    await b.release();
  }
  // In child processes, after this process's sessions are gone.
  const memory = await speed.memoryProbe();

  return {
    samples: n,
    data: source.description,
    models: { fp32: fpModel.path, int8: qModel.path },
    latency: latencyResult(speed.latency, threads),
    size: { fp32: fpModel.sizeBytes, int8: qModel.sizeBytes },
    accuracy: evaluated.accuracy ? { ...evaluated.accuracy, labelSource: labels.labelSource, classes: labels.classes } : undefined,
    fidelity: evaluated.fidelity,
    cpu: { ...cpuFacts(), loadAverage: { start: round2(loadStart), end: round2(loadavg()[0]) } },
    throughput: speed.throughput,
    memory,
    perLayer,
    notes,
    createdAt: new Date().toISOString(),
    octetVersion: OCTET_VERSION,
  };
}

/** A note when other work holds the cores a multi-thread measurement needs. */
function noteMachineLoad(settings: Settings, load: number, log: Log): void {
  const cores = cpus().length;
  if (Math.max(settings.threads, ...settings.throughputThreads) > 1 && load >= cores) {
    // Interleaving cancels load that shifts over seconds; it cannot stop other work taking the
    // cores a multi-thread run needs (measured: ±15–23% between fresh 2-thread runs at load 4–7
    // on 2 cores, ±3% at 1 thread; docs/bench.md).
    log(
      `machine: load average ${load.toFixed(1)} on ${cores} cores; ratios timed with more than one thread may not repeat while other work competes for the cores (1-thread ratios do)`,
    );
  }
}

/** Both models, checked to take the same feeds, and the evaluation data opened against them. */
async function openInputs(p: BenchParams, log: Log): Promise<{ fpModel: Loaded; qModel: Loaded; source: DataSource }> {
  const [fpModel, qModel] = await Promise.all([loadModel(p.fp32), loadModel(p.int8)]);
  const specs = modelInputs(fpModel.model, p.shapes ?? {});
  sameFeeds(specs, modelInputs(qModel.model, p.shapes ?? {})); // the int8 model must take the same feeds
  const source = await openDataSource(p.data, specs, { split: 'evaluation', preprocess: p.preprocess, idLimits: embeddingLimits(fpModel.model) });
  for (const note of source.notes ?? []) log(`data: ${note}`);
  return { fpModel, qModel, source };
}

/** Per-layer SQNR on the first `at.samples` samples; a failure other than a cancel is reported in the result, not thrown. */
async function measurePerLayer(
  fpModel: Loaded,
  qModel: Loaded,
  source: DataSource,
  at: { first: number; samples: number; total: number; threads: number },
  ctx: JobHooks,
  log: Log,
): Promise<BenchResult['perLayer']> {
  const k = at.samples;
  const samples: Sample[] = [];
  for (let i = 0; i < k; i++) samples.push(await source.read(i));
  const method = `each quantized activation of the int8 model (DequantizeLinear outputs named like an fp32 tensor, or <name>_quantized tensors dequantized with their scale and zero point) against the same fp32 tensor, as extra graph outputs, on ${k} sample(s); native fidelity over all samples together; SQNR is cumulative, dropDb is what the stretch since the nearest compared tensors upstream adds`;
  try {
    const r = await perLayerError(fpModel.model, qModel.model, samples, {
      outputScaleOf: outputScaleInput,
      threads: at.threads,
      signal: ctx.signal,
      onProgress: (done, total) => ctx.onProgress?.({ phase: 'evaluate', done: at.first + Math.round((done / total) * k), total: at.total }),
    });
    if (r.layers.length === 0) log('per-layer: the int8 model has no quantized activation named like an fp32 tensor; nothing to compare');
    return { samples: k, layers: r.layers, skipped: r.skipped, method };
  } catch (e) {
    if (e instanceof OctetError && e.code === 'CANCELLED') throw e;
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    log(`per-layer: not measured: ${msg}`);
    return { samples: k, layers: [], skipped: 0, method, error: msg };
  }
}

interface Speed {
  latency: Latency;
  throughput: BenchResult['throughput'];
  /** Runs the memory probe (child processes); call it once this process's sessions are released. */
  memoryProbe: () => Promise<BenchResult['memory']>;
}

/** Batch-1 interleaved latency, then throughput by batch and threads, on one progress bar (with the memory probe's share). */
async function measureSpeed(
  p: BenchParams,
  settings: Settings,
  m: { a: ort.InferenceSession; b: ort.InferenceSession; fpModel: Loaded; qModel: Loaded; source: DataSource; n: number },
  ctx: JobHooks,
  log: Log,
): Promise<Speed> {
  const { threads, throughputThreads: tpThreads } = settings;
  const minMs = settings.minSeconds * 1000;
  const sample0 = await m.source.read(0);
  const sampleBatch = Object.values(sample0.feeds)[0]?.dims[0] ?? 1;
  const plan = planBatches(
    [
      { label: 'fp32', model: m.fpModel.model },
      { label: 'int8', model: m.qModel.model },
    ],
    settings.batches,
    sampleBatch,
  );
  const reused = plan.runnable.includes(sampleBatch) && tpThreads.includes(threads) ? 1 : 0;
  // One progress bar for latency, throughput and memory, in tenths of a second expected.
  const pointMs = Math.min(1000, minMs / 3);
  const units = {
    latency: Math.max(10, Math.round(minMs / 100)),
    throughput: (plan.runnable.length * tpThreads.length - reused) * Math.max(5, Math.round(pointMs / 100)),
    memory: p.memory === false ? 0 : 20,
  };
  const benchTotal = units.latency + units.throughput + units.memory;
  const benchAt = (base: number, frac: number, span: number) =>
    ctx.onProgress?.({ phase: 'bench', done: Math.min(benchTotal, Math.floor(base + Math.min(1, frac) * span)), total: benchTotal });
  benchAt(0, 0, 0);
  const latency = await interleavedLatency(m.a, m.b, sample0.feeds, settings.runs, {
    warmup: settings.warmup,
    blockStat: 'min',
    minMs,
    signal: ctx.signal,
    onRound: (done, all) => benchAt(0, done / all, units.latency),
  });

  const batchSamples: Sample[] = [];
  for (let i = 0; i < Math.min(m.n, Math.max(...plan.runnable)); i++) batchSamples.push(i === 0 ? sample0 : await m.source.read(i));
  // The batch-1 latency at the latency thread count is also that throughput point.
  const tp = await measureThroughput({ fp32: p.fp32, int8: p.int8 }, batchSamples, plan.runnable, tpThreads, settings.throughputRuns, {
    reuse: { threads, a: m.a, b: m.b },
    known: reused ? [pointFromLatency(sampleBatch, threads, latency)] : [],
    minMs: pointMs,
    signal: ctx.signal,
    onProgress: (frac) => benchAt(units.latency, frac, units.throughput),
  });
  const throughput = {
    batchDim: plan.batchDim,
    unsupported: [...plan.unsupported, ...tp.failed.map((f) => ({ batch: f.batch, reason: `${f.threads} thread(s): ${f.reason}` }))],
    points: tp.points,
  };
  if (plan.batchDim !== 'symbolic')
    ctx.onLog?.(
      `throughput: fixed batch ${plan.batchDim}${plan.unsupported.length ? ` (${plan.unsupported[0].reason.replace(/^fixed batch \d+: /, '')}); batch ${plan.unsupported.map((u) => u.batch).join(', ')} not measured` : ''}`,
    );
  for (const f of tp.failed) log(`throughput: batch ${f.batch} at ${f.threads} thread(s) not measured: ${f.reason}`);
  return {
    latency,
    throughput,
    memoryProbe: () => measureMemory(p, sample0, threads, ctx, (k) => benchAt(units.latency + units.throughput, k / 2, units.memory)),
  };
}

/** The latency part of the result: the timings thinned so the JSON stays small. */
function latencyResult(lat: Latency, threads: number): BenchResult['latency'] {
  return {
    fp32: lat.a,
    int8: lat.b,
    ratioMedian: lat.ratioMedian,
    ratioP10: lat.ratioP10,
    ratioP90: lat.ratioP90,
    rounds: lat.rounds,
    threads,
    warmup: lat.warmup,
    block: lat.block,
    blockStat: lat.blockStat,
    timesMs: { fp32: thin(lat.timesA).map(round4), int8: thin(lat.timesB).map(round4) },
    roundRatios: thin(lat.ratios).map(round4),
  };
}

interface Evaluation {
  notes: string[];
  accuracy?: { fp32: number; int8: number; delta: number; samples: number; top5?: { fp32: number; int8: number; delta: number } };
  fidelity: BenchResult['fidelity'];
}

async function labelsFor(
  p: BenchParams,
  source: DataSource,
  n: number,
  log: (l: string) => void,
): Promise<{ labelOf: (i: number, s: Sample) => number | undefined; labelSource?: 'folders' | 'csv' | 'digits' | 'data'; classes?: string[] }> {
  if (p.labels) {
    const crops = (p.preprocess as { cropsPerImage?: number } | undefined)?.cropsPerImage ?? 1;
    const csv = await csvLabels(p.labels, source, crops);
    for (const note of csv.notes) log(note);
    const missing = csv.labels.slice(0, n).filter((l) => l === undefined).length;
    if (missing) log(`labels: ${missing} of ${n} evaluated samples have no row in the CSV and are left out of accuracy`);
    return { labelOf: (i) => csv.labels[i], labelSource: 'csv', classes: csv.classes };
  }
  const key = p.data.trim().toLowerCase();
  const labelSource = key.startsWith('mnist') && !key.includes('/') ? 'digits' : source.labels ? 'folders' : 'data';
  return { labelOf: (_i, s) => s.label, labelSource, classes: source.labels };
}

/** Runs both models on the first n samples and scores them: fidelity per output, worst samples, accuracy when labelled. */
async function evaluate(
  a: ort.InferenceSession,
  b: ort.InferenceSession,
  source: DataSource,
  n: number,
  labelOf: (i: number, s: Sample) => number | undefined,
  ctx: JobHooks,
  total: number,
): Promise<Evaluation> {
  const score = new Scores(a.outputNames);
  ctx.onProgress?.({ phase: 'evaluate', done: 0, total });
  for (let i = 0; i < n; i++) {
    if (ctx.signal?.aborted) throw new OctetError('CANCELLED', 'The benchmark was cancelled');
    const s = await source.read(i);
    score.add(i, await run(a, s.feeds), await run(b, s.feeds), labelOf(i, s));
    ctx.onProgress?.({ phase: 'evaluate', done: i + 1, total });
  }
  return score.result(n);
}

/** What evaluate accumulates, sample by sample. */
class Scores {
  private readonly refs: Map<string, Float32Array[]>;
  private readonly tests: Map<string, Float32Array[]>;
  private readonly agree: Map<string, number>;
  private readonly perOutputWorst: Map<string, { index: number; cosine: number }[]>;
  private readonly worst: WorstSample[] = [];
  private readonly top = { top1A: 0, top1B: 0, top5A: 0, top5B: 0, labelled: 0 };
  private classesOut = Infinity;
  private notVector = 0;

  constructor(private readonly outputs: readonly string[]) {
    this.refs = new Map(outputs.map((o) => [o, []]));
    this.tests = new Map(outputs.map((o) => [o, []]));
    this.agree = new Map(outputs.map((o) => [o, 0]));
    this.perOutputWorst = new Map(outputs.map((o) => [o, []]));
  }

  /** One sample's outputs from both models. */
  add(i: number, ra: ort.InferenceSession.OnnxValueMapType, rb: ort.InferenceSession.OnnxValueMapType, label: number | undefined): void {
    let minCos = Infinity;
    for (const o of this.outputs) {
      const x = floats(ra[o]);
      const y = floats(rb[o]);
      this.refs.get(o)!.push(x);
      this.tests.get(o)!.push(y);
      const dims = ra[o].dims;
      this.agree.set(o, this.agree.get(o)! + rowArgmaxAgreement(x, y, Number(dims[dims.length - 1] ?? x.length)));
      const c = fidelityKernel(x, y).cosine;
      this.perOutputWorst.get(o)!.push({ index: i, cosine: c });
      minCos = Math.min(minCos, c);
    }
    const w: WorstSample = { index: i, cosine: minCos };
    this.addClasses(w, floats(ra[this.outputs[0]]), floats(rb[this.outputs[0]]), ra[this.outputs[0]].dims, label);
    if (label !== undefined) w.label = label;
    this.worst.push(w);
  }

  /** Top-1/top-5 of a classifier's first output, which holds one score per class: [C], [1,C], [1,C,1,1], ... */
  private addClasses(w: WorstSample, x0: Float32Array, y0: Float32Array, d0: readonly number[], label: number | undefined): void {
    const isClassVector = x0.length > 1 && d0.filter((d) => d !== 1).length <= 1;
    if (!isClassVector) {
      if (label !== undefined) this.notVector++;
      return;
    }
    w.fp32Top1 = argmax(x0);
    w.int8Top1 = argmax(y0);
    this.classesOut = Math.min(this.classesOut, x0.length);
    if (label === undefined) return;
    const t = this.top;
    t.labelled++;
    if (w.fp32Top1 === label) t.top1A++;
    if (w.int8Top1 === label) t.top1B++;
    if (inTopK(x0, label, 5)) t.top5A++;
    if (inTopK(y0, label, 5)) t.top5B++;
  }

  result(n: number): Evaluation {
    const perOutput: OutputFidelity[] = this.outputs.map((o) => {
      const f = fidelityKernel(concatFloats(this.refs.get(o)!), concatFloats(this.tests.get(o)!));
      const ws = this.perOutputWorst
        .get(o)!
        .sort((x, y) => x.cosine - y.cosine)
        .slice(0, 5);
      return { output: o, cosine: f.cosine, sqnrDb: f.sqnrDb, maxAbs: f.maxAbs, mse: f.mse, top1Agreement: this.agree.get(o)! / n, worstSamples: ws };
    });
    this.worst.sort((x, y) => x.cosine - y.cosine);
    const notes: string[] = [];
    if (this.notVector > 0)
      notes.push(`accuracy: ${this.notVector} labelled sample(s) left out: the first output '${this.outputs[0]}' is not one score per class`);
    const t = this.top;
    let accuracy: Evaluation['accuracy'];
    if (t.labelled > 0) {
      accuracy = { fp32: t.top1A / t.labelled, int8: t.top1B / t.labelled, delta: (t.top1B - t.top1A) / t.labelled, samples: t.labelled };
      if (this.classesOut >= 5) accuracy.top5 = { fp32: t.top5A / t.labelled, int8: t.top5B / t.labelled, delta: (t.top5B - t.top5A) / t.labelled };
    }
    return {
      accuracy,
      notes,
      fidelity: {
        cosine: Math.min(...perOutput.map((f) => f.cosine)),
        sqnrDb: Math.min(...perOutput.map((f) => f.sqnrDb)),
        maxAbs: Math.max(...perOutput.map((f) => f.maxAbs)),
        top1Agreement: this.agree.get(this.outputs[0])! / n,
        perOutput,
        worstSamples: this.worst.slice(0, 10),
      },
    };
  }
}

async function measureMemory(p: BenchParams, sample: Sample, threads: number, ctx: JobHooks, done: (models: number) => void): Promise<BenchResult['memory']> {
  if (p.memory === false) return undefined;
  const runs = BENCH_DEFAULTS.memoryRuns;
  const out: NonNullable<BenchResult['memory']> = { method: MEMORY_METHOD, batch: sample.feeds[Object.keys(sample.feeds)[0]]?.dims[0] ?? 1, threads, runs };
  try {
    const fp32: ModelMemory = await measureModelMemory(p.fp32, sample.feeds, { threads, runs, signal: ctx.signal });
    done(1);
    const int8: ModelMemory = await measureModelMemory(p.int8, sample.feeds, { threads, runs, signal: ctx.signal });
    done(2);
    return { ...out, fp32, int8 };
  } catch (e) {
    if (e instanceof OctetError && e.code === 'CANCELLED') throw e;
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    ctx.onLog?.(`memory: not measured: ${msg}`);
    return { ...out, error: msg };
  }
}

/** The int8 model must take the inputs the fp32 model takes, with the same types. */
function sameFeeds(a: ReturnType<typeof modelInputs>, b: ReturnType<typeof modelInputs>): void {
  const show = (xs: typeof a) => xs.map((i) => `${i.name}: ${i.type}`).join(', ');
  if (a.length !== b.length || a.some((x) => !b.some((y) => y.name === x.name && y.type === x.type))) {
    throw new OctetError(
      'SHAPE_MISMATCH',
      `the int8 model's inputs (${show(b)}) differ from the fp32 model's (${show(a)}); compare a model with its own int8 version`,
    );
  }
}

function floats(t: ort.Tensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  return Float32Array.from(t.data as ArrayLike<number>);
}

const round2 = (x: number) => Math.round(x * 100) / 100;
