import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { openDataSource } from './index';
import { embeddingLimits, modelInputs } from './modelInputs';
import { floatToHalf, halfToFloat } from '../onnx/tensor';
import { rejectsWith, tempDir, writeNpy } from '../../../test/util/fixtures';
import { npzBytes, writeNpz } from '../../../test/util/npz';
import { ModelBuilder } from '../onnx/builder';
import { DT } from '../onnx/tensor';
import type { ModelInput } from './types';

const iota = (n: number, from = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => from + i);
const ids = (xs: number[]): BigInt64Array => BigInt64Array.from(xs.map(BigInt));

/** A BERT-like input set: ids and mask [batch, seq] int64, sharing the symbolic dims. */
const BERT: ModelInput[] = [
  { name: 'input_ids', type: 'int64', dims: [null, null], dimNames: ['batch', 'seq'] },
  { name: 'attention_mask', type: 'int64', dims: [null, null], dimNames: ['batch', 'seq'] },
];

function bertArrays(n = 3, seq = 4) {
  return {
    input_ids: { descr: '<i8', shape: [n, seq], data: ids(Array.from({ length: n * seq }, (_, i) => i % 7)) },
    attention_mask: { descr: '<i8', shape: [n, seq], data: ids(Array.from({ length: n * seq }, (_, i) => (i % seq < 3 ? 1 : 0))) },
  };
}

for (const compress of [false, true]) {
  test(`npz (${compress ? 'deflated, np.savez_compressed' : 'stored, np.savez'}): one array per input, rows are samples with a batch dim of 1`, async (t) => {
    const dir = tempDir(t);
    const file = writeNpz(dir, 'd.npz', bertArrays(), { compress });
    const src = await openDataSource(file, BERT);
    assert.equal(src.count, 3);
    assert.equal(src.description, `3 samples from ${file} (input_ids int64 [1,4], attention_mask int64 [1,4])`);
    const s = await src.read(2);
    assert.deepEqual(Object.keys(s.feeds), ['input_ids', 'attention_mask']);
    assert.deepEqual(s.feeds.input_ids.dims, [1, 4]);
    assert.ok(s.feeds.input_ids.data instanceof BigInt64Array);
    assert.deepEqual([...s.feeds.input_ids.data], [1n, 2n, 3n, 4n]);
    assert.deepEqual([...s.feeds.attention_mask.data], [1n, 1n, 1n, 0n]);
    assert.deepEqual(
      src.feeds?.map((f) => [f.name, f.dims, f.arrayShape, f.arrayDtype, f.source]),
      [
        ['input_ids', [1, 4], [3, 4], 'int64', 'array'],
        ['attention_mask', [1, 4], [3, 4], 'int64', 'array'],
      ],
    );
    await src.validate!();
  });
}

test('npz with zip64 extra fields (numpy force_zip64) reads', async (t) => {
  const dir = tempDir(t);
  const file = writeNpz(dir, 'z.npz', bertArrays(2, 3), { zip64: true });
  const src = await openDataSource(file, BERT);
  assert.deepEqual([...(await src.read(1)).feeds.input_ids.data], [3n, 4n, 5n]);
});

test('npz: a corrupt deflated member fails its CRC; not a zip is DATA_UNREADABLE', async (t) => {
  const dir = tempDir(t);
  const bytes = npzBytes(bertArrays(), { compress: true });
  const crcAt = 14; // first local header's CRC field; the central directory's copy is what is checked
  const cenCrc = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 16;
  bytes.writeUInt32LE((bytes.readUInt32LE(cenCrc) ^ 1) >>> 0, cenCrc);
  void crcAt;
  const bad = join(dir, 'bad.npz');
  writeFileSync(bad, bytes);
  await rejectsWith(openDataSource(bad, BERT), 'DATA_UNREADABLE', bad, 'CRC-32');
  const notZip = join(dir, 'n.npz');
  writeFileSync(notZip, Buffer.alloc(100, 7));
  await rejectsWith(openDataSource(notZip, BERT), 'DATA_UNREADABLE', notZip, 'np.savez');
});

