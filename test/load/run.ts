// The load suite: `npm run test:load` (builds first). Starts the real browser-mode server from
// the built bundle (`octet serve --jobs 2`), drives it over its WebSocket API with real jobs on
// small synthetic models, watches the process list (/proc) and the temp folders, and ends with
// the plain line `N passed, M failed`; exits 1 on any failure.
//
//   npx tsx test/load/run.ts [--keep]
//
// Phases: 20 jobs at once (quantize, inspect, bench) under the concurrency limit; 200 rapid
// start/cancel cycles; a bench cancelled during its memory probe; a worker SIGKILLed
// mid-calibration; the server stopped (SIGTERM) and killed (SIGKILL) with jobs running.
// Needs the bundles (npm run build), the native addon (npm run build:native) and Linux (/proc).
// docs/security.md lists what each phase proves and the measured timings.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { ApiEvent, JobInfo, JobRequest } from '../../src/shared/api';
import { writeSynthetic, type SyntheticFiles } from '../util/synthetic';
import { alive, childrenOf, describe, isWorker, markedProcs } from './procs';
import { Client, REPO, startServe, type Served } from './server';

const { values } = parseArgs({ options: { keep: { type: 'boolean' } } });

const CONCURRENCY = 2;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const FAST = { speed_check: false, reduce_range: false, calib_samples: 8 } as const;

interface Check {
  name: string;
  problems: string[];
  notes: string[];
  ms: number;
}
const checks: Check[] = [];

async function check(name: string, fn: (c: Check) => Promise<void>): Promise<Check> {
  const c: Check = { name, problems: [], notes: [], ms: 0 };
  const t0 = performance.now();
  try {
    await fn(c);
  } catch (e) {
    c.problems.push(`threw: ${(e as Error).stack ?? e}`);
  }
  c.ms = performance.now() - t0;
  checks.push(c);
  console.log(`${c.problems.length ? 'FAIL' : 'ok  '} ${c.name} (${fmt(c.ms)})`);
  for (const n of c.notes) console.log(`       ${n}`);
  for (const p of c.problems) console.log(`       - ${p}`);
  return c;
}

/** Recursively lists names under dir that match re. */
function findNames(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (re.test(name)) out.push(p);
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) out.push(...findNames(p, re));
  }
  return out;
}

/** Polls until the run's processes (other than the server) are gone; returns what is left and how long it took. */
async function waitNoProcs(marker: string, exclude: number[], graceMs: number): Promise<{ left: ReturnType<typeof markedProcs>; ms: number; atStart: number }> {
  const t0 = performance.now();
  const atStart = markedProcs(marker, exclude).length;
  for (;;) {
    const left = markedProcs(marker, exclude);
    const ms = performance.now() - t0;
    if (left.length === 0 || ms > graceMs) return { left, ms, atStart };
    await sleep(25);
  }
}

async function validQuantize(job: JobInfo, problems: string[]): Promise<void> {
  if (job.kind !== 'quantize' || !job.result) return void problems.push(`${job.id}: no quantize result`);
  const out = job.result.output.path;
  if (!existsSync(out)) return void problems.push(`${job.label}: output ${out} is missing`);
  if (statSync(out).size !== job.result.output.sizeBytes) problems.push(`${job.label}: output size differs from the report`);
  const reportPath = job.params.reportPath;
  if (!reportPath || !existsSync(reportPath)) problems.push(`${job.label}: report file missing`);
  else if ((JSON.parse(readFileSync(reportPath, 'utf8')) as { output: { path: string } }).output.path !== out)
    problems.push(`${job.label}: report names another output`);
  try {
    const s = await ort.InferenceSession.create(out, { logSeverityLevel: 3 });
    await s.release();
  } catch (e) {
    problems.push(`${job.label}: ONNX Runtime cannot load the output: ${(e as Error).message.split('\n')[0]}`);
  }
  if (job.result.fusion.int8Ops < 1) problems.push(`${job.label}: no compute op runs in int8`);
  const temps = readdirSync(dirname(out)).filter((n) => n.startsWith('.octet-tmp-'));
  if (temps.length) problems.push(`${job.label}: temp files left beside the output: ${temps.join(', ')}`);
}

