import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from './proto/onnx';
import { ModelBuilder, randn, rng } from './builder';
import { encodeModel, loadModel, opsetOf } from './model';
import { float, makeNode, makeValueInfo } from './graph';
import { DT, num } from './tensor';
import { TARGET_OPSET, upgradeOpset } from './opset';
import { OctetError } from '../../shared/errors';

const MODELS = resolve(__dirname, '../../../../shared/models');
const haveModels = existsSync(resolve(MODELS, 'mnist-8.onnx')) && existsSync(resolve(MODELS, 'ultraface-rfb-320.onnx'));
const noModels = haveModels ? false : `real models not found in ${MODELS}`;

type Feeds = Record<string, ort.Tensor>;
type Result = Awaited<ReturnType<ort.InferenceSession['run']>>;

function randomFloat(dims: number[], seed: number, std = 1): ort.Tensor {
  return new ort.Tensor(
    'float32',
    randn(
      dims.reduce((a, b) => a * b, 1),
      std,
      rng(seed),
    ),
    dims,
  );
}

async function run(bytes: Uint8Array, feeds: Feeds): Promise<Result> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function values(t: ort.Tensor): number[] {
  const d = t.data as ArrayLike<number | bigint>;
  return Array.from(d, (v) => Number(v));
}

function assertSame(before: Result, after: Result, tol: number): void {
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  for (const k of Object.keys(before)) {
    assert.deepEqual(after[k].dims, before[k].dims, `output ${k}: dims`);
    assert.equal(after[k].type, before[k].type, `output ${k}: type`);
    const a = values(before[k]);
    const b = values(after[k]);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    assert.ok(diff <= tol, `output ${k}: max abs diff ${diff} > ${tol}`);
  }
}

/** Runs `model` as built, upgrades it, runs it again: same outputs, opset 13, IR >= 7. */
async function assertUpgradeKeeps(model: onnx.ModelProto, feedSets: Feeds[], tol = 1e-6): Promise<string[]> {
  const original = encodeModel(model);
  const changes = upgradeOpset(model);
  assert.equal(opsetOf(model), TARGET_OPSET);
  assert.ok(num(model.irVersion) >= 7, `ir_version ${num(model.irVersion)}`);
  const upgraded = encodeModel(model);
  for (const feeds of feedSets) assertSame(await run(original, feeds), await run(upgraded, feeds), tol);
  return changes;
}

/** A one-node model at `opset`: x → op → y. */
function single(
  opset: number,
  op: string,
  dims: number[],
  attrs: Parameters<ModelBuilder['op']>[2] = {},
  extraInputs: (b: ModelBuilder) => string[] = () => [],
): onnx.ModelProto {
  const b = new ModelBuilder(op, opset);
  const x = b.input('x', dims);
  b.op(op, [x, ...extraInputs(b)], attrs, 'y');
  b.output('y');
  return b.build();
}

const nodesOf = (m: onnx.ModelProto): onnx.NodeProto.$Properties[] => m.graph!.node ?? [];
const opsOf = (m: onnx.ModelProto): string[] => nodesOf(m).map((n) => n.opType ?? '');
const attrNames = (n: onnx.NodeProto.$Properties): string[] => (n.attribute ?? []).map((a) => a.name ?? '');

