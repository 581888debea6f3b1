import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, klRange, minMaxRange, mseRange, percentileRange } from '../../../native';
import { ACT_ALGOS } from '../../shared/rangeAlgorithms';
import { RANGE_FUNCTIONS } from './rangeFunctions';

function heavyTailed(n: number): Float32Array {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  return Float32Array.from({ length: n }, () => {
    const g = Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
    return g * g * g;
  });
}

const h = new Histogram(2048);
h.update(heavyTailed(100_000));

test('one range function per algorithm of the map, and nothing else', () => {
  assert.deepEqual(Object.keys(RANGE_FUNCTIONS).sort(), [...ACT_ALGOS].sort());
});

test('each function gives lo ≤ 0 ≤ hi inside the observed values (native/README.md, Range selection)', () => {
  for (const a of ACT_ALGOS) {
    for (const symmetric of [true, false]) {
      const r = RANGE_FUNCTIONS[a](h, { symmetric, levels: 256 }, { percentile: 99.9 });
      assert.ok(r.lo <= 0 && r.hi >= 0, `${a}: [${r.lo}, ${r.hi}]`);
      if (symmetric) assert.ok(-r.lo === r.hi && r.hi <= Math.max(-h.min, h.max), `${a} symmetric, inside max |x|`);
      else assert.ok(r.lo >= Math.min(h.min, 0) && r.hi <= Math.max(h.max, 0), `${a} inside the data`);
    }
  }
});

test('each function is the native one of its name, with the recipe values it reads', () => {
  const opts = { symmetric: false, levels: 256 };
  assert.deepEqual(RANGE_FUNCTIONS.minmax(h, opts, { percentile: 99 }), minMaxRange(h, opts));
  assert.deepEqual(RANGE_FUNCTIONS.percentile(h, opts, { percentile: 99 }), percentileRange(h, 99, opts));
  assert.notDeepEqual(RANGE_FUNCTIONS.percentile(h, opts, { percentile: 99 }), RANGE_FUNCTIONS.percentile(h, opts, { percentile: 99.99 }));
  assert.deepEqual(RANGE_FUNCTIONS.kl(h, opts, { percentile: 99 }), klRange(h, opts));
  assert.deepEqual(RANGE_FUNCTIONS.mse(h, opts, { percentile: 99 }), mseRange(h, opts));
});
