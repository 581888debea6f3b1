// Hostile models and data folders against the main process (issue 10, "Hostile input", items 2,
// 3, 4, 6 and 7): what a model or a folder declares must not make Octet hang or allocate without
// bound, and must not lead it outside the allowed folders. Every model is built here with the
// repo's builder; every case ends in a clear error (an OctetError code and a sentence) or a
// correct answer, within a time and memory bound. See docs/security.md, "Model limits".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { onnx } from '../../src/main/onnx/proto/onnx';
import { ModelBuilder } from '../../src/main/onnx/builder';
import { nameNodes } from '../../src/main/onnx/graph';
import { makeTensor } from '../../src/main/onnx/tensor';
import { decodeModel, encodeModel, loadModel, readFully } from '../../src/main/onnx/model';
import { modelInputs } from '../../src/main/data/modelInputs';
import { MATCH_BUDGET, modelFacts, ruleMatches } from '../../src/main/api/modelFacts';
import { countMatches } from '../../src/main/onnx/facts';
import { setupApi } from '../../src/main/api/setup';
import { dispatch } from '../../src/main/api/handlers';
import { JobManager } from '../../src/main/jobs/jobManager';
import { openImageFolder } from '../../src/main/data/images';
import { OctetError } from '../../src/shared/errors';
import type { ApiMethod, ApiReply } from '../../src/shared/api';
import {
  declaredInputModel,
  externalConstantModel,
  externalSubgraphModel,
  externalTensor,
  externalWeightsModel,
  manyUnnamedNodes,
} from '../util/hostileModels';

type T = { after: (fn: () => void) => void };

function tempDir(t: T, prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real API in browser mode with one --root, as `octet serve --root ROOT` would have it. */
async function api(t: T) {
  const top = tempDir(t, 'octet-hostile-model-');
  const root = join(top, 'root');
  const outside = join(top, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const setup = await setupApi({ mode: 'browser', roots: [{ path: root, writable: true }], stateDir: join(top, 'state') });
  t.after(() => setup.close());
  const call = <M extends ApiMethod>(method: M, params: unknown) => dispatch(setup.handlers, method, params) as Promise<ApiReply<M>>;
  return { top, root, outside, setup, call };
}

function fails(r: ApiReply, code: string, re?: RegExp): string {
  assert.equal(r.ok, false, `expected ${code}, got ${JSON.stringify(r).slice(0, 300)}`);
  if (r.ok) return '';
  assert.equal(r.error.code, code, r.error.message);
  if (re) assert.match(r.error.message, re);
  assert.ok(!r.error.message.includes('\n'), 'one sentence, no stack');
  return r.error.message;
}

const rejectsWith = (p: Promise<unknown>, code: string, re: RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof OctetError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });

/** Largest gap between ticks of a 10 ms timer while `fn` runs: how deaf the main process was. */
async function eventLoopGap<R>(fn: () => Promise<R>): Promise<{ result: R; gapMs: number; ms: number }> {
  let last = performance.now();
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 10);
  const start = performance.now();
  try {
    const result = await fn();
    return { result, gapMs: Math.max(gapMs, performance.now() - last), ms: performance.now() - start };
  } finally {
    clearInterval(timer);
  }
}

const MiB = 2 ** 20;
const rssMiB = () => process.memoryUsage().rss / MiB;

/** n nodes with one op type, one output name and no name: the worst case for a search from _1. */
function unnamedGraph(n: number): onnx.GraphProto {
  const io = { input: ['x'], output: ['y'] };
  return onnx.GraphProto.create({ node: Array.from({ length: n }, () => onnx.NodeProto.create({ opType: 'Relu', ...io })) });
}

function timeNaming(graph: onnx.GraphProto): number {
  const start = performance.now();
  nameNodes(graph);
  return performance.now() - start;
}

