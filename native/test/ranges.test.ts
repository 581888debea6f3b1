import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as native from '../index';
import { gaussian, percentileOfSorted, refFoldAbs, refKlRange, refKlSearch, refMseRange, uniform, type HistView } from './reference';
import { assertClose } from './util';

function observe(data: Float32Array, bins = 2048): native.Histogram {
  const h = new native.Histogram(bins);
  h.update(data);
  return h;
}

function view(h: native.Histogram): HistView {
  return { counts: h.counts(), lo: h.lo, hi: h.hi, min: h.min, max: h.max, count: h.count };
}

function sortedAbs(data: Float32Array): Float64Array {
  const a = Float64Array.from(data, Math.abs);
  return a.sort();
}

const gauss = gaussian(1_000_000, 1);
const unif = uniform(1_000_000, -1, 1, 2);
const relu = gaussian(1_000_000, 3).map(Math.abs);
const skewed = uniform(500_000, -0.5, 4, 4);
const cubed = gaussian(1_000_000, 5).map((x) => x * x * x); // heavy tails

test('every range method returns lo <= 0 <= hi and stays inside the observed range', () => {
  for (const d of [gauss, unif, relu, skewed, cubed, uniform(1000, 2, 3, 9), uniform(1000, -3, -2, 10)]) {
    const h = observe(d);
    const mn = Math.min(h.min, 0);
    const mx = Math.max(h.max, 0);
    for (const symmetric of [true, false]) {
      const rs = [
        native.minMaxRange(h, { symmetric }),
        native.percentileRange(h, 99.9, { symmetric }),
        native.klRange(h, { symmetric }),
        native.mseRange(h, { symmetric }),
      ];
      for (const r of rs) {
        assert.ok(r.lo <= 0 && 0 <= r.hi, JSON.stringify(r));
        const A = Math.max(-mn, mx);
        if (symmetric) {
          assert.equal(r.lo, -r.hi);
          assert.ok(r.hi <= A + 1e-12);
        } else {
          assert.ok(r.lo >= mn - 1e-12 && r.hi <= mx + 1e-12, `${JSON.stringify(r)} vs [${mn}, ${mx}]`);
        }
      }
    }
  }
});

test('minMaxRange: symmetric → [-A, A]; asymmetric → [min(min,0), max(max,0)]', () => {
  const h = observe(new Float32Array([-1.5, 0.25, 3]));
  assert.deepEqual(native.minMaxRange(h, { symmetric: true }), { lo: -3, hi: 3 });
  assert.deepEqual(native.minMaxRange(h, { symmetric: false }), { lo: -1.5, hi: 3 });
  const p = observe(new Float32Array([2, 5]));
  assert.deepEqual(native.minMaxRange(p, { symmetric: false }), { lo: 0, hi: 5 });
  const n = observe(new Float32Array([-2, -5]));
  assert.deepEqual(native.minMaxRange(n, { symmetric: false }), { lo: -5, hi: 0 });
  assert.deepEqual(native.minMaxRange(n, { symmetric: true }), { lo: -5, hi: 5 });
});

test('empty, all-NaN and all-zero observers give {0, 0} for every method', () => {
  const empty = new native.Histogram();
  const nan = observe(new Float32Array([NaN, Infinity]));
  const zeros = observe(new Float32Array(100));
  for (const h of [empty, nan, zeros]) {
    for (const symmetric of [true, false]) {
      for (const r of [
        native.minMaxRange(h, { symmetric }),
        native.percentileRange(h, 99, { symmetric }),
        native.klRange(h, { symmetric }),
        native.mseRange(h, { symmetric }),
      ]) {
        assert.deepEqual(r, { lo: 0, hi: 0 });
      }
    }
  }
});

test('percentileRange matches percentiles of the raw data within a bin or two', () => {
  const h = observe(gauss);
  const w = (h.hi - h.lo) / h.bins;
  const abs = sortedAbs(gauss);
  for (const p of [99, 99.9, 99.99]) {
    const r = native.percentileRange(h, p, { symmetric: true });
    assertClose(r.hi, percentileOfSorted(abs, p), 2 * w, `|x| p${p}`);
    const sorted = Float64Array.from(gauss).sort();
    const a = native.percentileRange(h, p, { symmetric: false });
    assertClose(a.hi, percentileOfSorted(sorted, p), 2 * w, `hi p${p}`);
    assertClose(a.lo, percentileOfSorted(sorted, 100 - p), 2 * w, `lo p${p}`);
  }
  assert.deepEqual(native.percentileRange(h, 100, { symmetric: false }), { lo: h.min, hi: h.max });
  const sym100 = native.percentileRange(h, 100, { symmetric: true });
  assert.equal(sym100.hi, Math.max(-h.min, h.max));
  // non-negative data: the low percentile is clamped to 0
  const r = native.percentileRange(observe(relu), 99.9, { symmetric: false });
  assert.equal(r.lo, 0);
  assert.throws(() => native.percentileRange(h, 101, { symmetric: true }), RangeError);
  assert.throws(() => native.percentileRange(h, NaN, { symmetric: true }), RangeError);
});

