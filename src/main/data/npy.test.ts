import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openNpy } from './arrays';
import { npyBytes, rejectsWith, tempDir, writeNpy } from '../../../test/util/fixtures';
import type { InputSpec } from './types';

const X = (dims: number[], type: InputSpec['type'] = 'float32'): InputSpec[] => [{ name: 'x', type, dims }];
const iota = (n: number, from = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => from + i);

test('npy float32, samples one rank lower than the input get a batch dim of 1', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'a.npy', { descr: '<f4', shape: [4, 2, 3], data: iota(24) });
  const src = await openNpy(file, X([1, 2, 3]));
  assert.equal(src.count, 4);
  assert.equal(src.labels, undefined);
  assert.equal(src.description, `4 samples from ${file} (float32 [1,2,3])`);
  const s = await src.read(2);
  const feed = s.feeds.x;
  assert.equal(feed.type, 'float32');
  assert.deepEqual(feed.dims, [1, 2, 3]);
  assert.ok(feed.data instanceof Float32Array);
  assert.deepEqual([...feed.data], [12, 13, 14, 15, 16, 17]);
  assert.equal(s.label, undefined);
});

test('npy samples with the same rank as the input are fed as they are', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'a.npy', { descr: '<f4', shape: [3, 1, 2, 2], data: iota(12, 100) });
  const src = await openNpy(file, X([1, 2, 2]));
  const s = await src.read(1);
  assert.deepEqual(s.feeds.x.dims, [1, 2, 2]);
  assert.deepEqual([...s.feeds.x.data], [104, 105, 106, 107]);
});

test('npy float64 with a v2 header converts to a float32 input', async (t) => {
  const dir = tempDir(t);
  const data = Float64Array.from([0.1, -2.5, 1e-8, 3]);
  const file = writeNpy(dir, 'd.npy', { descr: '<f8', shape: [2, 2], data, version: 2 });
  const src = await openNpy(file, X([1, 2]));
  assert.match(src.description, /float64 as float32 \[1,2\]/);
  const b = await src.read(1);
  assert.ok(b.feeds.x.data instanceof Float32Array);
  assert.deepEqual([...b.feeds.x.data], [Math.fround(1e-8), 3]);
  const a = await src.read(0);
  assert.deepEqual([...a.feeds.x.data], [Math.fround(0.1), -2.5]);
});

test('npy v3 (utf-8) header reads', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'v3.npy', { descr: '<f4', shape: [2, 1], data: iota(2, 7), version: 3 });
  const src = await openNpy(file, X([1, 1]));
  assert.deepEqual([...(await src.read(1)).feeds.x.data], [8]);
});

test('npy uint8 feeds uint8 inputs as is and float32 inputs as values 0..255', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'u.npy', { descr: '|u1', shape: [2, 3], data: Uint8Array.from([0, 128, 255, 1, 2, 3]) });
  const asU8 = await (await openNpy(file, X([1, 3], 'uint8'))).read(0);
  assert.ok(asU8.feeds.x.data instanceof Uint8Array);
  assert.deepEqual([...asU8.feeds.x.data], [0, 128, 255]);
  const asF = await (await openNpy(file, X([1, 3]))).read(0);
  assert.ok(asF.feeds.x.data instanceof Float32Array);
  assert.deepEqual([...asF.feeds.x.data], [0, 128, 255]);
});

test('npy int64 feeds int64 inputs exactly and converts for float32; out-of-range int8 is refused', async (t) => {
  const dir = tempDir(t);
  const big = 2n ** 40n + 3n;
  const file = writeNpy(dir, 'i.npy', { descr: '<i8', shape: [2, 2], data: BigInt64Array.from([big, -5n, 7n, 300n]) });
  const i64 = await (await openNpy(file, X([1, 2], 'int64'))).read(0);
  assert.ok(i64.feeds.x.data instanceof BigInt64Array);
  assert.deepEqual([...i64.feeds.x.data], [big, -5n]);
  const f32 = await (await openNpy(file, X([1, 2]))).read(1);
  assert.deepEqual([...f32.feeds.x.data], [7, 300]);
  const i8 = await openNpy(file, X([1, 2], 'int8'));
  await rejectsWith(i8.read(1), 'DATA_UNREADABLE', file, 'sample 1 element 1 is 300', "input 'x' of type int8");
});

