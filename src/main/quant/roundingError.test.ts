import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, minMaxRange } from '../../../native';
import { rng } from '../onnx/builder';
import { ownSqnrDb, worstRounding } from './roundingError';

const observe = (data: Float32Array) => {
  const h = new Histogram(2048);
  h.update(data);
  return h;
};
const range = (h: Histogram) => ({ ...minMaxRange(h, { symmetric: false }), min: h.min, max: h.max });

test('own rounding SQNR: uniform data keeps ~48 dB in int8, a rare large value costs most of it, clipping is counted', () => {
  const r = rng(3);
  const uniform = Float32Array.from({ length: 100_000 }, () => 2 * r() - 1);
  const h = observe(uniform);
  assert.ok(Math.abs(ownSqnrDb(h, range(h)) - 48.1) < 0.5, `${ownSqnrDb(h, range(h))}`);
  const spiked = Float32Array.from(uniform);
  spiked[7] = 200;
  const hs = observe(spiked);
  assert.ok(ownSqnrDb(hs, range(hs)) < 15, `${ownSqnrDb(hs, range(hs))}`);
  // Clipping at half the range loses the values beyond it.
  assert.ok(ownSqnrDb(h, { lo: -0.5, hi: 0.5, min: -1, max: 1 }) < 12);
  const worst = worstRounding(
    new Map([
      ['u', h],
      ['s', hs],
    ]),
    new Map([
      ['u', range(h)],
      ['s', range(hs)],
    ]),
    1,
  );
  assert.deepEqual(
    worst.map((w) => w.tensor),
    ['s'],
  );
});
