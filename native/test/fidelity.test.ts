import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as native from '../index';
import { gaussian, refFidelity, rng } from './reference';
import { assertClose, availableKernels, withKernel } from './util';

for (const k of availableKernels()) {
  test(`fidelity [${k}]: hand-computed example`, () => {
    withKernel(k, () => {
      // ref = [1, 2, 3], test = [1, 2, 4]: dot 17, |r|^2 14, |t|^2 21, err^2 1
      const f = native.fidelity(Float32Array.from([1, 2, 3]), Float32Array.from([1, 2, 4]));
      assertClose(f.cosine, 17 / Math.sqrt(14 * 21), 1e-15, 'cosine');
      assertClose(f.sqnrDb, 10 * Math.log10(14), 1e-12, 'sqnr');
      assertClose(f.mse, 1 / 3, 1e-15, 'mse');
      assert.equal(f.maxAbs, 1);
      assert.equal(f.count, 3);
      assert.equal(f.nonFinite, 0);
    });
  });

  test(`fidelity [${k}]: identical, zeros, one side zero, opposite`, () => {
    withKernel(k, () => {
      const a = gaussian(1001, 3);
      assert.deepEqual(native.fidelity(a, a.slice()), { cosine: 1, sqnrDb: Infinity, mse: 0, maxAbs: 0, count: 1001, nonFinite: 0 });
      const z = new Float32Array(37);
      assert.deepEqual(native.fidelity(z, z.slice()), { cosine: 1, sqnrDb: Infinity, mse: 0, maxAbs: 0, count: 37, nonFinite: 0 });
      const one = new Float32Array(37).fill(2);
      const rz = native.fidelity(z, one);
      assert.equal(rz.cosine, 0);
      assert.equal(rz.sqnrDb, -Infinity);
      assert.equal(rz.mse, 4);
      const tz = native.fidelity(one, z);
      assert.equal(tz.cosine, 0);
      assertClose(tz.sqnrDb, 0, 1e-12, 'sqnr of an all-zero output');
      const neg = native.fidelity(
        a,
        a.map((v) => -v),
      );
      assertClose(neg.cosine, -1, 1e-12, 'cosine of negation');
      assert.deepEqual(native.fidelity(new Float32Array(0), new Float32Array(0)), { cosine: 1, sqnrDb: Infinity, mse: 0, maxAbs: 0, count: 0, nonFinite: 0 });
    });
  });

  test(`fidelity [${k}]: pairs with NaN/Inf on either side are excluded and counted`, () => {
    withKernel(k, () => {
      const r = Float32Array.from([1, NaN, 3, 4, Infinity, 6, 7, 8, 9, 10, 11]);
      const t = Float32Array.from([1, 2, -Infinity, 4, 5, NaN, 7, 8, 9, 10, 12]);
      const f = native.fidelity(r, t);
      assert.equal(f.nonFinite, 4);
      assert.equal(f.count, 7);
      assert.equal(f.maxAbs, 1);
      assertClose(f.mse, 1 / 7, 1e-15, 'mse');
      const e = refFidelity(r, t);
      assertClose(f.cosine, e.cosine, 1e-15, 'cosine');
      assertClose(f.sqnrDb, e.sqnrDb, 1e-12, 'sqnr');
    });
  });

  test(`fidelity [${k}]: 20M values against the double-precision reference`, () => {
    withKernel(k, () => {
      const n = 20_000_000;
      const a = gaussian(n, 5, 2);
      const b = new Float32Array(n);
      const r = rng(6);
      for (let i = 0; i < n; i++) b[i] = a[i]! + (r() - 0.5) * 0.01;
      b[12345] = NaN;
      a[n - 1] = Infinity;
      const f = native.fidelity(a, b);
      const e = refFidelity(a, b);
      assert.equal(f.count, e.count);
      assert.equal(f.nonFinite, 2);
      // summation order differs (vector lanes, threads): agree to ~1e-12 relative
      assertClose(f.cosine, e.cosine, 1e-10, 'cosine');
      assertClose(f.sqnrDb, e.sqnrDb, 1e-8, 'sqnr');
      assertClose(f.mse, e.mse, 1e-9 * e.mse, 'mse');
      assert.equal(f.maxAbs, e.maxAbs);
      assert.ok(f.sqnrDb > 55 && f.sqnrDb < 65, `sqnr ${f.sqnrDb}`);
    });
  });
}

test('fidelity: length mismatch and wrong types throw', () => {
  assert.throws(() => native.fidelity(new Float32Array(3), new Float32Array(4)), RangeError);
  assert.throws(() => native.fidelity(new Float32Array(3), [1, 2, 3] as unknown as Float32Array), TypeError);
  assert.throws(() => native.fidelity(new Int8Array(3) as unknown as Float32Array, new Float32Array(3)), TypeError);
});
