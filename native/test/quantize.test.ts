import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as native from '../index';
import { OctetError } from '../../src/shared/errors';
import { f32, gaussian, refQParams, refQuantizeBias, refQuantizeLinear, refQuantizeWeights, roundHalfEven, uniform } from './reference';
import { assertArrayEqual, availableKernels, withKernel } from './util';

test('roundHalfEven reference sanity', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, 3]);
});

for (const k of availableKernels()) {
  test(`quantizeLinear [${k}]: round half to even at .5 steps, saturation, NaN → zero point, Inf saturates`, () => {
    withKernel(k, () => {
      // 17 values so both the vector body and the scalar tail see the edge cases
      const steps = [0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 126.5, 127.5, -127.5, -128.5, 1000, -1000, 0, 0.49999997, 2.5000002];
      const x = Float32Array.from(steps);
      assert.deepEqual(Array.from(native.quantizeLinear(x, 1, 0, 'int8')), [0, 2, 2, 4, 0, -2, -2, -4, 126, 127, -128, -128, 127, -128, 0, 0, 3]);
      // scale 0.5 doubles the steps; zero point shifts; uint8 saturates at 0 / 255
      const u = native.quantizeLinear(Float32Array.from([0.25, 0.75, -64, 63.75, 64, -100, NaN, Infinity, -Infinity]), 0.5, 128, 'uint8');
      assert.ok(u instanceof Uint8Array);
      assert.deepEqual(Array.from(u), [128, 130, 0, 255, 255, 0, 128, 255, 0]);
      const i8 = native.quantizeLinear(Float32Array.from([NaN, Infinity, -Infinity, ...new Array(20).fill(NaN)]), 0.1, -3, 'int8');
      assert.ok(i8 instanceof Int8Array);
      assert.deepEqual(Array.from(i8.subarray(0, 3)), [-3, 127, -128]);
      assert.ok(i8.subarray(3).every((v) => v === -3));
      // random data against the reference, both dtypes
      const d = gaussian(100_003, 17, 3);
      assertArrayEqual(native.quantizeLinear(d, 0.0173, -7, 'int8'), refQuantizeLinear(d, 0.0173, -7, 'int8'), 'int8');
      assertArrayEqual(native.quantizeLinear(d, 0.031, 131, 'uint8'), refQuantizeLinear(d, 0.031, 131, 'uint8'), 'uint8');
    });
  });

  test(`quantizeWeights [${k}]: per tensor, every rule, exact against the reference`, () => {
    withKernel(k, () => {
      const d = gaussian(40_001, 23, 0.2, 0.05);
      for (const dtype of ['int8', 'uint8'] as const) {
        for (const symmetric of [true, false]) {
          for (const reduceRange of [false, true]) {
            const opts = { dtype, symmetric, reduceRange };
            const got = native.quantizeWeights(d, [40_001], opts);
            const exp = refQuantizeWeights(d, [40_001], opts);
            const tag = JSON.stringify(opts);
            assertArrayEqual(got.scale, exp.scale, `scale ${tag}`);
            assertArrayEqual(got.zeroPoint, exp.zeroPoint, `zp ${tag}`);
            assertArrayEqual(got.data, exp.data, `data ${tag}`);
            assert.equal(got.data.constructor, dtype === 'int8' ? Int8Array : Uint8Array);
          }
        }
      }
    });
  });

  test(`quantizeWeights [${k}]: per channel on Conv axis 0, MatMul axis 1, Gemm-transB axis 0, middle and negative axes`, () => {
    withKernel(k, () => {
      const cases: Array<[number[], number]> = [
        [[32, 16, 3, 3], 0],
        [[256, 300], 1],
        [[300, 256], 0],
        [[7, 9, 11], 1],
        [[7, 9, 11], -1],
        [[100_000, 3], 1],
        [[2, 50_000], 1],
        [[5], 0],
      ];
      for (const [dims, axis] of cases) {
        const n = dims.reduce((a, b) => a * b, 1);
        const d = gaussian(n, n % 101, 0.5);
        for (const [dtype, symmetric] of [
          ['int8', true],
          ['uint8', false],
          ['int8', false],
        ] as const) {
          const opts = { dtype, symmetric, axis };
          const got = native.quantizeWeights(d, dims, opts);
          const exp = refQuantizeWeights(d, dims, opts);
          const tag = `${JSON.stringify(dims)} axis ${axis} ${dtype} ${symmetric}`;
          assertArrayEqual(got.scale, exp.scale, `scale ${tag}`);
          assertArrayEqual(got.zeroPoint, exp.zeroPoint, `zp ${tag}`);
          assertArrayEqual(got.data, exp.data, `data ${tag}`);
        }
      }
    });
  });

  test(`quantizeWeights [${k}]: 20M weights per channel equal the reference`, () => {
    withKernel(k, () => {
      const dims = [1000, 20_000];
      const d = gaussian(20_000_000, 99, 0.1);
      for (const axis of [0, 1]) {
        const got = native.quantizeWeights(d, dims, { dtype: 'int8', symmetric: true, axis });
        const exp = refQuantizeWeights(d, dims, { dtype: 'int8', symmetric: true, axis });
        assertArrayEqual(got.scale, exp.scale, `scale axis ${axis}`);
        assertArrayEqual(got.data, exp.data, `data axis ${axis}`);
      }
    });
  });
}