test('item 2: naming a million unnamed nodes takes linear time (it was quadratic: 20k nodes took 17 s)', { timeout: 120_000 }, () => {
  const small = timeNaming(unnamedGraph(100_000));
  const n = 1_000_000;
  const graph = unnamedGraph(n);
  graph.node[5].name = 'Relu_y_3'; // a name already taken in the middle of the sequence is skipped
  const ms = timeNaming(graph);
  // About 1 s on an idle 2-core machine (a million Set insertions); a quadratic search would
  // need ~5·10^11 lookups. The bounds are loose because the test machine may be busy.
  assert.ok(ms < 20_000, `nameNodes took ${ms.toFixed(0)} ms for ${n} nodes`);
  assert.ok(ms / Math.max(small, 20) < 40, `10x the nodes took ${(ms / small).toFixed(1)}x the time (${small.toFixed(0)} → ${ms.toFixed(0)} ms): not linear`);
  assert.deepEqual(
    graph.node.slice(0, 7).map((x) => x.name),
    ['Relu_y', 'Relu_y_1', 'Relu_y_2', 'Relu_y_4', 'Relu_y_5', 'Relu_y_3', 'Relu_y_6'],
  );
  assert.equal(new Set(graph.node.map((x) => x.name)).size, n, 'every name is unique');
});

test(
  'item 2: a 2 MB model with a million unnamed nodes is read off the main process and refused with a clear error; the main process stays responsive',
  { timeout: 120_000 },
  async (t) => {
    const { root, call } = await api(t);
    const file = join(root, 'million.onnx');
    writeFileSync(file, manyUnnamedNodes(1_000_000));
    const { result, gapMs, ms } = await eventLoopGap(() => call('listNodes', { model: file }));
    fails(result, 'MODEL_UNSUPPORTED', /1000001 nodes.*at most 250000 nodes/);
    assert.ok(gapMs < 2000, `the main event loop stalled for ${gapMs.toFixed(0)} ms`);
    assert.ok(ms < 60_000, `took ${ms.toFixed(0)} ms`);
    // The same for the Rules step and the data preview, which ask for the same facts.
    fails(await call('countRuleMatches', { model: file, keys: ['Relu'] }), 'MODEL_UNSUPPORTED', /at most/);
    fails(await call('previewData', { model: file, data: 'mnist', count: 1 }), 'MODEL_UNSUPPORTED', /at most/);
  },
);

test('item 2: the facts job is bounded in time: a worker that takes too long is stopped with a clear error', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'octet-hostile-facts-');
  const file = join(dir, 'slow.onnx');
  writeFileSync(file, manyUnnamedNodes(10));
  const jobs = new JobManager();
  t.after(() => jobs.shutdown());
  const run = (spec: Parameters<JobManager['runSide']>[0], o: { signal: AbortSignal }) => jobs.runSide(spec, o) as never;
  await rejectsWith(modelFacts(file, run, { maxNodes: 100, timeoutMs: 1 }), 'MODEL_UNSUPPORTED', /took more than 0 s; the worker was stopped/);
  const ok = await modelFacts(file, run, { maxNodes: 100, timeoutMs: 60_000 });
  assert.equal(ok.nodes.length, 11);
  assert.deepEqual(ok.feeds, [{ name: 'x', type: 'float32', dims: [1, 4] }]);
});

test('item 2: counting rule matches over many nodes and keys runs in a worker, with the same answer', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'octet-hostile-rules-');
  const file = join(dir, 'rules.onnx');
  writeFileSync(file, manyUnnamedNodes(20_000));
  const jobs = new JobManager();
  t.after(() => jobs.shutdown());
  let jobsRun = 0;
  const run = (spec: Parameters<JobManager['runSide']>[0], o: { signal: AbortSignal }) => {
    jobsRun++;
    return jobs.runSide(spec, o) as never;
  };
  const keys = Array.from({ length: 500 }, (_, i) => `re:_node_${i}.*`);
  const facts = await modelFacts(file, run);
  assert.ok(facts.nodes.length * 8 * keys.length > MATCH_BUDGET, 'the case is over the main-process budget');
  const { result, gapMs } = await eventLoopGap(() => ruleMatches(file, keys, run));
  assert.equal(jobsRun, 2, 'one facts job, one matching job');
  assert.ok(gapMs < 2000, `the main event loop stalled for ${gapMs.toFixed(0)} ms`);
  assert.equal(result.total, 20_001);
  assert.deepEqual(result.rules, countMatches(facts.nodes, keys));
  // A few keys stay in the main process (no job).
  assert.deepEqual((await ruleMatches(file, ['Relu'], run)).rules[0].matches, 1);
  assert.equal(jobsRun, 2);
});

// --- external data (items 3 and 7) ---