test('folder of .npy files named after the inputs', async (t) => {
  const dir = tempDir(t);
  const a = bertArrays(2, 3);
  writeNpy(dir, 'input_ids.npy', a.input_ids);
  writeNpy(dir, 'attention_mask.npy', a.attention_mask);
  const src = await openDataSource(dir, BERT);
  assert.equal(src.count, 2);
  assert.deepEqual([...(await src.read(0)).feeds.attention_mask.data], [1n, 1n, 1n]);
  assert.equal(src.feeds?.[0].origin, join(dir, 'input_ids.npy'));
  // One more file is an extra array, named.
  writeNpy(dir, 'labels.npy', { descr: '<i8', shape: [2], data: ids([0, 1]) });
  await rejectsWith(openDataSource(dir, BERT), 'DATA_UNREADABLE', join(dir, 'labels.npy'), 'not named after a model input', "'input_ids', 'attention_mask'");
});

test('bad data names the input and the array: missing, extra, positional names', async (t) => {
  const dir = tempDir(t);
  const { input_ids } = bertArrays();
  const onlyIds = writeNpz(dir, 'ids.npz', { input_ids });
  await rejectsWith(openDataSource(onlyIds, BERT), 'DATA_UNREADABLE', onlyIds, "no array for input 'attention_mask'", 'int64');
  const extra = writeNpz(dir, 'extra.npz', { ...bertArrays(), token_type: input_ids });
  await rejectsWith(openDataSource(extra, BERT), 'DATA_UNREADABLE', `${extra} array 'token_type'`, 'not named after a model input');
  const positional = writeNpz(dir, 'pos.npz', { arr_0: input_ids, arr_1: input_ids });
  await rejectsWith(openDataSource(positional, BERT), 'DATA_UNREADABLE', "array 'arr_0'", 'np.savez(path, input_ids=…, attention_mask=…)');
});

test('bad data: wrong dtype, wrong rank, wrong static dim, sample counts that differ', async (t) => {
  const dir = tempDir(t);
  const a = bertArrays();
  const floatIds = writeNpz(dir, 'f.npz', { ...a, input_ids: { descr: '<f4', shape: [3, 4], data: iota(12) } });
  await rejectsWith(openDataSource(floatIds, BERT), 'DATA_UNREADABLE', `${floatIds} array 'input_ids'`, "is float32 but input 'input_ids' takes int64");
  const rank = writeNpz(dir, 'r.npz', { ...a, attention_mask: { descr: '<i8', shape: [3, 2, 2, 1], data: ids(new Array(12).fill(1)) } });
  await rejectsWith(
    openDataSource(rank, BERT),
    'SHAPE_MISMATCH',
    `${rank} array 'attention_mask'`,
    'samples of rank 3',
    "input 'attention_mask' [batch,seq] has rank 2",
  );
  const fixed: ModelInput[] = [{ name: 'x', type: 'float32', dims: [null, 8] }];
  const seven = writeNpz(dir, 's.npz', { x: { descr: '<f4', shape: [2, 7], data: iota(14) } });
  await rejectsWith(openDataSource(seven, fixed), 'SHAPE_MISMATCH', `${seven} array 'x'`, "input 'x' is [?,8]: dim 1 must be 8, not 7");
  const counts = writeNpz(dir, 'c.npz', { ...a, attention_mask: { descr: '<i8', shape: [2, 4], data: ids(new Array(8).fill(1)) } });
  await rejectsWith(openDataSource(counts, BERT), 'DATA_UNREADABLE', 'different numbers of samples', "array 'input_ids' 3", "array 'attention_mask' 2");
  // Inputs that share a symbolic dim must agree on it.
  const seq = writeNpz(dir, 'q.npz', { ...a, attention_mask: { descr: '<i8', shape: [3, 5], data: ids(new Array(15).fill(1)) } });
  await rejectsWith(openDataSource(seq, BERT), 'SHAPE_MISMATCH', "symbolic dim 'seq' is 4", 'but 5', "input 'attention_mask' dim 1");
});

