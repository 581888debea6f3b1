// Accuracy-aware tuning (`octet tune`, the wizard's "Tune to a tolerance"), as INC's autotune and
// NNCF's accuracy control do it, plus speed: candidate recipes are converted and measured one by
// one (loss on held-out samples, latency interleaved against fp32), the best so far is always on
// disk, and among the candidates that meet the tolerance the fastest is kept, not the first.
//
// Strategy, each step a measured trial, within max_trials and the timeout:
//   1. the base recipe, with the speed check's measured decisions pinned (so no later trial and no
//      replay times anything);
//   2. the other range algorithms, globally;
//   3. if still short of the tolerance: the other algorithms on the 3 layers that add the most error;
//   4. the other weight granularity, on the best candidate (a speed move: per-tensor QGemm/QLinearConv is cheaper);
//   4b. SmoothQuant the other way from the base, where it applies (its alpha then pinned);
//   5. if still short: compute ops back to fp32 one at a time (then 2, 4…), most sensitive first,
//      cumulatively, until within the tolerance.
// Sensitivity (SENSITIVITY below): the loss with only that op in fp32, measured for up to 12 ops
// picked by per-layer dropDb (src/main/bench/perLayer.ts) and the output heads it cannot see.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultRecipePath } from './tune/paths';
import { loadModel, decodeModel, type ModelProto } from '../onnx/model';
import { openDataSource, type DataSource, type Sample } from '../data';
import { openSession, run } from '../runtime/session';
import { interleavedLatency } from '../measure/latency';
import { perLayerError } from '../measure/perLayer';
import { outputScaleInput } from './ops/registry';
import { csvLabels } from '../data/labels';
import { argmax, concatFloats } from '../measure/metrics';
import { fidelity } from '../../../native';
import { checkOutputPath, lockOutput, realTarget, writeFileAtomic } from '../io/atomicWrite';
import { calibrate, type TensorRange } from './calibrate';
import { quantizeModel, type JobContext } from './quantize';
import { comparable } from './measured';
import { embeddingLimits, modelInputs } from '../data/modelInputs';
import type { QuantPlan } from './plan';
import { OctetError } from '../../shared/errors';
import { ACT_ALGOS, parseRecipe, type OpConfig, type Recipe, type TuneMetric } from '../../shared/recipe';
import type { QuantizeReport } from '../../shared/report';
import type { TuneParams, TuneProgress, TuneResult, TuneTrial } from '../../shared/jobs';

export const TUNE_DEFAULTS = {
  maxTrials: 20,
  evalSamples: 1000,
  latencySeconds: 1,
  /** INC's default for accuracy (1% relative); for cosine 1e-3 (cos ≥ 0.999); for sqnr 1e-3 (30 dB). */
  tolerableLoss: { top1: 0.01, cosine: 1e-3, sqnr: 1e-3 } as Record<TuneMetric, number>,
} as const;

/** Candidates whose latency ratios lie within this factor of the fastest are as fast: the lower loss wins. */
const SAME_SPEED = 1.03;
const WORST_LAYERS = 3;
/** Compute ops probed alone in fp32 before the fallback (each one conversion and one evaluation, not a trial). */
const PROBES = 12;
/** A rival structure this close in its A/B against fp32 is timed head to head with the chosen one… */
const RUNOFF_WITHIN = 1.1;
/** …and replaces it when it measures at least 2% faster (as the speed check's variants must). */
const FASTER_IN_RUNOFF = 0.98;
const LAYER_SAMPLES = 4;
/** Evaluation needs at least this many held-out samples when they come from --data. */
const MIN_EVAL = 8;

export const LOSS_MEANING: Record<TuneMetric, string> = {
  top1: 'relative top-1 drop, (fp32 − int8) / fp32, on the evaluation samples (INC’s convention)',
  cosine: '1 − cosine of the outputs against fp32 (the worst output; padded positions of a transformer left out), on the evaluation samples',
  sqnr: 'error power / signal power of the outputs against fp32, 10^(−SQNR/10) (worst output): 1e-3 is 30 dB, 1e-4 40 dB',
};

export const SENSITIVITY =
  'the loss with only that op left in fp32 (everything else as in the most faithful candidate), measured on the evaluation samples for up to 12 ops; ops ranked first by per-layer dropDb (the SQNR the stretch of graph ending at the op adds, from the int8 model’s intermediate tensors against fp32 on 4 samples), plus the heads whose outputs that cannot see; the rest follow by dropDb. Only-this-op-in-fp32 measures what a fallback buys directly; only-this-op-in-int8 would need a calibrated all-fp32 baseline per op and says less about the model being tuned.';

/** One run over the evaluation samples. */
interface Measured {
  top1?: number;
  cosine: number;
  sqnrDb: number;
}

/** What a trial leaves for later steps: its plan's compute ops and where its int8 file is. */
interface TrialState {
  trial: TuneTrial;
  file?: string;
  bytes?: Uint8Array;
  ops?: { name: string; opType: string; compute: boolean; int8: boolean; output?: string; inputs: string[]; outputs: string[] }[];
}