test('quantizeWeights: concrete symmetric / asymmetric numbers', () => {
  const w = Float32Array.from([-1, -0.5, 0, 0.25, 2]);
  const s = native.quantizeWeights(w, [5], { dtype: 'int8', symmetric: true });
  assert.equal(s.scale[0], f32(2 / 127));
  assert.equal(s.zeroPoint[0], 0);
  // float32(2/127) is just below 2/127, so -1/scale = -63.50000024 → -64; -31.75 → -32; 15.875 → 16
  assert.deepEqual(Array.from(s.data), [-64, -32, 0, 16, 127]);
  const r = native.quantizeWeights(w, [5], { dtype: 'int8', symmetric: true, reduceRange: true });
  assert.equal(r.scale[0], f32(2 / 63));
  // float32(2/63) is just above 2/63, so -1/scale = -31.4999995 → -31 (the division is float32, as in ONNX)
  assert.deepEqual(Array.from(r.data), [-31, -16, 0, 8, 63]);
  const a = native.quantizeWeights(w, [5], { dtype: 'uint8', symmetric: false });
  assert.equal(a.scale[0], f32(3 / 255));
  assert.equal(a.zeroPoint[0], 85); // round(0 - (-1)/0.011764706) = 85
  assert.deepEqual(Array.from(a.data), [0, 43, 85, 106, 255]); // -42.5 is a tie → -42 (even), + 85
  const ai = native.quantizeWeights(w, [5], { dtype: 'int8', symmetric: false, reduceRange: true });
  assert.equal(ai.scale[0], f32(3 / 127));
  assert.equal(ai.zeroPoint[0], -22); // round(-64 + 42.333) = -22
  assert.deepEqual(Array.from(ai.data), [-64, -43, -22, -11, 63]);
  const us = native.quantizeWeights(w, [5], { dtype: 'uint8', symmetric: true });
  assert.equal(us.zeroPoint[0], 128);
  assert.deepEqual(Array.from(us.data), [64, 96, 128, 144, 255]);
});

test('quantizeWeights: an all-zero channel gets scale 1 (never 0) and the rule’s zero point', () => {
  const w = Float32Array.from([0, 0, 0, 1, -2, 0.5]);
  const s = native.quantizeWeights(w, [2, 3], { dtype: 'int8', symmetric: true, axis: 0 });
  assert.deepEqual(Array.from(s.scale), [1, f32(2 / 127)]);
  assert.deepEqual(Array.from(s.zeroPoint), [0, 0]);
  assert.deepEqual(Array.from(s.data.subarray(0, 3)), [0, 0, 0]);
  const a = native.quantizeWeights(w, [2, 3], { dtype: 'int8', symmetric: false, axis: 0 });
  assert.equal(a.scale[0], 1);
  assert.equal(a.zeroPoint[0], -128);
  assert.deepEqual(Array.from(a.data.subarray(0, 3)), [-128, -128, -128]);
  const u = native.quantizeWeights(new Float32Array(8), [8], { dtype: 'uint8', symmetric: false });
  assert.deepEqual([u.scale[0], u.zeroPoint[0]], [1, 0]);
  // denormal weights whose scale underflows to 0 in float32 also get scale 1
  const tiny = native.quantizeWeights(Float32Array.from([1e-45, -1e-45]), [2], { dtype: 'int8', symmetric: true });
  assert.equal(tiny.scale[0], 1);
});

test('quantizeWeights: NaN/Inf weights throw OctetError DATA_NOT_FINITE naming the count', () => {
  const w = gaussian(1000, 1);
  w[3] = NaN;
  w[500] = Infinity;
  w[999] = -Infinity;
  assert.throws(
    () => native.quantizeWeights(w, [10, 100], { dtype: 'int8', symmetric: true, axis: 1 }),
    (e: unknown) => e instanceof OctetError && e.code === 'DATA_NOT_FINITE' && /\b3 NaN\/Inf values\b/.test(e.message),
  );
  assert.throws(
    () => native.quantizeWeights(Float32Array.from([NaN]), [1], { dtype: 'uint8', symmetric: false }),
    (e: unknown) => e instanceof OctetError && e.code === 'DATA_NOT_FINITE' && /\b1 NaN\/Inf value\b/.test(e.message),
  );
});

