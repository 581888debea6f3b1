import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobManager } from './jobManager';
import type { WorkerFactory } from './host';
import type { HostMessage, WorkerMessage } from '../../shared/jobs';
import type { ApiEvent } from '../../shared/api';
import { writeSynthetic } from '../../../test/util/synthetic';

/** A scripted in-process worker: answers `start` with `steps` progress events, then a result. */
function fakeWorkers(opts: { steps?: number; stepMs?: number; crashAt?: number } = {}) {
  const live = new Set<number>();
  let started = 0;
  let pid = 1000;
  const factory: WorkerFactory = () => {
    const myPid = ++pid;
    let onMsg: (m: WorkerMessage) => void = () => undefined;
    let onExit: (code: number | null, signal: string | null) => void = () => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    live.add(myPid);
    const exit = (signal: string | null) => {
      if (!live.delete(myPid)) return;
      clearTimeout(timer);
      onExit(signal ? null : 0, signal);
    };
    setImmediate(() => onMsg({ type: 'ready' }));
    return {
      pid: myPid,
      send: (m: HostMessage) => {
        if (m.type !== 'start') return;
        started++;
        let i = 0;
        const step = () => {
          if (opts.crashAt !== undefined && i === opts.crashAt) return exit('SIGSEGV');
          if (i === (opts.steps ?? 3)) return onMsg({ type: 'result', jobId: m.jobId, kind: m.spec.kind, result: { ok: true } } as unknown as WorkerMessage); // a stand-in result
          onMsg({ type: 'progress', jobId: m.jobId, progress: { phase: 'calibrate', done: ++i, total: opts.steps ?? 3 } });
          timer = setTimeout(step, opts.stepMs ?? 5);
        };
        step();
      },
      onMessage: (cb) => void (onMsg = cb),
      onExit: (cb) => void (onExit = cb),
      kill: () => exit('SIGKILL'),
    };
  };
  return { factory, live, started: () => started };
}

const inspect = (model = '/m.onnx') => ({ kind: 'inspect' as const, params: { model } });

test('runs at most `concurrency` jobs at once; the rest wait in order', async () => {
  const w = fakeWorkers({ steps: 4, stepMs: 10 });
  const jobs = new JobManager({ factory: w.factory, concurrency: 1 });
  const a = jobs.start(inspect('/a.onnx'));
  const b = jobs.start(inspect('/b.onnx'));
  assert.equal(jobs.get(a.id)!.state, 'running');
  assert.equal(jobs.get(b.id)!.state, 'queued');
  const done = await jobs.wait(a.id);
  assert.equal(done.state, 'succeeded');
  assert.deepEqual(done.result, { ok: true });
  assert.equal((await jobs.wait(b.id)).state, 'succeeded');
  assert.equal(w.started(), 2);
  assert.equal(jobs.list().length, 2);
});

test('cancel: a queued job never starts; a running one has its worker killed', async () => {
  const w = fakeWorkers({ steps: 100, stepMs: 10 });
  const jobs = new JobManager({ factory: w.factory, concurrency: 1 });
  const events: ApiEvent[] = [];
  jobs.subscribe((e) => events.push(e));
  const a = jobs.start(inspect());
  const b = jobs.start(inspect());
  assert.equal(jobs.cancel(b.id), true);
  assert.equal(jobs.get(b.id)!.state, 'cancelled');
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(jobs.get(a.id)!.pid, 'a running job shows its worker pid');
  assert.equal(jobs.cancel(a.id), true);
  const done = await jobs.wait(a.id);
  assert.equal(done.state, 'cancelled');
  assert.equal(done.error?.code, 'CANCELLED');
  assert.equal(done.pid, undefined);
  assert.equal(w.live.size, 0, 'the worker is gone');
  assert.equal(w.started(), 1);
  assert.equal(jobs.cancel(a.id), false, 'a finished job cannot be cancelled');
  assert.ok(events.some((e) => e.type === 'error' && e.job.id === a.id && e.job.state === 'cancelled'));
});

test('a worker crash fails that job with the reason, and the next job runs', async () => {
  const crashing = fakeWorkers({ steps: 5, crashAt: 2 });
  const jobs = new JobManager({ factory: crashing.factory });
  const a = await jobs.wait(jobs.start(inspect()).id);
  assert.equal(a.state, 'failed');
  assert.equal(a.error?.code, 'WORKER_CRASHED');
  assert.match(a.error!.message, /SIGSEGV/);
  const b = await jobs.wait(jobs.start(inspect()).id);
  assert.equal(b.state, 'failed'); // same scripted crash, but the manager is still serving
  const ok = new JobManager({ factory: fakeWorkers().factory });
  assert.equal((await ok.wait(ok.start(inspect()).id)).state, 'succeeded');
});

