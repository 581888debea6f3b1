import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel } from '../onnx/model';
import { npyBytes } from '../../../test/util/fixtures';
import { chooseRangeAlgo } from './rangeChoice';
import { AUTO_MIN_GAIN_DB, CLIPPING_ALGOS } from '../../shared/rangeAlgorithms';
import { quantizeModel } from './quantize';
import type { ActAlgo } from '../../shared/recipe';
import type { TensorRange } from './calibrate';

const ALGOS: ActAlgo[] = ['minmax', 'percentile', 'mse', 'kl'];
/** Each algorithm's ranges carry its index, so the fake SQNR can tell them apart. */
const fake = (db: Record<ActAlgo, number>) => ({
  ranges: (algo: ActAlgo) => new Map<string, TensorRange>([['t', { lo: 0, hi: ALGOS.indexOf(algo), min: 0, max: 9 }]]),
  sqnr: async (sets: Map<string, TensorRange>[]) => sets.map((s) => db[ALGOS[s.get('t')!.hi]]),
});

test('act_algo auto keeps minmax unless another algorithm gains the margin, then the best', async () => {
  const near = await chooseRangeAlgo(fake({ minmax: 20, percentile: 20 + AUTO_MIN_GAIN_DB / 2, mse: 19, kl: 3 }), 8);
  assert.equal(near.algo, 'minmax');
  assert.match(near.report.reason, /minmax 20 dB, percentile 20\.3 dB, kl 3 dB, mse 19 dB on 8 calibration samples/);
  const far = await chooseRangeAlgo(fake({ minmax: 10, percentile: 12, mse: 15, kl: 14 }), 8);
  assert.equal(far.algo, 'mse');
  assert.equal(far.ranges.get('t')!.hi, ALGOS.indexOf('mse'));
  assert.deepEqual(far.report.sqnrDb, { minmax: 10, percentile: 12, mse: 15, kl: 14 });
});

const H = 64;
/** Heavy-tailed inputs (a Gaussian cubed): minmax spends most of the int8 grid on rare large values. */
function model() {
  const r = rng(7);
  const b = new ModelBuilder('heavy-tails');
  const x = b.input('x', [1, H]);
  const h = b.op('MatMul', [x, b.init('w1', randn(H * H, 0.2, r), [H, H])]);
  b.output(b.op('MatMul', [b.op('Relu', [h]), b.init('w2', randn(H * H, 0.2, r), [H, H])], {}, 'y'), [1, H]);
  return b.build();
}

function data(n: number, seed: number): Float32Array {
  return randn(n * H, 1, rng(seed)).map((v) => v * v * v);
}

test('act_algo auto: measured, written in the report with the output fidelity, and replayed by the algorithm it chose', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-auto-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'm.onnx');
  writeFileSync(src, encodeModel(model()));
  writeFileSync(join(dir, 'x.npy'), npyBytes({ descr: '<f4', shape: [64, 1, H], data: data(64, 3) }));
  const quantize = (act_algo: ActAlgo | 'auto') =>
    quantizeModel({
      model: src,
      output: join(dir, `${act_algo}.onnx`),
      data: join(dir, 'x.npy'),
      recipe: { speed_check: false, smooth_quant: false, act_algo },
    });
  const auto = await quantize('auto');
  const choice = auto.calibration.choice!;
  assert.ok(choice, 'no range choice in the report');
  assert.deepEqual(Object.keys(choice.sqnrDb), ['minmax', ...CLIPPING_ALGOS]);
  assert.equal(auto.calibration.algo, choice.chosen);
  assert.equal(auto.recipe.act_algo, 'auto');
  // The written model measures what the choice measured, and the chosen algorithm replays it.
  assert.ok(
    Math.abs(auto.outputFidelity!.medianSampleSqnrDb - choice.sqnrDb[choice.chosen]!) < 0.2,
    `${auto.outputFidelity!.medianSampleSqnrDb} vs ${choice.reason}`,
  );
  const pinned = await quantize(choice.chosen);
  assert.equal(pinned.calibration.choice, undefined);
  assert.ok(
    readFileSync(join(dir, 'auto.onnx')).equals(readFileSync(join(dir, `${choice.chosen}.onnx`))),
    'auto and its pinned algorithm wrote different bytes',
  );
});