/**
 * Calibration that reuses an earlier run's result when a trial observes exactly the same tensors
 * with the same settings (the base after the speed check, a granularity change). Only the exact
 * set: ONNX Runtime fuses differently with other tensors as outputs, and a fused kernel's fp32
 * values differ in the last bit (measured on ultraface: two ranges out of 55), which would make
 * a trial's bytes differ from what its recipe replays to.
 */
export function cachedCalibrate(cache = new Map<string, Awaited<ReturnType<typeof calibrate>>>()): typeof calibrate {
  return async (model, tensors, source, opts) => {
    const key = JSON.stringify([
      tensors.map((t) => [t.name, t.algo, t.symmetric && !t.startsAtZero]).sort(),
      opts.samples,
      opts.bins,
      opts.percentile,
      [...(opts.channelStats ?? [])].sort(),
    ]);
    const hit = cache.get(key);
    if (hit) return { ...hit, ranges: new Map(hit.ranges), warnings: [...hit.warnings] };
    const res = await calibrate(model, tensors, source, opts);
    cache.set(key, res);
    return { ...res, ranges: new Map(res.ranges), warnings: [...res.warnings] };
  };
}

/** Ranges by tensor and settings, whatever else was observed: close to the last bit, good enough to rank probes (never for a written model). */
function looseCalibrate(): typeof calibrate {
  const cache = new Map<string, TensorRange>();
  return async (model, tensors, source, opts) => {
    // SmoothQuant's per-channel statistics come only from a whole run.
    if (opts.channelStats?.length) return calibrate(model, tensors, source, opts);
    const key = (t: (typeof tensors)[number]) => JSON.stringify([t.name, t.algo, t.symmetric && !t.startsAtZero, opts.samples, opts.bins, opts.percentile]);
    const missing = tensors.filter((t) => !cache.has(key(t)));
    let res: Awaited<ReturnType<typeof calibrate>> = { ranges: new Map(), samples: Math.min(source.count, opts.samples), passes: 0, seconds: 0, warnings: [] };
    if (missing.length) {
      res = await calibrate(model, missing, source, opts);
      for (const t of missing) cache.set(key(t), res.ranges.get(t.name)!);
    }
    return { ...res, ranges: new Map(tensors.map((t) => [t.name, cache.get(key(t))!])) };
  };
}

/**
 * The recipe with every measured decision of `report` written down: the speed check's kept-fp32
 * ops as `local` fp32 rules, w_granularity and reduce_range resolved, and speed_check off, so
 * that converting it again measures nothing and gives the same model.
 */
export function pinRecipe(
  recipe: Recipe,
  report: Pick<QuantizeReport, 'speedCheck' | 'weightGranularity' | 'weightBits' | 'smoothQuant' | 'calibration'>,
): Recipe {
  const local: Record<string, OpConfig> = {};
  for (const [k, v] of Object.entries(recipe.local)) local[k] = v.w_granularity === 'auto' ? { ...v, w_granularity: 'per_channel' } : v;
  const set = (node: string, cfg: OpConfig) => (local[`name:${node}`] = { ...local[`name:${node}`], ...cfg });
  const sc = report.speedCheck;
  for (const n of sc?.keptFloat ?? []) set(n, { w_dtype: 'fp32', act_dtype: 'fp32' });
  if (sc?.activationMatMuls?.keptFloat) for (const n of sc.activationMatMuls.nodes) set(n, { w_dtype: 'fp32', act_dtype: 'fp32' });
  for (const group of [...(sc?.gates ?? []), sc?.elementwise]) if (group?.keptFloat) for (const n of group.nodes) set(n, { act_dtype: 'fp32' });
  for (const n of report.weightGranularity?.perTensor ?? []) set(n, { w_granularity: 'per_tensor' });
  return {
    ...pinSmoothQuant(recipe, report),
    speed_check: false,
    act_algo: recipe.act_algo === 'auto' ? report.calibration.algo : recipe.act_algo,
    reduce_range: report.weightBits.reduceRange,
    w_granularity: recipe.w_granularity === 'auto' ? 'per_channel' : recipe.w_granularity,
    local,
  };
}

/** SmoothQuant as measured: applied or not, and with which alpha (nothing to smooth: off). */
export function pinSmoothQuant(recipe: Recipe, report: Pick<QuantizeReport, 'smoothQuant'>): Recipe {
  const sq = report.smoothQuant;
  if (!sq) return recipe.smooth_quant === 'auto' ? { ...recipe, smooth_quant: false } : recipe;
  return { ...recipe, smooth_quant: sq.applied, smooth_quant_alpha: sq.applied && sq.alpha !== undefined ? sq.alpha : recipe.smooth_quant_alpha };
}

/** The fields (and `local` keys) of `r` that differ from `base`. */
export function recipeDelta(base: Recipe, r: Recipe): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(r) as (keyof Recipe)[]) {
    if (k === 'local' || k === 'tuning') continue;
    if (JSON.stringify(r[k]) !== JSON.stringify(base[k])) out[k] = r[k];
  }
  const local: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.local)) if (JSON.stringify(v) !== JSON.stringify(base.local[k])) local[k] = v;
  for (const k of Object.keys(base.local)) if (!(k in r.local)) local[k] = null;
  if (Object.keys(local).length) out.local = local;
  return out;
}