test('progress events are throttled, but phase changes and the last step go out', async () => {
  const w = fakeWorkers({ steps: 50, stepMs: 1 });
  const jobs = new JobManager({ factory: w.factory, progressIntervalMs: 1000 });
  const progress: number[] = [];
  jobs.subscribe((e) => e.type === 'progress' && progress.push(e.progress.done));
  await jobs.wait(jobs.start(inspect()).id);
  assert.ok(progress.length <= 3, `${progress.length} events`);
  assert.equal(progress[0], 1);
  assert.equal(progress.at(-1), 50);
});

test('finished jobs beyond `keep` are evicted and reported', async () => {
  const evicted: string[] = [];
  const jobs = new JobManager({ factory: fakeWorkers({ steps: 1 }).factory, keep: 2, onEvict: (j) => evicted.push(j.id) });
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const id = jobs.start(inspect()).id;
    ids.push(id);
    await jobs.wait(id);
  }
  assert.deepEqual(evicted, ids.slice(0, 2));
  assert.deepEqual(
    jobs.list().map((j) => j.id),
    ids.slice(2),
  );
});

test('real forked worker: a killed worker fails its job, the manager goes on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-jm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = writeSynthetic(dir, 'transformerBlock', 16);
  const jobs = new JobManager();
  const job = jobs.start({ kind: 'inspect', params: { model: f.model } });
  // Kill as soon as the worker exists.
  for (let i = 0; i < 200 && !jobs.get(job.id)!.pid; i++) await new Promise((r) => setTimeout(r, 5));
  const pid = jobs.get(job.id)!.pid;
  assert.ok(pid, 'getJob shows the worker pid');
  process.kill(pid, 'SIGKILL');
  const done = await jobs.wait(job.id);
  assert.equal(done.state, 'failed');
  assert.equal(done.error?.code, 'WORKER_CRASHED');
  assert.match(done.error!.message, /SIGKILL/);
  const next = await jobs.wait(jobs.start({ kind: 'inspect', params: { model: f.model } }).id);
  assert.equal(next.state, 'succeeded');
});

test('runSide: unlisted, at most 2 at once, waiters abortable (a stale waiter does not block the rest), all stopped on shutdown', async () => {
  const w = fakeWorkers({ steps: 3, stepMs: 20 });
  const jobs = new JobManager({ factory: w.factory, concurrency: 1 });
  const events: ApiEvent[] = [];
  jobs.subscribe((e) => events.push(e));
  const facts = (model: string) => ({ kind: 'facts' as const, params: { model, maxNodes: 10 } });
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, w.live.size)), 2);
  const aborted = new AbortController();
  const runs = [
    jobs.runSide(facts('/a')),
    jobs.runSide(facts('/b')),
    jobs.runSide(facts('/c'), { signal: aborted.signal }),
    jobs.runSide(facts('/d')),
    jobs.runSide(facts('/e')),
  ];
  aborted.abort(); // /c leaves the queue; its stale wake-up must not strand /d and /e
  const results = await Promise.allSettled(runs);
  clearInterval(sample);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.equal((results[2] as PromiseRejectedResult).reason.code, 'CANCELLED');
  assert.ok(peak <= 2, `${peak} side workers at once`);
  assert.equal(w.started(), 4);
  assert.deepEqual(jobs.list(), [], 'side jobs are not listed');
  assert.deepEqual(events, [], 'and send no events');

  const slow = fakeWorkers({ steps: 1000, stepMs: 20 });
  const jobs2 = new JobManager({ factory: slow.factory });
  const running = [jobs2.runSide(facts('/x')), jobs2.runSide(facts('/y')), jobs2.runSide(facts('/z'))];
  await new Promise((r) => setTimeout(r, 50));
  jobs2.shutdown();
  for (const r of await Promise.allSettled(running)) assert.equal(r.status === 'rejected' && r.reason.code, 'CANCELLED');
  assert.equal(slow.live.size, 0, 'no worker left');
  await assert.rejects(jobs2.runSide(facts('/late')), (e: { code?: string }) => e.code === 'CANCELLED');
});
