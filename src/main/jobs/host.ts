import { fork } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readdir, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { OctetError, isErrorCode } from '../../shared/errors';
import { defaultRecipePath } from '../quant/tune/paths';
import type { HostMessage, JobKind, JobResult, JobSpec, JobSpecOf, ProgressEvent, WorkerMessage } from '../../shared/jobs';

/** A worker process, whatever started it: child_process.fork here, utilityProcess in Electron. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: HostMessage): void;
  onMessage(cb: (msg: WorkerMessage) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  /** The last lines the worker wrote to stderr, when the factory captures them. */
  stderrTail?(): string;
}
export interface WorkerOptions {
  /** Environment for the worker: a TMPDIR of its own, so its temp files (and ORT's) go with it. */
  env: NodeJS.ProcessEnv;
}
export type WorkerFactory = (opts: WorkerOptions) => WorkerHandle;

/** The worker script beside this module: worker.cjs when bundled, worker.ts under tsx. */
export function workerScript(): string {
  const ts = join(__dirname, 'worker.ts');
  return __filename.endsWith('.ts') && existsSync(ts) ? ts : join(__dirname, 'worker.cjs');
}

const STDERR_TAIL = 8192;

export const forkWorker: WorkerFactory = ({ env }) => {
  const child = fork(workerScript(), [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced', env });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL);
  });
  return {
    pid: child.pid,
    send: (msg) => void child.send(msg),
    onMessage: (cb) => void child.on('message', (m) => cb(m as WorkerMessage)),
    onExit: (cb) => void child.on('exit', (code, signal) => cb(code, signal)),
    kill: () => void child.kill('SIGKILL'),
    stderrTail: () => tail,
  };
};

export interface RunOptions {
  factory?: WorkerFactory;
  onProgress?: (p: ProgressEvent) => void;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  /** Called once the worker exists, e.g. for tests that kill it. */
  onWorker?: (w: WorkerHandle) => void;
}

/**
 * Runs one job in its own worker process. A crash (even a segfault in native code) or a
 * kill becomes a job error; the caller's process goes on.
 */
export function runInWorker<K extends JobKind>(spec: JobSpecOf<K>, opts: RunOptions = {}): Promise<JobResult<K>> {
  const jobId = randomUUID();
  sweepOnce ??= sweepStaleJobDirs(tmpdir());
  const tmp = mkdtempSync(join(tmpdir(), `${JOB_DIR_PREFIX}${process.pid}-`));
  const worker = (opts.factory ?? forkWorker)({ env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp } });
  opts.onWorker?.(worker);
  const eta = etaTracker();
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    /** The outcome is decided when it happens (a cancel stays a cancel however the exit races it); temp files go before the caller hears. */
    const failAfterCleanup = (error: OctetError) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void cleanupTemps(spec as JobSpec).finally(() => reject(error));
    };
    worker.onExit(() => void rm(tmp, { recursive: true, force: true }).catch(() => undefined));
    const onAbort = () => {
      worker.kill();
      failAfterCleanup(new OctetError('CANCELLED', 'The job was cancelled'));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    worker.onMessage((msg) => {
      switch (msg.type) {
        case 'ready':
          worker.send({ type: 'start', jobId, spec: spec as JobSpec });
          break;
        case 'progress':
          opts.onProgress?.(eta(msg.progress));
          break;
        case 'log':
          opts.onLog?.(msg.line);
          break;
        case 'result':
          // The worker tags the result with its kind (runJob's table types it); a mismatch is a protocol bug.
          if (msg.kind === spec.kind) finish(() => resolvePromise(msg.result as JobResult<K>));
          else finish(() => reject(new OctetError('INTERNAL', `The worker answered a ${spec.kind} job with a ${msg.kind} result`)));
          worker.kill();
          break;
        case 'error': {
          const e = msg.error;
          finish(() => reject(new OctetError(isErrorCode(e.code) ? e.code : 'INTERNAL', e.message, e.detail)));
          worker.kill();
          break;
        }
      }
    });
    worker.onExit((code, signal) => {
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      failAfterCleanup(
        new OctetError(
          'WORKER_CRASHED',
          `The worker process died (${why}) while running the ${spec.kind} job; nothing was written`,
          worker.stderrTail?.() || undefined,
        ),
      );
    });
  });
}

/** Per-job TMPDIRs are named for the process that owns them, so a later one can tell which are orphans. */
const JOB_DIR_PREFIX = 'octet-job-';
let sweepOnce: Promise<string[]> | undefined;

/**
 * Removes per-job temp folders whose owning process is gone: a host killed with SIGKILL (or a
 * power cut) cannot clean up after its workers. Folders of live processes are left alone.
 * Returns the folders removed.
 */
export async function sweepStaleJobDirs(root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(/^octet-job-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Estimates time left in the current phase from the rate so far. */
function etaTracker(): (p: ProgressEvent) => ProgressEvent {
  let phase = '';
  let start = 0;
  return (p) => {
    const now = performance.now();
    if (p.phase !== phase) {
      phase = p.phase;
      start = now;
    }
    const etaMs = p.done > 0 && p.total > p.done ? ((now - start) / p.done) * (p.total - p.done) : p.done >= p.total ? 0 : undefined;
    return { ...p, etaMs: etaMs === undefined ? undefined : Math.round(etaMs) };
  };
}

/** Temp files of an atomic write that a killed worker left beside its outputs. */
export async function cleanupTemps(spec: JobSpec): Promise<void> {
  const outputs =
    spec.kind === 'quantize'
      ? [spec.params.output, spec.params.reportPath].filter((p): p is string => !!p)
      : spec.kind === 'tune'
        ? [spec.params.output, spec.params.recipePath ?? defaultRecipePath(spec.params.output), spec.params.reportPath].filter((p): p is string => !!p)
        : [];
  for (const out of outputs) {
    const dir = dirname(resolve(out));
    const suffix = `-${basename(out)}`;
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith('.octet-tmp-') && n.endsWith(suffix)).map((n) => unlink(join(dir, n)).catch(() => undefined)));
  }
}