test('item 3: 25 tensors on one 8 MB file are refused before anything is read; the facts path reads no weights at all', { timeout: 60_000 }, async (t) => {
  const { root, call } = await api(t);
  const dir = join(root, 'shared-file');
  mkdirSync(dir);
  const values = 2 * MiB; // 8 MB of float32
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(values * 4, 1));
  const file = join(dir, 'model.onnx');
  writeFileSync(
    file,
    externalWeightsModel(25, values, 'weights.bin', () => ({ offset: 0 })),
  );
  const before = rssMiB();
  await rejectsWith(loadModel(file), 'EXTERNAL_DATA', /share bytes 0\.\.8388608 of weights\.bin; each external tensor must have its own region/);
  const grew = rssMiB() - before;
  assert.ok(grew < 64, `RSS grew by ${grew.toFixed(0)} MiB (it was 200 MB)`);
  // The Data and Rules steps only need the graph: they answer without reading a weight.
  const nodes = await call('listNodes', { model: file });
  assert.ok(nodes.ok, JSON.stringify(nodes));
  assert.equal(nodes.result.nodes.length, 25);
  // Distinct regions of one file are fine.
  const good = join(dir, 'good.onnx');
  writeFileSync(join(dir, 'four.bin'), Buffer.alloc(4 * 16 * 4, 2));
  writeFileSync(
    good,
    externalWeightsModel(4, 16, 'four.bin', (i) => ({ offset: i * 64, length: 64 })),
  );
  const loaded = await loadModel(good);
  assert.deepEqual(
    loaded.model.graph!.initializer.map((w) => w.rawData.length),
    [64, 64, 64, 64],
  );
});

test('item 3: an offset or length beyond the end of the file, or a length that does not match the dims, is refused', async (t) => {
  const dir = tempDir(t, 'octet-hostile-ext-');
  writeFileSync(join(dir, 'w.bin'), Buffer.alloc(64));
  const at = (name: string, region: { offset: number; length?: number }, values = 16) => {
    writeFileSync(
      join(dir, name),
      externalWeightsModel(1, values, 'w.bin', () => region),
    );
    return loadModel(join(dir, name));
  };
  await rejectsWith(at('past-end.onnx', { offset: 32, length: 64 }), 'EXTERNAL_DATA', /offset\/length 32\/64 exceed w\.bin \(64 bytes\)/);
  await rejectsWith(at('huge.onnx', { offset: 0, length: 2 ** 40 }), 'EXTERNAL_DATA', /exceed/);
  await rejectsWith(at('far-offset.onnx', { offset: 2 ** 50, length: 4 }), 'EXTERNAL_DATA', /exceed/);
  await rejectsWith(at('dims.onnx', { offset: 0, length: 64 }, 4), 'EXTERNAL_DATA', /dims \[4\] \(16 bytes\) but its external data in w\.bin is 64 bytes/);
  await rejectsWith(at('hex.onnx', { offset: 0, length: '0x40' as unknown as number }), 'EXTERNAL_DATA', /length "0x40" is not a whole number of bytes/);
  assert.equal((await at('good.onnx', { offset: 0, length: 64 })).model.graph!.initializer[0].rawData.length, 64);
});

test('item 3: a tensor over the per-tensor cap (2 GiB - 1) and a model over the total cap are refused before allocating', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'octet-hostile-cap-');
  // A sparse 2 GiB + 4 byte file: no disk used, and the claim is consistent (dims match the length).
  const big = join(dir, 'big.bin');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 2 ** 31 + 4);
  closeSync(fd);
  writeFileSync(
    join(dir, 'big.onnx'),
    externalWeightsModel(1, 2 ** 29 + 1, 'big.bin', () => ({ offset: 0 })),
  );
  const before = rssMiB();
  await rejectsWith(loadModel(join(dir, 'big.onnx')), 'EXTERNAL_DATA', /2147483652 bytes of external data; Octet reads at most 2147483647 bytes per tensor/);
  assert.ok(rssMiB() - before < 64, 'nothing was allocated');
  // The total cap, lowered for the test: four 64-byte tensors are 256 bytes.
  writeFileSync(join(dir, 'four.bin'), Buffer.alloc(256));
  writeFileSync(
    join(dir, 'four.onnx'),
    externalWeightsModel(4, 16, 'four.bin', (i) => ({ offset: i * 64, length: 64 })),
  );
  await rejectsWith(
    loadModel(join(dir, 'four.onnx'), { limits: { totalBytes: 255 } }),
    'EXTERNAL_DATA',
    /adds up to 256 bytes over 4 tensors; Octet reads at most 255 bytes in all/,
  );
  assert.equal((await loadModel(join(dir, 'four.onnx'), { limits: { totalBytes: 256 } })).model.graph!.initializer.length, 4);
});

