// The one handler table behind src/shared/api.ts, mounted on Electron IPC and on the WebSocket.
// dispatch() checks every argument against the method's schema; every path goes through the
// PathGuard; heavy work runs as jobs in worker processes.
import { cpus } from 'node:os';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { API, isApiMethod, DEMO_DATA, type ApiArgs, type ApiMethod, type ApiReply, type ApiResult, type ExportedFile, type JobInfo } from '../../shared/api';
import { OctetError, describeIssues, toErrorInfo, type ErrorInfo } from '../../shared/errors';
import { parseRecipe, PRESETS, type Recipe } from '../../shared/recipe';
import type { JobKind, JobResult, JobSpec } from '../../shared/jobs';
import { OCTET_VERSION } from '../../shared/version';
import { writeFileAtomic } from '../io/atomicWrite';
import type { JobManager } from '../jobs/jobManager';
import type { PathGuard } from './paths';
import type { SettingsStore } from './settings';
import { modelFacts, ruleMatches } from './modelFacts';
import { previewData } from './preview';
import { describeData } from '../data/describe';
import { reportHtml } from './reportHtml';

export type Handlers = { [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResult<M>> };

export interface ApiHost {
  mode: 'electron' | 'browser';
  guard: PathGuard;
  jobs: JobManager;
  settings: SettingsStore;
  /** Where quantize jobs write; the guard must allow reading it. */
  workDir: string;
  demoModel: string;
  /** Electron: native dialogs. The host grants what the user picks. */
  pickPath?: (purpose: ApiArgs<'pickPath'>['purpose']) => Promise<string | null>;
}

/** Built-in data names the engine reads without a path. */
const BUILT_IN_DATA = /^mnist(:train|:test)?$/i;

export function createHandlers(host: ApiHost): Handlers {
  const { guard, jobs } = host;

  const model = (p: string) => guard.read(p, 'MODEL_NOT_FOUND', 'model');
  /** A data spec: a built-in name, or a path whose symbolic links inside (an image folder's) are confined too. */
  const data = async (spec: string): Promise<string> => {
    if (BUILT_IN_DATA.test(spec.trim())) return spec.trim().toLowerCase();
    const real = await guard.read(spec, 'DATA_UNREADABLE', 'data');
    await guard.confineLinks(real);
    return real;
  };
  /** Model facts come from a worker (the facts job): the main process never parses a model. */
  const facts = (p: string) => modelFacts(p, (spec, opts) => jobs.runSide(spec, opts));

  /** Throws RECIPE_INVALID (a RecipeError is an OctetError) naming the field. */
  const recipeOf = (r: unknown): Recipe => parseRecipe(r ?? {});

  /** Waits for a job of kind K and gives its result, or throws its error. */
  const resultOf = async <K extends JobKind>(id: string, kind: K): Promise<JobResult<K>> => {
    const job = await jobs.wait(id);
    if (job.state !== 'succeeded') {
      const e = job.error ?? { code: 'INTERNAL', message: 'the job failed' };
      throw new OctetError(e.code, e.message, e.detail);
    }
    if (job.kind !== kind || job.result === undefined) throw new OctetError('INTERNAL', `job ${id} is a ${job.kind} job without a ${kind} result`);
    return job.result as JobResult<K>;
  };

  const succeededJob = <K extends JobInfo['kind']>(id: string, kind: K, what: string): Extract<JobInfo, { kind: K }> => {
    const job = jobs.get(id);
    if (!job || job.kind !== kind) throw new OctetError('BAD_USAGE', `There is no ${what} job ${id}; run it again`);
    if (job.state !== 'succeeded' || !job.result) throw new OctetError('BAD_USAGE', `The ${what} job has not finished successfully`);
    return job as Extract<JobInfo, { kind: K }>;
  };

  return {
    async capabilities() {
      return {
        mode: host.mode,
        version: OCTET_VERSION,
        dialogs: !!host.pickPath,
        roots: host.mode === 'browser' ? guard.roots() : [],
        concurrency: jobs.concurrency,
        cores: cpus().length,
      };
    },

    async demoDefaults() {
      const available = await stat(host.demoModel).then(
        (s) => s.isFile(),
        () => false,
      );
      return {
        model: host.demoModel,
        available,
        data: DEMO_DATA,
        recipe: { ...PRESETS.default.recipe, calib_samples: 200 },
        evalSamples: 500,
        description:
          "Octet's own digit classifier (a small CNN trained on the built-in MNIST digits), calibrated and evaluated on the built-in digits. Everything stays on this machine.",
      };
    },

    async inspectModel({ path }) {
      const real = await model(path);
      const job = jobs.start({ kind: 'inspect', params: { model: real } }, { immediate: true });
      const summary = await resultOf(job.id, 'inspect');
      await host.settings.addRecent(real).catch(() => undefined);
      return summary;
    },

    async listNodes(args) {
      return { nodes: (await facts(await model(args.model))).nodes };
    },

    async countRuleMatches(args) {
      return ruleMatches(await model(args.model), args.keys, (spec, opts) => jobs.runSide(spec, opts));
    },

    async previewData(args) {
      const real = await model(args.model);
      return previewData({ ...args, model: real, data: await data(args.data) }, await facts(real));
    },

    async describeData(args) {
      const real = await model(args.model);
      return describeData({ ...args, data: await data(args.data) }, (await facts(real)).feeds);
    },

    async layerDetail(args) {
      return jobs.runSide({ kind: 'layer', params: { ...args, fp32: await model(args.fp32), int8: await model(args.int8), data: await data(args.data) } });
    },

    async startJob(req) {
      let spec: JobSpec;
      switch (req.kind) {
        case 'quantize': {
          const p = req.params;
          const input = await model(p.model);
          const recipe = recipeOf(p.recipe);
          const dir = join(host.workDir, randomUUID());
          await mkdir(dir, { recursive: true });
          const stem = basename(input, extname(input));
          spec = {
            kind: 'quantize',
            params: {
              model: input,
              data: await data(p.data),
              recipe,
              shapes: p.shapes,
              output: join(dir, `${stem}.int8.onnx`),
              reportPath: join(dir, `${stem}.report.json`),
            },
          };
          break;
        }
        case 'bench': {
          const p = req.params;
          const labels = p.labels === undefined ? undefined : await guard.read(p.labels, 'DATA_UNREADABLE', 'labels');
          spec = { kind: 'bench', params: { ...p, fp32: await model(p.fp32), int8: await model(p.int8), data: await data(p.data), labels } };
          break;
        }
        case 'inspect':
          spec = { kind: 'inspect', params: { model: await model(req.params.model) } };
          break;
        case 'tune': {
          const p = req.params;
          const input = await model(p.model);
          const dir = join(host.workDir, randomUUID());
          await mkdir(dir, { recursive: true });
          const stem = basename(input, extname(input));
          const labels = p.labels === undefined ? undefined : await guard.read(p.labels, 'DATA_UNREADABLE', 'labels');
          spec = {
            kind: 'tune',
            params: {
              ...p,
              model: input,
              data: await data(p.data),
              eval: p.eval === undefined ? undefined : await data(p.eval),
              labels,
              recipe: recipeOf(p.recipe),
              output: join(dir, `${stem}.int8.onnx`),
              recipePath: join(dir, `${stem}.recipe.json`),
              reportPath: join(dir, `${stem}.tune.json`),
            },
          };
          break;
        }
      }
      return { jobId: jobs.start(spec, { immediate: spec.kind === 'inspect' }).id };
    },

    async cancelJob({ jobId }) {
      return { cancelled: jobs.cancel(jobId) };
    },

    async getJob({ jobId }) {
      const job = jobs.get(jobId);
      if (!job) throw new OctetError('BAD_USAGE', `No job ${jobId} (jobs are forgotten when the app or server restarts)`);
      return job;
    },

    async listJobs() {
      return jobs.list();
    },

    async exportArtifacts(args) {
      const job = succeededJob(args.jobId, 'quantize', 'convert');
      const bench = args.benchJobId ? succeededJob(args.benchJobId, 'bench', 'benchmark').result : undefined;
      const report = job.result!;
      const folder = await guard.writableDir(args.folder);
      const files: ExportedFile[] = [];
      const write = async (kind: ExportedFile['kind'], name: string, bytes: Uint8Array | string) => {
        const target = await guard.writableFile(folder, name);
        if (target === resolve(report.input.path)) throw new OctetError('OUTPUT_IS_INPUT', `${target} is the input model; choose another name or folder`);
        const replaced = await stat(target).then(
          () => true,
          () => false,
        );
        await writeFileAtomic(target, bytes);
        files.push({ kind, path: target, bytes: typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength, replaced });
      };
      const base = args.baseName;
      if (args.include.model) {
        const bytes = await readFile(report.output.path).catch(() => {
          throw new OctetError('MODEL_NOT_FOUND', 'The converted model is no longer there (the work folder was cleaned); convert again');
        });
        await write('model', `${base}.int8.onnx`, bytes);
      }
      if (args.include.recipe) await write('recipe', `${base}.recipe.json`, JSON.stringify(report.recipe, null, 2) + '\n');
      if (args.include.reportJson) await write('reportJson', `${base}.report.json`, JSON.stringify(bench ? { ...report, bench } : report, null, 2) + '\n');
      if (args.include.reportHtml) await write('reportHtml', `${base}.report.html`, reportHtml(report, bench));
      if (files.length === 0) throw new OctetError('BAD_USAGE', 'Choose at least one file to export');
      return { files };
    },

    async browse({ dir }) {
      if (host.mode !== 'browser') throw new OctetError('BAD_USAGE', 'Browsing server folders is for browser mode; use the Open dialog');
      if (!dir) {
        return { entries: guard.roots().map((r) => ({ name: r.path, path: r.path, kind: 'dir' as const })) };
      }
      return guard.list(dir);
    },

    async pickPath({ purpose }) {
      if (!host.pickPath) throw new OctetError('BAD_USAGE', 'There are no native dialogs in browser mode; type a path or browse');
      return { path: await host.pickPath(purpose) };
    },

    async recent() {
      return host.settings.get();
    },

    async saveSettings(patch) {
      return host.settings.patch(patch);
    },
  };
}

/** Removes the work folder of a quantize job dropped from the registry. */
export async function removeJobFiles(job: JobInfo, workDir: string): Promise<void> {
  if (job.kind !== 'quantize' && job.kind !== 'tune') return;
  const dir = dirname(job.params.output);
  if (dirname(dir) === resolve(workDir)) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Validates and runs one call. Never throws: failures come back as { ok: false, error } with a
 * stable code and a readable message (stack traces stay on this side unless OCTET_DEBUG is set).
 */
export async function dispatch(handlers: Handlers, method: unknown, params: unknown): Promise<ApiReply> {
  if (!isApiMethod(method)) return { ok: false, error: { code: 'BAD_USAGE', message: `Unknown method ${JSON.stringify(String(method).slice(0, 80))}` } };
  const parsed = API[method].params.safeParse(params ?? {});
  if (!parsed.success) {
    const recipe = parsed.error.issues.some((i) => i.path.includes('recipe') || i.path.includes('lastRecipe'));
    return {
      ok: false,
      error: {
        code: recipe ? 'RECIPE_INVALID' : 'BAD_USAGE',
        message: `Invalid arguments to ${method}: ${describeIssues(parsed.error.issues, '(arguments)')}`,
      },
    };
  }
  try {
    const result = await (handlers[method] as (a: unknown) => Promise<unknown>)(parsed.data);
    return { ok: true, result } as ApiReply;
  } catch (e) {
    const info: ErrorInfo = toErrorInfo(e);
    return { ok: false, error: process.env.OCTET_DEBUG ? info : { code: info.code, message: info.message } };
  }
}
