import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ticks, histogramChart, horizontalBarChart, groupedBarChart, lineChart } from './svg';
import { esc } from '../../shared/html';
import { thin } from './compare';
import { inTopK, rowArgmaxAgreement } from '../measure/metrics';

test('ticks are round numbers covering the range', () => {
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(94, 100, 3), [94, 96, 98, 100]);
  assert.deepEqual(ticks(5, 5), [5]);
});

test('charts escape names from the model file and survive odd values', () => {
  const evil = '</text><script>alert(1)</script>';
  const svg = horizontalBarChart(
    'SQNR',
    [
      { label: evil, value: 12.5 },
      { label: 'same', value: Infinity },
      { label: 'neg', value: -3 },
    ],
    { unit: 'dB' },
  );
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes(esc(evil).slice(0, 15)));
  assert.match(svg, /12\.5/);
  assert.match(svg, /∞/);
  assert.equal(histogramChart('empty', [{ label: 'a', color: '#000', values: [] }]), '');
  assert.match(histogramChart('one value', [{ label: 'a', color: '#000', values: [1, 1, 1] }]), /^<svg/);
  assert.match(
    groupedBarChart('deltas', ['a', 'b'], [{ label: 'x', color: '#000', values: [-0.4, NaN] }], { reference: { value: 0, label: 'none' } }),
    /-0\.400/,
  );
  assert.match(lineChart('ratios', [1.1, 0.9, NaN, 1.0], { reference: 1 }), /<polyline/);
});

test('thin keeps at most max values, evenly, in order', () => {
  const xs = Array.from({ length: 10_000 }, (_, i) => i);
  const t = thin(xs, 2000);
  assert.equal(t.length, 2000);
  assert.equal(t[0], 0);
  assert.ok(t.every((v, i) => i === 0 || v > t[i - 1]));
  assert.equal(thin([1, 2, 3]).length, 3);
});

test('top-k and row-wise agreement', () => {
  const s = new Float32Array([0.1, 0.5, 0.3, 0.9, 0.2, 0.4]);
  assert.ok(inTopK(s, 3, 1));
  assert.ok(!inTopK(s, 2, 2) && inTopK(s, 2, 4));
  assert.ok(!inTopK(s, 7, 5), 'a label outside the classes is never in the top k');
  // two rows of 3: first agrees, second does not
  assert.equal(rowArgmaxAgreement(new Float32Array([1, 0, 0, 0, 1, 0]), new Float32Array([1, 0, 0, 0, 0, 1]), 3), 0.5);
  assert.equal(rowArgmaxAgreement(new Float32Array([1, 2]), new Float32Array([1, 2]), 2), 1);
});
