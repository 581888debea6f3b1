import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel } from '../onnx/model';
import { GraphView } from '../onnx/graph';
import { constantsSecond } from '../onnx/constantsSecond';
import { npyBytes } from '../../../test/util/fixtures';
import { quantizeModel } from './quantize';

const C = 16;
const S = 16;
/**
 * paddle2onnx's PP-LCNetV3 block: Conv, an affine step written Mul(scale, x) then Add(x, bias),
 * hard-swish as Add, Clip, Mul, Div, and the next Conv.
 */
function lcnetBlock() {
  const r = rng(11);
  const b = new ModelBuilder('lab-block');
  const x = b.input('x', [1, C, S, S]);
  const conv1 = b.op('Conv', [x, b.init('w1', randn(C * C * 9, 0.15, r), [C, C, 3, 3]), b.init('b1', randn(C, 0.1, r), [C])], { pads: [1, 1, 1, 1] });
  const scaled = b.op('Mul', [b.init('lab_scale', Float32Array.of(1.7), [1]), conv1]);
  const lab = b.op('Add', [scaled, b.init('lab_bias', Float32Array.of(-0.3), [1])]);
  const clip = b.op('Clip', [
    b.op('Add', [lab, b.init('three', Float32Array.of(3), [])]),
    b.init('lo', Float32Array.of(0), []),
    b.init('hi', Float32Array.of(6), []),
  ]);
  const hswish = b.op('Div', [b.op('Mul', [lab, clip]), b.init('six', Float32Array.of(6), [])]);
  b.output(b.op('Conv', [hswish, b.init('w2', randn(C * C, 0.25, r), [C, C, 1, 1]), b.init('b2', randn(C, 0.1, r), [C])], {}, 'y'), [1, C, S, S]);
  return b.build();
}

test('constantsSecond: Add/Mul with the constant first are swapped, nothing else is', () => {
  const m = lcnetBlock();
  assert.deepEqual(constantsSecond(m.graph!), ['Mul_4']);
  const g = new GraphView(m.graph!);
  for (const n of m.graph!.node.filter((n) => n.opType === 'Add' || n.opType === 'Mul')) assert.ok(!g.isConstant(n.input[0]), `${n.name}: ${n.input}`);
  assert.deepEqual(constantsSecond(m.graph!), []);
});

test('Add/Mul between int8 ops: the fp32 variant is really converted and measured, and the choice is reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-ew-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'm.onnx'), encodeModel(lcnetBlock()));
  writeFileSync(join(dir, 'x.npy'), npyBytes({ descr: '<f4', shape: [16, 1, C, S, S], data: randn(16 * C * S * S, 1, rng(5)) }));
  const report = await quantizeModel({ model: join(dir, 'm.onnx'), output: join(dir, 'q.onnx'), data: join(dir, 'x.npy'), recipe: { calib_samples: 16 } });
  assert.equal(report.preparation.constantsSecond, 1);
  const e = report.speedCheck?.elementwise;
  assert.ok(e, `no elementwise check: ${JSON.stringify(report.speedCheck)}`);
  assert.ok(e.nodes.length >= 3, JSON.stringify(e));
  // The variant rounds fewer tensors to int8, so it cannot measure the very same output.
  assert.notEqual(e.sqnrDb.fp32, e.sqnrDb.int8, JSON.stringify(e));
  const kept = report.nodes.excluded.filter((x) => /Add\/Mul between int8 ops/.test(x.reason));
  assert.equal(kept.length > 0, e.keptFloat, JSON.stringify(report.nodes.excluded));
  assert.ok(report.outputFidelity && report.outputFidelity.samples === 16, JSON.stringify(report.outputFidelity));
  // Each output on its own: the one output here is the whole.
  const [y] = report.outputFidelity.outputs;
  assert.deepEqual(
    report.outputFidelity.outputs.map((o) => o.name),
    ['y'],
  );
  assert.ok(Math.abs(y.cosine - report.outputFidelity.cosine) < 1e-4 && y.maxAbs > 0 && y.maxAbsError > 0 && y.maxAbsError < y.maxAbs, JSON.stringify(y));
});