/**
 * What decides a candidate's graph, and so its speed: range algorithms change scales, not the
 * graph, so trials that differ only in them run the same kernels.
 */
export function structureKey(r: TuneTrial['recipe']): string {
  const local = Object.entries(r.local)
    .map(([k, v]) => [k, v.w_dtype === 'fp32' || v.act_dtype === 'fp32' ? 'fp32' : '', v.w_granularity ?? '', v.w_dtype ?? '', v.act_dtype ?? ''].join('|'))
    .filter((x) => !/^[^|]*\|\|\|\|$/.test(x))
    .sort();
  return JSON.stringify([r.format, r.w_granularity, r.w_dtype, r.act_dtype, r.reduce_range, local]);
}

/** A trial's int8/fp32 ratio as the median over all trials of its graph structure. */
export function structureSpeed(trials: TuneTrial[]): (t: TuneTrial) => number {
  const groups = new Map<string, number[]>();
  for (const t of trials)
    if (t.latencyRatio !== undefined && t.loss !== undefined)
      groups.set(structureKey(t.recipe), [...(groups.get(structureKey(t.recipe)) ?? []), t.latencyRatio]);
  return (t) => {
    const xs = [...(groups.get(structureKey(t.recipe)) ?? [])].sort((a, b) => a - b);
    return xs.length ? (xs[(xs.length - 1) >> 1] + xs[xs.length >> 1]) / 2 : Infinity;
  };
}

/**
 * The trial to keep: the fastest that meets the tolerance (the lower loss among those as fast),
 * else the lowest loss. A trial's speed is the median ratio of all trials with its graph
 * structure (structureKey): on a loaded machine one 1-second A/B measurement moves ±15%, and
 * trials of one structure are the same speed.
 */
export function pickBest(trials: TuneTrial[]): number | undefined {
  const ok = trials.filter((t) => t.loss !== undefined && Number.isFinite(t.loss));
  if (!ok.length) return undefined;
  const speed = structureSpeed(ok);
  const meeting = ok.filter((t) => t.meets);
  const byLoss = (xs: TuneTrial[]) => xs.reduce((a, b) => (b.loss! < a.loss! || (b.loss === a.loss && speed(b) < speed(a)) ? b : a));
  if (!meeting.length) return byLoss(ok).index;
  const fastest = Math.min(...meeting.map(speed));
  return byLoss(meeting.filter((t) => speed(t) <= fastest * SAME_SPEED)).index;
}

export function lossOf(metric: TuneMetric, m: Measured, fp32Top1: number | undefined): number {
  if (metric === 'top1') return fp32Top1 ? (fp32Top1 - (m.top1 ?? 0)) / fp32Top1 : 0;
  if (metric === 'cosine') return 1 - m.cosine;
  return Math.pow(10, -m.sqnrDb / 10);
}

function toRecipe(input: unknown): Recipe {
  return parseRecipe(input ?? {}); // a bad recipe throws RecipeError, an OctetError (RECIPE_INVALID)
}

