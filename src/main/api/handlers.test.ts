import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupApi } from './setup';
import { dispatch } from './handlers';
import { countMatches } from '../onnx/facts';
import type { ApiMethod, ApiReply } from '../../shared/api';
import { writeSynthetic } from '../../../test/util/synthetic';

async function api(t: { after: (fn: () => void) => void }, mode: 'browser' | 'electron' = 'browser') {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'octet-api-')));
  const root = join(top, 'root');
  const outside = join(top, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const setup = await setupApi({ mode, roots: mode === 'browser' ? [{ path: root, writable: true }] : [], stateDir: join(top, 'state') });
  t.after(() => {
    setup.close();
    rmSync(top, { recursive: true, force: true });
  });
  const call = <M extends string>(method: M, params?: unknown) =>
    dispatch(setup.handlers, method, params) as Promise<M extends ApiMethod ? ApiReply<M> : ApiReply>;
  return { top, root, outside, setup, call };
}

const fails = (r: ApiReply, code: string, re?: RegExp) => {
  assert.equal(r.ok, false, JSON.stringify(r));
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  if (re) assert.match(r.error.message, re);
  assert.equal(r.error.detail, undefined, 'no stack traces cross the transport');
};

test('dispatch validates the method and every argument at run time', async (t) => {
  const { call } = await api(t);
  fails(await call('nope', {}), 'BAD_USAGE', /Unknown method/);
  fails(await call('__proto__', {}), 'BAD_USAGE', /Unknown method/);
  fails(await call('inspectModel', {}), 'BAD_USAGE', /path/);
  fails(await call('inspectModel', { path: 42 }), 'BAD_USAGE');
  fails(await call('inspectModel', { path: 'a.onnx', extra: 1 }), 'BAD_USAGE', /unknown key "extra"/);
  fails(await call('startJob', { kind: 'format-disk', params: {} }), 'BAD_USAGE');
  fails(await call('startJob', { kind: 'quantize', params: { model: 'm.onnx', data: 'mnist', recipe: { act_algo: 'magic' } } }), 'RECIPE_INVALID', /act_algo/);
  fails(await call('startJob', { kind: 'quantize', params: { model: 'm.onnx', data: 'mnist', output: '/etc/x' } }), 'BAD_USAGE', /unknown key "output"/);
  fails(await call('previewData', { model: 'm.onnx', data: 'mnist', count: 10_000 }), 'BAD_USAGE', /count/);
  fails(
    await call('exportArtifacts', {
      jobId: 'x',
      folder: '.',
      baseName: '../evil',
      include: { model: true, recipe: false, reportJson: false, reportHtml: false },
    }),
    'BAD_USAGE',
    /baseName/,
  );
  const caps = await call('capabilities');
  assert.ok(caps.ok && caps.result.mode === 'browser');
});

test('paths outside the roots are refused, also through a symlink; the demo model is allowed', async (t) => {
  const { root, outside, call, setup } = await api(t);
  const f = writeSynthetic(outside, 'transformerBlock', 4);
  fails(await call('inspectModel', { path: f.model }), 'PATH_DENIED', /outside/);
  symlinkSync(f.model, join(root, 'link.onnx'));
  fails(await call('listNodes', { model: join(root, 'link.onnx') }), 'PATH_DENIED', /outside/);
  fails(await call('listNodes', { model: join(root, '..', 'outside', 'transformerBlock.onnx') }), 'PATH_DENIED', /outside/);
  fails(await call('startJob', { kind: 'quantize', params: { model: setup.host.demoModel, data: f.data } }), 'PATH_DENIED', /outside/);
  fails(await call('listNodes', { model: join(root, 'missing.onnx') }), 'MODEL_NOT_FOUND');
  // A bench's labels CSV is a path like any other: the user must have chosen it.
  const labels = join(outside, 'labels.csv');
  writeFileSync(labels, 'sample,label\n0,1\n');
  const bench = { fp32: setup.host.demoModel, int8: setup.host.demoModel, data: 'mnist' };
  fails(await call('startJob', { kind: 'bench', params: { ...bench, labels } }), 'PATH_DENIED', /outside/);
  fails(await call('startJob', { kind: 'bench', params: { ...bench, batches: [] } }), 'BAD_USAGE', /batches/);
  fails(await call('startJob', { kind: 'bench', params: { ...bench, throughputThreads: [0] } }), 'BAD_USAGE', /throughputThreads/);
  const demo = await call('demoDefaults');
  assert.ok(demo.ok);
  if (demo.result.available) {
    const nodes = await call('listNodes', { model: demo.result.model });
    assert.ok(nodes.ok && nodes.result.nodes.length > 0);
  }
});