test('item 7: external data is checked on every tensor: a Constant node, a subgraph initializer, a sparse initializer', async (t) => {
  const top = tempDir(t, 'octet-hostile-escape-');
  const dir = join(top, 'model');
  mkdirSync(dir);
  writeFileSync(join(top, 'secret.bin'), Buffer.alloc(8, 7));
  writeFileSync(join(dir, 'ok.bin'), Buffer.from(new Float32Array([3, 4]).buffer));

  writeFileSync(join(dir, 'constant-escape.onnx'), externalConstantModel('../secret.bin'));
  await rejectsWith(loadModel(join(dir, 'constant-escape.onnx')), 'EXTERNAL_DATA', /Tensor 'c' points outside the model folder \(\.\.\/secret\.bin\)/);
  writeFileSync(join(dir, 'constant-ok.onnx'), externalConstantModel('ok.bin'));
  const inlined = (await loadModel(join(dir, 'constant-ok.onnx'))).model.graph!.node[0].attribute[0].t!;
  assert.deepEqual([...new Float32Array(new Uint8Array(inlined.rawData).buffer)], [3, 4], 'a Constant inside the folder is inlined');

  writeFileSync(join(dir, 'subgraph-escape.onnx'), externalSubgraphModel('../secret.bin'));
  await rejectsWith(loadModel(join(dir, 'subgraph-escape.onnx')), 'EXTERNAL_DATA', /Tensor 'w_then' points outside the model folder/);
  writeFileSync(join(dir, 'subgraph-absolute.onnx'), externalSubgraphModel(join(top, 'secret.bin')));
  await rejectsWith(loadModel(join(dir, 'subgraph-absolute.onnx')), 'EXTERNAL_DATA', /points outside the model folder/);

  const b = new ModelBuilder('sparse');
  b.op('Relu', [b.input('x', [2])], {}, 'y');
  b.output('y', [2]);
  const m = b.build();
  m.graph!.sparseInitializer.push(
    onnx.SparseTensorProto.create({ values: externalTensor('s', '../secret.bin', 1), indices: makeTensor('s_idx', new BigInt64Array([0n]), [1]), dims: [2] }),
  );
  writeFileSync(join(dir, 'sparse-escape.onnx'), encodeModel(m));
  await rejectsWith(loadModel(join(dir, 'sparse-escape.onnx')), 'EXTERNAL_DATA', /Tensor 's' points outside the model folder/);
});

test('item 7: external data is read in a loop: short reads are completed, a file that ends early is an error', async () => {
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  const short = {
    read: async (buf: Buffer, off: number, len: number, pos: number) => {
      const n = Math.min(len, 7, data.length - pos); // at most 7 bytes per call, as a read past 2 GiB returns less than asked
      data.copy(buf, off, pos, pos + n);
      return { bytesRead: Math.max(0, n), buffer: buf };
    },
  };
  const got = await readFully(short as never, 100, 900, 'w.bin');
  assert.ok(got.equals(data.subarray(100)));
  await rejectsWith(readFully(short as never, 900, 200, 'w.bin'), 'EXTERNAL_DATA', /w\.bin ended after 1000 bytes, before the 200 bytes its tensor needs/);
});

// --- data preview (item 4), symlinks (item 6), an input named `constructor` (item 7) ---

async function tinyPng(path: string): Promise<void> {
  writeFileSync(
    path,
    await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 200, g: 10, b: 10 } } })
      .png()
      .toBuffer(),
  );
}

function imageModel(path: string, dims: number[], input = 'x'): void {
  writeFileSync(path, declaredInputModel(dims, input));
}

