// The job registry shared by Electron IPC and the WebSocket server: a queue with a concurrency
// limit in front of runInWorker, so the renderer can start, follow, cancel and look up jobs by id.
// Each job runs in its own worker process; a crash fails that job only.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { OctetError, toErrorInfo } from '../../shared/errors';
import type { ApiEvent, JobInfo } from '../../shared/api';
import type { JobKind, JobResult, JobSpec, JobSpecOf, ProgressEvent } from '../../shared/jobs';
import { runInWorker, type WorkerFactory, type WorkerHandle } from './host';

export interface JobManagerOptions {
  /** How workers are started: fork (CLI, browser mode) or utilityProcess (Electron). */
  factory?: WorkerFactory;
  /** Jobs that run at once; the rest wait in order. Inspect jobs skip the queue (they are short). */
  concurrency?: number;
  /** Finished jobs kept for getJob/listJobs. */
  keep?: number;
  /** Called when a finished job is dropped from the registry (e.g. to remove its work folder). */
  onEvict?: (job: JobInfo) => void;
  /** Least time between two progress events of one job; phase changes and the last step always go out. */
  progressIntervalMs?: number;
}

interface Entry {
  info: JobInfo;
  spec: JobSpec;
  abort: AbortController;
  worker?: WorkerHandle;
  done: Promise<JobInfo>;
  settle: (info: JobInfo) => void;
  lastProgressAt: number;
  lastPhase?: string;
  pendingProgress?: ReturnType<typeof setTimeout>;
}

const MAX_LOG_LINES = 200;
/** Side jobs (runSide) that run at once; more wait their turn. */
const SIDE_CONCURRENCY = 2;

export function jobLabel(spec: JobSpec): string {
  switch (spec.kind) {
    case 'quantize':
      return `quantize ${basename(spec.params.model)}`;
    case 'bench':
      return `benchmark ${basename(spec.params.fp32)} vs ${basename(spec.params.int8)}`;
    case 'inspect':
      return `inspect ${basename(spec.params.model)}`;
    case 'tune':
      return `tune ${basename(spec.params.model)}`;
    case 'layer':
      return `look at ${spec.params.tensor} in ${basename(spec.params.int8)}`;
    case 'facts':
      return `read the graph of ${basename(spec.params.model)}`;
  }
}

export class JobManager {
  private readonly jobs = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running = 0;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  readonly concurrency: number;
  private readonly keep: number;
  private readonly progressIntervalMs: number;
  private closed = false;
  private sideRunning = 0;
  private readonly sideWaiting: (() => void)[] = [];
  private readonly sideAborts = new Set<AbortController>();

  constructor(private readonly opts: JobManagerOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.keep = opts.keep ?? 50;
    this.progressIntervalMs = opts.progressIntervalMs ?? 100;
  }

