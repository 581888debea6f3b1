import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as native from '../index';
import { gaussian, refHistogram, refMinMax, uniform } from './reference';
import { assertArrayEqual, availableKernels, withKernel } from './util';

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('Histogram: defaults, bins validation, state before data', () => {
  const h = new native.Histogram();
  assert.equal(h.bins, 2048);
  assert.equal(h.count, 0);
  assert.equal(h.nonFinite, 0);
  assert.equal(h.min, Infinity);
  assert.equal(h.max, -Infinity);
  assert.equal(h.lo, 0);
  assert.equal(h.hi, 0);
  assert.equal(h.counts().length, 2048);
  assert.equal(new native.Histogram(2).bins, 2);
  assert.equal(new native.Histogram(65536).bins, 65536);
  assert.throws(() => new native.Histogram(1), RangeError);
  assert.throws(() => new native.Histogram(65537), RangeError);
  assert.throws(() => new native.Histogram(100.5), RangeError);
  assert.throws(() => new native.Histogram('8' as unknown as number), TypeError);
  assert.throws(() => h.update([1, 2] as unknown as Float32Array), TypeError);
});

for (const k of availableKernels()) {
  test(`Histogram [${k}]: one batch equals the reference bin for bin; range includes 0`, () => {
    withKernel(k, () => {
      for (const [data, bins] of [
        [gaussian(100_003, 5, 2, 1), 2048],
        [uniform(4099, 0.5, 3, 2), 100],
        [uniform(70_000, -7, -1, 3), 7],
      ] as Array<[Float32Array, number]>) {
        const h = new native.Histogram(bins);
        h.update(data);
        const mm = refMinMax(data);
        assert.equal(h.min, mm.min);
        assert.equal(h.max, mm.max);
        assert.equal(h.lo, Math.min(mm.min, 0));
        assert.equal(h.hi, Math.max(mm.max, 0));
        assert.equal(h.count, data.length);
        assertArrayEqual(h.counts(), refHistogram(data, bins, h.lo, h.hi), `counts bins=${bins}`);
      }
    });
  });

  test(`Histogram [${k}]: 20M values in one batch, then in-range batches (single pass) stay exact`, () => {
    withKernel(k, () => {
      const a = gaussian(20_000_000, 9);
      const h = new native.Histogram(2048);
      h.update(a);
      assert.equal(h.count, 20_000_000);
      const ref = refHistogram(a, 2048, h.lo, h.hi);
      assertArrayEqual(h.counts(), ref, 'counts');
      const b = a.subarray(1000, 3_001_000); // inside the range: no widening
      h.update(b);
      const refB = refHistogram(b, 2048, h.lo, h.hi);
      const got = h.counts();
      for (let i = 0; i < 2048; i++) assert.equal(got[i], ref[i]! + refB[i]!, `bin ${i}`);
      assert.equal(h.count, 23_000_000);
    });
  });

  test(`Histogram [${k}]: NaN/Inf are skipped and counted, in first and later batches`, () => {
    withKernel(k, () => {
      const h = new native.Histogram(64);
      h.update(new Float32Array([NaN, -1, 2, Infinity]));
      assert.equal(h.count, 2);
      assert.equal(h.nonFinite, 2);
      assert.deepEqual([h.min, h.max, h.lo, h.hi], [-1, 2, -1, 2]);
      // steady state with +-Inf in the batch: extremes must ignore them
      h.update(new Float32Array([Infinity, 0.5, -Infinity, NaN, 1.5, ...new Array(100).fill(0.25)]));
      assert.equal(h.count, 104);
      assert.equal(h.nonFinite, 5);
      assert.deepEqual([h.min, h.max, h.lo, h.hi], [-1, 2, -1, 2]);
      assert.equal(sum(h.counts()), 104);
      // an all-NaN batch changes nothing but nonFinite
      const before = h.counts();
      h.update(new Float32Array([NaN, NaN, -Infinity]));
      assert.equal(h.nonFinite, 8);
      assert.equal(h.count, 104);
      assertArrayEqual(h.counts(), before, 'counts after all-NaN batch');
      // a batch widening the range while holding Inf
      h.update(new Float32Array([Infinity, 5, NaN]));
      assert.deepEqual([h.max, h.hi, h.count, h.nonFinite], [5, 5, 105, 10]);
    });
  });

  test(`Histogram [${k}]: widening re-bins the existing counts (matches a one-pass histogram of the union)`, () => {
    withKernel(k, () => {
      const b1 = uniform(400_000, -1, 1, 21);
      const b2 = uniform(400_000, -3, 2, 22);
      const b3 = gaussian(400_000, 23, 0.7);
      const h = new native.Histogram(512);
      h.update(b1);
      assert.deepEqual([h.lo, h.hi], [refMinMax(b1).min, refMinMax(b1).max]);
      h.update(b2);
      h.update(b3);
      const all = concat(b1, b2, b3);
      const mm = refMinMax(all);
      assert.equal(h.lo, mm.min);
      assert.equal(h.hi, mm.max);
      assert.equal(h.count, 1_200_000);
      const got = h.counts();
      const ref = refHistogram(all, 512, h.lo, h.hi);
      assert.ok(Math.abs(sum(got) - 1_200_000) < 1e-6, `mass ${sum(got)}`); // nothing lost or restarted
      let l1 = 0;
      let worst = 0;
      for (let i = 0; i < 512; i++) {
        const d = Math.abs(got[i]! - ref[i]!);
        l1 += d;
        worst = Math.max(worst, d / Math.max(ref[i]!, 50));
      }
      // Re-binning assumes a flat density inside each old bin, so mass near a density step
      // (the edges of b1 at ±1) moves by at most one bin; everything else matches closely.
      assert.ok(l1 / 1_200_000 < 0.01, `L1 distance ${l1 / 1_200_000}`);
      assert.ok(worst < 0.08, `worst relative bin difference ${worst}`);
    });
  });
}