test('bad data: NaN/Inf in a float input names the input, the array and the sample (read and validate)', async (t) => {
  const dir = tempDir(t);
  const x: ModelInput[] = [
    { name: 'x', type: 'float32', dims: [null, 3] },
    { name: 'scale', type: 'float32', dims: [1] },
  ];
  const file = writeNpz(dir, 'n.npz', {
    x: { descr: '<f4', shape: [2, 3], data: Float32Array.from([0, 1, 2, 3, NaN, 5]) },
    scale: { descr: '<f4', shape: [2], data: Float32Array.from([1, 2]) },
  });
  const src = await openDataSource(file, x);
  assert.deepEqual((await src.read(0)).feeds.scale.dims, [1], 'a 1-D array gives one value per sample (rank-1 input: batch of 1)');
  await rejectsWith(src.read(1), 'DATA_NOT_FINITE', `${file} array 'x' (input 'x') sample 1 holds NaN at element 1`);
  await rejectsWith(src.validate!(), 'DATA_NOT_FINITE', "input 'x'", 'sample 1');
  const scalar: ModelInput[] = [{ name: 'sr', type: 'int64', dims: [] }];
  const sr = writeNpz(dir, 'sr.npz', { sr: { descr: '<i8', shape: [2], data: ids([16000, 8000]) } });
  const s = await (await openDataSource(sr, scalar)).read(1);
  assert.deepEqual(s.feeds.sr.dims, [], 'a 1-D array gives scalar samples for a scalar input');
  assert.deepEqual([...s.feeds.sr.data], [8000n]);
});

test('bad data: token ids out of the embedding table, found from the Gather that reads the input', async (t) => {
  const dir = tempDir(t);
  const b = new ModelBuilder('emb', 13);
  b.input('input_ids', ['batch', 'seq'], DT.INT64);
  const table = b.init('word_embeddings', iota(10 * 4), [10, 4]);
  const cast = b.op('Cast', ['input_ids'], { to: DT.INT64 });
  const g = b.op('Gather', [table, cast], { axis: 0 }, 'out');
  void g;
  b.output('out', ['batch', 'seq', 4]);
  const model = b.build();
  const limits = embeddingLimits(model);
  assert.deepEqual(limits, { input_ids: { rows: 10, table } });
  const inputs = modelInputs(model);
  assert.deepEqual(inputs, [{ name: 'input_ids', type: 'int64', dims: [null, null], dimNames: ['batch', 'seq'] }]);
  const file = writeNpz(dir, 'ids.npz', { input_ids: { descr: '<i8', shape: [2, 3], data: ids([1, 2, 3, 4, 10, 0]) } });
  const src = await openDataSource(file, inputs, { idLimits: limits });
  assert.deepEqual([...(await src.read(0)).feeds.input_ids.data], [1n, 2n, 3n]);
  await rejectsWith(src.read(1), 'DATA_UNREADABLE', `${file} array 'input_ids' sample 1 element 1 is 10`, `table '${table}', which has 10 rows`);
  await rejectsWith(src.validate!(), 'DATA_UNREADABLE', 'is 10, out of range');
  const neg = writeNpz(dir, 'neg.npz', { input_ids: { descr: '<i8', shape: [1, 2], data: ids([-1, 0]) } });
  await rejectsWith((await openDataSource(neg, inputs, { idLimits: limits })).read(0), 'DATA_UNREADABLE', 'is -1, out of range');
});