test('npy float data into an int32 input is a wrong dtype, named with the input and the file', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'f.npy', { descr: '<f4', shape: [2, 2], data: Float32Array.from([1, 2, 3, 3.5]) });
  await rejectsWith(openNpy(file, X([1, 2], 'int32')), 'DATA_UNREADABLE', file, "is float32 but input 'x' takes int32", 'astype(np.int32)');
});

test('npy int64 data into an int32 input must fit', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'i.npy', { descr: '<i8', shape: [2, 2], data: BigInt64Array.from([1n, 2n, 3n, 2n ** 40n]) });
  const src = await openNpy(file, X([1, 2], 'int32'));
  const ok = await src.read(0);
  assert.ok(ok.feeds.x.data instanceof Int32Array);
  assert.deepEqual([...ok.feeds.x.data], [1, 2]);
  await rejectsWith(src.read(1), 'DATA_UNREADABLE', 'sample 1 element 1 is 1099511627776');
});

test('npy bool data feeds bool inputs as 0/1 bytes; 1-byte types accept any byte-order mark', async (t) => {
  const dir = tempDir(t);
  const b1 = writeNpy(dir, 'b.npy', { descr: '|b1', shape: [1, 3], data: Uint8Array.from([1, 0, 1]) });
  const s = await (await openNpy(b1, X([1, 3], 'bool'))).read(0);
  assert.equal(s.feeds.x.type, 'bool');
  assert.deepEqual([...s.feeds.x.data], [1, 0, 1]);
  const u1 = writeNpy(dir, 'u.npy', { descr: '<u1', shape: [1, 2], data: Uint8Array.from([9, 8]) });
  assert.deepEqual([...(await (await openNpy(u1, X([1, 2], 'uint8'))).read(0)).feeds.x.data], [9, 8]);
});

test('npy sample shape that does not fit the input is SHAPE_MISMATCH at open', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 's.npy', { descr: '<f4', shape: [4, 3, 2], data: iota(24) });
  await rejectsWith(
    openNpy(file, X([1, 2, 3])),
    'SHAPE_MISMATCH',
    file,
    "a sample is [1,3,2] (with a batch dim of 1 added) but input 'x' is [1,2,3]: dim 1 must be 2, not 3",
  );
  // A rank-lower sample only gets batch 1, so a batch-2 input does not fit.
  const ok = writeNpy(dir, 'ok.npy', { descr: '<f4', shape: [4, 2, 3], data: iota(24) });
  await rejectsWith(openNpy(ok, X([2, 2, 3])), 'SHAPE_MISMATCH', "input 'x' is [2,2,3]: dim 0 must be 2, not 1");
  // Wrong rank names the array's shape and the input's.
  await rejectsWith(openNpy(ok, X([1, 1, 2, 3, 1])), 'SHAPE_MISMATCH', ok, 'samples of rank 2', "input 'x' [1,1,2,3,1] has rank 5");
});

test('npy rejects unsupported dtypes, big-endian data and Fortran order with what to do', async (t) => {
  const dir = tempDir(t);
  const c8 = writeNpy(dir, 'c.npy', { descr: '<c8', shape: [1, 2], data: new Float32Array(4) });
  await rejectsWith(openNpy(c8, X([1, 2])), 'DATA_UNREADABLE', c8, "'<c8' (complex64)", 'astype');
  const u2 = writeNpy(dir, 'u2.npy', { descr: '<u2', shape: [1, 2], data: new Uint16Array(2) });
  await rejectsWith(openNpy(u2, X([1, 2])), 'DATA_UNREADABLE', "'<u2' (uint16)");
  const be = writeNpy(dir, 'be.npy', { descr: '>f4', shape: [1, 2], data: new Float32Array(2) });
  await rejectsWith(openNpy(be, X([1, 2])), 'DATA_UNREADABLE', be, 'big-endian', "'<f4'");
  const fo = writeNpy(dir, 'fo.npy', { descr: '<f4', shape: [2, 2], data: new Float32Array(4), fortran: true });
  await rejectsWith(openNpy(fo, X([1, 2])), 'DATA_UNREADABLE', fo, 'Fortran', 'ascontiguousarray');
  const st = writeNpy(dir, 'st.npy', {
    descr: '',
    shape: [],
    header: "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }",
    data: new Uint8Array(16),
  });
  await rejectsWith(openNpy(st, X([1])), 'DATA_UNREADABLE', 'structured dtype');
});