test(
  'item 4: a preview for a declared [1,3,20000,20000] input is refused fast, before anything is read, with bounded memory',
  { timeout: 60_000 },
  async (t) => {
    const { root, call } = await api(t);
    const images = join(root, 'images');
    mkdirSync(images);
    await tinyPng(join(images, 'a.png'));
    const model = join(root, 'huge-input.onnx');
    imageModel(model, [1, 3, 20000, 20000]);
    const before = rssMiB();
    const { result, ms } = await eventLoopGap(() => call('previewData', { model, data: images, count: 1 }));
    const grew = rssMiB() - before;
    fails(result, 'MODEL_UNSUPPORTED', /'x' \[1,3,20000,20000\] holds 1,200,000,000 values per sample; the data preview reads at most 33,554,432/);
    assert.ok(ms < 30_000, `took ${ms.toFixed(0)} ms`);
    assert.ok(grew < 128, `RSS grew by ${grew.toFixed(0)} MiB (20000×20000×3 float32 is 4.8 GB)`);
    // The same input through the image reader (calibration in the worker) is refused before decoding.
    await rejectsWith(
      openImageFolder(images, [{ name: 'x', type: 'float32', dims: [1, 3, 20000, 20000] }]),
      'MODEL_UNSUPPORTED',
      /asks for 20000×20000 images \(400,000,000 pixels\); Octet resizes images to at most 67,108,864 pixels/,
    );
    // A modest input still previews.
    const small = join(root, 'small-input.onnx');
    imageModel(small, [1, 3, 8, 8]);
    const ok = await call('previewData', { model: small, data: images, count: 1 });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.result.samples[0].width, 8);
  },
);

test(
  'item 6: a symlink inside an image folder that leads outside --root is refused for the preview and for jobs; links inside are fine',
  { timeout: 60_000 },
  async (t) => {
    const { root, outside, call } = await api(t);
    await tinyPng(join(outside, 'secret.png'));
    const model = join(root, 'm.onnx');
    imageModel(model, [1, 3, 8, 8]);
    // Flat folder: one real image, one link leading out.
    const flat = join(root, 'flat');
    mkdirSync(flat);
    await tinyPng(join(flat, 'a.png'));
    symlinkSync(join(outside, 'secret.png'), join(flat, 'b.png'));
    const msg = fails(
      await call('previewData', { model, data: flat, count: 2 }),
      'PATH_DENIED',
      /flat\/b\.png is a symbolic link that leads outside the files and folders Octet may use/,
    );
    assert.ok(!msg.includes('secret'), 'the answer does not say where the link leads');
    fails(await call('startJob', { kind: 'quantize', params: { model, data: flat } }), 'PATH_DENIED', /symbolic link/);
    fails(await call('startJob', { kind: 'bench', params: { fp32: model, int8: model, data: flat } }), 'PATH_DENIED', /symbolic link/);
    // Class folders: a link to a folder outside, and a link inside a class folder.
    const classes = join(root, 'classes');
    mkdirSync(join(classes, 'cat'), { recursive: true });
    await tinyPng(join(classes, 'cat', 'a.png'));
    symlinkSync(outside, join(classes, 'dog'));
    fails(await call('previewData', { model, data: classes, count: 1 }), 'PATH_DENIED', /classes\/dog is a symbolic link/);
    rmSync(join(classes, 'dog'));
    symlinkSync(join(outside, 'secret.png'), join(classes, 'cat', 'b.png'));
    fails(await call('previewData', { model, data: classes, count: 1 }), 'PATH_DENIED', /cat\/b\.png is a symbolic link/);
    // Links that stay inside the root are followed as before.
    rmSync(join(classes, 'cat', 'b.png'));
    symlinkSync(join(flat, 'a.png'), join(classes, 'cat', 'b.png'));
    const ok = await call('previewData', { model, data: classes, count: 2 });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.result.count, 2);
  },
);

test("item 7: an input named 'constructor' (an inherited property name) previews", { timeout: 60_000 }, async (t) => {
  const { root, call } = await api(t);
  for (const name of ['constructor', '__proto__']) {
    const model = join(root, `${name}.onnx`);
    imageModel(model, [1, 1, 28, 28], name);
    const r = await call('previewData', { model, data: 'mnist', count: 2 });
    assert.ok(r.ok, `${name}: ${JSON.stringify(r)}`);
    assert.equal(r.result.input.name, name);
    assert.deepEqual(r.result.input.dims, [1, 1, 28, 28]);
    assert.equal(r.result.samples.length, 2);
    // The engine's own reading of the inputs (quantize, bench, tune in the worker) too.
    assert.deepEqual(modelInputs(decodeModel(declaredInputModel([1, 1, 28, 28], name)))[0].dims, [1, 1, 28, 28]);
  }
});
