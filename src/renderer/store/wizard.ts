// The wizard's state. What the user chose and what came back survives a reload (localStorage);
// live job progress and connection state do not.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { ApiEvent, Capabilities, ExportedFile, JobInfo } from '../../shared/api';
import type { ErrorInfo } from '../../shared/errors';
import type { ProgressEvent } from '../../shared/jobs';
import type { ModelSummary } from '../../shared/model';
import { PRESETS, type PreprocessConfig, type RecipeInput, type TuneMetric } from '../../shared/recipe';
import { STEPS, type StepId } from '../../shared/steps';
import type { ConnectionState } from '../transport';

export type PresetKey = keyof typeof PRESETS;

export type DataKind = 'digits' | 'folder' | 'npy';
export interface DataSettings {
  kind: DataKind;
  /** Image folder, or NumPy data: a .npz, a .npy or a folder of .npy files (unused for the built-in digits). */
  path: string;
  /** Data the benchmark evaluates on when it differs from the calibration data (e.g. minilm.eval.npz); '' = the same. The digits use their held-out split. */
  evalPath?: string;
  preprocess: PreprocessConfig;
  /** Held-out samples the benchmark evaluates. */
  evalSamples: number;
}

export interface BenchSettings {
  runs: number;
  threads: number;
  /** Batch sizes for throughput; batches above 1 need a symbolic batch dim in both models. */
  batches: number[];
  /** Thread counts for throughput; undefined leaves the server's default, 1 and all cores (capabilities.cores). */
  throughputThreads?: number[];
  /** Samples for the per-layer error (0 skips it). */
  layerSamples: number;
  /** A labels CSV on the main side; '' keeps the data's own labels. */
  labels: string;
  /** Points of accuracy (without labels: of top-1 agreement) int8 may lose; judged on the last result, so no re-run. */
  tolerance: number;
}

/** "Tune to a tolerance": what the loss measures, how much of it int8 may have, and the trial budget. */
export interface TuneSettings {
  /** 'auto': top-1 when the data has labels, else cosine (as `octet tune`). */
  metric: TuneMetric | 'auto';
  tolerableLoss: number;
  maxTrials: number;
}

/** A rule added by an action (the tuner, or the per-layer fix loop), and where it came from. */
export interface RuleOrigin {
  origin: string;
  at: string;
}

/** One round of the per-layer fix loop: a rule added, the model converted and benchmarked again. */
export interface FixRound {
  tensor: string;
  /** The `local` key added or changed. */
  key: string;
  /** e.g. "keep fp32" or "percentile here". */
  action: string;
  /** The jobs before the rule, restored by Undo. */
  before: { quantizeJob?: JobInfo; benchJob?: JobInfo };
  state: 'converting' | 'benchmarking' | 'done' | 'failed';
  error?: string;
}

export interface ExportSettings {
  folder: string;
  baseName: string;
  include: { model: boolean; recipe: boolean; reportJson: boolean; reportHtml: boolean };
}

interface HistoryEntry {
  recipe: RecipeInput;
  preset: PresetKey | 'custom';
  label: string;
}

export interface WizardState {
  /** Index into STEPS (src/shared/steps.ts). */
  step: number;
  modelPath: string;
  model?: ModelSummary;
  data: DataSettings;
  recipe: RecipeInput;
  preset: PresetKey | 'custom';
  /** Earlier recipes, newest last: the undo stack of rule edits. */
  history: HistoryEntry[];
  quantizeJob?: JobInfo;
  /** The inputs the last conversion ran with, to tell when its result is out of date. */
  quantizeKey?: string;
  benchJob?: JobInfo;
  bench: BenchSettings;
  tuneJob?: JobInfo;
  tune: TuneSettings;
  /** `local` keys added by the tuner or the fix loop → where each came from (the Rules step shows it). */
  ruleOrigins: Record<string, RuleOrigin>;
  fix?: FixRound;
  export: ExportSettings;
  exported?: ExportedFile[];
  demoOffered: boolean;

  // not persisted
  caps?: Capabilities;
  connection: ConnectionState;
  progress: Record<string, ProgressEvent>;
  errors: Partial<Record<StepId | 'global', ErrorInfo>>;

  setStep(step: number): void;
  setModel(path: string, model: ModelSummary | undefined): void;
  setData(patch: Partial<DataSettings>): void;
  setBench(patch: Partial<BenchSettings>): void;
  editRecipe(label: string, fn: (r: RecipeInput) => RecipeInput): void;
  applyPreset(key: PresetKey): void;
  undo(): void;
  setJob(kind: 'quantize' | 'bench' | 'tune', job: JobInfo | undefined): void;
  setTune(patch: Partial<TuneSettings>): void;
  applyEvent(e: ApiEvent): void;
  setError(step: StepId | 'global', error: ErrorInfo | undefined): void;
  patch(p: Partial<WizardState>): void;
}

export const DEFAULT_DATA: DataSettings = { kind: 'digits', path: '', preprocess: {}, evalSamples: 500 };
export const DEFAULT_BENCH: BenchSettings = { runs: 200, threads: 1, batches: [1, 8], layerSamples: 4, labels: '', tolerance: 1 };
export const DEFAULT_TUNE: TuneSettings = { metric: 'auto', tolerableLoss: 0.01, maxTrials: 8 };
const MAX_HISTORY = 50;

/** The data spec the engine takes. */
export const dataSpec = (d: DataSettings): string => (d.kind === 'digits' ? 'mnist' : d.path.trim());