test('npy rejects truncated data, trailing bytes, bad magic, bad versions and absurd headers', async (t) => {
  const dir = tempDir(t);
  const whole = npyBytes({ descr: '<f4', shape: [4, 2], data: iota(8) });
  const tr = writeNpy(dir, 'tr.npy', whole.subarray(0, whole.length - 4));
  await rejectsWith(openNpy(tr, X([1, 2])), 'DATA_UNREADABLE', tr, 'truncated', 'needs 32 bytes of data but the file holds 28');
  const extra = writeNpy(dir, 'ex.npy', Buffer.concat([whole, Buffer.alloc(4)]));
  await rejectsWith(openNpy(extra, X([1, 2])), 'DATA_UNREADABLE', 'trailing bytes');
  const magic = writeNpy(dir, 'm.npy', { descr: '<f4', shape: [1, 2], data: iota(2), magic: Buffer.from('PKNUMP') });
  await rejectsWith(openNpy(magic, X([1, 2])), 'DATA_UNREADABLE', magic, 'is not a .npy file');
  const v4 = Buffer.from(whole);
  v4[6] = 4;
  await rejectsWith(openNpy(writeNpy(dir, 'v4.npy', v4), X([1, 2])), 'DATA_UNREADABLE', 'version 4.0');
  const tiny = writeNpy(dir, 'tiny.npy', Buffer.from([0x93, 0x4e, 0x55]));
  await rejectsWith(openNpy(tiny, X([1, 2])), 'DATA_UNREADABLE', 'too short (3 bytes)');
  // A v2 header claiming 4 GB is refused from the 12-byte prefix, before anything is allocated for it.
  const huge = npyBytes({ descr: '<f4', shape: [1, 2], data: iota(2), version: 2 });
  huge.writeUInt32LE(0xffffffff, 8);
  await rejectsWith(openNpy(writeNpy(dir, 'hh.npy', huge), X([1, 2])), 'DATA_UNREADABLE', '4294967295-byte header');
  const cut = npyBytes({ descr: '<f4', shape: [1, 2], data: iota(2) });
  await rejectsWith(openNpy(writeNpy(dir, 'cut.npy', cut.subarray(0, 40)), X([1, 2])), 'DATA_UNREADABLE', 'truncated inside its header');
});

test('npy absurd shapes are rejected from the header without allocating', async (t) => {
  const dir = tempDir(t);
  const absurd = writeNpy(dir, 'abs.npy', { descr: '<f4', shape: [1_000_000_000, 1_000_000_000, 1000], data: iota(2) });
  await rejectsWith(openNpy(absurd, X([1, 2])), 'DATA_UNREADABLE', absurd, 'needs 4000000000000000000000 bytes of data but the file holds 8');
  const huge = writeNpy(dir, 'big.npy', {
    descr: '<f4',
    shape: [],
    header: "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2), }",
    data: iota(2),
  });
  await rejectsWith(openNpy(huge, X([1, 2])), 'DATA_UNREADABLE', 'absurd shape');
});