function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OctetError, `expected OctetError, got ${String(e)}`);
    assert.equal(e.code, 'MODEL_UNSUPPORTED');
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('upgradeOpset adapters (old opset vs 13 in ONNX Runtime)', () => {
  test('BatchNormalization 7: spatial=1, legacy consumed_inputs dropped', async () => {
    const b = new ModelBuilder('bn', 7);
    const x = b.input('x', [2, 3, 4, 4]);
    const p = (n: string, base: number) =>
      b.init(
        n,
        Float32Array.from({ length: 3 }, (_, i) => base + 0.3 * i),
        [3],
      );
    b.node('BatchNormalization', [x, p('s', 1), p('b', 0.1), p('m', -0.2), p('v', 0.5)], { spatial: 1, epsilon: float(1e-3) }, ['y']);
    b.output('y');
    const m = b.build();
    const changes = await assertUpgradeKeeps(m, [{ x: randomFloat([2, 3, 4, 4], 1) }]);
    assert.deepEqual(attrNames(nodesOf(m)[0]), ['epsilon']);
    assert.ok(changes.some((c) => /spatial/.test(c)));

    const legacy = single(7, 'BatchNormalization', [1, 3, 2, 2], { consumed_inputs: [0, 0, 0, 1, 1], is_test: 1 }, (bb) =>
      ['s', 'b', 'm', 'v'].map((n) => bb.init(n, new Float32Array([1, 2, 3]), [3])),
    );
    upgradeOpset(legacy);
    assert.deepEqual(attrNames(nodesOf(legacy)[0]), []);
  });

  test('BatchNormalization 7: spatial=0 (per-activation) folds into Mul/Add', async () => {
    const b = new ModelBuilder('bn0', 7);
    const x = b.input('x', [2, 3, 2, 2]);
    const p = (n: string, base: number) =>
      b.init(
        n,
        Float32Array.from({ length: 12 }, (_, i) => base + 0.05 * i),
        [3, 2, 2],
      );
    b.node('BatchNormalization', [x, p('s', 0.5), p('b', 0.1), p('m', -0.2), p('v', 0.5)], { spatial: 0 }, ['y']);
    b.output('y');
    const m = b.build();
    await assertUpgradeKeeps(m, [{ x: randomFloat([2, 3, 2, 2], 2) }]);
    assert.deepEqual(opsOf(m), ['Mul', 'Add']);
  });

  test('BatchNormalization in training mode with its statistics read keeps its outputs', async () => {
    const b = new ModelBuilder('bnt', 7);
    const x = b.input('x', [2, 2, 3, 3]);
    const p = (n: string, v: number) => b.init(n, new Float32Array([v, v + 0.5]), [2]);
    const outs = ['y', 'rm', 'rv', 'sm', 'sv'];
    b.node('BatchNormalization', [x, p('s', 1), p('b', 0), p('m', 0.1), p('v', 1)], {}, outs);
    for (const o of outs) b.output(o);
    const m = b.build();
    await assertUpgradeKeeps(m, [{ x: randomFloat([2, 2, 3, 3], 3) }]);
    assert.equal(nodesOf(m)[0].output!.length, 5);
  });

  test('Dropout 7 (ratio attr, unused mask) and 10 (ratio → input at 12)', async () => {
    const b = new ModelBuilder('do7', 7);
    const x = b.input('x', [2, 5]);
    b.node('Dropout', [x], { ratio: float(0.3) }, ['y', 'mask']);
    b.output('y');
    const m7 = b.build();
    await assertUpgradeKeeps(m7, [{ x: randomFloat([2, 5], 4) }]);
    assert.deepEqual(nodesOf(m7)[0].output, ['y']);
    assert.equal(nodesOf(m7)[0].input!.length, 2);

    const m10 = single(10, 'Dropout', [3, 4], { ratio: float(0.2) });
    await assertUpgradeKeeps(m10, [{ x: randomFloat([3, 4], 5) }]);
    assert.deepEqual(attrNames(nodesOf(m10)[0]), []);
  });

  test('Slice 9: starts/ends/axes attributes → inputs', async () => {
    const m = single(9, 'Slice', [4, 5, 6], { starts: [1, -4, 0], ends: [2 ** 53 - 1, -1, 3], axes: [0, 2, 1] });
    const changes = await assertUpgradeKeeps(m, [{ x: randomFloat([4, 5, 6], 6) }]);
    assert.equal(nodesOf(m)[0].input!.length, 4);
    assert.deepEqual(attrNames(nodesOf(m)[0]), []);
    assert.ok(changes.some((c) => c.startsWith('Slice:')));

    const noAxes = single(9, 'Slice', [4, 5], { starts: [1], ends: [3] });
    await assertUpgradeKeeps(noAxes, [{ x: randomFloat([4, 5], 7) }]);
    assert.equal(nodesOf(noAxes)[0].input!.length, 3);
  });

  test('Upsample 7 (scales attr) nearest and linear → Resize', async () => {
    for (const mode of ['nearest', 'linear']) {
      const m = single(7, 'Upsample', [1, 2, 3, 4], { mode, scales: float([1, 1, 2, 3]) });
      await assertUpgradeKeeps(m, [{ x: randomFloat([1, 2, 3, 4], 8) }]);
      assert.deepEqual(opsOf(m), ['Resize']);
    }
  });

  test('Upsample 9: constant, Constant-node and runtime scales (non-integer) → Resize', async () => {
    const m = single(9, 'Upsample', [1, 1, 3, 4], { mode: 'nearest' }, (b) => [b.init('sc', new Float32Array([1, 1, 1.5, 2.5]), [4])]);
    await assertUpgradeKeeps(m, [{ x: randomFloat([1, 1, 3, 4], 9) }]);

    const c = new ModelBuilder('upc', 9);
    const x = c.input('x', [1, 2, 2, 3]);
    const k = c.op('Constant', [], { value: makeScales([1, 1, 2, 1.5]) });
    c.op('Upsample', [x, k], { mode: 'linear' }, 'y');
    c.output('y');
    await assertUpgradeKeeps(c.build(), [{ x: randomFloat([1, 2, 2, 3], 10) }]);

    const d = new ModelBuilder('upd', 9);
    const xd = d.input('x', [1, 1, 3, 3]);
    const s = d.input('s', [4]);
    d.op('Upsample', [xd, s], { mode: 'nearest' }, 'y');
    d.output('y');
    const md = d.build();
    await assertUpgradeKeeps(md, [
      { x: randomFloat([1, 1, 3, 3], 11), s: new ort.Tensor('float32', new Float32Array([1, 1, 2.5, 1.5]), [4]) },
      { x: randomFloat([1, 1, 3, 3], 12), s: new ort.Tensor('float32', new Float32Array([1, 1, 1, 3]), [4]) },
    ]);
  });

  test('Resize 10 → 11+: nearest up (floor), down (ceil), mixed (split in two), linear', async () => {
    const cases: [string, number[]][] = [
      ['nearest', [1, 1, 1.5, 2.5]],
      ['nearest', [1, 1, 0.5, 0.6]],
      ['nearest', [1, 1, 0.6, 1.7]],
      ['linear', [1, 1, 0.6, 1.7]],
      ['linear', [1, 1, 2, 2]],
    ];
    for (const [mode, sc] of cases) {
      const m = single(10, 'Resize', [1, 2, 5, 7], { mode }, (b) => [b.init('sc', new Float32Array(sc), [4])]);
      const changes = await assertUpgradeKeeps(m, [{ x: randomFloat([1, 2, 5, 7], 13) }]);
      assert.ok(
        changes.some((c) => /asymmetric/.test(c)),
        changes.join('\n'),
      );
      for (const n of nodesOf(m)) assert.equal(n.input!.length, 3);
    }
  });

  test('Clip 7: min/max attributes → inputs (both, max only, min only, none)', async () => {
    const variants = [{ min: float(-0.5), max: float(0.7) }, { max: float(0.2) }, { min: float(-0.1) }, {}];
    for (const attrs of variants) {
      const m = single(7, 'Clip', [3, 4], attrs);
      await assertUpgradeKeeps(m, [{ x: randomFloat([3, 4], 14) }]);
      assert.deepEqual(attrNames(nodesOf(m)[0]), []);
    }
  });

  test('Pad 7: pads/value attributes → inputs (constant, reflect, edge)', async () => {
    const variants = [
      { mode: 'constant', pads: [0, 0, 1, 2, 0, 0, 2, 1], value: float(1.5) },
      { pads: [0, 1, 1, 0, 0, 0, 1, 2] },
      { mode: 'reflect', pads: [0, 0, 1, 2, 0, 0, 2, 1] },
      { mode: 'edge', pads: [0, 0, 3, 0, 0, 0, 0, 2] },
    ];
    for (const attrs of variants) {
      const m = single(7, 'Pad', [1, 2, 4, 4], attrs);
      await assertUpgradeKeeps(m, [{ x: randomFloat([1, 2, 4, 4], 15) }]);
      assert.ok(!attrNames(nodesOf(m)[0]).includes('pads'));
    }
  });

  test('Squeeze/Unsqueeze 11: axes attribute → input', async () => {
    const b = new ModelBuilder('sq', 11);
    const x = b.input('x', [1, 3, 1, 4]);
    const s1 = b.op('Squeeze', [x], { axes: [0, -2] });
    const u = b.op('Unsqueeze', [s1], { axes: [0, 3] });
    b.op('Squeeze', [u], {}, 'y');
    b.output('y');
    const m = b.build();
    await assertUpgradeKeeps(m, [{ x: randomFloat([1, 3, 1, 4], 16) }]);
    assert.deepEqual(
      nodesOf(m).map((n) => n.input!.length),
      [2, 2, 1],
    );
  });

  test('Split 11: split attribute → input; equal split unchanged', async () => {
    const b = new ModelBuilder('split', 11);
    const x = b.input('x', [2, 6]);
    b.node('Split', [x], { axis: 1, split: [1, 2, 3] }, ['a', 'c', 'd']);
    b.node('Split', [x], { axis: 0 }, ['e', 'f']);
    for (const o of ['a', 'c', 'd', 'e', 'f']) b.output(o);
    const m = b.build();
    await assertUpgradeKeeps(m, [{ x: randomFloat([2, 6], 17) }]);
    assert.deepEqual(
      nodesOf(m).map((n) => n.input!.length),
      [2, 1],
    );
  });

  test('ReduceSum 11: axes → input; ReduceMean keeps its axes attribute', async () => {
    const b = new ModelBuilder('reduce', 11);
    const x = b.input('x', [2, 3, 4]);
    b.op('ReduceSum', [x], { axes: [1, -1], keepdims: 0 }, 'a');
    b.op('ReduceSum', [x], {}, 'c');
    b.op('ReduceMean', [x], { axes: [1] }, 'd');
    for (const o of ['a', 'c', 'd']) b.output(o);
    const m = b.build();
    await assertUpgradeKeeps(m, [{ x: randomFloat([2, 3, 4], 18) }]);
    assert.deepEqual(
      nodesOf(m).map((n) => n.input!.length),
      [2, 1, 1],
    );
    assert.deepEqual(attrNames(nodesOf(m)[2]), ['axes']);
  });

  test('TopK 9: k attribute → input', async () => {
    const b = new ModelBuilder('topk', 9);
    const x = b.input('x', [3, 7]);
    b.node('TopK', [x], { k: 3, axis: 1 }, ['v', 'i']);
    b.output('v');
    b.output('i', undefined, DT.INT64);
    const m = b.build();
    await assertUpgradeKeeps(m, [{ x: randomFloat([3, 7], 19) }]);
    assert.equal(nodesOf(m)[0].input!.length, 2);
  });

  test('Softmax/LogSoftmax/Hardmax 11 → 13: inner axes keep the 2D-coercion meaning', async () => {
    const x = randomFloat([2, 3, 4], 20);
    for (const [op, axis] of [
      ['Softmax', 1],
      ['LogSoftmax', -2],
      ['Hardmax', 1],
      ['Softmax', 0],
    ] as const) {
      const m = single(11, op, [2, 3, 4], { axis });
      const changes = await assertUpgradeKeeps(m, [{ x }]);
      assert.deepEqual(opsOf(m), ['Shape', 'Flatten', op, 'Reshape'], op);
      assert.ok(changes.some((c) => c.startsWith(`${op}:`)));
    }
  });

  test('Softmax: last axis and the rank-2 default need no rewrite', async () => {
    const last = single(9, 'Softmax', [2, 3, 4], { axis: 2 });
    await assertUpgradeKeeps(last, [{ x: randomFloat([2, 3, 4], 21) }]);
    assert.deepEqual(opsOf(last), ['Softmax']);

    const dflt = single(9, 'LogSoftmax', [4, 5]);
    await assertUpgradeKeeps(dflt, [{ x: randomFloat([4, 5], 22) }]);
    assert.deepEqual(opsOf(dflt), ['LogSoftmax']);

    // Rank known only through Transpose → Reshape(constant shape) → Concat.
    const b = new ModelBuilder('chain', 9);
    const xi = b.input('x', [1, 4, 2, 3]);
    const t = b.op('Transpose', [xi], { perm: [0, 2, 3, 1] });
    const r = b.op('Reshape', [t, b.init('shape', new BigInt64Array([1n, -1n, 2n]), [3])]);
    const c = b.op('Concat', [r, r], { axis: 1 });
    b.op('Softmax', [c], { axis: 2 }, 'y');
    b.output('y');
    const chain = b.build();
    await assertUpgradeKeeps(chain, [{ x: randomFloat([1, 4, 2, 3], 23) }]);
    assert.deepEqual(opsOf(chain), ['Transpose', 'Reshape', 'Concat', 'Softmax']);
  });

  test('Softmax with unknown input rank is rewritten (correct for any rank)', async () => {
    const m = single(9, 'Softmax', [2, 3, 4], { axis: 1 });
    m.graph!.input![0].type!.tensorType!.shape = null;
    await assertUpgradeKeeps(m, [{ x: randomFloat([2, 3, 4], 24) }, { x: randomFloat([2, 5], 25) }]);
    assert.deepEqual(opsOf(m), ['Shape', 'Flatten', 'Softmax', 'Reshape']);
  });

  test('Scatter 9 → ScatterElements', async () => {
    const m = single(9, 'Scatter', [3, 3], { axis: 1 }, (b) => [
      b.init('idx', new BigInt64Array([1n, 0n, 2n, 0n, 2n, 1n]), [2, 3]),
      b.init('upd', new Float32Array([9, 8, 7, 6, 5, 4]), [2, 3]),
    ]);
    await assertUpgradeKeeps(m, [{ x: randomFloat([3, 3], 26) }]);
    assert.deepEqual(opsOf(m), ['ScatterElements']);
  });

  test('ops without signature changes stay as they are (Conv, pools, Gemm, MatMul, Max/Min/Sum/Mean, Cast, Gather, Tile, Expand, Reshape, Constant, LRN, InstanceNorm)', async () => {
    const b = new ModelBuilder('compat', 8);
    const r = rng(27);
    const x = b.input('x', [1, 2, 6, 6]);
    const c = b.op('Conv', [x, b.init('w', randn(4 * 2 * 9, 0.3, r), [4, 2, 3, 3]), b.init('cb', randn(4, 0.1, r), [4])], { pads: [1, 1, 1, 1] });
    const relu = b.op('Relu', [c]);
    const mp = b.op('MaxPool', [relu], { kernel_shape: [2, 2], strides: [2, 2] });
    const ap = b.op('AveragePool', [relu], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 });
    const mx = b.op('Max', [mp, ap]);
    const mn = b.op('Min', [mp, ap]);
    const sum = b.op('Sum', [mx, mn, mp]);
    const mean = b.op('Mean', [sum, mx]);
    const lrn = b.op('LRN', [mean], { size: 3 });
    const inorm = b.op('InstanceNormalization', [
      lrn,
      b.init('is', new Float32Array([1, 0.5, 2, 1]), [4]),
      b.init('ib', new Float32Array([0, 0.1, 0.2, 0.3]), [4]),
    ]);
    const flat = b.op('Flatten', [inorm], { axis: 1 });
    const gemm = b.op('Gemm', [flat, b.init('gw', randn(36 * 5, 0.2, r), [36, 5]), b.init('gc', randn(5, 0.1, r), [5])]);
    const mm = b.op('MatMul', [gemm, b.init('mw', randn(25, 0.3, r), [5, 5])]);
    const cast = b.op('Cast', [mm], { to: DT.FLOAT });
    const gat = b.op('Gather', [cast, b.init('gi', new BigInt64Array([0n, 2n]), [2])], { axis: 1 });
    const tile = b.op('Tile', [gat, b.init('rep', new BigInt64Array([2n, 1n]), [2])]);
    const exp = b.op('Expand', [tile, b.init('es', new BigInt64Array([3n, 2n, 2n]), [3])]);
    const k = b.op('Constant', [], { value: makeScales([0.5, -0.5]) });
    const add = b.op('Add', [exp, k]);
    b.op('Reshape', [add, b.init('rs', new BigInt64Array([-1n]), [1])], {}, 'y');
    b.output('y');
    const m = b.build();
    const before = opsOf(m);
    const changes = await assertUpgradeKeeps(m, [{ x: randomFloat([1, 2, 6, 6], 28) }]);
    assert.deepEqual(opsOf(m), before);
    assert.deepEqual(changes, ['ONNX opset (ai.onnx) 8 → 13', 'IR version 3 → 7']);
  });

  test('experimental ops of old opsets become standard ops', async () => {
    const x = randomFloat([1, 2, 3, 3], 29);
    const cases: [string, Record<string, ReturnType<typeof float> | number | number[]>, string[]][] = [
      ['ImageScaler', { scale: float(0.5), bias: float([1, -2]) }, ['Mul', 'Add']],
      ['Scale', { scale: float(3) }, ['Mul']],
      ['Affine', { alpha: float(2), beta: float(0.5) }, ['Mul', 'Add']],
      ['ScaledTanh', { alpha: float(2), beta: float(0.5) }, ['Mul', 'Tanh', 'Mul']],
      ['ParametricSoftplus', { alpha: float(2), beta: float(0.5) }, ['Mul', 'Softplus', 'Mul']],
      ['ThresholdedRelu', { alpha: float(0.4) }, ['ThresholdedRelu']],
      ['MeanVarianceNormalization', { across_channels: 1 }, ['MeanVarianceNormalization']],
      ['MeanVarianceNormalization', { normalize_variance: 0 }, ['ReduceMean', 'Sub']],
      ['Crop', { border: [1, 0, 0, 1] }, ['Slice']],
      ['Crop', { border: [0, 1, 0, 0], scale: [2, 2] }, ['Slice']],
    ];
    for (const [op, attrs, expected] of cases) {
      const m = single(8, op, [1, 2, 3, 3], attrs);
      await assertUpgradeKeeps(m, [{ x }], 2e-6);
      assert.deepEqual(opsOf(m), expected, op);
    }
    const ds = single(8, 'DynamicSlice', [4, 3], {}, (b) => [b.init('st', new BigInt64Array([1n]), [1]), b.init('en', new BigInt64Array([3n]), [1])]);
    await assertUpgradeKeeps(ds, [{ x: randomFloat([4, 3], 30) }]);
    assert.deepEqual(opsOf(ds), ['Slice']);
  });

  test('If subgraphs are upgraded too (Squeeze, ReduceSum with axes attributes inside)', async () => {
    const b = new ModelBuilder('if', 11);
    const x = b.input('x', [1, 3, 4]);
    const cond = b.input('cond', [], DT.BOOL);
    b.node('If', [cond], {}, ['y']);
    b.output('y');
    const m = b.build();
    const branch = (name: string, node: onnx.NodeProto) =>
      onnx.GraphProto.create({ name, node: [node], output: [makeValueInfo(node.output[0], DT.FLOAT, undefined)] });
    const ifNode = nodesOf(m)[0];
    ifNode.attribute = [
      onnx.AttributeProto.create({
        name: 'then_branch',
        type: onnx.AttributeProto.AttributeType.GRAPH,
        g: branch('then', makeNode('Squeeze', [x], ['t'], { axes: [0] }, 'then_squeeze')),
      }),
      onnx.AttributeProto.create({
        name: 'else_branch',
        type: onnx.AttributeProto.AttributeType.GRAPH,
        g: branch('else', makeNode('ReduceSum', [x], ['e'], { axes: [0], keepdims: 0 }, 'else_sum')),
      }),
    ];
    const feeds = (c: boolean, seed: number): Feeds => ({ x: randomFloat([1, 3, 4], seed), cond: new ort.Tensor('bool', [c], []) });
    const changes = await assertUpgradeKeeps(m, [feeds(true, 31), feeds(false, 32)]);
    assert.ok(changes.some((c) => c.startsWith('Squeeze:')) && changes.some((c) => c.startsWith('ReduceSum:')), changes.join('\n'));
  });

  test('Loop bodies are upgraded too (outer-scope constant, Unsqueeze/ReduceSum axes inside)', async () => {
    const b = new ModelBuilder('loop', 11);
    const v0 = b.input('v0', [2]);
    const trip = b.init('trip', new BigInt64Array([3n]), []);
    const cond = b.init('cond', new Uint8Array([1]), []);
    const one = b.init('one', new Float32Array([1, 2]), [2]);
    b.node('Loop', [trip, cond, v0], {}, ['v']);
    b.output('v');
    const m = b.build();
    m.graph!.initializer!.find((x) => x.name === cond)!.dataType = DT.BOOL; // the builder types a Uint8Array as uint8
    const body = onnx.GraphProto.create({
      name: 'body',
      input: [makeValueInfo('i', DT.INT64, []), makeValueInfo('c', DT.BOOL, []), makeValueInfo('vin', DT.FLOAT, [2])],
      output: [makeValueInfo('cout', DT.BOOL, []), makeValueInfo('vout', DT.FLOAT, [2])],
      node: [
        makeNode('Identity', ['c'], ['cout'], {}, 'body_cond'),
        makeNode('Unsqueeze', ['vin'], ['u'], { axes: [0] }, 'body_unsqueeze'),
        makeNode('ReduceSum', ['u'], ['s'], { axes: [0], keepdims: 0 }, 'body_sum'),
        makeNode('Add', ['s', one], ['vout'], {}, 'body_add'),
      ],
    });
    nodesOf(m)[0].attribute = [onnx.AttributeProto.create({ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body })];
    const changes = await assertUpgradeKeeps(m, [{ v0: randomFloat([2], 36) }]);
    assert.ok(changes.some((c) => c.startsWith('Unsqueeze:')) && changes.some((c) => c.startsWith('ReduceSum:')), changes.join('\n'));
    assert.deepEqual(
      body.node.map((n) => n.input.length),
      [1, 2, 2, 2],
    );
  });

  test('rank inference follows long chains without recursion limits', () => {
    const b = new ModelBuilder('deep', 9);
    let t = b.input('x', [4, 5]);
    for (let i = 0; i < 20000; i++) t = b.op(i % 2 ? 'Relu' : 'Neg', [t]);
    b.op('Softmax', [t], { axis: 1 }, 'y');
    b.output('y');
    const m = b.build();
    upgradeOpset(m);
    assert.equal(opsOf(m).at(-1), 'Softmax');
    assert.equal(nodesOf(m).length, 20001);
  });

  test('an opset-9 model with per-axis DequantizeLinear (as ORT quantizer writes it) loads after the upgrade', async () => {
    const b = new ModelBuilder('dq', 9);
    const x = b.input('x', [2, 3]);
    const w = b.init('w', new Int8Array([1, -2, 3, 4, 5, -6]), [2, 3]);
    const dq = b.op('DequantizeLinear', [w, b.init('s', new Float32Array([0.5, 0.25]), [2]), b.init('z', new Int8Array([0, 1]), [2])], { axis: 0 });
    b.op('Add', [x, dq], {}, 'y');
    b.output('y');
    const m = b.build();
    await assert.rejects(ort.InferenceSession.create(encodeModel(m)));
    upgradeOpset(m);
    const out = await run(encodeModel(m), { x: new ort.Tensor('float32', new Float32Array(6), [2, 3]) });
    assert.deepEqual(values(out.y), [0.5, -1, 1.5, 0.75, 1, -1.75]);
  });

  test('explicit target: opset 9 → 11 adapts Slice and Clip, leaves Squeeze axes as an attribute', async () => {
    const b = new ModelBuilder('t11', 9);
    const x = b.input('x', [1, 4, 5]);
    const s = b.op('Slice', [x], { starts: [1], ends: [4], axes: [1] });
    const c = b.op('Clip', [s], { min: float(-0.3), max: float(0.3) });
    b.op('Squeeze', [c], { axes: [0] }, 'y');
    b.output('y');
    const m = b.build();
    const original = encodeModel(m);
    upgradeOpset(m, 11);
    assert.equal(opsetOf(m), 11);
    assert.deepEqual(attrNames(nodesOf(m)[2]), ['axes']);
    const feeds = { x: randomFloat([1, 4, 5], 33) };
    assertSame(await run(original, feeds), await run(encodeModel(m), feeds), 1e-6);
  });

  test('explicit target 11: Upsample 9 → Resize-11 with an empty roi tensor (roi is required before 13)', async () => {
    const m = single(9, 'Upsample', [1, 1, 2, 3], { mode: 'nearest' }, (b) => [b.init('sc', new Float32Array([1, 1, 2, 2]), [4])]);
    const original = encodeModel(m);
    upgradeOpset(m, 11);
    assert.equal(opsetOf(m), 11);
    assert.deepEqual(opsOf(m), ['Resize']);
    assert.ok(nodesOf(m)[0].input![1], 'roi input');
    const feeds = { x: randomFloat([1, 1, 2, 3], 34) };
    assertSame(await run(original, feeds), await run(encodeModel(m), feeds), 0);
  });

  test("Reshape's opset-1 'shape' attribute left in an old model becomes an input", async () => {
    const m = single(7, 'Reshape', [2, 6], { shape: [3, -1] });
    upgradeOpset(m);
    assert.equal(nodesOf(m)[0].input!.length, 2);
    const x = randomFloat([2, 6], 35);
    const out = await run(encodeModel(m), { x });
    assert.deepEqual(out.y.dims, [3, 4]);
    assert.deepEqual(values(out.y), values(x));
  });

  test('models at or above the target are left alone', () => {
    const m = single(13, 'Softmax', [2, 3, 4], { axis: 1 });
    const before = encodeModel(m);
    assert.deepEqual(upgradeOpset(m), []);
    assert.deepEqual(encodeModel(m), before);
    const m11 = single(11, 'Squeeze', [1, 3], { axes: [0] });
    assert.deepEqual(upgradeOpset(m11, 10), []);
    assert.equal(opsetOf(m11), 11);
  });

  test('only default-domain nodes are touched', () => {
    const b = new ModelBuilder('custom', 9, { 'com.example': 1 });
    const x = b.input('x', [2, 3]);
    b.node('Slice', [x], { starts: [0], ends: [1] }, ['y'], 'com.example');
    b.output('y');
    const m = b.build();
    upgradeOpset(m);
    assert.deepEqual(attrNames(nodesOf(m)[0]), ['starts', 'ends']);
    assert.deepEqual(
      m.opsetImport.map((o) => [o.domain, num(o.version)]),
      [
        ['', 13],
        ['com.example', 1],
      ],
    );
  });
});

