import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as native from '../index';
import { gaussian, refMinMax, refMinMaxPerChannel, rng } from './reference';
import { assertArrayEqual, availableKernels, withKernel } from './util';

for (const k of availableKernels()) {
  test(`minMax [${k}]: small cases, NaN/Inf skipped and counted`, () => {
    withKernel(k, () => {
      assert.deepEqual(native.minMax(new Float32Array([3, -2, 5, 0.5])), { min: -2, max: 5, nonFinite: 0 });
      assert.deepEqual(native.minMax(new Float32Array([NaN, 1, Infinity, -Infinity, -4, NaN])), { min: -4, max: 1, nonFinite: 4 });
      assert.deepEqual(native.minMax(new Float32Array([])), { min: Infinity, max: -Infinity, nonFinite: 0 });
      assert.deepEqual(native.minMax(new Float32Array([NaN, Infinity])), { min: Infinity, max: -Infinity, nonFinite: 2 });
      assert.deepEqual(native.minMax(new Float32Array([7.5])), { min: 7.5, max: 7.5, nonFinite: 0 });
      assert.deepEqual(native.minMax(new Float32Array(1000).fill(-3)), { min: -3, max: -3, nonFinite: 0 });
      assert.deepEqual(native.minMax(new Float32Array(1001)), { min: 0, max: 0, nonFinite: 0 });
      // every length around the vector widths (tails)
      for (let n = 1; n < 80; n++) {
        const a = gaussian(n, n);
        a[n - 1] = 100;
        if (n > 3) a[n - 3] = NaN;
        assert.deepEqual(native.minMax(a), refMinMax(a), `n=${n}`);
      }
    });
  });

  test(`minMax [${k}]: 20M values with NaN/Inf scattered, extremes at chunk edges`, () => {
    withKernel(k, () => {
      const n = 20_000_000;
      const a = gaussian(n, 7);
      const r = rng(3);
      for (let j = 0; j < 1000; j++) a[Math.floor(r() * n)] = j % 3 === 0 ? NaN : j % 3 === 1 ? Infinity : -Infinity;
      a[0] = -1234.5;
      a[n - 1] = 987.25;
      const ref = refMinMax(a);
      const got = native.minMax(a);
      assert.deepEqual(got, ref);
      assert.equal(got.min, -1234.5);
      assert.equal(got.max, 987.25);
    });
  });

  test(`minMaxPerChannel [${k}]: every axis of a 3-D tensor, negative axis`, () => {
    withKernel(k, () => {
      const dims = [4, 5, 6];
      const a = gaussian(120, 11);
      a[7] = NaN;
      a[50] = -Infinity;
      for (const axis of [0, 1, 2, -1, -3]) {
        const got = native.minMaxPerChannel(a, dims, axis);
        const ref = refMinMaxPerChannel(a, dims, axis);
        assertArrayEqual(got.min, ref.min, `min axis ${axis}`);
        assertArrayEqual(got.max, ref.max, `max axis ${axis}`);
        assert.equal(got.nonFinite, 2);
      }
    });
  });

  test(`minMaxPerChannel [${k}]: Conv [O,I,kh,kw] axis 0, MatMul [K,N] axis 1, tiny and huge rows`, () => {
    withKernel(k, () => {
      const cases: Array<[number[], number]> = [
        [[64, 32, 3, 3], 0], // block layout (inner 288)
        [[512, 384], 1], // row layout, period 384
        [[300_000, 3], 1], // tiny rows grouped into super-rows
        [[3, 100_000], 1], // long rows: column partition
        [[2, 70_000, 2], 1], // long rows with inner 2
        [[1000, 7, 5], 1], // inner 5
        [[10, 1_000_000], 0], // few channels, long runs
        [[1, 1], 0],
      ];
      for (const [dims, axis] of cases) {
        const n = dims.reduce((x, y) => x * y, 1);
        const a = gaussian(n, n % 97);
        if (n > 10) {
          a[Math.floor(n / 3)] = NaN;
          a[n - 1] = 55;
        }
        const got = native.minMaxPerChannel(a, dims, axis);
        const ref = refMinMaxPerChannel(a, dims, axis);
        assertArrayEqual(got.min, ref.min, `min ${dims}`);
        assertArrayEqual(got.max, ref.max, `max ${dims}`);
        assert.equal(got.nonFinite, ref.nonFinite, `nonFinite ${dims}`);
      }
    });
  });
}

test('minMaxPerChannel: a channel with only NaN gives +Inf/-Inf; zero-size tensors', () => {
  const a = new Float32Array([NaN, NaN, 1, 2]);
  const got = native.minMaxPerChannel(a, [2, 2], 0);
  assert.deepEqual(Array.from(got.min), [Infinity, 1]);
  assert.deepEqual(Array.from(got.max), [-Infinity, 2]);
  assert.equal(got.nonFinite, 2);
  const z = native.minMaxPerChannel(new Float32Array(0), [0, 3], 1);
  assert.deepEqual(Array.from(z.min), [Infinity, Infinity, Infinity]);
});

test('minMax respects the byteOffset of a view (zero-copy)', () => {
  const buf = new Float32Array([100, 1, 2, 3, -100]);
  const view = buf.subarray(1, 4);
  assert.deepEqual(native.minMax(view), { min: 1, max: 3, nonFinite: 0 });
  const pc = native.minMaxPerChannel(view, [3], 0);
  assert.deepEqual(Array.from(pc.max), [1, 2, 3]);
});

test('minMax / minMaxPerChannel throw TypeError / RangeError on bad arguments', () => {
  assert.throws(() => native.minMax([1, 2] as unknown as Float32Array), TypeError);
  assert.throws(() => native.minMax(new Float64Array(2) as unknown as Float32Array), TypeError);
  assert.throws(() => native.minMax(undefined as unknown as Float32Array), TypeError);
  const a = new Float32Array(12);
  assert.throws(() => native.minMaxPerChannel(a, [3, 5], 0), RangeError);
  assert.throws(() => native.minMaxPerChannel(a, [3, 4], 2), RangeError);
  assert.throws(() => native.minMaxPerChannel(a, [3, 4], -3), RangeError);
  assert.throws(() => native.minMaxPerChannel(a, [3, 4], 0.5), RangeError);
  assert.throws(() => native.minMaxPerChannel(a, [3, -4], 0), RangeError);
  assert.throws(() => native.minMaxPerChannel(a, 'x' as unknown as number[], 0), TypeError);
  assert.throws(() => native.minMaxPerChannel(a, [3, 4], undefined as unknown as number), TypeError);
});
