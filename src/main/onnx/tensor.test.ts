import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from './proto/onnx';
import { DT, INT64_MAX, INT64_MIN, floatTensor, halfToFloat, int64Of, makeTensor, tensorFloats, tensorInt64s, tensorValues } from './tensor';

test('int64Of: exact in range, ±2^63 sentinels (decoded as numbers) saturate, a Long converts bit for bit', () => {
  assert.equal(int64Of(42), 42n);
  assert.equal(int64Of(-7.9), -7n);
  assert.equal(int64Of(2 ** 63), INT64_MAX, 'INT64_MAX arrives rounded to 2^63');
  assert.equal(int64Of(-(2 ** 63)), INT64_MIN);
  assert.equal(int64Of(Infinity), INT64_MAX);
  assert.equal(int64Of(undefined), 0n);
  assert.equal(int64Of({ low: -1, high: 0x7fffffff }), INT64_MAX);
  assert.equal(int64Of({ low: -2, high: -1 }), -2n);
});

test('tensorValues keeps INT64_MAX stored in int64_data (it used to wrap to INT64_MIN)', () => {
  const t = onnx.TensorProto.create({ name: 'ends', dataType: DT.INT64, dims: [2], int64Data: [2 ** 63, 3] });
  assert.deepEqual([...(tensorValues(t) as BigInt64Array)], [INT64_MAX, 3n]);
  assert.deepEqual(tensorInt64s(t), [INT64_MAX, 3n]);
});

test('tensorFloats and tensorInt64s: values of their types, undefined for other types or short data', () => {
  const f = makeTensor('f', Float32Array.from([1.5, -2]), [2]);
  const d = makeTensor('d', Float64Array.from([0.25]), [1]);
  const i = makeTensor('i', Int32Array.from([-3, 4]), [2]);
  assert.deepEqual(tensorFloats(f), [1.5, -2]);
  assert.deepEqual(tensorFloats(d), [0.25]);
  assert.equal(tensorFloats(i), undefined);
  assert.deepEqual(tensorInt64s(i), [-3n, 4n]);
  assert.equal(tensorInt64s(f), undefined);
  const short = onnx.TensorProto.create({ name: 's', dataType: DT.FLOAT, dims: [3], floatData: [1, 2] });
  assert.equal(tensorFloats(short), undefined);
});

test('floatTensor writes float, double and float16 (half bits, round to nearest even)', () => {
  assert.equal(floatTensor('a', [1, 2], [2], DT.FLOAT).dataType, DT.FLOAT);
  assert.deepEqual(tensorFloats(floatTensor('b', [0.1], [1], DT.DOUBLE)), [0.1]);
  const h = floatTensor('c', [1.5, -0.0999755859375, 70000], [3], DT.FLOAT16);
  assert.equal(h.dataType, DT.FLOAT16);
  const bits = new Uint16Array(new Uint8Array(h.rawData).buffer);
  assert.deepEqual([...bits].map(halfToFloat), [1.5, -0.0999755859375, Infinity]);
});