  subscribe(cb: (e: ApiEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(e: ApiEvent): void {
    for (const cb of this.listeners) {
      try {
        cb(e);
      } catch {
        // a listener that fails (e.g. a closed socket) must not stop the job or other listeners
      }
    }
  }

  start(spec: JobSpec, opts: { immediate?: boolean } = {}): JobInfo {
    if (this.closed) throw new Error('the job manager is shut down');
    const id = randomUUID();
    let settle!: (info: JobInfo) => void;
    const done = new Promise<JobInfo>((r) => (settle = r));
    const info = { id, kind: spec.kind, params: spec.params, state: 'queued', label: jobLabel(spec), createdAt: new Date().toISOString(), logs: [] } as JobInfo;
    const entry: Entry = { info, spec, abort: new AbortController(), done, settle, lastProgressAt: 0 };
    this.jobs.set(id, entry);
    this.emit({ type: 'state', job: this.snapshot(entry) });
    if (opts.immediate) this.run(entry);
    else {
      this.queue.push(entry);
      this.pump();
    }
    return this.snapshot(entry);
  }

  /** Resolves when the job has finished, whatever the outcome. */
  wait(id: string): Promise<JobInfo> {
    const e = this.jobs.get(id);
    if (!e) return Promise.reject(new Error(`no job ${id}`));
    return e.done;
  }

  get(id: string): JobInfo | undefined {
    const e = this.jobs.get(id);
    return e && this.snapshot(e);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => this.snapshot(e));
  }

  /** Cancels a queued or running job; a running one has its worker killed. False if already finished. */
  cancel(id: string): boolean {
    const e = this.jobs.get(id);
    if (!e) return false;
    if (e.info.state === 'queued') {
      this.queue.splice(this.queue.indexOf(e), 1);
      this.finish(e, 'cancelled', undefined, { code: 'CANCELLED', message: 'The job was cancelled before it started' });
      return true;
    }
    if (e.info.state !== 'running') return false;
    e.abort.abort();
    return true;
  }

  /** Cancels everything (the app or server is closing). */
  shutdown(): void {
    this.closed = true;
    for (const e of [...this.jobs.values()]) this.cancel(e.info.id);
    for (const a of this.sideAborts) a.abort();
  }

  /**
   * Runs a short job the main process needs an answer from (model facts for the wizard) in a
   * worker, outside the registry: it is not listed, sends no events and never pushes a finished
   * quantize job out of `keep`. At most SIDE_CONCURRENCY run at once, the rest wait (and may be
   * aborted while waiting); a shutdown stops them all.
   */
  async runSide<K extends JobKind>(spec: JobSpecOf<K>, opts: { signal?: AbortSignal } = {}): Promise<JobResult<K>> {
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) abort.abort();
    this.sideAborts.add(abort);
    let started = false;
    try {
      while (this.sideRunning >= SIDE_CONCURRENCY && !abort.signal.aborted && !this.closed) {
        await new Promise<void>((resolve) => {
          this.sideWaiting.push(resolve);
          abort.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      if (this.closed || abort.signal.aborted)
        throw new OctetError('CANCELLED', this.closed ? 'Octet is shutting down' : 'The job was cancelled before it started');
      started = true;
      this.sideRunning++;
      return await runInWorker(spec, { factory: this.opts.factory, signal: abort.signal }).catch((e: unknown) => {
        // A kill's exit can race the cancel in host.ts (a factory may report the exit at once): the abort wins.
        throw abort.signal.aborted ? new OctetError('CANCELLED', this.closed ? 'Octet is shutting down' : 'The job was cancelled') : e;
      });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.sideAborts.delete(abort);
      if (started) this.sideRunning--;
      for (const wake of this.sideWaiting.splice(0)) wake(); // they re-check; an aborted waiter may have left a stale entry
    }
  }

  private snapshot(e: Entry): JobInfo {
    const pid = e.info.state === 'running' ? e.worker?.pid : undefined;
    return { ...e.info, logs: [...e.info.logs], pid };
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) this.run(this.queue.shift()!);
  }

  private run(e: Entry): void {
    this.running++;
    e.info.state = 'running';
    e.info.startedAt = new Date().toISOString();
    this.emit({ type: 'state', job: this.snapshot(e) });
    runInWorker(e.spec, {
      factory: this.opts.factory,
      signal: e.abort.signal,
      onWorker: (w) => {
        e.worker = w;
      },
      onProgress: (p) => this.progress(e, p),
      onLog: (line) => {
        e.info.logs.push(line);
        if (e.info.logs.length > MAX_LOG_LINES) e.info.logs.splice(0, e.info.logs.length - MAX_LOG_LINES);
        this.emit({ type: 'log', jobId: e.info.id, line });
      },
    }).then(
      (result) => this.finish(e, 'succeeded', result),
      (err: unknown) => {
        // A cancel kills the worker, so its exit can race the cancel in host.ts: the user's cancel wins.
        if (e.abort.signal.aborted)
          return this.finish(e, 'cancelled', undefined, { code: 'CANCELLED', message: 'Cancelled; the worker was stopped and nothing was written' });
        const error = toErrorInfo(err);
        this.finish(e, error.code === 'CANCELLED' ? 'cancelled' : 'failed', undefined, error);
      },
    );
  }

  private progress(e: Entry, p: ProgressEvent): void {
    e.info.progress = p;
    const now = Date.now();
    const urgent = p.phase !== e.lastPhase || p.done >= p.total;
    if (e.pendingProgress) clearTimeout(e.pendingProgress);
    e.pendingProgress = undefined;
    const send = () => {
      e.lastProgressAt = Date.now();
      e.lastPhase = p.phase;
      e.pendingProgress = undefined;
      if (e.info.state === 'running') this.emit({ type: 'progress', jobId: e.info.id, progress: p });
    };
    if (urgent || now - e.lastProgressAt >= this.progressIntervalMs) send();
    else e.pendingProgress = setTimeout(send, this.progressIntervalMs - (now - e.lastProgressAt));
  }

  private finish(e: Entry, state: 'succeeded' | 'failed' | 'cancelled', result?: JobResult<JobKind>, error?: JobInfo['error']): void {
    if (e.pendingProgress) clearTimeout(e.pendingProgress);
    const wasRunning = e.info.state === 'running';
    Object.assign(e.info, { state, result, error, finishedAt: new Date().toISOString() });
    const snap = this.snapshot(e);
    this.emit(state === 'succeeded' ? { type: 'result', job: snap } : { type: 'error', job: snap });
    e.settle(snap);
    if (wasRunning) {
      this.running--;
      this.pump();
    }
    this.evict();
  }

  private evict(): void {
    const finished = [...this.jobs.values()].filter((x) => x.info.state !== 'queued' && x.info.state !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - this.keep))) {
      this.jobs.delete(old.info.id);
      this.opts.onEvict?.(old.info);
    }
  }
}
