import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel } from '../onnx/model';
import { tempDir, writeNpy } from '../../../test/util/fixtures';
import { classScoreOutputs } from './classScores';
import { quantizeModel } from './quantize';

/** An MLP classifier ending in Add and Softmax, with a second output that is a Conv map, and one transposed after its MatMul. */
function heads() {
  const r = rng(7);
  const b = new ModelBuilder('heads');
  const x = b.input('x', [1, 4, 8, 8]);
  const map = b.op('Conv', [x, b.init('wc', randn(4 * 4 * 9, 0.2, r), [4, 4, 3, 3])], { pads: [1, 1, 1, 1] }, 'map');
  const flat = b.op('Flatten', [map]);
  const hidden = b.op('Relu', [b.op('MatMul', [flat, b.init('w1', randn(256 * 32, 0.1, r), [256, 32])])]);
  const logits = b.op('Add', [b.op('MatMul', [hidden, b.init('w2', randn(32 * 10, 0.3, r), [32, 10])]), b.init('b2', randn(10, 0.1, r), [10])]);
  b.output(b.op('Softmax', [logits], { axis: -1 }, 'probs'), [1, 10]);
  b.output(map, [1, 4, 8, 8]);
  b.output(b.op('Transpose', [b.op('Reshape', [logits, b.init('shape', BigInt64Array.of(1n, 2n, 5n), [3])])], { perm: [0, 2, 1] }, 'moved'), [1, 5, 2]);
  return b.build();
}

test('class scores: outputs a MatMul/Gemm reaches through reshapes and softmax, not a Conv map or a moved axis', () => {
  assert.deepEqual([...classScoreOutputs(heads().graph!)], ['probs']);
});

test('class scores: the report compares their top class with fp32, and only theirs', async (t) => {
  const dir = tempDir(t, 'octet-classes-');
  const src = join(dir, 'm.onnx');
  writeFileSync(src, encodeModel(heads()));
  const data = writeNpy(dir, 'x.npy', { descr: '<f4', shape: [16, 1, 4, 8, 8], data: randn(16 * 256, 1, rng(3)) });
  const report = await quantizeModel({ model: src, output: join(dir, 'q.onnx'), data, recipe: { speed_check: false } });
  const byName = new Map(report.outputFidelity!.outputs.map((o) => [o.name, o]));
  const probs = byName.get('probs')!;
  assert.ok(probs.argmaxAgreement !== undefined && probs.argmaxAgreement > 0 && probs.argmaxAgreement <= 1, JSON.stringify(probs));
  assert.equal(byName.get('map')!.argmaxAgreement, undefined);
  assert.equal(byName.get('moved')!.argmaxAgreement, undefined);
  const flips = report.warnings.some((w) => /top class of output 'probs'|top class of 'probs'/.test(w));
  assert.equal(flips, probs.argmaxAgreement < 0.99, report.warnings.join('\n'));
});
