import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInWorker, sweepStaleJobDirs, type WorkerHandle } from './host';
import { writeSynthetic } from '../../../test/util/synthetic';
import { OctetError } from '../../shared/errors';

test('a worker killed mid-calibration fails that job only, and leaves no files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = writeSynthetic(dir, 'transformerBlock', 64);
  let worker: WorkerHandle | undefined;
  const job = runInWorker(
    { kind: 'quantize', params: { model: f.model, output: join(dir, 'out.onnx'), data: f.data, recipe: { calib_samples: 64 } } },
    {
      onWorker: (w) => (worker = w),
      onProgress: (p) => {
        if (p.phase === 'calibrate' && p.done >= 2) worker?.kill();
      },
    },
  );
  await assert.rejects(job, (e: unknown) => e instanceof OctetError && e.code === 'WORKER_CRASHED' && /SIGKILL/.test(e.message));
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('out') || n.startsWith('.octet-tmp')),
    [],
  );
  // The host process goes on: the next job runs.
  const summary = await runInWorker({ kind: 'inspect', params: { model: f.model } });
  assert.equal(summary.inputs[0].name, 'input');
});

test('cancel kills the worker and reports CANCELLED; progress carries an ETA', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = writeSynthetic(dir, 'transformerBlock', 64);
  const ac = new AbortController();
  let sawEta = false;
  const job = runInWorker(
    { kind: 'quantize', params: { model: f.model, output: join(dir, 'out.onnx'), data: f.data, recipe: { calib_samples: 64 } } },
    {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'calibrate' && p.done >= 3) {
          sawEta ||= typeof p.etaMs === 'number' && p.etaMs > 0;
          ac.abort();
        }
      },
    },
  );
  await assert.rejects(job, (e: unknown) => e instanceof OctetError && e.code === 'CANCELLED');
  assert.ok(sawEta);
});

test('per-job temp folders of a dead host are swept; a live process keeps its own', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'octet-sweep-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited before we look
  const parent = process.ppid; // alive while this test runs
  for (const n of [`octet-job-${dead}-abc`, `octet-job-${parent}-def`, `octet-job-${process.pid}-ghi`, 'octet-job-Xy12zz', 'other']) mkdirSync(join(root, n));
  assert.deepEqual(await sweepStaleJobDirs(root), [`octet-job-${dead}-abc`]);
  assert.deepEqual(readdirSync(root).sort(), [`octet-job-${parent}-def`, `octet-job-${process.pid}-ghi`, 'octet-job-Xy12zz', 'other'].sort());
});