test('recurrent states left out of the data are fed zeros and said so; other inputs are an error', async (t) => {
  const dir = tempDir(t);
  const inputs: ModelInput[] = [
    { name: 'audio', type: 'float32', dims: [null, 5], dimNames: ['batch', undefined] },
    { name: 'h', type: 'float32', dims: [2, null, 3], dimNames: [undefined, 'batch', undefined] },
    { name: 'c_state', type: 'float16', dims: [1, 3] },
  ];
  const file = writeNpz(dir, 'a.npz', { audio: { descr: '<f4', shape: [4, 5], data: iota(20) } });
  const src = await openDataSource(file, inputs);
  assert.deepEqual(src.notes, [
    "input 'h' is not in the data: fed zeros [2,1,3] (a recurrent state's initial value)",
    "input 'c_state' is not in the data: fed zeros [1,3] (a recurrent state's initial value)",
  ]);
  const s = await src.read(3);
  assert.deepEqual(Object.keys(s.feeds), ['audio', 'h', 'c_state']);
  assert.deepEqual(s.feeds.h.dims, [2, 1, 3]);
  assert.ok(s.feeds.h.data.every((v) => v === 0));
  assert.ok(s.feeds.c_state.data instanceof Uint16Array);
  assert.match(src.description, /h zeros float32 \[2,1,3\]/);
  // An int input named like a state is not a state; nor is a float input with another name.
  const notState: ModelInput[] = [...inputs, { name: 'sample_rate', type: 'int64', dims: [1] }];
  await rejectsWith(openDataSource(file, notState), 'DATA_UNREADABLE', "no array for input 'sample_rate' [1] int64");
  // A state whose dims the data cannot fix needs --shape.
  const open: ModelInput[] = [inputs[0], { name: 'hidden', type: 'float32', dims: [null, null], dimNames: ['layers', 'width'] }];
  await rejectsWith(openDataSource(file, open), 'DYNAMIC_SHAPE', "input 'hidden'", '--shape hidden=N,N');
});

test('symbolic dims are fixed by the data per input: same-rank samples are fed as they are', async (t) => {
  const dir = tempDir(t);
  const x: ModelInput[] = [{ name: 'x', type: 'float32', dims: [null, 1024], dimNames: ['N', undefined] }];
  const file = writeNpy(dir, 'x.npy', { descr: '<f4', shape: [16, 32, 1024], data: new Float32Array(16 * 32 * 1024).fill(0.25) });
  const src = await openDataSource(file, x);
  assert.equal(src.count, 16);
  assert.deepEqual((await src.read(15)).feeds.x.dims, [32, 1024]);
  assert.deepEqual(src.feeds?.[0].dims, [32, 1024]);
  // --shape fixes the dim up front; the data must then agree.
  await rejectsWith(openDataSource(file, [{ ...x[0], dims: [8, 1024] }]), 'SHAPE_MISMATCH', 'dim 0 must be 8, not 32');
});

