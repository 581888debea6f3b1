import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationParams } from './qparams';

test('uint8 asymmetric: zero exactly representable', () => {
  const p = activationParams(-1, 3, 'uint8', false);
  assert.ok(Math.abs(p.scale - 4 / 255) < 1e-7);
  assert.equal(p.zeroPoint, 64);
});

test('after an absorbed Relu the zero point is the type minimum', () => {
  assert.equal(activationParams(-0.5, 6, 'uint8', false, true).zeroPoint, 0);
  assert.equal(activationParams(-0.5, 6, 'int8', true, true).zeroPoint, -128);
});

test('within Clip bounds: the representable range fits inside, as ORT requires to drop the Clip', () => {
  for (const [lo, hi] of [
    [-4, 4],
    [0, 6],
    [-1, 1],
  ] as [number, number][]) {
    const p = activationParams(lo, hi, 'uint8', false, lo === 0, [lo, hi]);
    const lower = p.scale * (0 - p.zeroPoint);
    const upper = p.scale * (255 - p.zeroPoint);
    assert.ok(lower >= lo - 1.2e-7 && upper <= hi + 1.2e-7, `[${lower}, ${upper}] inside [${lo}, ${hi}]`);
  }
});

test('a zero-width range gives scale 1', () => {
  assert.equal(activationParams(0, 0, 'uint8', false).scale, 1);
});
