// What the wizard's buttons do: each calls the API and records the outcome, or the error, in the store.
import type { JobInfo } from '../../shared/api';
import type { LayerDetail } from '../../shared/jobs';
import type { ActAlgo } from '../../shared/rangeAlgorithms';
import { call, errorInfo, transport } from '../client';
import { stepIndex, stepNumber, type StepId } from '../../shared/steps';
import { benchDataSpec, dataSpec, isLive, preprocessFor, quantizeKeyOf, useWizard } from './wizard';

const get = () => useWizard.getState();

async function guarded<T>(step: StepId | 'global', fn: () => Promise<T>): Promise<T | undefined> {
  get().setError(step, undefined);
  try {
    return await fn();
  } catch (e) {
    get().setError(step, errorInfo(e));
    return undefined;
  }
}

export const goto = (id: StepId) => get().setStep(stepIndex(id));

export function openModel(path: string): Promise<boolean> {
  return guarded('model', async () => {
    const summary = await call('inspectModel', { path });
    get().setModel(summary.path, summary);
    return true;
  }).then((ok) => !!ok);
}

export async function useDemo(): Promise<void> {
  await guarded('model', async () => {
    const demo = await call('demoDefaults', {});
    if (!demo.available) throw new Error(`The demo model is missing (${demo.model}); reinstall Octet or run the model build`);
    const summary = await call('inspectModel', { path: demo.model });
    const s = get();
    s.setModel(summary.path, summary);
    s.setData({ kind: 'digits', path: '', preprocess: {}, evalSamples: demo.evalSamples });
    s.patch({ recipe: { ...demo.recipe, local: {} }, preset: 'default', history: [], demoOffered: true });
  });
}

/** Starts the one quantize job (calibrate → convert → verify) with the current settings. */
export async function runQuantize(step: StepId): Promise<void> {
  await guarded(step, async () => {
    const s = get();
    if (!s.modelPath) throw new Error(`Open a model first (step ${stepNumber('model')})`);
    const recipe = { ...s.recipe, preprocess: preprocessFor(s.data) };
    const { jobId } = await call('startJob', { kind: 'quantize', params: { model: s.modelPath, data: dataSpec(s.data), recipe } });
    s.setJob('quantize', await call('getJob', { jobId }));
    s.setJob('bench', undefined);
    s.patch({ exported: undefined });
    void call('saveSettings', { lastRecipe: s.recipe, lastData: { spec: dataSpec(s.data), preprocess: preprocessFor(s.data) } }).catch(() => undefined);
  });
}

/** Starts a tune job: trials of recipes on the current model and data, the fastest within the tolerance kept. */
export async function runTune(step: StepId): Promise<void> {
  await guarded(step, async () => {
    const s = get();
    if (!s.modelPath) throw new Error(`Open a model first (step ${stepNumber('model')})`);
    const recipe = { ...s.recipe, preprocess: preprocessFor(s.data) };
    const digits = s.data.kind === 'digits';
    const { jobId } = await call('startJob', {
      kind: 'tune',
      params: {
        model: s.modelPath,
        data: dataSpec(s.data),
        // The digits have a held-out split; other data: the samples after calib_samples.
        eval: digits ? 'mnist' : s.data.evalPath?.trim() || undefined,
        recipe,
        metric: s.tune.metric === 'auto' ? undefined : s.tune.metric,
        tolerableLoss: s.tune.tolerableLoss,
        maxTrials: s.tune.maxTrials,
        evalSamples: s.data.evalSamples,
        labels: s.bench.labels.trim() || undefined,
      },
    });
    s.setJob('tune', await call('getJob', { jobId }));
  });
}

/** Makes a tune trial's recipe (every decision pinned) the wizard's recipe and converts with it: the same bytes as the trial, no timing. */
export async function useTunedRecipe(index: number, step: StepId): Promise<void> {
  const s = get();
  const trial = s.tuneJob?.progress?.tune?.trials[index];
  if (!trial) return;
  const origins = { ...s.ruleOrigins };
  for (const key of Object.keys(trial.recipe.local))
    if (!(key in (s.recipe.local ?? {}))) origins[key] = { origin: `tuner, trial ${index + 1}: ${trial.delta}`, at: new Date().toISOString() };
  s.editRecipe(`tuned recipe (trial ${index + 1})`, () => ({ ...trial.recipe, preprocess: undefined }));
  s.patch({ ruleOrigins: origins });
  await runQuantize(step);
}

/** Resolves when the store's job of that kind is no longer queued or running. */
function settled(which: 'quantizeJob' | 'benchJob'): Promise<JobInfo | undefined> {
  return new Promise((resolve) => {
    const check = (st: ReturnType<typeof get>) => {
      const j = st[which];
      if (!isLive(j)) {
        off();
        resolve(j);
        return true;
      }
      return false;
    };
    const off = useWizard.subscribe((st) => void check(st));
    check(get());
  });
}

/** The fix loop's look at one tensor of the current int8 model. */
export async function loadLayerDetail(tensor: string): Promise<LayerDetail> {
  const s = get();
  const q = s.quantizeJob;
  if (q?.kind !== 'quantize' || !q.result) throw new Error('Convert the model first');
  return call('layerDetail', {
    fp32: s.modelPath,
    int8: q.result.output.path,
    data: dataSpec(s.data),
    tensor,
    samples: Math.min(32, s.recipe.calib_samples ?? 100),
    preprocess: preprocessFor(s.data),
  });
}

