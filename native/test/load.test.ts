import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as native from '../index';
import { OctetError } from '../../src/shared/errors';
import { gaussian } from './reference';

test('addonCandidates: env override first, then beside the facade, dist/ layout, Electron resources', () => {
  const saved = process.env.OCTET_NATIVE_PATH;
  // Electron's types declare resourcesPath as always present; under Node it is not.
  const proc = process as unknown as { resourcesPath?: string };
  const savedRes = proc.resourcesPath;
  try {
    process.env.OCTET_NATIVE_PATH = 'custom/octet.node';
    proc.resourcesPath = '/opt/Octet/resources';
    const c = native.addonCandidates();
    const dir = path.resolve(__dirname, '..');
    assert.deepEqual(c, [
      path.resolve('custom/octet.node'),
      path.join(dir, 'build', 'Release', 'octet_native.node'),
      path.join(dir, '..', 'native', 'build', 'Release', 'octet_native.node'),
      path.join('/opt/Octet/resources', 'app.asar.unpacked', 'native', 'build', 'Release', 'octet_native.node'),
    ]);
    delete process.env.OCTET_NATIVE_PATH;
    delete proc.resourcesPath;
    assert.equal(native.addonCandidates().length, 2);
  } finally {
    if (saved === undefined) delete process.env.OCTET_NATIVE_PATH;
    else process.env.OCTET_NATIVE_PATH = saved;
    if (savedRes === undefined) delete proc.resourcesPath;
    else proc.resourcesPath = savedRes;
  }
});

test('loadAddon: a missing addon throws OctetError NATIVE_MISSING with the fix and every path tried', () => {
  const bogus = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'octet-native-')), 'octet_native.node');
  fs.writeFileSync(bogus, 'not a shared library');
  const tried = ['/nonexistent/a/octet_native.node', bogus];
  assert.throws(
    () => native.loadAddon(tried),
    (e: unknown) =>
      e instanceof OctetError &&
      e.code === 'NATIVE_MISSING' &&
      e.message === 'The native addon is not built: run `npm run build:native` (see README, Troubleshooting)' &&
      typeof e.detail === 'string' &&
      e.detail.includes('/nonexistent/a/octet_native.node: not found') &&
      e.detail.includes(`${bogus}: `),
  );
  fs.rmSync(path.dirname(bogus), { recursive: true, force: true });
});

test('cpuFeatures reports the CPU and the kernel in use', () => {
  const f = native.cpuFeatures();
  for (const key of ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vnni', 'avxvnni'] as const) assert.equal(typeof f[key], 'boolean');
  assert.ok(Number.isInteger(f.hardwareThreads) && f.hardwareThreads >= 1);
  assert.ok(['avx512', 'avx2', 'scalar'].includes(f.kernel));
  assert.equal(f.kernel, f.bestKernel);
  if (f.kernel === 'avx512') assert.ok(f.avx512f && f.avx512bw);
  if (f.kernel === 'avx2') assert.ok(f.avx2 && f.fma && !(f.avx512f && f.avx512bw));
  assert.equal(native.setKernel('scalar'), 'scalar');
  assert.equal(native.cpuFeatures().kernel, 'scalar');
  assert.equal(native.setKernel('auto'), f.bestKernel);
  if (!f.avx512f || !f.avx512bw) assert.throws(() => native.setKernel('avx512'), RangeError);
  assert.throws(() => native.setKernel('sse' as 'scalar'), TypeError);
});

test('setThreads: 1 thread gives the same results; invalid counts are rejected', () => {
  const a = gaussian(3_000_000, 77);
  const before = native.minMax(a);
  const q = native.quantizeWeights(a, [3000, 1000], { dtype: 'int8', symmetric: true, axis: 1 });
  const h = new native.Histogram(512);
  h.update(a);
  const hw = native.cpuFeatures().hardwareThreads;
  try {
    native.setThreads(1);
    assert.equal(native.cpuFeatures().threads, 1);
    assert.deepEqual(native.minMax(a), before);
    assert.deepEqual(native.quantizeWeights(a, [3000, 1000], { dtype: 'int8', symmetric: true, axis: 1 }), q);
    const h1 = new native.Histogram(512);
    h1.update(a);
    assert.deepEqual(h1.counts(), h.counts());
    native.setThreads(7); // more threads than cores is allowed
    assert.deepEqual(native.minMax(a), before);
  } finally {
    native.setThreads(hw);
  }
  assert.throws(() => native.setThreads(0), RangeError);
  assert.throws(() => native.setThreads(2.5), RangeError);
  assert.throws(() => native.setThreads('2' as unknown as number), TypeError);
});