async function main(): Promise<number> {
  if (!existsSync('/proc/self/environ')) {
    console.error('the load suite reads the process list from /proc (Linux)');
    return 1;
  }
  for (const f of ['cli.cjs', 'worker.cjs', 'renderer/index.html']) {
    if (!existsSync(join(REPO, 'dist', f))) {
      console.error(`dist/${f} is missing: run 'npm run build' first (npm run test:load does)`);
      return 1;
    }
  }
  const started = performance.now();
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'octet-load-')));
  const root = join(base, 'root');
  const state = join(base, 'state');
  const tmp = join(base, 'tmp');
  for (const d of [root, state, tmp]) mkdirSync(d, { recursive: true });
  const models: Record<string, SyntheticFiles> = {
    mobilenetBlock: writeSynthetic(root, 'mobilenetBlock', 16),
    oldOpset9: writeSynthetic(root, 'oldOpset9', 16, 7),
    transformerBlock: writeSynthetic(root, 'transformerBlock', 64, 9),
  };
  const inputs = Object.values(models).flatMap((m) => [m.model, m.data]);
  const hashes = new Map(inputs.map((p) => [p, sha256(p)]));

  const runId = randomUUID();
  const marker = `OCTET_LOAD_RUN=${runId}`;
  // The server's TMPDIR is ours, so every per-job TMPDIR (octet-job-*) lands where we can see it.
  const env = { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp, OCTET_LOAD_RUN: runId };
  let served: Served = await startServe({ root, state, jobs: CONCURRENCY, env });
  let client = await Client.connect(served);
  const exclude = () => [served.child.pid!];
  console.log(`octet serve --jobs ${CONCURRENCY} on 127.0.0.1:${served.port} (pid ${served.child.pid}), work in ${base}`);

  const quantize = (m: string, recipe: Record<string, unknown> = FAST): JobRequest => ({
    kind: 'quantize',
    params: { model: models[m].model, data: models[m].data, recipe },
  });
  const start = async (req: JobRequest): Promise<string> => (await client.ok('startJob', req)).jobId;

  // A converted model for the bench jobs, and the time one job takes alone.
  let int8 = '';
  await check('warm-up: one quantize job through the API', async (c) => {
    const t0 = performance.now();
    const job = await client.final(await start(quantize('mobilenetBlock')));
    if (job.state !== 'succeeded') return void c.problems.push(`${job.state}: ${job.error?.code} ${job.error?.message}`);
    await validQuantize(job, c.problems);
    c.notes.push(`quantize mobilenetBlock alone: ${fmt(performance.now() - t0)} end to end`);
    // Exported into the root as a user would: the work folder goes when the job is evicted
    // from the registry (after 50 newer jobs), and the cycles below run 200.
    mkdirSync(join(root, 'exported'));
    const out = await client.ok('exportArtifacts', {
      jobId: job.id,
      folder: join(root, 'exported'),
      baseName: 'mobilenetBlock',
      include: { model: true, recipe: false, reportJson: true, reportHtml: false },
    });
    int8 = out.files.find((f) => f.kind === 'model')!.path;
  });
  const bench: JobRequest = { kind: 'bench', params: { fp32: models.mobilenetBlock.model, int8, data: models.mobilenetBlock.data, samples: 8, runs: 5 } };

  // ---- 20 jobs at once ------------------------------------------------------------------------
  await check(`20 jobs at once (10 quantize, 5 bench, 5 inspect), --jobs ${CONCURRENCY}: all finish, limit holds, outputs valid`, async (c) => {
    const names = ['mobilenetBlock', 'oldOpset9', 'transformerBlock'];
    const reqs: JobRequest[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 4 === 1) reqs.push(bench);
      else if (i % 4 === 3) reqs.push({ kind: 'inspect', params: { model: models[names[i % 3]].model } });
      else reqs.push(quantize(names[i % 3]));
    }
    // What the API says runs at once: quantize and bench share the queue; inspect skips it (short, for the Model step).
    const kindOf = new Map<string, string>();
    const running = new Set<string>();
    let maxApiQueued = 0;
    let maxApiAll = 0;
    const unsub = client.subscribe((e: ApiEvent) => {
      if (e.type !== 'state' && e.type !== 'result' && e.type !== 'error') return;
      kindOf.set(e.job.id, e.job.kind);
      if (e.job.state === 'running') running.add(e.job.id);
      else running.delete(e.job.id);
      maxApiAll = Math.max(maxApiAll, running.size);
      maxApiQueued = Math.max(maxApiQueued, [...running].filter((id) => kindOf.get(id) !== 'inspect').length);
    });

    // The process list, sampled while the jobs run: worker processes, mapped to jobs by pid.
    let sampling = true;
    const pidJob = new Map<number, { id: string; kind: string }>();
    const seenWorkers = new Set<number>();
    let maxLiveQueued = 0;
    let maxLiveWorkers = 0;
    let maxChildren = 0;
    let samples = 0;
    const sampler = (async () => {
      while (sampling) {
        const procs = markedProcs(marker, exclude()).filter((p) => isWorker(p) && alive(p));
        const kids = childrenOf(served.child.pid!).filter((p) => isWorker(p) && alive(p));
        const jobs = await client.ok('listJobs', {});
        const runningNow = new Map<number, JobInfo>();
        for (const j of jobs) {
          if (j.pid) pidJob.set(j.pid, { id: j.id, kind: j.kind });
          if (j.state === 'running' && j.pid) runningNow.set(j.pid, j);
        }
        for (const p of procs) seenWorkers.add(p.pid);
        // A worker of a quantize/bench job that the API still calls running (one whose job just
        // finished is being killed, and the next job may already have its own).
        const liveQueued = procs.filter((p) => runningNow.has(p.pid) && runningNow.get(p.pid)!.kind !== 'inspect').length;
        maxLiveQueued = Math.max(maxLiveQueued, liveQueued);
        maxLiveWorkers = Math.max(maxLiveWorkers, procs.length);
        maxChildren = Math.max(maxChildren, kids.length);
        samples++;
        await sleep(20);
      }
    })();

    const t0 = performance.now();
    const ids = await Promise.all(reqs.map((r) => start(r)));
    const finals = await Promise.all(ids.map((id) => client.final(id, 170_000)));
    const wall = performance.now() - t0;
    sampling = false;
    await sampler;
    unsub();

    const lost = ids.filter((id) => !client.states.get(id)?.some((s) => s === 'succeeded' || s === 'failed' || s === 'cancelled'));
    if (lost.length) c.problems.push(`${lost.length} job(s) never reached a final state`);
    if (new Set(ids).size !== 20) c.problems.push('job ids are not unique');
    for (const j of finals) {
      if (j.state !== 'succeeded') c.problems.push(`${j.label}: ${j.state} ${j.error?.code}: ${j.error?.message}`);
      else if (!j.result) c.problems.push(`${j.label}: succeeded without a result`);
      if (j.state === 'failed' && !j.error?.code) c.problems.push(`${j.label}: failed without an error code`);
      const states = client.states.get(j.id)!;
      if (j.kind !== 'inspect' && states[0] !== 'queued') c.problems.push(`${j.label}: first state ${states[0]}`);
    }
    for (const j of finals.filter((x) => x.state === 'succeeded')) {
      if (j.kind === 'quantize') await validQuantize(j, c.problems);
      if (j.kind === 'inspect' && j.result) {
        if (j.result.sha256 !== hashes.get(j.params.model)) c.problems.push(`${j.label}: sha256 differs from the file's`);
        if (!j.result.inputs.length || !j.result.nodes) c.problems.push(`${j.label}: empty summary`);
      }
      if (j.kind === 'bench' && j.result) {
        if (j.result.samples !== 8) c.problems.push(`${j.label}: ${j.result.samples} samples, asked for 8`);
        if (!(j.result.latency.fp32.p50 > 0 && j.result.latency.int8.p50 > 0)) c.problems.push(`${j.label}: no latency`);
      }
    }
    const outputs = finals.filter((j) => j.kind === 'quantize' && j.result).map((j) => (j.kind === 'quantize' ? j.result!.output.path : ''));
    if (new Set(outputs).size !== outputs.length) c.problems.push('two quantize jobs share an output path');

    if (maxApiQueued > CONCURRENCY) c.problems.push(`the API reported ${maxApiQueued} quantize/bench jobs running at once (limit ${CONCURRENCY})`);
    if (maxLiveQueued > CONCURRENCY)
      c.problems.push(`the process list showed ${maxLiveQueued} live workers of running quantize/bench jobs at once (limit ${CONCURRENCY})`);
    if (maxLiveQueued < CONCURRENCY) c.problems.push(`never saw ${CONCURRENCY} workers at once (max ${maxLiveQueued}): the sampler missed the load`);
    // One worker per job: every quantize/bench job had its own pid.
    const queuedJobs = finals.filter((j) => j.kind !== 'inspect');
    const pidsOfQueued = new Set([...pidJob.entries()].filter(([, v]) => queuedJobs.some((j) => j.id === v.id)).map(([pid]) => pid));
    if (pidsOfQueued.size !== queuedJobs.length) c.problems.push(`saw ${pidsOfQueued.size} distinct worker pids for ${queuedJobs.length} quantize/bench jobs`);

    const by = (k: string) =>
      finals.filter((j) => j.kind === k && j.startedAt && j.finishedAt).map((j) => Date.parse(j.finishedAt!) - Date.parse(j.startedAt!));
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const waits = finals.filter((j) => j.startedAt).map((j) => Date.parse(j.startedAt!) - Date.parse(j.createdAt));
    c.notes.push(
      `wall ${fmt(wall)}; mean run time: quantize ${fmt(mean(by('quantize')))}, bench ${fmt(mean(by('bench')))}, inspect ${fmt(mean(by('inspect')))}; longest queue wait ${fmt(Math.max(...waits))}`,
    );
    c.notes.push(
      `at once: API ${maxApiQueued} quantize/bench (${maxApiAll} with inspect); process list ${maxLiveQueued} workers of running quantize/bench, ${maxLiveWorkers} worker processes in all (inspect skips the queue; a finished job's worker may still be exiting), ${maxChildren} worker children of the server; ${samples} samples, ${seenWorkers.size} worker pids seen`,
    );
  });

  // ---- 200 start/cancel cycles ---------------------------------------------------------------
  await check('200 rapid start/cancel cycles: every job cancelled or finished, no orphan worker, no temp left', async (c) => {
    const kinds: JobRequest[] = [
      quantize('transformerBlock', { ...FAST, calib_samples: 64 }),
      quantize('mobilenetBlock'),
      bench,
      { kind: 'inspect', params: { model: models.oldOpset9.model } },
    ];
    const delays = [0, 0, 1, 5, 20, 50, 100, 200, 400, 800];
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const tally = { cancelledQueued: 0, cancelledRunning: 0, finishedFirst: 0, reachedRunning: 0 };
    const leftOutputs: string[] = [];
    const cycle = async (i: number, req: JobRequest, delay: number) => {
      const id = await start(req);
      if (delay) await sleep(delay);
      const r = await client.ok('cancelJob', { jobId: id });
      const job = await client.final(id, 60_000);
      const states = client.states.get(id)!;
      if (states.includes('running')) tally.reachedRunning++;
      if (job.state === 'cancelled') {
        if (job.error?.code !== 'CANCELLED') c.problems.push(`cycle ${i}: cancelled with code ${job.error?.code}`);
        if (!r.cancelled) c.problems.push(`cycle ${i}: cancelJob said false, yet the job ended cancelled`);
        if (states.includes('running')) tally.cancelledRunning++;
        else tally.cancelledQueued++;
        if (job.kind === 'quantize' && existsSync(job.params.output)) leftOutputs.push(job.params.output);
      } else if (job.state === 'succeeded') {
        if (r.cancelled) c.problems.push(`cycle ${i}: cancelJob said true, yet the job succeeded`);
        tally.finishedFirst++;
      } else c.problems.push(`cycle ${i} (${job.label}): ${job.state} ${job.error?.code}: ${job.error?.message}`);
    };
    const t0 = performance.now();
    // 120 one at a time: each starts a worker at once (the queue is empty) and is cancelled
    // somewhere between fork and the end of its job.
    for (let i = 0; i < 120; i++) await cycle(i, kinds[i % kinds.length], delays[rand(delays.length)]);
    // 80 in bursts of 10: two run, eight wait; all cancelled in random order.
    for (let b = 0; b < 8; b++) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => cycle(120 + b * 10 + k, kinds[(b + k) % kinds.length], delays[rand(5)])));
    }
    const wall = performance.now() - t0;
    const total = tally.cancelledQueued + tally.cancelledRunning + tally.finishedFirst;
    if (total !== 200) c.problems.push(`${200 - total} cycle(s) unaccounted for`);

    const right = markedProcs(marker, exclude());
    const after = await waitNoProcs(marker, exclude(), 5000);
    if (after.left.length) c.problems.push(`processes of this run left after ${fmt(after.ms)}: ${describe(after.left)}`);
    const kids = childrenOf(served.child.pid!).filter(isWorker);
    if (kids.length) c.problems.push(`worker children of the server left: ${describe(kids)}`);
    await sleep(300); // temp folders go once the worker's exit is seen
    const tmps = readdirSync(tmp).filter((n) => n.startsWith('octet-job-'));
    if (tmps.length) c.problems.push(`per-job TMPDIRs left: ${tmps.join(', ')}`);
    const temps = findNames(state, /^\.octet-tmp-/);
    if (temps.length) c.problems.push(`.octet-tmp-* files left: ${temps.join(', ')}`);
    const caps = await client.call('capabilities', {});
    if (!caps.ok) c.problems.push('the server stopped answering');
    c.notes.push(
      `200 cycles in ${fmt(wall)}: ${tally.cancelledRunning} cancelled while running, ${tally.cancelledQueued} while queued, ${tally.finishedFirst} finished before the cancel; ${tally.reachedRunning} started a worker`,
    );
    c.notes.push(
      `right after the last cycle: ${right.length} process(es) of this run still exiting (${right.filter((p) => !alive(p)).length} zombie); none after ${fmt(after.ms)}`,
    );
    if (leftOutputs.length)
      c.notes.push(
        `observation: ${leftOutputs.length} cancelled quantize job(s) had already renamed their output into the work folder before the kill (not exportable: export needs a succeeded job): ${leftOutputs.map((p) => basename(p)).join(', ')}`,
      );
  });

  // ---- a bench cancelled while its memory probe (a grandchild of the server) runs ------------
  await check('bench cancelled during its memory probe: the probe goes with its worker', async (c) => {
    const id = await start(bench);
    let probe: ReturnType<typeof markedProcs>[number] | undefined;
    for (let i = 0; i < 1000 && !probe && !(await client.ok('getJob', { jobId: id })).finishedAt; i++) {
      probe = markedProcs(marker, exclude()).find((p) => /--expose-gc/.test(p.cmdline) && alive(p));
      if (!probe) await sleep(20);
    }
    if (!probe) return void c.problems.push('never saw the memory probe (the bench finished first?)');
    await client.ok('cancelJob', { jobId: id });
    const job = await client.final(id, 30_000);
    if (job.state !== 'cancelled') c.problems.push(`the bench ended ${job.state}`);
    const after = await waitNoProcs(marker, exclude(), 5000);
    if (after.left.length) c.problems.push(`left: ${describe(after.left)}`);
    c.notes.push(`probe pid ${probe.pid} (child of worker ${probe.ppid}); nothing of the run left ${fmt(after.ms)} after the cancel`);
  });

  // ---- a worker killed mid-calibration -------------------------------------------------------
  await check('worker SIGKILLed mid-calibration: WORKER_CRASHED, nothing written, the next job succeeds', async (c) => {
    const req = quantize('transformerBlock', { ...FAST, calib_samples: 64 });
    let id = '';
    const early: ApiEvent[] = [];
    let onCal: (() => void) | undefined;
    const calibrating = new Promise<void>((r) => (onCal = r));
    const unsub = client.subscribe((e) => {
      if (e.type !== 'progress') return;
      if (!id) early.push(e);
      else if (e.jobId === id && e.progress.phase === 'calibrate' && e.progress.done >= 2) onCal?.();
    });
    id = await start(req);
    if (early.some((e) => e.type === 'progress' && e.jobId === id && e.progress.phase === 'calibrate' && e.progress.done >= 2)) onCal?.();
    await Promise.race([calibrating, client.final(id, 60_000)]);
    unsub();
    const job = await client.ok('getJob', { jobId: id });
    if (job.state !== 'running' || !job.pid) return void c.problems.push(`the job was ${job.state} before it could be killed`);
    const proc = markedProcs(marker, exclude()).find((p) => p.pid === job.pid);
    if (!proc || !isWorker(proc)) c.problems.push(`getJob's pid ${job.pid} is not a worker of this run`);
    const t0 = performance.now();
    process.kill(job.pid, 'SIGKILL');
    const done = await client.final(id, 30_000);
    c.notes.push(
      `killed pid ${job.pid} at calibrate ${job.progress?.done}/${job.progress?.total}; failed in ${fmt(performance.now() - t0)}: ${done.error?.code}: ${done.error?.message}`,
    );
    if (done.state !== 'failed' || done.error?.code !== 'WORKER_CRASHED')
      c.problems.push(`expected failed/WORKER_CRASHED, got ${done.state}/${done.error?.code}`);
    if (!/SIGKILL/.test(done.error?.message ?? '')) c.problems.push('the message does not say how the worker died');
    if (done.kind === 'quantize') {
      if (existsSync(done.params.output)) c.problems.push('a partial output exists');
      const temps = readdirSync(dirname(done.params.output)).filter((n) => n.startsWith('.octet-tmp-'));
      if (temps.length) c.problems.push(`temp files left: ${temps.join(', ')}`);
    }
    const gone = await waitNoProcs(marker, exclude(), 3000);
    if (gone.left.length) c.problems.push(`processes left: ${describe(gone.left)}`);
    await sleep(200);
    const tmps = readdirSync(tmp).filter((n) => n.startsWith('octet-job-'));
    if (tmps.length) c.problems.push(`per-job TMPDIRs left: ${tmps.join(', ')}`);
    const t1 = performance.now();
    const next = await client.final(await start(quantize('transformerBlock', { ...FAST, calib_samples: 64 })), 60_000);
    if (next.state !== 'succeeded') c.problems.push(`the next job: ${next.state} ${next.error?.code}: ${next.error?.message}`);
    else await validQuantize(next, c.problems);
    c.notes.push(`the same job again: ${next.state} in ${fmt(performance.now() - t1)}`);
  });

  // ---- the server stopped, then killed, with jobs running ------------------------------------
  const busy = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await start(i % 2 ? bench : quantize('transformerBlock', { ...FAST, calib_samples: 64 })));
    for (let i = 0; i < 400; i++) {
      const running = (await client.ok('listJobs', {})).filter((j) => ids.includes(j.id) && j.state === 'running' && j.pid);
      if (running.length >= Math.min(n, CONCURRENCY)) return running.length;
      await sleep(25);
    }
    return 0;
  };

  await check('server stopped (SIGTERM) with jobs running: it exits 0 and leaves no process or temp folder', async (c) => {
    const running = await busy(4);
    const before = markedProcs(marker, exclude()).filter(isWorker).length;
    served.child.kill('SIGTERM');
    const how = await Promise.race([served.exited, sleep(15_000).then(() => 'still running after 15 s')]);
    if (how !== 'code 0') c.problems.push(`the server ended with ${how}`);
    const after = await waitNoProcs(marker, [], 5000);
    if (after.left.length) c.problems.push(`left: ${describe(after.left)}`);
    await sleep(300);
    const tmps = readdirSync(tmp).filter((n) => n.startsWith('octet-job-'));
    if (tmps.length) c.problems.push(`per-job TMPDIRs left: ${tmps.join(', ')}`);
    const temps = findNames(state, /^\.octet-tmp-/);
    if (temps.length) c.problems.push(`.octet-tmp-* files left: ${temps.join(', ')}`);
    c.notes.push(`${running} jobs running (${before} workers) when stopped; server ${how}; no process of the run after ${fmt(after.ms)}`);
  });

  await check('server killed (SIGKILL) with jobs running: its workers exit on their own', async (c) => {
    client.close();
    served = await startServe({ root, state, jobs: CONCURRENCY, env });
    client = await Client.connect(served);
    const running = await busy(3);
    const workers = markedProcs(marker, exclude()).filter(isWorker);
    served.child.kill('SIGKILL');
    await served.exited;
    const after = await waitNoProcs(marker, [], 5000);
    if (after.left.length) c.problems.push(`orphans left: ${describe(after.left)}`);
    c.notes.push(
      `${running} jobs running (${workers.length} workers) when the server was killed; none left after ${fmt(after.ms)} (workers exit when their IPC channel closes)`,
    );
    const tmps = readdirSync(tmp).filter((n) => n.startsWith('octet-job-'));
    if (tmps.length)
      c.notes.push(`observation: ${tmps.length} per-job TMPDIR(s) stay behind when the host itself is SIGKILLed (nothing is left to remove them)`);
    rmSync(join(tmp), { recursive: true, force: true });
    mkdirSync(tmp);
  });

  await check('inputs unchanged (sha256), nothing written outside the state folder', async (c) => {
    for (const [p, h] of hashes) if (sha256(p) !== h) c.problems.push(`${p} changed`);
    const extra = readdirSync(root).filter((n) => n !== 'exported' && !inputs.some((p) => basename(p) === n));
    if (extra.length) c.problems.push(`new files in the root: ${extra.join(', ')}`);
  });

  client.close();
  if (!served.child.killed && served.child.exitCode === null) served.child.kill('SIGKILL');
  if (!values.keep) rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${base}`);
  const failed = checks.filter((c) => c.problems.length).length;
  console.log(`\nload suite: ${fmt(performance.now() - started)} in all`);
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
