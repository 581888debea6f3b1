// Issue 12: models with several inputs and symbolic dims, fed from .npz / .npy data, through
// quantize and bench (tiny models built in-test).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel, loadModel } from '../onnx/model';
import { valueDims } from '../onnx/graph';
import { DT } from '../onnx/tensor';
import { quantizeModel } from './quantize';
import { compareModels } from '../bench/compare';
import { rejectsWith, tempDir, writeNpy } from '../../../test/util/fixtures';
import { writeNpz } from '../../../test/util/npz';

const RECIPE = { calib_samples: 8, speed_check: false } as const;

/** x:[N,16] → MatMul → Relu → MatMul → y:[N,8]. */
function mlp(dir: string): string {
  const r = rng(1);
  const b = new ModelBuilder('mlp', 13);
  b.input('x', ['N', 16]);
  const h = b.op('Relu', [b.op('MatMul', ['x', b.init('w1', randn(16 * 32, 0.3, r), [16, 32])])]);
  b.op('MatMul', [h, b.init('w2', randn(32 * 8, 0.3, r), [32, 8])], {}, 'y');
  b.output('y', ['N', 8]);
  const file = join(dir, 'mlp.onnx');
  writeFileSync(file, encodeModel(b.build()));
  return file;
}

/** A BERT-like toy: ids [batch, seq] → Gather(table[50,16]) · mask → MatMul → out [batch, seq, 8]. */
function toyEncoder(dir: string): string {
  const r = rng(2);
  const b = new ModelBuilder('toy', 13);
  b.input('input_ids', ['batch', 'seq'], DT.INT64);
  b.input('attention_mask', ['batch', 'seq'], DT.INT64);
  const emb = b.op('Gather', [b.init('word_embeddings', randn(50 * 16, 1, r), [50, 16]), 'input_ids'], { axis: 0 });
  const mask = b.op('Unsqueeze', [b.op('Cast', ['attention_mask'], { to: DT.FLOAT }), b.init('axes', BigInt64Array.from([2n]), [1])]);
  const masked = b.op('Mul', [emb, mask]);
  const h = b.op('Relu', [b.op('MatMul', [masked, b.init('w1', randn(16 * 32, 0.3, r), [16, 32])])]);
  b.op('MatMul', [h, b.init('w2', randn(32 * 8, 0.3, r), [32, 8])], {}, 'out');
  b.output('out', ['batch', 'seq', 8]);
  const file = join(dir, 'toy.onnx');
  writeFileSync(file, encodeModel(b.build()));
  return file;
}

function toyData(dir: string, name: string, n: number, seq: number, maxId = 50): string {
  const r = rng(3);
  const ids = BigInt64Array.from({ length: n * seq }, () => BigInt(Math.floor(r() * maxId)));
  const mask = BigInt64Array.from({ length: n * seq }, (_, i) => (i % seq < seq - 2 ? 1n : 0n));
  return writeNpz(
    dir,
    name,
    { input_ids: { descr: '<i8', shape: [n, seq], data: ids }, attention_mask: { descr: '<i8', shape: [n, seq], data: mask } },
    { compress: true },
  );
}

test('same-rank batched .npy without --shape: x:[N,16] with [4,32,16] calibrates on batches of 32; the model keeps N', async (t) => {
  const dir = tempDir(t, 'octet-multi-');
  const model = mlp(dir);
  const data = writeNpy(dir, 'x.npy', { descr: '<f4', shape: [4, 32, 16], data: randn(4 * 32 * 16, 1, rng(4)) });
  const out = join(dir, 'mlp.int8.onnx');
  const report = await quantizeModel({ model, output: out, data, recipe: RECIPE });
  assert.deepEqual(report.preparation.shapes, { x: [32, 16] });
  assert.equal(report.calibration.samples, 4);
  const q = (await loadModel(out)).model;
  assert.deepEqual(valueDims(q.graph!.input[0]), [null, 16]);
  assert.equal(q.graph!.input[0].type!.tensorType!.shape!.dim[0].dimParam, 'N');
});

test('multi-input .npz: quantize and bench a toy encoder with int64 ids and mask, symbolic [batch, seq] from the data', async (t) => {
  const dir = tempDir(t, 'octet-multi-');
  const model = toyEncoder(dir);
  const calib = toyData(dir, 'calib.npz', 12, 6);
  const evalData = toyData(dir, 'eval.npz', 6, 6);
  const out = join(dir, 'toy.int8.onnx');
  const report = await quantizeModel({ model, output: out, data: calib, recipe: RECIPE });
  assert.deepEqual(report.preparation.shapes, { input_ids: [1, 6], attention_mask: [1, 6] });
  assert.match(report.calibration.data, /input_ids int64 \[1,6\], attention_mask int64 \[1,6\]/);
  const q = (await loadModel(out)).model;
  assert.deepEqual(
    q.graph!.input.map((i) => i.type!.tensorType!.shape!.dim.map((d) => d.dimParam)),
    [
      ['batch', 'seq'],
      ['batch', 'seq'],
    ],
  );
  const r = await compareModels({
    fp32: model,
    int8: out,
    data: evalData,
    samples: 6,
    runs: 4,
    minSeconds: 0,
    batches: [1, 2],
    throughputThreads: [1],
    throughputRuns: 2,
    layerSamples: 1,
    memory: false,
  });
  assert.equal(r.samples, 6);
  assert.ok(r.fidelity.cosine > 0.9, `cosine ${r.fidelity.cosine}`);
  assert.deepEqual(
    r.throughput!.points.map((p) => p.batch),
    [1, 2],
  );
  // Token ids beyond the embedding table are refused before calibration, naming input, array and table.
  const bad = toyData(dir, 'bad.npz', 4, 6, 60);
  await rejectsWith(
    quantizeModel({ model, output: join(dir, 'bad.int8.onnx'), data: bad, recipe: RECIPE }),
    'DATA_UNREADABLE',
    "array 'input_ids'",
    "input 'input_ids'",
    'word_embeddings',
    '50 rows',
  );
  // --shape still works for every input (and must agree with the data).
  await rejectsWith(
    quantizeModel({ model, output: join(dir, 's.int8.onnx'), data: calib, recipe: RECIPE, shapes: { attention_mask: [1, 8] } }),
    'SHAPE_MISMATCH',
    "input 'attention_mask'",
    'dim 1 must be 8, not 6',
  );
});