test('listNodes names unnamed nodes like the engine; countRuleMatches counts hits and precedence', async (t) => {
  const { root, call } = await api(t);
  const f = writeSynthetic(root, 'transformerBlock', 4);
  const r = await call('listNodes', { model: f.model });
  assert.ok(r.ok);
  const nodes = r.result.nodes;
  assert.ok(nodes.every((n) => n.name.length > 0));
  assert.equal(new Set(nodes.map((n) => n.name)).size, nodes.length, 'names are unique');
  const matmuls = nodes.filter((n) => n.opType === 'MatMul');
  assert.ok(matmuls.length > 0);
  const c = await call('countRuleMatches', { model: f.model, keys: ['MatMul', `name:${matmuls[0].name}`, 're:.*', '(', 'NoSuchOp'] });
  assert.ok(c.ok);
  const [type, name, all, bad, none] = c.result.rules;
  assert.equal(type.kind, 'type');
  assert.equal(type.matches, matmuls.length);
  assert.equal(type.wins, 0, 'the regex outranks the type everywhere');
  assert.equal(name.matches, 1);
  assert.equal(name.wins, 1);
  assert.equal(all.matches, nodes.length);
  assert.equal(all.wins, nodes.length - 1);
  assert.match(bad.error ?? '', /bad regex/);
  assert.equal(none.kind, 'none');
  assert.equal(none.matches, 0);
});

test('countMatches: later keys of equal rank win, as resolveNodeRule applies them', () => {
  const nodes = [
    { name: 'a', opType: 'Conv' },
    { name: 'b', opType: 'Gemm' },
  ];
  const [conv, linear, conv2d] = countMatches(nodes, ['Conv', 'Linear', 'Conv2d']);
  assert.deepEqual([conv.matches, conv.wins], [1, 0]);
  assert.deepEqual([linear.matches, linear.wins], [1, 1]);
  assert.deepEqual([conv2d.matches, conv2d.wins], [1, 1]);
});

test('previewData draws the built-in digits as PNGs, with labels', async (t) => {
  const { call, setup } = await api(t);
  const demo = await call('demoDefaults');
  if (!demo.ok || !demo.result.available) return t.skip('demo model not built');
  const r = await call('previewData', { model: setup.host.demoModel, data: 'mnist', count: 4 });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.result.samples.length, 4);
  for (const s of r.result.samples) {
    assert.match(s.png ?? '', /^data:image\/png;base64,/);
    assert.equal(s.width, 28);
    assert.ok(s.label !== undefined && s.label >= 0 && s.label <= 9);
  }
  fails(await call('previewData', { model: setup.host.demoModel, data: 'mnist', preprocess: { mean: [0.5] } }), 'BAD_USAGE', /folders of images only/);
});

test('exportArtifacts needs a finished convert job; browse and pickPath belong to their modes', async (t) => {
  const { root, call } = await api(t);
  fails(
    await call('exportArtifacts', { jobId: 'nope', folder: root, baseName: 'm', include: { model: true, recipe: true, reportJson: true, reportHtml: true } }),
    'BAD_USAGE',
    /no convert job/,
  );
  fails(await call('getJob', { jobId: 'nope' }), 'BAD_USAGE');
  fails(await call('pickPath', { purpose: 'model' }), 'BAD_USAGE', /browser mode/);
  writeFileSync(join(root, 'a.onnx'), 'x');
  const b = await call('browse', { dir: root });
  assert.ok(b.ok && b.result.entries.some((e) => e.name === 'a.onnx'));
  const roots = await call('browse', {});
  assert.ok(roots.ok && roots.result.entries.some((e) => e.path === root));
  fails(await call('browse', { dir: '/' }), 'PATH_DENIED', /outside/);
});

test('electron mode: nothing is readable until picked; browse is refused', async (t) => {
  const { outside, call, setup } = await api(t, 'electron');
  writeFileSync(join(outside, 'm.onnx'), 'x');
  fails(await call('listNodes', { model: join(outside, 'm.onnx') }), 'PATH_DENIED', /outside/);
  fails(await call('browse', {}), 'BAD_USAGE', /browser mode/);
  await setup.host.guard.grant(join(outside, 'm.onnx'), { dir: false, writable: false });
  fails(await call('listNodes', { model: join(outside, 'm.onnx') }), 'MODEL_UNREADABLE');
});

test('settings: saveSettings keeps the last recipe; recent models come only from opened models', async (t) => {
  const { top, root, call } = await api(t);
  fails(await call('saveSettings', { recentModels: ['/etc/passwd'] }), 'BAD_USAGE', /unknown key/);
  fails(await call('saveSettings', { lastRecipe: { w_dtype: 'int4' } }), 'RECIPE_INVALID');
  const s = await call('saveSettings', { lastRecipe: { act_algo: 'kl' }, lastData: { spec: 'mnist' } });
  assert.ok(s.ok);
  const onDisk = JSON.parse(readFileSync(join(top, 'state', 'settings.json'), 'utf8'));
  assert.equal(onDisk.lastRecipe.act_algo, 'kl');
  assert.deepEqual(onDisk.recentModels, []);
  const f = writeSynthetic(root, 'transformerBlock', 4);
  const inspected = await call('inspectModel', { path: f.model });
  assert.ok(inspected.ok, JSON.stringify(inspected));
  const r = await call('recent');
  assert.ok(r.ok);
  assert.deepEqual(r.result.recentModels, [f.model]);
  assert.equal(r.result.lastRecipe?.act_algo, 'kl');
});