test('Histogram: all zeros get a tiny nonzero range; the zero mass survives widening', () => {
  const h = new native.Histogram(128);
  h.update(new Float32Array(1000));
  assert.equal(h.count, 1000);
  assert.equal(h.min, 0);
  assert.equal(h.max, 0);
  assert.equal(h.lo, 0);
  assert.ok(h.hi > 0 && h.hi <= 1e-29, `hi ${h.hi}`);
  assert.equal(h.counts()[0], 1000);
  h.update(new Float32Array([5, 0, 2.5]));
  assert.deepEqual([h.lo, h.hi], [0, 5]);
  const c = h.counts();
  assert.equal(c[0], 1001);
  assert.equal(c[64], 1);
  assert.equal(c[127], 1);
  assert.equal(sum(c), 1003);
});

test('Histogram: all-equal values (positive, negative), single element', () => {
  const p = new native.Histogram(10);
  p.update(new Float32Array(50).fill(3));
  assert.deepEqual([p.lo, p.hi, p.min, p.max], [0, 3, 3, 3]);
  assert.equal(p.counts()[9], 50);
  const n = new native.Histogram(10);
  n.update(new Float32Array(50).fill(-2));
  assert.deepEqual([n.lo, n.hi], [-2, 0]);
  assert.equal(n.counts()[0], 50);
  const s = new native.Histogram(4);
  s.update(new Float32Array([-0.5]));
  assert.deepEqual([s.lo, s.hi, s.count], [-0.5, 0, 1]);
  assert.deepEqual(Array.from(s.counts()), [1, 0, 0, 0]);
});