export async function tuneModel(p: TuneParams, ctx: JobContext = {}): Promise<TuneResult> {
  const started = performance.now();
  const base = toRecipe(p.recipe);
  const recipePath = p.recipePath ?? defaultRecipePath(p.output);
  const inputs = [p.model, p.data, ...(p.eval ? [p.eval] : []), ...(p.labels ? [p.labels] : [])];
  const outs = [p.output, recipePath, ...(p.reportPath ? [p.reportPath] : [])];
  const reals = await Promise.all(outs.map((o) => realTarget(o)));
  if (new Set(reals).size !== reals.length)
    throw new OctetError('BAD_USAGE', `The model, recipe and report outputs must be different files (${outs.map((o) => resolve(o)).join(', ')})`);
  for (let i = 0; i < outs.length; i++) await checkOutputPath(outs[i], [...inputs, ...outs.slice(0, i)]);
  const unlock: (() => Promise<void>)[] = [];
  const work = await mkdtemp(join(tmpdir(), 'octet-tune-'));
  try {
    for (const o of outs) unlock.push(await lockOutput(o));
    return await tuneLocked(p, base, recipePath, work, ctx, started);
  } finally {
    await Promise.all(unlock.map((u) => u()));
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function tuneLocked(p: TuneParams, base: Recipe, recipePath: string, work: string, ctx: JobContext, started: number): Promise<TuneResult> {
  const log = (line: string) => ctx.onLog?.(line);
  const cancelled = () => {
    if (ctx.signal?.aborted) throw new OctetError('CANCELLED', 'Tuning was cancelled');
  };
  ctx.onProgress?.({ phase: 'load', done: 0, total: 1 });
  const loaded = await loadModel(p.model);
  // As quantize reads it: symbolic dims stay open and the data fixes them; token ids are checked against their table.
  const specs = modelInputs(loaded.model, p.shapes ?? {});
  const idLimits = embeddingLimits(loaded.model);
  const preprocess = base.preprocess;

  // Calibration reads the first calib_samples of --data (as a replay does); the loss is measured
  // on --eval, or on the samples of --data after those, which calibration never sees.
  const calibSource = await openDataSource(p.data, specs, { preprocess, split: 'calibration', idLimits });
  let calibSamples = Math.min(base.calib_samples, calibSource.count);
  let evalSource: DataSource;
  let evalStart = 0;
  let split: string;
  const wantEval = p.evalSamples ?? TUNE_DEFAULTS.evalSamples;
  if (p.eval) {
    evalSource = await openDataSource(p.eval, specs, { preprocess, split: 'evaluation', idLimits });
    split = `calibration: the first ${calibSamples} samples of ${calibSource.description}; loss: the first ${Math.min(wantEval, evalSource.count)} of --eval ${evalSource.description}`;
  } else {
    const explicit = typeof (p.recipe as { calib_samples?: unknown } | undefined)?.calib_samples === 'number';
    if (calibSource.count - calibSamples < MIN_EVAL) {
      if (explicit || calibSource.count < 2 * MIN_EVAL) {
        throw new OctetError(
          'DATA_EMPTY',
          `--data holds ${calibSource.count} samples: after ${calibSamples} for calibration fewer than ${MIN_EVAL} are left to measure the loss on; pass --eval SPEC or a smaller calib_samples`,
        );
      }
      calibSamples = Math.floor(calibSource.count / 2);
      log(`tune: --data holds ${calibSource.count} samples; calib_samples lowered to ${calibSamples} so the other half measures the loss`);
    }
    evalSource = calibSource;
    evalStart = calibSamples;
    split = `calibration: samples 0–${calibSamples - 1} of ${calibSource.description}; loss: samples ${calibSamples}–${calibSamples + Math.min(wantEval, calibSource.count - calibSamples) - 1}, which calibration never reads (no --eval given)`;
  }
  const evalCount = Math.min(wantEval, evalSource.count - evalStart);
  if (evalCount < 1) throw new OctetError('DATA_EMPTY', `No samples to measure the loss on (${evalSource.description})`);
  base = { ...base, calib_samples: calibSamples };
  log(`tune: ${split}`);

  // Labels: a CSV, or the data's own (class folders, the built-in digits).
  let csv: (number | undefined)[] | undefined;
  if (p.labels) {
    const crops = preprocess?.cropsPerImage ?? 1;
    const c = await csvLabels(p.labels, evalSource, crops);
    for (const note of c.notes) log(`labels: ${note}`);
    csv = c.labels;
  }
  const samples: Sample[] = [];
  const labels: (number | undefined)[] = [];
  for (let i = 0; i < evalCount; i++) {
    cancelled();
    const s = await evalSource.read(evalStart + i);
    samples.push(s);
    labels.push(csv ? csv[evalStart + i] : s.label);
  }
  const labelled = labels.filter((l) => l !== undefined).length;
  const metric: TuneMetric = p.metric ?? base.tuning?.metric ?? (labelled > 0 ? 'top1' : 'cosine');
  if (metric === 'top1' && labelled === 0)
    throw new OctetError('BAD_USAGE', 'metric top1 needs labels: class folders, the built-in digits, or --labels FILE.csv; or use --metric cosine');
  const tolerableLoss = p.tolerableLoss ?? base.tuning?.tolerable_loss ?? TUNE_DEFAULTS.tolerableLoss[metric];
  const maxTrials = p.maxTrials ?? base.tuning?.max_trials ?? TUNE_DEFAULTS.maxTrials;
  const latencyMs = (p.latencySeconds ?? TUNE_DEFAULTS.latencySeconds) * 1000;
  const timeoutMs = p.timeoutSeconds !== undefined ? p.timeoutSeconds * 1000 : Infinity;
  const tuning = { tolerable_loss: tolerableLoss, max_trials: maxTrials, metric };

  // fp32 reference outputs, once.
  const fp32 = await openSession(p.model, { threads: 1 });
  let fp32Top1: number | undefined;
  const refs = new Map<string, Float32Array[]>();
  const outputNames = fp32.outputNames;
  try {
    let hits = 0;
    for (let i = 0; i < samples.length; i++) {
      cancelled();
      const r = await run(fp32, samples[i].feeds);
      for (const o of outputNames) {
        if (!(r[o].data instanceof Float32Array)) continue;
        if (!refs.has(o)) refs.set(o, []);
        refs.get(o)!.push(comparable(r[o].data as Float32Array, r[o].dims, samples[i].feeds));
      }
      if (labels[i] !== undefined && argmax(r[outputNames[0]].data as Float32Array) === labels[i]) hits++;
    }
    if (labelled) fp32Top1 = hits / labelled;
  } catch (e) {
    await fp32.release();
    throw e;
  }
  if (!refs.size) {
    await fp32.release();
    throw new OctetError('MODEL_UNSUPPORTED', 'The model has no float output to compare int8 against');
  }
  const ref = new Map([...refs].map(([o, parts]) => [o, concatFloats(parts)]));
  log(
    `tune: metric ${metric} (loss = ${LOSS_MEANING[metric]}), tolerable loss ${tolerableLoss}, at most ${maxTrials} trials${fp32Top1 !== undefined ? `; fp32 top-1 ${(fp32Top1 * 100).toFixed(2)}% on ${labelled} samples` : ''}`,
  );
  ctx.onProgress?.({ phase: 'load', done: 1, total: 1 });

  const measure = async (bytes: Uint8Array): Promise<Measured> => {
    const s = await openSession(bytes, { threads: 1 });
    try {
      const outs = new Map<string, Float32Array[]>([...ref.keys()].map((o) => [o, []]));
      let hits = 0;
      for (let i = 0; i < samples.length; i++) {
        cancelled();
        const r = await run(s, samples[i].feeds);
        for (const o of ref.keys()) outs.get(o)!.push(comparable(r[o].data as Float32Array, r[o].dims, samples[i].feeds));
        if (labels[i] !== undefined && argmax(r[outputNames[0]].data as Float32Array) === labels[i]) hits++;
      }
      let cosine = Infinity;
      let sqnrDb = Infinity;
      for (const [o, parts] of outs) {
        const f = fidelity(ref.get(o)!, concatFloats(parts));
        cosine = Math.min(cosine, f.cosine);
        sqnrDb = Math.min(sqnrDb, f.sqnrDb);
      }
      return { top1: labelled ? hits / labelled : undefined, cosine, sqnrDb };
    } finally {
      await s.release();
    }
  };
  const timeIt = async (bytes: Uint8Array) => {
    const s = await openSession(bytes, { threads: 1 });
    try {
      const lat = await interleavedLatency(fp32, s, samples[0].feeds, 10, { blockStat: 'min', minMs: latencyMs, warmup: 3, signal: ctx.signal });
      return { ratio: round(lat.ratioMedian, 3), int8Ms: round(lat.b.p50, 4), fp32Ms: round(lat.a.p50, 4) };
    } finally {
      await s.release();
    }
  };

  const cache = cachedCalibrate();
  const loose = looseCalibrate();
  const probes: NonNullable<TuneResult['probes']> = [];
  let prepared: ModelProto | undefined;
  const states: TrialState[] = [];
  const trials = () => states.map((s) => s.trial);
  let best: number | undefined;
  let pinnedBase: Recipe | undefined;
  const progress = (): TuneProgress => ({ metric, tolerableLoss, maxTrials, trials: trials(), best, fp32Top1 });
  const emit = () => ctx.onProgress?.({ phase: 'tune', done: states.length, total: maxTrials, tune: progress() });
  const writeRecipe = (r: Recipe) => writeFileAtomic(recipePath, JSON.stringify({ ...r, tuning }, null, 2) + '\n');
  const report = () => ({
    ...progress(),
    split,
    evalSamples: samples.length,
    lossMeaning: LOSS_MEANING[metric],
    sensitivity: SENSITIVITY,
    model: resolve(p.model),
    data: p.data,
    eval: p.eval,
  });
  const writeReport = () => (p.reportPath ? writeFileAtomic(p.reportPath, JSON.stringify(report(), null, 2) + '\n') : Promise.resolve());

  const convert = async (recipe: Recipe, file: string, cached = true) => {
    let plan: QuantPlan | undefined;
    const rep = await quantizeModel(
      { model: p.model, output: file, data: p.data, recipe, shapes: p.shapes },
      {
        signal: ctx.signal,
        calibrate: cached ? cache : undefined,
        onConverted: (m, pl) => {
          prepared ??= m;
          plan = pl;
        },
      },
    );
    return { report: rep, plan: plan! };
  };

  const runTrial = async (step: TuneTrial['step'], delta: string, recipe: Recipe): Promise<TrialState> => {
    cancelled();
    const t0 = performance.now();
    const index = states.length;
    const file = join(work, `trial-${index}.onnx`);
    const trial: TuneTrial = { index, step, delta, recipeDelta: pinnedBase ? recipeDelta(pinnedBase, recipe) : {}, recipe, seconds: 0 };
    const state: TrialState = { trial };
    try {
      const { report: rep, plan } = await convert(recipe, file);
      // A trial that asked SmoothQuant to choose gets its choice written down.
      trial.recipe = pinSmoothQuant(recipe, rep);
      trial.recipeDelta = pinnedBase ? recipeDelta(pinnedBase, trial.recipe) : {};
      const bytes = new Uint8Array(await readFile(file));
      const m = await measure(bytes);
      const speed = await timeIt(bytes);
      const loss = lossOf(metric, m, fp32Top1);
      Object.assign(trial, {
        loss: round(loss, 8),
        // A model with no int8 compute op left is the fp32 model again: never the answer.
        meets: loss <= tolerableLoss && rep.fusion.int8Ops > 0,
        top1: m.top1,
        cosine: round(m.cosine, 8),
        sqnrDb: round(m.sqnrDb, 2),
        latencyRatio: speed.ratio,
        int8Ms: speed.int8Ms,
        fp32Ms: speed.fp32Ms,
        int8Ops: rep.fusion.int8Ops,
        fp32Ops: rep.fusion.fp32ComputeOps,
      });
      state.file = file;
      state.bytes = bytes;
      state.ops = plan.decisions.map((d) => ({
        name: d.node.name,
        opType: d.node.opType,
        compute: d.handler?.kind === 'compute',
        int8: d.int8,
        output: d.output,
        inputs: [...d.node.input],
        outputs: [...d.node.output],
      }));
    } catch (e) {
      if (e instanceof OctetError && e.code === 'CANCELLED') throw e;
      trial.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
    trial.seconds = round((performance.now() - t0) / 1000, 2);
    states.push(state);
    const was = best;
    best = pickBest(trials());
    const b = best !== undefined ? states[best].trial : undefined;
    const fmt = (t: TuneTrial) =>
      t.loss === undefined ? `failed: ${t.error}` : `loss ${fmtLoss(t.loss)}${t.meets ? ' (meets)' : ''}, ${t.latencyRatio?.toFixed(2)}x fp32 latency`;
    log(`trial ${index + 1}/${maxTrials} ${delta}: ${fmt(trial)}, ${trial.seconds.toFixed(1)} s${b ? `; best: trial ${b.index + 1}, ${fmt(b)}` : ''}`);
    if (best !== undefined && best !== was) {
      // The best so far is always on disk, so a cancel (which kills the worker) keeps it.
      await writeFileAtomic(p.output, states[best].bytes!);
      await writeRecipe(states[best].trial.recipe);
    }
    // Keep only the files later steps may need.
    for (const s of states)
      if (s.file && s !== states[best ?? -1] && s !== state && s !== lowest()) {
        await rm(s.file, { force: true });
        s.file = undefined;
        s.bytes = undefined;
      }
    await writeReport();
    emit();
    return state;
  };
  const lowest = (): TrialState | undefined =>
    states.filter((s) => s.trial.loss !== undefined).reduce<TrialState | undefined>((a, s) => (!a || s.trial.loss! < a.trial.loss! ? s : a), undefined);
  const met = () => states.some((s) => s.trial.meets);
  let stoppedBy: TuneResult['stoppedBy'] | undefined;
  const canRun = () => {
    if (states.length >= maxTrials) stoppedBy ??= 'max_trials';
    else if (performance.now() - started >= timeoutMs) stoppedBy ??= 'timeout';
    return stoppedBy === undefined;
  };

  emit();
  {
    // 1. The base recipe; the speed check (if on) measures once and its decisions are pinned.
    const first = await convert(base, join(work, 'measure.onnx'));
    pinnedBase = pinRecipe(base, first.report);
    if (first.report.speedCheck)
      log(
        `tune: speed check pinned: ${first.report.speedCheck.keptFloat.length + (first.report.speedCheck.activationMatMuls?.keptFloat ? first.report.speedCheck.activationMatMuls.nodes.length : 0)} op(s) kept fp32, weights ${pinnedBase.w_granularity}, reduce_range ${pinnedBase.reduce_range}`,
      );
    await runTrial('base', `base (act_algo ${pinnedBase.act_algo})`, pinnedBase);

    // 2. Other range algorithms, globally.
    for (const algo of ACT_ALGOS) {
      if (algo === pinnedBase.act_algo || !canRun()) continue;
      await runTrial('act_algo', `act_algo ${algo}`, { ...pinnedBase, act_algo: algo });
    }

    // 3. Other algorithms for the worst layers of the most faithful candidate.
    if (!met() && canRun()) {
      const from = lowest();
      const worst = from ? await worstNodes(from, WORST_LAYERS) : [];
      if (worst.length) {
        for (const algo of ACT_ALGOS) {
          if (algo === from!.trial.recipe.act_algo || !canRun()) continue;
          const local = { ...from!.trial.recipe.local };
          for (const n of worst) local[`name:${n}`] = { ...local[`name:${n}`], act_algo: algo };
          await runTrial('local_algo', `act_algo ${algo} for ${worst.length} worst layer(s) (${worst.join(', ')}), over trial ${from!.trial.index + 1}`, {
            ...from!.trial.recipe,
            local,
          });
        }
      }
    }

    // 4. The other weight granularity, on the best candidate so far.
    if (canRun() && best !== undefined) {
      const from = states[best].trial;
      const g = from.recipe.w_granularity === 'per_tensor' ? 'per_channel' : 'per_tensor';
      await runTrial('granularity', `w_granularity ${g}, over trial ${from.index + 1}`, { ...from.recipe, w_granularity: g });
    }

    // 4b. SmoothQuant where it applies (MatMul/Gemm inputs it can smooth), the other way from the base.
    const sq = first.report.smoothQuant;
    if (sq && sq.groups > 0 && canRun()) {
      const from = lowest() ?? states[0];
      if (from) {
        const on = !from.trial.recipe.smooth_quant;
        await runTrial(
          'smooth_quant',
          on ? `smooth_quant on (alpha chosen by output SQNR), over trial ${from.trial.index + 1}` : `smooth_quant off, over trial ${from.trial.index + 1}`,
          { ...from.trial.recipe, smooth_quant: on, smooth_quant_alpha: on ? 'auto' : from.trial.recipe.smooth_quant_alpha },
        );
      }
    }

    // 5. fp32 fallback, most sensitive first, cumulatively, until within the tolerance.
    let chain = lowest();
    if (!met() && canRun() && chain) {
      const order = await fallbackOrder(chain);
      let taken = 0;
      for (let step = 0; !met() && canRun() && chain; step++) {
        const pick = order.slice(taken, taken + (step < 3 ? 1 : 2 ** Math.floor((step - 1) / 2)));
        if (!pick.length) {
          stoppedBy = 'exhausted';
          break;
        }
        taken += pick.length;
        const local = { ...chain.trial.recipe.local };
        for (const name of pick) local[`name:${name}`] = { ...local[`name:${name}`], w_dtype: 'fp32', act_dtype: 'fp32' };
        const next = await runTrial('fallback', `fp32: ${pick.join(', ')}, over trial ${chain.trial.index + 1}`, { ...chain.trial.recipe, local });
        chain = next.trial.loss !== undefined ? next : undefined;
      }
    }
    if (!met() && canRun() && !stoppedBy) stoppedBy = 'exhausted';
  }
  if (best === undefined)
    throw new OctetError('INTERNAL', `No trial produced a model: ${states.map((s) => s.trial.error).filter(Boolean)[0] ?? 'unknown error'}`);
  stoppedBy ??= met() ? 'goal' : 'exhausted';
  if (met() && stoppedBy !== 'timeout') stoppedBy = 'goal';

  // Run-off: when the runner-up structure within the tolerance measured within 10% of the chosen
  // one, the two are timed against each other (not against fp32), three times as long.
  let runoff: TuneResult['runoff'];
  if (met()) {
    const speed = structureSpeed(trials());
    const chosen = states[best].trial;
    const rival = trials()
      .filter((t) => t.meets && structureKey(t.recipe) !== structureKey(chosen.recipe))
      .sort((a, b) => speed(a) - speed(b) || a.loss! - b.loss!)[0];
    if (rival && speed(rival) <= speed(chosen) * RUNOFF_WITHIN) {
      cancelled();
      const bytesOf = async (st: TrialState) => {
        if (!st.bytes) {
          await convert(st.trial.recipe, join(work, `trial-${st.trial.index}.onnx`));
          st.bytes = new Uint8Array(await readFile(join(work, `trial-${st.trial.index}.onnx`)));
        }
        return st.bytes;
      };
      const [sa, sb] = [
        await openSession(await bytesOf(states[chosen.index]), { threads: 1 }),
        await openSession(await bytesOf(states[rival.index]), { threads: 1 }),
      ];
      try {
        const lat = await interleavedLatency(sa, sb, samples[0].feeds, 20, { blockStat: 'min', minMs: 3 * latencyMs, warmup: 3, signal: ctx.signal });
        runoff = {
          chosen: chosen.index,
          rival: rival.index,
          ratio: round(lat.ratioMedian, 3),
          kept: lat.ratioMedian < FASTER_IN_RUNOFF ? rival.index : chosen.index,
        };
      } finally {
        await Promise.all([sa.release(), sb.release()]);
      }
      log(
        `tune: run-off, trial ${rival.index + 1} against trial ${chosen.index + 1}: ${runoff.ratio.toFixed(2)}x its latency; keeping trial ${runoff.kept + 1}`,
      );
      if (runoff.kept !== best) {
        best = runoff.kept;
        await writeFileAtomic(p.output, states[best].bytes!);
        await writeRecipe(states[best].trial.recipe);
      }
    }
  }

  // The written model is what `octet quantize --recipe` gives from the written recipe: converted
  // again from scratch (no cached ranges, nothing timed), and compared with the trial's bytes.
  ctx.onProgress?.({ phase: 'save', done: 0, total: 1, tune: progress() });
  const winner = states[best];
  const finalFile = join(work, 'final.onnx');
  const final = await convert(winner.trial.recipe, finalFile, false);
  const finalBytes = new Uint8Array(await readFile(finalFile));
  const replayIdentical = !!winner.bytes && Buffer.compare(Buffer.from(finalBytes), Buffer.from(winner.bytes)) === 0;
  let finalLoss: number | undefined;
  if (!replayIdentical) {
    finalLoss = lossOf(metric, await measure(finalBytes), fp32Top1);
    log(`tune: converting the winning recipe from scratch gave other bytes than its trial (calibration order); its loss is ${fmtLoss(finalLoss)}`);
  }
  await writeFileAtomic(p.output, finalBytes);
  await writeRecipe(winner.trial.recipe);
  await fp32.release();
  const met_ = (finalLoss ?? winner.trial.loss!) <= tolerableLoss;
  const result: TuneResult = {
    ...progress(),
    best,
    met: met_,
    stoppedBy,
    lossMeaning: LOSS_MEANING[metric],
    split,
    evalSamples: samples.length,
    sensitivity: SENSITIVITY,
    probes,
    runoff,
    output: resolve(p.output),
    recipePath: resolve(recipePath),
    reportPath: p.reportPath ? resolve(p.reportPath) : undefined,
    recipe: { ...winner.trial.recipe, tuning },
    replayIdentical,
    finalLoss,
    report: { ...final.report, output: { ...final.report.output, path: resolve(p.output) } },
    seconds: round((performance.now() - started) / 1000, 2),
  };
  if (p.reportPath) await writeFileAtomic(p.reportPath, JSON.stringify({ ...report(), result: { ...result, trials: undefined } }, null, 2) + '\n');
  ctx.onProgress?.({ phase: 'save', done: 1, total: 1, tune: progress() });
  return result;

  /** Per-layer error of a trial's model against the prepared fp32 model, on a few evaluation samples. */
  async function layersOf(s: TrialState) {
    if (!prepared || !s.bytes) return [];
    const r = await perLayerError(prepared, decodeModel(s.bytes), samples.slice(0, LAYER_SAMPLES), {
      outputScaleOf: outputScaleInput,
      threads: 1,
      signal: ctx.signal,
    });
    return r.layers;
  }

  /** The nodes whose rules set the ranges of the `k` tensors that add the most error. */
  async function worstNodes(s: TrialState, k: number): Promise<string[]> {
    const layers = (await layersOf(s)).filter((l) => l.dropDb !== undefined && Number.isFinite(l.dropDb)).sort((a, b) => b.dropDb! - a.dropDb!);
    const out: string[] = [];
    for (const l of layers) {
      const owner = ownerOf(s, l.tensor);
      if (owner && !out.includes(owner)) out.push(owner);
      if (out.length >= k) break;
    }
    return out;
  }

  /** The int8 node whose rule sets a tensor's range: its producer (a Relu absorbed into a Conv counts as the Conv), else an int8 reader. */
  function ownerOf(s: TrialState, tensor: string): string | undefined {
    const ops = s.ops ?? [];
    return (
      ops.find((o) => o.int8 && o.output === tensor) ??
      ops.find((o) => o.int8 && o.outputs.includes(tensor)) ??
      ops.find((o) => o.int8 && o.compute && o.inputs.includes(tensor))
    )?.name;
  }

  /**
   * The order in which compute ops go back to fp32: up to PROBES of them are probed, each alone
   * in fp32 over `s` (loss measured on the evaluation samples, ranges reused), lowest loss first;
   * the rest follow by per-layer dropDb. With more ops than PROBES, the probed ones are those
   * whose output the per-layer error cannot see (heads feeding the outputs), then the highest dropDb.
   */
  async function fallbackOrder(s: TrialState): Promise<string[]> {
    const ranked = await rankSensitivity(s);
    const heads = ranked.filter((r) => !r.compared).slice(0, PROBES / 2);
    const picked = ranked.length <= PROBES ? ranked : [...heads, ...ranked.filter((r) => !heads.includes(r)).slice(0, PROBES - heads.length)];
    const file = join(work, 'probe.onnx');
    for (const r of picked) {
      if (!canRun()) break;
      cancelled();
      const t0 = performance.now();
      const local = {
        ...s.trial.recipe.local,
        [`name:${r.name}`]: { ...s.trial.recipe.local[`name:${r.name}`], w_dtype: 'fp32' as const, act_dtype: 'fp32' as const },
      };
      try {
        await quantizeModel(
          { model: p.model, output: file, data: p.data, recipe: { ...s.trial.recipe, local }, shapes: p.shapes },
          { signal: ctx.signal, calibrate: loose },
        );
        const loss = lossOf(metric, await measure(new Uint8Array(await readFile(file))), fp32Top1);
        probes.push({ node: r.name, loss: round(loss, 8), seconds: round((performance.now() - t0) / 1000, 2) });
        log(`probe: ${r.name} alone in fp32 over trial ${s.trial.index + 1}: loss ${fmtLoss(loss)} (trial ${s.trial.index + 1}: ${fmtLoss(s.trial.loss!)})`);
      } catch (e) {
        if (e instanceof OctetError && e.code === 'CANCELLED') throw e;
      }
    }
    const probed = [...probes].filter((x) => picked.some((r) => r.name === x.node)).sort((a, b) => a.loss - b.loss);
    // A probe that made things worse goes after the unprobed ops.
    const helped = probed.filter((x) => x.loss < s.trial.loss!).map((x) => x.node);
    const rest = ranked.map((r) => r.name).filter((n) => !probed.some((x) => x.node === n));
    return [...helped, ...rest, ...probed.map((x) => x.node).filter((n) => !helped.includes(n))];
  }

  /** int8 compute ops of a trial, by per-layer dropDb (see SENSITIVITY); `compared`: its own output is among the per-layer tensors. */
  async function rankSensitivity(s: TrialState): Promise<{ name: string; score: number; compared: boolean }[]> {
    const layers = await layersOf(s);
    const byTensor = new Map(layers.map((l) => [l.tensor, l]));
    const outSqnr = s.trial.sqnrDb ?? -Infinity;
    const scored: { name: string; score: number; compared: boolean }[] = [];
    for (const o of s.ops ?? []) {
      if (!o.compute || !o.int8) continue;
      const own = o.output ? byTensor.get(o.output) : undefined;
      let score: number;
      if (own?.dropDb !== undefined && Number.isFinite(own.dropDb)) score = own.dropDb;
      else {
        const ins = o.inputs.map((i) => byTensor.get(i)?.sqnrDb).filter((x): x is number => x !== undefined && Number.isFinite(x));
        score = ins.length && Number.isFinite(outSqnr) ? Math.min(...ins) - outSqnr : own ? -own.sqnrDb : 0;
      }
      scored.push({ name: o.name, score, compared: own?.dropDb !== undefined && Number.isFinite(own.dropDb) });
    }
    return scored.sort((a, b) => b.score - a.score);
  }
}

export function fmtLoss(x: number): string {
  return Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(4) : x.toExponential(2);
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