test('quantizeWeights: argument validation', () => {
  const w = new Float32Array(6);
  assert.throws(() => native.quantizeWeights(w, [2, 4], { dtype: 'int8', symmetric: true }), RangeError);
  assert.throws(() => native.quantizeWeights(w, [2, 3], { dtype: 'int4' as 'int8', symmetric: true }), TypeError);
  assert.throws(() => native.quantizeWeights(w, [2, 3], { dtype: 'int8', symmetric: 1 as unknown as boolean }), TypeError);
  assert.throws(() => native.quantizeWeights(w, [2, 3], { dtype: 'int8', symmetric: true, axis: 2 }), RangeError);
  assert.throws(() => native.quantizeWeights(Array.from(w) as unknown as Float32Array, [2, 3], { dtype: 'int8', symmetric: true }), TypeError);
  assert.throws(() => native.quantizeLinear(w, 0, 0, 'int8'), RangeError);
  assert.throws(() => native.quantizeLinear(w, 1, 128, 'int8'), RangeError);
  assert.throws(() => native.quantizeLinear(w, 1, -1, 'uint8'), RangeError);
  assert.throws(() => native.quantizeLinear(w, 1, 0.5, 'uint8'), RangeError);
});

test('computeQParams follows the quantizeWeights rules (for activation ranges)', () => {
  const d = uniform(999, -0.7, 2.3, 5);
  for (const dtype of ['int8', 'uint8'] as const) {
    for (const symmetric of [true, false]) {
      for (const reduceRange of [false, true]) {
        const w = native.quantizeWeights(d, [999], { dtype, symmetric, reduceRange });
        const mm = native.minMax(d);
        const p = native.computeQParams({ lo: mm.min, hi: mm.max }, { dtype, symmetric, reduceRange });
        assert.equal(p.scale, w.scale[0]);
        assert.equal(p.zeroPoint, w.zeroPoint[0]);
        const exp = refQParams(mm.min, mm.max, { dtype, symmetric, reduceRange });
        assert.deepEqual([p.scale, p.zeroPoint], [exp.scale, exp.zeroPoint]);
      }
    }
  }
  assert.deepEqual(native.computeQParams({ lo: 0, hi: 0 }, { dtype: 'uint8', symmetric: false }), { scale: 1, zeroPoint: 0, qmin: 0, qmax: 255 });
  assert.deepEqual(native.computeQParams({ lo: 0, hi: 0 }, { dtype: 'int8', symmetric: true }), { scale: 1, zeroPoint: 0, qmin: -127, qmax: 127 });
  assert.throws(() => native.computeQParams({ lo: 1, hi: 0 }, { dtype: 'int8', symmetric: true }), RangeError);
});

test('quantizeBias: scale = float32(inputScale * weightScale), half to even, int32 saturation, zero-scale guard', () => {
  const ws = Float32Array.from([0.02, 0, 0.5, 1e-3]);
  const bias = Float32Array.from([1, 5, 2.5, 3e6]);
  const r = native.quantizeBias(bias, 0.1, ws);
  const exp = refQuantizeBias(bias, 0.1, ws);
  assertArrayEqual(r.scale, exp.scale, 'scale');
  assertArrayEqual(r.data, exp.data, 'data');
  assert.deepEqual(Array.from(r.scale), [f32(0.1 * f32(0.02)), 1, f32(0.1 * 0.5), f32(0.1 * f32(1e-3))]);
  assert.equal(r.data[1], 5); // zero weight scale → bias scale 1
  assert.equal(r.data[2], 50);
  assert.equal(r.data[3], 2147483647); // 3e10 saturates
  // broadcast of a per-tensor weight scale; .5 ties go to even
  const b = native.quantizeBias(Float32Array.from([0.5, 1.5, 2.5, -2.5, -1e12, 1e12]), 1, Float32Array.from([1]));
  assert.deepEqual(Array.from(b.scale), [1]);
  assert.deepEqual(Array.from(b.data), [0, 2, 2, -2, -2147483648, 2147483647]);
  // a zero input scale is guarded too
  assert.deepEqual(Array.from(native.quantizeBias(Float32Array.from([3]), 0, Float32Array.from([0.5])).scale), [1]);
  // random per-channel bias vs reference
  const big = gaussian(4096, 8, 3);
  const bws = uniform(4096, 0.001, 0.05, 9);
  const q = native.quantizeBias(big, 0.0123, bws);
  const e = refQuantizeBias(big, 0.0123, bws);
  assertArrayEqual(q.scale, e.scale, 'scale');
  assertArrayEqual(q.data, e.data, 'data');
});

test('quantizeBias: errors', () => {
  assert.throws(() => native.quantizeBias(new Float32Array(3), 1, new Float32Array(2)), RangeError);
  assert.throws(() => native.quantizeBias(new Float32Array(3), -1, new Float32Array(1)), RangeError);
  assert.throws(() => native.quantizeBias(new Float32Array(3), 1, Float32Array.from([NaN])), RangeError);
  assert.throws(
    () => native.quantizeBias(Float32Array.from([1, NaN]), 1, new Float32Array(1)),
    (e: unknown) => e instanceof OctetError && e.code === 'DATA_NOT_FINITE',
  );
});