/** A fix-loop action: adds the `local` rule, converts and benchmarks again; Keep or Undo follow. */
export async function applyFix(tensor: string, owner: string, action: 'fp32' | ActAlgo): Promise<void> {
  const s = get();
  const key = `name:${owner}`;
  const label = action === 'fp32' ? 'keep fp32' : `${action} here`;
  const cfg = action === 'fp32' ? { w_dtype: 'fp32' as const, act_dtype: 'fp32' as const } : { act_algo: action };
  const before = { quantizeJob: s.quantizeJob, benchJob: s.benchJob };
  s.editRecipe(`fix: ${label} (${owner})`, (r) => ({ ...r, local: { ...r.local, [key]: { ...r.local?.[key], ...cfg } } }));
  s.patch({
    ruleOrigins: { ...s.ruleOrigins, [key]: { origin: `fix loop on the Benchmark step (${label}, tensor ${tensor})`, at: new Date().toISOString() } },
    fix: { tensor, key, action: label, before, state: 'converting' },
  });
  const fail = (error: string) => get().patch({ fix: { ...get().fix!, state: 'failed', error } });
  await runQuantize('benchmark');
  const q = await settled('quantizeJob');
  if (q?.state !== 'succeeded') return fail(q?.error?.message ?? 'the conversion did not finish');
  get().patch({ fix: { ...get().fix!, state: 'benchmarking' } });
  await runBench();
  const b = await settled('benchJob');
  if (b?.state !== 'succeeded') return fail(b?.error?.message ?? 'the benchmark did not finish');
  get().patch({ fix: { ...get().fix!, state: 'done' } });
}

export function keepFix(): void {
  get().patch({ fix: undefined });
}

/** Removes the fix's rule and brings back the model and benchmark from before it. */
export function undoFix(): void {
  const s = get();
  const fix = s.fix;
  if (!fix) return;
  s.undo();
  const origins = { ...s.ruleOrigins };
  delete origins[fix.key];
  const after = get();
  after.patch({ quantizeJob: fix.before.quantizeJob, benchJob: fix.before.benchJob, ruleOrigins: origins, fix: undefined });
  get().patch({ quantizeKey: fix.before.quantizeJob ? quantizeKeyOf(get()) : undefined });
}

export async function runBench(): Promise<void> {
  await guarded('benchmark', async () => {
    const s = get();
    const q = s.quantizeJob;
    if (q?.kind !== 'quantize' || !q.result) throw new Error(`Convert the model first (steps ${stepNumber('calibrate')} and ${stepNumber('convert')})`);
    const b = s.bench;
    const { jobId } = await call('startJob', {
      kind: 'bench',
      params: {
        fp32: s.modelPath,
        int8: q.result.output.path,
        data: benchDataSpec(s.data),
        samples: s.data.evalSamples,
        runs: b.runs,
        threads: b.threads,
        batches: b.batches,
        throughputThreads: b.throughputThreads,
        layerSamples: b.layerSamples,
        labels: b.labels.trim() || undefined,
        preprocess: preprocessFor(s.data),
      },
    });
    s.setJob('bench', await call('getJob', { jobId }));
  });
}

export async function cancelJob(job: JobInfo | undefined, step: StepId): Promise<void> {
  if (!job) return;
  await guarded(step, () => call('cancelJob', { jobId: job.id }));
}

export async function exportArtifacts(): Promise<void> {
  await guarded('export', async () => {
    const s = get();
    if (!s.quantizeJob) throw new Error('Convert the model first');
    const res = await call('exportArtifacts', {
      jobId: s.quantizeJob.id,
      benchJobId: s.benchJob?.state === 'succeeded' ? s.benchJob.id : undefined,
      folder: s.export.folder,
      baseName: s.export.baseName,
      include: s.export.include,
    });
    s.patch({ exported: res.files });
  });
}

/** After a reload or a reconnect: brings the jobs we follow up to date (the server may have restarted). */
export async function refreshJobs(): Promise<void> {
  for (const kind of ['quantize', 'bench', 'tune'] as const) {
    const job = kind === 'quantize' ? get().quantizeJob : kind === 'tune' ? get().tuneJob : get().benchJob;
    if (!job) continue;
    try {
      const fresh = await call('getJob', { jobId: job.id });
      if (kind === 'quantize') useWizard.setState({ quantizeJob: fresh });
      else if (kind === 'tune') useWizard.setState({ tuneJob: fresh });
      else useWizard.setState({ benchJob: fresh });
    } catch {
      // The server forgot the job (restart). A finished result is still valid to show; a live one is lost.
      if (isLive(job)) {
        const lost: JobInfo = { ...job, state: 'failed', error: { code: 'WORKER_CRASHED', message: 'The job was lost when Octet restarted; run it again' } };
        if (kind === 'quantize') useWizard.setState({ quantizeJob: lost });
        else if (kind === 'tune') useWizard.setState({ tuneJob: lost });
        else useWizard.setState({ benchJob: lost });
      }
    }
  }
}

export async function loadCapabilities(): Promise<void> {
  await guarded('global', async () => {
    const caps = await call('capabilities', {});
    const s = get();
    s.patch({ caps });
    if (!s.export.folder && caps.roots.find((r) => r.writable)) s.patch({ export: { ...s.export, folder: caps.roots.find((r) => r.writable)!.path } });
  });
}

export function startSession(): () => void {
  const offEvents = transport.onEvent((e) => {
    if (e.type === 'command') {
      if (e.command === 'step') get().setStep(e.step);
      else void openModel(e.path).then((ok) => ok && goto('model'));
      return;
    }
    get().applyEvent(e);
  });
  const offConn = transport.onConnection((c) => {
    get().patch({ connection: c });
    if (c === 'open') {
      void loadCapabilities();
      void refreshJobs();
    }
  });
  return () => {
    offEvents();
    offConn();
  };
}