describe('upgradeOpset refusals', () => {
  test('a refused upgrade leaves the model exactly as it was', () => {
    const b = new ModelBuilder('partial', 9);
    const x = b.input('x', [2, 3, 4]);
    const sl = b.op('Slice', [x], { starts: [0], ends: [1], axes: [0] });
    const sm = b.op('Softmax', [sl], { axis: 1 });
    b.node('Dropout', [sm], {}, ['y', 'mask']);
    b.output('y');
    b.output('mask');
    const m = b.build();
    const before = encodeModel(m);
    rejects(() => upgradeOpset(m), /Dropout/);
    assert.deepEqual(encodeModel(m), before);
    assert.equal(opsetOf(m), 9);
  });

  test('opset below 7', () => {
    rejects(() => upgradeOpset(single(6, 'Relu', [2])), /opset 6/);
  });

  test('Scan-8 (batched) names the op, node and opset', () => {
    const m = single(8, 'Scan', [1, 2, 3], { num_scan_inputs: 1 });
    nodesOf(m)[0].name = 'my_scan';
    rejects(() => upgradeOpset(m), /Scan/, /'my_scan'/, /opset 8/);
  });

  test('an unknown op in the default domain', () => {
    const m = single(9, 'FancyOp', [2]);
    rejects(() => upgradeOpset(m), /FancyOp/, /not an ONNX operator/);
  });

  test('a Dropout-7 mask that the graph reads', () => {
    const b = new ModelBuilder('mask', 7);
    const x = b.input('x', [2, 3]);
    b.node('Dropout', [x], {}, ['y', 'mask']);
    b.output('y');
    b.output('mask');
    rejects(() => upgradeOpset(b.build()), /Dropout/, /mask/);
  });

  test('BatchNormalization 7 in training mode with unused statistics (ORT changes its result at opset 9)', () => {
    const b = new ModelBuilder('bntr', 7);
    const x = b.input('x', [2, 2, 3, 3]);
    const ps = ['s', 'b', 'm', 'v'].map((n) => b.init(n, new Float32Array([1, 2]), [2]));
    b.node('BatchNormalization', [x, ...ps], {}, ['y', 'rm', 'rv', 'sm', 'sv']);
    b.output('y');
    rejects(() => upgradeOpset(b.build()), /BatchNormalization/, /training mode/);
  });

  test('BatchNormalization spatial=0 with runtime parameters', () => {
    const b = new ModelBuilder('bnrt', 7);
    const x = b.input('x', [1, 2, 2]);
    const ps = ['s', 'b', 'm', 'v'].map((n) => b.input(n, [2, 2]));
    b.node('BatchNormalization', [x, ...ps], { spatial: 0 }, ['y'], '');
    b.output('y');
    rejects(() => upgradeOpset(b.build()), /BatchNormalization/, /spatial=0/);
  });
});