/** The data spec the benchmark takes: the evaluation data when one is given, else the calibration data. */
export const benchDataSpec = (d: DataSettings): string => (d.kind === 'digits' ? 'mnist' : d.evalPath?.trim() || d.path.trim());

/** Preprocessing applies to image folders only; the engine refuses it for other data. */
export const preprocessFor = (d: DataSettings): PreprocessConfig | undefined =>
  d.kind === 'folder' && Object.keys(d.preprocess).length ? d.preprocess : undefined;

export const quantizeKeyOf = (s: Pick<WizardState, 'modelPath' | 'data' | 'recipe'>): string =>
  JSON.stringify({ model: s.modelPath, data: dataSpec(s.data), pre: preprocessFor(s.data) ?? null, recipe: s.recipe });

const isLive = (j?: JobInfo) => j?.state === 'queued' || j?.state === 'running';

export const useWizard = create<WizardState>()(
  persist(
    (set, get) => ({
      step: 0,
      modelPath: '',
      data: DEFAULT_DATA,
      recipe: { calib_samples: 200 },
      preset: 'default',
      history: [],
      bench: DEFAULT_BENCH,
      tune: DEFAULT_TUNE,
      ruleOrigins: {},
      export: { folder: '', baseName: '', include: { model: true, recipe: true, reportJson: true, reportHtml: true } },
      demoOffered: false,
      connection: 'connecting',
      progress: {},
      errors: {},

      setStep: (step) => set({ step: Math.max(0, Math.min(STEPS.length - 1, step)) }),
      setModel: (path, model) => {
        const stem =
          path
            .split(/[\\/]/)
            .pop()
            ?.replace(/\.onnx$/i, '') ?? 'model';
        set((s) => ({ modelPath: path, model, export: { ...s.export, baseName: stem }, exported: undefined }));
      },
      setData: (patch) => set((s) => ({ data: { ...s.data, ...patch } })),
      setBench: (patch) => set((s) => ({ bench: { ...s.bench, ...patch } })),
      setTune: (patch) => set((s) => ({ tune: { ...s.tune, ...patch } })),
      editRecipe: (label, fn) =>
        set((s) => ({
          history: [...s.history, { recipe: s.recipe, preset: s.preset, label }].slice(-MAX_HISTORY),
          recipe: fn(s.recipe),
          preset: 'custom',
        })),
      applyPreset: (key) =>
        set((s) => {
          // A preset sets the global fields; sample count and per-node rules stay as they are.
          const keep: RecipeInput = { calib_samples: s.recipe.calib_samples, local: s.recipe.local, preprocess: s.recipe.preprocess };
          return {
            history: [...s.history, { recipe: s.recipe, preset: s.preset, label: `preset ${PRESETS[key].label}` }].slice(-MAX_HISTORY),
            recipe: { ...PRESETS[key].recipe, ...keep },
            preset: key,
          };
        }),
      undo: () =>
        set((s) => {
          const last = s.history[s.history.length - 1];
          return last ? { recipe: last.recipe, preset: last.preset, history: s.history.slice(0, -1) } : {};
        }),
      setJob: (kind, job) =>
        set((s) => {
          if (kind === 'quantize') return { quantizeJob: job, quantizeKey: job ? quantizeKeyOf(s) : undefined };
          if (kind === 'tune') return { tuneJob: job };
          return { benchJob: job };
        }),
      applyEvent: (e) => {
        const s = get();
        if (e.type === 'command') return; // handled by the app shell
        const id = e.type === 'progress' || e.type === 'log' ? e.jobId : e.job.id;
        const which = s.quantizeJob?.id === id ? 'quantizeJob' : s.benchJob?.id === id ? 'benchJob' : s.tuneJob?.id === id ? 'tuneJob' : undefined;
        if (!which) return;
        const job = s[which]!;
        if (e.type === 'progress') {
          // A tune job's trials ride on its progress; keep the last ones on the job so a cancel keeps them.
          if (which === 'tuneJob' && e.progress.tune) set({ progress: { ...s.progress, [id]: e.progress }, tuneJob: { ...job, progress: e.progress } });
          else set({ progress: { ...s.progress, [id]: e.progress } });
        } else if (e.type === 'log') set({ [which]: { ...job, logs: [...job.logs, e.line].slice(-200) } } as Partial<WizardState>);
        else if (which === 'tuneJob' && !e.job.progress?.tune && job.progress?.tune) set({ tuneJob: { ...e.job, progress: job.progress } });
        else set({ [which]: e.job } as Partial<WizardState>);
      },
      setError: (step, error) => set((s) => ({ errors: { ...s.errors, [step]: error } })),
      patch: (p) => set(p),
    }),
    {
      name: 'octet-wizard',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      // A bench slice saved before a setting existed gets that setting's default (the default merge is shallow).
      merge: (saved, current) => {
        const s = saved as Partial<WizardState> | undefined;
        return { ...current, ...s, bench: { ...current.bench, ...s?.bench }, tune: { ...current.tune, ...s?.tune }, ruleOrigins: s?.ruleOrigins ?? {} };
      },
      partialize: (s) => ({
        step: s.step,
        modelPath: s.modelPath,
        model: s.model,
        data: s.data,
        recipe: s.recipe,
        preset: s.preset,
        history: s.history.slice(-20),
        quantizeJob: s.quantizeJob,
        quantizeKey: s.quantizeKey,
        benchJob: s.benchJob,
        bench: s.bench,
        tuneJob: s.tuneJob,
        tune: s.tune,
        ruleOrigins: s.ruleOrigins,
        fix: s.fix,
        export: s.export,
        exported: s.exported,
        demoOffered: s.demoOffered,
      }),
    },
  ),
);

export { isLive };
