import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PathGuard } from './paths';
import { OctetError } from '../../shared/errors';

function sandbox(t: { after: (fn: () => void) => void }) {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'octet-paths-')));
  t.after(() => rmSync(top, { recursive: true, force: true }));
  const root = join(top, 'root');
  const ro = join(top, 'readonly');
  const outside = join(top, 'outside');
  for (const d of [root, ro, outside, join(root, 'sub')]) mkdirSync(d);
  writeFileSync(join(root, 'model.onnx'), 'x');
  writeFileSync(join(ro, 'demo.onnx'), 'x');
  writeFileSync(join(outside, 'secret.onnx'), 'x');
  return { top, root, ro, outside };
}

const denied = (e: unknown) => e instanceof OctetError && e.code === 'PATH_DENIED' && /outside the files and folders/.test(e.message);

test('reads inside a root, and nothing outside it, also through ..', async (t) => {
  const { root, ro, outside } = sandbox(t);
  const { guard } = await PathGuard.create([
    { path: root, writable: true },
    { path: ro, writable: false },
  ]);
  assert.equal(await guard.read(join(root, 'model.onnx')), join(root, 'model.onnx'));
  assert.equal(await guard.read(join(root, 'sub', '..', 'model.onnx')), join(root, 'model.onnx'));
  assert.equal(await guard.read(join(ro, 'demo.onnx')), join(ro, 'demo.onnx'));
  await assert.rejects(guard.read(join(outside, 'secret.onnx')), denied);
  await assert.rejects(guard.read(join(root, '..', 'outside', 'secret.onnx')), denied);
  await assert.rejects(guard.read('/etc/passwd'), denied);
  // A root's name as a prefix of another folder is not that root.
  mkdirSync(`${root}2`);
  writeFileSync(join(`${root}2`, 'm.onnx'), 'x');
  await assert.rejects(guard.read(join(`${root}2`, 'm.onnx')), denied);
});

test('relative paths resolve against the base folder', async (t) => {
  const { root } = sandbox(t);
  const { guard } = await PathGuard.create([{ path: root, writable: true }], root);
  assert.equal(await guard.read('model.onnx'), join(root, 'model.onnx'));
  await assert.rejects(guard.read('../outside/secret.onnx'), denied);
});

test('a symlink inside a root that points outside does not escape', async (t) => {
  const { root, outside } = sandbox(t);
  symlinkSync(join(outside, 'secret.onnx'), join(root, 'link.onnx'));
  symlinkSync(outside, join(root, 'linkdir'));
  symlinkSync(join(root, 'model.onnx'), join(root, 'inner.onnx'));
  const { guard } = await PathGuard.create([{ path: root, writable: true }]);
  await assert.rejects(guard.read(join(root, 'link.onnx')), denied);
  await assert.rejects(guard.read(join(root, 'linkdir', 'secret.onnx')), denied);
  await assert.rejects(guard.writableDir(join(root, 'linkdir')), denied);
  assert.equal(await guard.read(join(root, 'inner.onnx')), join(root, 'model.onnx'));
  // Listing hides links that lead out.
  const listing = await guard.list(root);
  assert.deepEqual(listing.entries.map((e) => e.name).sort(), ['inner.onnx', 'model.onnx', 'sub']);
});

test('missing files: "not found" inside a root, "outside" elsewhere (reveals nothing)', async (t) => {
  const { root, outside } = sandbox(t);
  const { guard } = await PathGuard.create([{ path: root, writable: true }]);
  await assert.rejects(
    guard.read(join(root, 'nope.onnx'), 'MODEL_NOT_FOUND', 'model'),
    (e: unknown) => e instanceof OctetError && e.code === 'MODEL_NOT_FOUND',
  );
  await assert.rejects(guard.read(join(outside, 'nope.onnx'), 'MODEL_NOT_FOUND'), denied);
});

test('writes only into writable roots, never through a symlinked file name', async (t) => {
  const { root, ro, outside } = sandbox(t);
  const { guard } = await PathGuard.create([
    { path: root, writable: true },
    { path: ro, writable: false },
  ]);
  assert.equal(await guard.writableFile(root, 'out.onnx'), join(root, 'out.onnx'));
  await assert.rejects(guard.writableFile(ro, 'out.onnx'), denied);
  await assert.rejects(guard.writableFile(outside, 'out.onnx'), denied);
  await assert.rejects(guard.writableFile(root, '../out.onnx'), (e: unknown) => e instanceof OctetError && e.code === 'BAD_USAGE');
  symlinkSync(join(outside, 'secret.onnx'), join(root, 'trap.onnx'));
  await assert.rejects(guard.writableFile(root, 'trap.onnx'), (e: unknown) => e instanceof OctetError && e.code === 'OUTPUT_UNWRITABLE');
});

test('Electron-style grants: a picked file allows that file only, a picked folder its contents', async (t) => {
  const { root, outside } = sandbox(t);
  const { guard } = await PathGuard.create([]);
  await assert.rejects(guard.read(join(root, 'model.onnx')), denied);
  await guard.grant(join(root, 'model.onnx'), { dir: false, writable: false });
  assert.equal(await guard.read(join(root, 'model.onnx')), join(root, 'model.onnx'));
  await assert.rejects(guard.read(join(root, 'sub')), denied);
  await assert.rejects(guard.writableDir(root), denied);
  await guard.grant(outside, { dir: true, writable: true });
  assert.equal(await guard.writableFile(outside, 'x.onnx'), join(outside, 'x.onnx'));
});