describe('upgradeOpset on real models', () => {
  const realCase = async (file: string, inputName: string, dims: number[]) => {
    const path = resolve(MODELS, file);
    const { model } = await loadModel(path);
    const feeds = { [inputName]: new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rng(42)), dims) };
    const domains = model.opsetImport.map((o) => o.domain ?? '');
    const before = await run(readFileSync(path), feeds);
    const changes = upgradeOpset(model);
    assert.equal(opsetOf(model), TARGET_OPSET);
    assert.ok(num(model.irVersion) >= 7);
    assert.deepEqual(
      model.opsetImport.map((o) => o.domain ?? ''),
      domains,
    );
    assertSame(before, await run(encodeModel(model), feeds), 1e-5);
    return { model, changes };
  };

  test('mnist-8 (opset 8, IR 3)', { skip: noModels }, async () => {
    const { model, changes } = await realCase('mnist-8.onnx', 'Input3', [1, 1, 28, 28]);
    assert.ok(changes.includes('IR version 3 → 7'));
    assert.deepEqual(
      model.graph!.input!.map((i) => i.name),
      ['Input3'],
    );
  });

  test('ultraface-rfb-320 (opset 9, extra domains kept, Slice adapted, Softmax on the last axis untouched)', { skip: noModels }, async () => {
    const { model, changes } = await realCase('ultraface-rfb-320.onnx', 'input', [1, 3, 240, 320]);
    assert.ok(
      changes.some((c) => /^Slice: .*4 nodes/.test(c)),
      changes.join('\n'),
    );
    assert.equal(opsOf(model).filter((o) => o === 'Softmax').length, 1);
    assert.ok(!opsOf(model).includes('Flatten'));
  });
});

function makeScales(v: number[]): onnx.TensorProto {
  return onnx.TensorProto.create({ dataType: DT.FLOAT, dims: [v.length], floatData: v });
}
