import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel } from '../onnx/model';
import { writeNpz } from '../../../test/util/npz';
import { planQuantization } from './plan';
import { quantizeModel } from './quantize';
import { pinRecipe } from './tune';
import { DEFAULT_RECIPE } from '../../shared/recipe';

const C = 16;
const S = 16;
/**
 * A squeeze-excite block as PP-LCNet writes it (x · HardSigmoid(Conv(Relu(Conv(GAP(x)))))),
 * then a Mish-like x · tanh(softplus(x)), and an Add of a mask computed from an integer input,
 * as transformers add their attention masks.
 */
function gatedBlock() {
  const r = rng(3);
  const b = new ModelBuilder('gates');
  const x = b.input('x', [1, C, S, S]);
  const mask = b.input('keep', [1, 1, 1, S], 7 /* int64 */);
  const conv = (name: string, input: string, k: number) =>
    b.op(
      'Conv',
      [input, b.init(`${name}_w`, randn(C * C * k * k, 0.2, r), [C, C, k, k]), b.init(`${name}_b`, randn(C, 0.1, r), [C])],
      { pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0] },
      name,
    );
  const c1 = conv('c1', x, 3);
  const squeeze = conv('se2', b.op('Relu', [conv('se1', b.op('GlobalAveragePool', [c1]), 1)]), 1);
  const gate = b.op('HardSigmoid', [squeeze], { alpha: 0.2, beta: 0.5 }, 'gate');
  const se = b.op('Mul', [c1, gate], {}, 'se_mul');
  const c2 = conv('c2', se, 3);
  // Mish-like: x · tanh(softplus(x)).
  const mish = b.op('Mul', [c2, b.op('Tanh', [b.op('Softplus', [c2])])], {}, 'tanh_mul');
  const c3 = conv('c3', mish, 3);
  const maskValue = b.op('Mul', [
    b.op('Sub', [b.init('one_f', Float32Array.of(1), []), b.op('Cast', [mask], { to: 1 })]),
    b.init('big', Float32Array.of(-1e4), []),
  ]);
  b.output(b.op('Add', [c3, maskValue], {}, 'mask_add'), [1, C, S, S]);
  return b.build();
}

test('gates: an op fed by an int8 tensor and an fp32 function of int8 tensors runs in int8 with the gate quantized; a mask from an integer input is never quantized', () => {
  const plan = planQuantization(gatedBlock().graph!, DEFAULT_RECIPE);
  // Found by output: the builder names tensors, not nodes.
  const d = (output: string) => plan.decisions.find((x) => x.node.output[0] === output)!;
  assert.equal(d('se_mul').int8, true);
  assert.deepEqual(d('se_mul').floatInputs, ['gate']);
  assert.ok(plan.observed.includes('gate'), 'the gate is calibrated');
  assert.equal(d('tanh_mul').int8, true);
  assert.equal(d('tanh_mul').floatInputs?.length, 1);
  assert.equal(d('mask_add').int8, false);
  assert.match(d('mask_add').reason ?? '', /inputs arrive in fp32/);
  // Kept fp32 by a measured choice, the gate is neither quantized nor observed.
  const kept = planQuantization(gatedBlock().graph!, DEFAULT_RECIPE, { keepFloat: new Map([[d('se_mul').node.name, 'kept']]) });
  assert.equal(kept.decisions.find((x) => x.node.output[0] === 'se_mul')!.int8, false);
  assert.ok(!kept.observed.includes('gate'));
});

test('gates: measured in int8 against fp32 as a group, the choice reported and pinned by its node names', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-gates-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = gatedBlock();
  const nodeOf = (output: string) => model.graph!.node.find((x) => x.output[0] === output)!.name;
  writeFileSync(join(dir, 'm.onnx'), encodeModel(model));
  const n = 16;
  const keep = new BigInt64Array(n * S).map((_, i) => (i % S < S - 3 ? 1n : 0n));
  const data = writeNpz(dir, 'calib.npz', {
    x: { descr: '<f4', shape: [n, 1, C, S, S], data: randn(n * C * S * S, 1, rng(5)) },
    keep: { descr: '<i8', shape: [n, 1, 1, 1, S], data: keep },
  });
  const report = await quantizeModel({
    model: join(dir, 'm.onnx'),
    output: join(dir, 'q.onnx'),
    data,
    recipe: { calib_samples: n },
  });
  const gates = report.speedCheck?.gates;
  assert.ok(gates, `no gate check: ${JSON.stringify(report.speedCheck)}`);
  // One group per kind of gate: the squeeze-excite HardSigmoid and Mish's tanh.
  assert.deepEqual(
    gates.map((k) => [k.gate, k.nodes]),
    [
      ['HardSigmoid', [nodeOf('se_mul')]],
      ['Tanh', [nodeOf('tanh_mul')]],
    ],
  );
  const pinned = pinRecipe(DEFAULT_RECIPE, report).local;
  for (const k of gates) {
    assert.notEqual(k.sqnrDb.fp32, k.sqnrDb.int8, 'the fp32 variant quantizes fewer tensors');
    const kept = report.nodes.excluded.filter((x) => x.reason.includes(`gated by ${k.gate}(…)`)).map((x) => x.node);
    assert.deepEqual(kept, k.keptFloat ? k.nodes : [], JSON.stringify(report.nodes.excluded));
    for (const node of k.nodes) assert.equal(pinned[`name:${node}`]?.act_dtype, k.keptFloat ? 'fp32' : undefined, node);
  }
});