test('Histogram: re-binning splits an old bin proportionally over the new bins', () => {
  const h = new native.Histogram(4);
  h.update(new Float32Array([0.1, 0.35, 0.6, 0.85, 1])); // [0,1]: bins of 0.25 → counts 1,1,1,2
  assert.deepEqual(Array.from(h.counts()), [1, 1, 1, 2]);
  h.update(new Float32Array([-0.6])); // → [-0.6, 1], width 0.4
  const c = h.counts();
  // old [0,.25) → new pos [1.5, 2.125): 0.8 to bin 1, 0.2 to bin 2
  // old [.25,.5) → [2.125, 2.75): bin 2;  old [.5,.75) → [2.75, 3.375): .4 bin 2, .6 bin 3
  // old [.75,1] (2) → [3.375, 4): bin 3;  -0.6 → bin 0
  const expected = [1, 0.8, 0.2 + 1 + 0.4, 0.6 + 2];
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(c[i]! - expected[i]!) < 1e-6, `bin ${i}: ${c[i]} vs ${expected[i]}`);
});

test('Histogram.updateAsync: same result as update, runs off the JS thread, concurrent calls serialize', async () => {
  const a = gaussian(5_000_000, 31);
  const b = uniform(3_000_000, -6, 2, 32);
  const sync = new native.Histogram(1024);
  sync.update(a);
  sync.update(b);
  const asy = new native.Histogram(1024);
  await asy.updateAsync(a);
  await asy.updateAsync(b);
  assertArrayEqual(asy.counts(), sync.counts(), 'async counts');
  assert.deepEqual(asy.state(), sync.state());
  // concurrent updates on one observer: all data lands, nothing is lost
  const h = new native.Histogram(1024);
  const parts = [a.subarray(0, 1_000_000), a.subarray(1_000_000, 2_500_000), b.subarray(0, 2_000_000), b.subarray(2_000_000)];
  await Promise.all(parts.map((p) => h.updateAsync(p)));
  assert.equal(h.count, 5_500_000);
  assert.ok(Math.abs(sum(h.counts()) - 5_500_000) < 1e-6);
  const mm = refMinMax(concat(...parts));
  assert.deepEqual([h.min, h.max], [mm.min, mm.max]);
  assert.throws(() => h.updateAsync(new Float64Array(3) as unknown as Float32Array), TypeError);
});

test('Histogram: properties read during a pending updateAsync return the last completed state without waiting', async () => {
  const h = new native.Histogram(256);
  h.update(new Float32Array([1, 2, 3]));
  const big = new Float32Array(64_000_000).fill(0.5); // ≥ 30 ms of work on any machine
  const pending = h.updateAsync(big);
  const t0 = performance.now();
  const s = h.state();
  const count = h.count;
  const readMs = performance.now() - t0;
  assert.equal(s.count, 3); // the pending update cannot have completed within microseconds
  assert.equal(count, 3);
  assert.ok(readMs < 20, `state() took ${readMs} ms`);
  await pending;
  assert.equal(h.count, 64_000_003);
  assert.equal(h.state().count, 64_000_003);
});

test('Histogram.merge: equals observing everything in one histogram; merging with itself doubles', () => {
  const a = gaussian(300_000, 41, 1);
  const b = gaussian(300_000, 42, 3, 1);
  const h1 = new native.Histogram(256);
  h1.update(a);
  const h2 = new native.Histogram(256);
  h2.update(b);
  h1.merge!(h2);
  const all = new native.Histogram(256);
  all.update(a);
  all.update(b);
  assert.deepEqual([h1.lo, h1.hi, h1.min, h1.max, h1.count], [all.lo, all.hi, all.min, all.max, all.count]);
  const c1 = h1.counts();
  const c2 = all.counts();
  let l1 = 0;
  for (let i = 0; i < 256; i++) l1 += Math.abs(c1[i]! - c2[i]!);
  assert.ok(l1 / 600_000 < 0.01, `L1 ${l1 / 600_000}`);
  const s = new native.Histogram(16);
  s.update(new Float32Array([1, 2, 3]));
  s.merge!(s);
  assert.equal(s.count, 6);
  assert.equal(sum(s.counts()), 6);
  assert.throws(() => s.merge!({} as native.Histogram), TypeError);
});