test('dtypes: float16 both ways, float64 → float32, int32 → int64, bool and int8 → bool', async (t) => {
  const dir = tempDir(t);
  assert.equal(halfToFloat(floatToHalf(1.5)), 1.5);
  assert.equal(halfToFloat(floatToHalf(-0.0999755859375)), -0.0999755859375);
  assert.equal(floatToHalf(70000), 0x7c00, 'overflow is Inf');
  assert.equal(halfToFloat(floatToHalf(2 ** -24)), 2 ** -24, 'smallest subnormal');
  const halves = Uint16Array.from([1, -2, 0.5, 65504].map(floatToHalf));
  const f2 = writeNpz(dir, 'h.npz', {
    a: { descr: '<f2', shape: [2, 2], data: halves },
    b: { descr: '<f4', shape: [2, 2], data: Float32Array.from([0.1, 2, 3, 4]) },
    c: { descr: '<f8', shape: [2, 2], data: Float64Array.from([0.1, 2, 3, 4]) },
    d: { descr: '<i4', shape: [2, 2], data: Int32Array.from([1, 2, 3, -4]) },
    e: { descr: '|b1', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) },
    f: { descr: '|i1', shape: [2, 2], data: Int8Array.from([1, 0, 2, 1]) },
  });
  const inputs: ModelInput[] = [
    { name: 'a', type: 'float32', dims: [1, 2] },
    { name: 'b', type: 'float16', dims: [1, 2] },
    { name: 'c', type: 'float32', dims: [1, 2] },
    { name: 'd', type: 'int64', dims: [1, 2] },
    { name: 'e', type: 'bool', dims: [1, 2] },
    { name: 'f', type: 'bool', dims: [1, 2] },
  ];
  const src = await openDataSource(f2, inputs);
  const s0 = await src.read(0);
  assert.deepEqual([...s0.feeds.a.data], [1, -2]);
  assert.deepEqual([...(s0.feeds.b.data as Uint16Array)].map(halfToFloat), [halfToFloat(floatToHalf(0.1)), 2]);
  assert.equal(s0.feeds.b.type, 'float16');
  assert.ok(s0.feeds.c.data instanceof Float32Array);
  assert.deepEqual([...s0.feeds.d.data], [1n, 2n]);
  assert.deepEqual([...s0.feeds.e.data], [1, 0]);
  assert.deepEqual([...s0.feeds.f.data], [1, 0]);
  await rejectsWith(src.read(1), 'DATA_UNREADABLE', "(input 'f') sample 1 element 0 is 2, which input 'f' of type bool cannot hold");
  // Inf in float16 data is caught like float32's.
  const inf = writeNpz(dir, 'inf.npz', { a: { descr: '<f2', shape: [1, 2], data: Uint16Array.from([0x7c00, 0]) } });
  await rejectsWith((await openDataSource(inf, [inputs[0]])).read(0), 'DATA_NOT_FINITE', "input 'a'", 'Infinity');
});

test('a folder of images feeds the image input of a model whose other inputs are states', async (t) => {
  const dir = tempDir(t);
  const imgs = join(dir, 'imgs');
  mkdirSync(imgs);
  for (const [i, v] of [10, 200].entries()) {
    await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: v, g: v, b: v } } })
      .png()
      .toFile(join(imgs, `${i}.png`));
  }
  const inputs: ModelInput[] = [
    { name: 'image', type: 'float32', dims: [null, 3, 6, 8], dimNames: ['batch', undefined, undefined, undefined] },
    { name: 'state', type: 'float32', dims: [null, 16], dimNames: ['batch', undefined] },
  ];
  const src = await openDataSource(imgs, inputs);
  assert.equal(src.count, 2);
  const s = await src.read(1);
  assert.deepEqual(s.feeds.image.dims, [1, 3, 6, 8]);
  assert.deepEqual(s.feeds.state.dims, [1, 16]);
  assert.match(src.notes![0], /'state' is not in the data: fed zeros \[1,16\]/);
  assert.deepEqual(
    src.feeds?.map((f) => f.source),
    ['images', 'zeros'],
  );
  await rejectsWith(openDataSource(imgs, [...inputs, { name: 'ids', type: 'int64', dims: [1, 4] }]), 'BAD_USAGE', "'ids'", 'not recurrent states', '.npz');
});

test('describeData: each input with its array, fed dims, kind and value range (ids as numbers)', async (t) => {
  const { describeData } = await import('./describe');
  const dir = tempDir(t);
  const file = writeNpz(dir, 'd.npz', bertArrays(3, 4));
  const d = await describeData({ data: file }, [
    { name: 'input_ids', type: 'int64', dims: [null, null] },
    { name: 'attention_mask', type: 'int64', dims: [null, null] },
  ]);
  assert.equal(d.count, 3);
  assert.deepEqual(
    d.inputs.map((v) => [v.name, v.kind, v.dims, v.arrayShape, v.arrayDtype, v.min, v.max, v.head]),
    [
      ['input_ids', 'ids', [1, 4], [3, 4], 'int64', 0, 6, [0, 1, 2, 3]],
      ['attention_mask', 'mask', [1, 4], [3, 4], 'int64', 0, 1, [1, 1, 1, 0]],
    ],
  );
  assert.deepEqual(d.inputs[0].modelDims, [null, null]);
});
