import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/util/fixtures';
import { lockOutput } from './atomicWrite';

test('lockOutput: a lock whose owner has not written its pid yet is busy, not taken over; a dead owner is', async (t) => {
  const dir = tempDir(t, 'octet-lock-');
  const out = join(dir, 'm.onnx');
  const lock = join(dir, '.octet-tmp-lock-m.onnx');
  // Created empty, the pid (this live process) written 50 ms later, as a starting job does.
  writeFileSync(lock, '');
  setTimeout(() => writeFileSync(lock, String(process.pid)), 50);
  await assert.rejects(lockOutput(out), (e: Error & { code?: string }) => e.code === 'OUTPUT_BUSY');
  // A pid no process has: taken over.
  writeFileSync(lock, '999999999');
  const unlock = await lockOutput(out);
  await unlock();
});