test('klSearch equals the literal TensorRT reference (index and every KL value)', () => {
  for (const d of [gauss, unif, cubed]) {
    const h = observe(d);
    const folded = native._internal.foldAbs(h);
    const ref = refFoldAbs(h.counts(), h.lo, h.hi);
    assert.equal(folded.A, ref.A);
    for (let i = 0; i < h.bins; i++) assertClose(folded.counts[i]!, ref.counts[i]!, 1e-6, `fold bin ${i}`);
    const got = native._internal.klSearch(folded.counts, 128);
    const exp = refKlSearch(folded.counts, 128);
    assert.equal(got.index, exp.index);
    for (let i = 128; i <= h.bins; i++) assertClose(got.kl[i]!, exp.kl[i]!, 1e-9, `kl[${i}]`);
  }
  // one-sided search over an odd bin count that is not a multiple of the quantized bins
  const h = observe(relu, 1000);
  const got = native._internal.klSearch(h.counts(), 256);
  const exp = refKlSearch(h.counts(), 256);
  assert.equal(got.index, exp.index);
  for (let i = 256; i <= 1000; i++) assertClose(got.kl[i]!, exp.kl[i]!, 1e-9, `kl[${i}]`);
});

test('klRange: Gaussian threshold well below max, uniform ≈ max, one-sided for non-negative data', () => {
  const g = observe(gauss);
  const rg = native.klRange(g, { symmetric: true });
  const A = Math.max(-g.min, g.max);
  assert.deepEqual(rg, refKlRange(view(g), true));
  assert.ok(rg.hi < 0.9 * A, `gaussian T=${rg.hi}, max=${A}`);
  assert.ok(rg.hi > 3 && rg.hi < 5.2, `gaussian T=${rg.hi} (sigma 1)`);

  const u = observe(unif);
  const ru = native.klRange(u, { symmetric: true });
  assert.ok(ru.hi >= 0.99 * Math.max(-u.min, u.max), `uniform T=${ru.hi}`);
  assert.deepEqual(native.klRange(u, { symmetric: false }), refKlRange(view(u), false));

  const r = observe(relu);
  const rr = native.klRange(r, { symmetric: false });
  assert.equal(rr.lo, 0);
  assert.ok(rr.hi < r.max && rr.hi > 2.5, `relu T=${rr.hi}`);
  assert.deepEqual(rr, refKlRange(view(r), false));

  // asymmetric with negatives: folded search, then clamped to [min, max] keeping 0
  const s = observe(skewed);
  const rs = native.klRange(s, { symmetric: false });
  assert.deepEqual(rs, refKlRange(view(s), false));
  assert.ok(rs.lo >= s.min && rs.lo < 0 && rs.hi <= s.max);

  // 7-bit levels give a threshold no larger than 8-bit on a Gaussian
  assert.ok(native.klRange(g, { symmetric: true, levels: 128 }).hi <= rg.hi + 1e-12);
  assert.throws(() => native.klRange(g, { symmetric: true, levels: 3 }), RangeError);
});

test('klRange takes < 5 ms on 2048 bins', () => {
  const h = observe(cubed);
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    native.klRange(h, { symmetric: true });
    native.klRange(h, { symmetric: false });
    best = Math.min(best, (performance.now() - t0) / 2);
  }
  assert.ok(best < 5, `klRange took ${best.toFixed(3)} ms`);
});

test('mseRange: equals the per-bin reference; sensible thresholds', () => {
  for (const d of [gauss, unif, relu, skewed, cubed]) {
    const h = observe(d);
    for (const symmetric of [true, false]) {
      const got = native.mseRange(h, { symmetric });
      const exp = refMseRange(view(h), symmetric);
      assertClose(got.lo, exp.lo, 1e-9 * (1 + Math.abs(exp.lo)), 'lo');
      assertClose(got.hi, exp.hi, 1e-9 * (1 + Math.abs(exp.hi)), 'hi');
    }
  }
  const g = native.mseRange(observe(gauss), { symmetric: true });
  assert.ok(g.hi > 2.5 && g.hi < 5, `gaussian mse T=${g.hi}`);
  const u = observe(unif);
  assert.ok(native.mseRange(u, { symmetric: true }).hi > 0.98, 'uniform keeps nearly the full range');
  const r = native.mseRange(observe(relu), { symmetric: false });
  assert.equal(r.lo, 0);
  // asymmetric with negatives: both ends scaled by the same factor
  const s = observe(skewed);
  const rs = native.mseRange(s, { symmetric: false });
  assertClose(rs.lo / s.min, rs.hi / s.max, 1e-12, 'alpha');
  // fewer levels → more rounding noise → a tighter clip
  assert.ok(native.mseRange(observe(gauss), { symmetric: true, levels: 16 }).hi < g.hi);
});

test('range functions reject non-Histogram arguments', () => {
  assert.throws(() => native.klRange({} as native.Histogram, { symmetric: true }), TypeError);
  assert.throws(() => native.mseRange(null as unknown as native.Histogram, { symmetric: true }), TypeError);
});