test('npy malformed header dicts are refused without evaluating them', async (t) => {
  const dir = tempDir(t);
  const cases: [string, string][] = [
    ["{'descr': '<f4', 'fortran_order': False}", 'header keys are {descr, fortran_order}'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 'x'}", 'header keys are {descr, extra, fortran_order, shape}'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 'expected a string, True, False or a tuple'],
    ["{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", 'expected a string, True, False or a tuple'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", 'expected a whole number'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'descr': '<f8'}", "duplicate key 'descr'"],
    ["__import__('os').system('echo hi')", "expected '{'"],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", 'unexpected text after the dict'],
  ];
  for (const [i, [header, why]] of cases.entries()) {
    const file = writeNpy(dir, `h${i}.npy`, { descr: '', shape: [], header, data: iota(2) });
    await rejectsWith(openNpy(file, X([1])), 'DATA_UNREADABLE', file, why);
  }
  // Python 2 era files wrote dims as longs: (2L,)
  const py2 = writeNpy(dir, 'py2.npy', { descr: '', shape: [], header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }", data: iota(2) });
  assert.equal((await openNpy(py2, X([1, 1]))).count, 2);
});

test('npy NaN and Inf are DATA_NOT_FINITE naming the file and the first bad sample', async (t) => {
  const dir = tempDir(t);
  const data = iota(10);
  data[7] = NaN; // sample 3, element 1
  data[9] = Infinity; // sample 4
  const file = writeNpy(dir, 'nan.npy', { descr: '<f4', shape: [5, 2], data });
  const src = await openNpy(file, X([1, 2]));
  assert.deepEqual([...(await src.read(2)).feeds.x.data], [4, 5]);
  await rejectsWith(src.read(3), 'DATA_NOT_FINITE', file, 'sample 3 holds NaN at element 1');
  await rejectsWith(src.read(4), 'DATA_NOT_FINITE', 'sample 4 holds Infinity at element 1');
  const progress: number[] = [];
  await rejectsWith(
    src.validate!((done) => progress.push(done)),
    'DATA_NOT_FINITE',
    file,
    'sample 3 holds NaN',
  );
  const inf = writeNpy(dir, 'inf.npy', { descr: '<f8', shape: [2, 2], data: Float64Array.from([1, 2, -Infinity, 4]), version: 2 });
  await rejectsWith((await openNpy(inf, X([1, 2]))).validate!(), 'DATA_NOT_FINITE', inf, 'sample 1 holds -Infinity at element 0');
  const over = writeNpy(dir, 'over.npy', { descr: '<f8', shape: [1, 2], data: Float64Array.from([1, 1e300]) });
  await rejectsWith((await openNpy(over, X([1, 2]))).read(0), 'DATA_NOT_FINITE', 'overflows float32');
  const clean = writeNpy(dir, 'clean.npy', { descr: '<f4', shape: [5, 2], data: iota(10) });
  const seen: number[] = [];
  await (
    await openNpy(clean, X([1, 2]))
  ).validate!((done, total) => seen.push(done, total));
  assert.deepEqual(seen, [5, 5]);
});

test('npy usage errors: several inputs, no samples, limit, index range, dynamic dims', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'a.npy', { descr: '<f4', shape: [4, 2], data: iota(8) });
  await rejectsWith(
    openNpy(file, [
      { name: 'ids', type: 'int64', dims: [1, 2] },
      { name: 'mask', type: 'int64', dims: [1, 2] },
    ]),
    'DATA_UNREADABLE',
    "'ids', 'mask'",
    'give a .npz with one array per input',
  );
  const empty = writeNpy(dir, 'e.npy', { descr: '<f4', shape: [0, 2] });
  await rejectsWith(openNpy(empty, X([1, 2])), 'DATA_EMPTY', empty, 'holds no samples');
  const scalar = writeNpy(dir, 's.npy', { descr: '<f4', shape: [], header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: iota(1) });
  await rejectsWith(openNpy(scalar, X([1])), 'DATA_UNREADABLE', 'single scalar');
  const limited = await openNpy(file, X([1, 2]), { limit: 3 });
  assert.equal(limited.count, 3);
  assert.match(limited.description, /^3 of 4 samples from /);
  await rejectsWith(limited.read(3), 'BAD_USAGE', 'sample index 3 is out of range 0..2');
  await rejectsWith(openNpy(file, X([1, 2]), { limit: 0 }), 'BAD_USAGE', 'limit');
  // A dynamic dim (-1 or null) is fixed by the data.
  assert.deepEqual((await (await openNpy(file, X([-1, 2]))).read(0)).feeds.x.dims, [1, 2]);
  const missing = join(dir, 'nope.npy');
  await rejectsWith(openNpy(missing, X([1, 2])), 'DATA_UNREADABLE', missing, 'does not exist');
});

test('npy reads a larger file sample by sample with correct offsets', async (t) => {
  const dir = tempDir(t);
  const n = 300;
  const per = 3 * 8 * 8;
  const file = join(dir, 'big.npy');
  writeFileSync(file, npyBytes({ descr: '<f4', shape: [n, 3, 8, 8], data: iota(n * per), version: 2 }));
  const src = await openNpy(file, X([1, 3, 8, 8]));
  assert.equal(src.count, n);
  const last = await src.read(n - 1);
  assert.equal(last.feeds.x.data.length, per);
  assert.equal(last.feeds.x.data[0], (n - 1) * per);
  assert.equal(last.feeds.x.data[per - 1], n * per - 1);
  await src.validate!();
});
