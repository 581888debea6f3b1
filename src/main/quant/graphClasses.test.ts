// Graphs as real exporters write them, each as a tiny model: every one must come out of
// `quantizeModel` valid (the invariant checker and ONNX Runtime both load it) and faithful.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '../onnx/proto/onnx';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel, loadModel } from '../onnx/model';
import { makeNode, makeValueInfo } from '../onnx/graph';
import { makeTensor, DT } from '../onnx/tensor';
import { graphViolations } from '../onnx/checkGraph';
import { openSession, run } from '../runtime/session';
import { npyBytes } from '../../../test/util/fixtures';
import { fidelity } from '../../../native';
import { quantizeModel } from './quantize';
import type { QuantizeReport } from '../../shared/report';

const C = 8;
const HW = 8;
const DIMS = [1, C, HW, HW];
const SIZE = C * HW * HW;
const r = rng(11);
const conv = (b: ModelBuilder, x: string, w: string) => b.op('Conv', [x, w], { pads: [1, 1, 1, 1] });
const weight = (b: ModelBuilder, base = 'w') => b.init(base, randn(C * C * 9, 0.2, r), [C, C, 3, 3]);
const graphAttr = (name: string, g: onnx.GraphProto) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g });
const body = (name: string, node: onnx.NodeProto[], outputs: string[], inputs: onnx.ValueInfoProto[] = []) =>
  onnx.GraphProto.create({ name, node, input: inputs, output: outputs.map((o) => makeValueInfo(o, DT.FLOAT, null as unknown as undefined)) });

interface Outcome {
  report: QuantizeReport;
  cosine: number;
}

/** Quantizes `model` on seeded Gaussian data and compares int8 with fp32 on one held-out sample. */
async function quantizeAndCompare(model: onnx.ModelProto): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'octet-graphs-'));
  try {
    const src = join(dir, 'model.onnx');
    writeFileSync(src, encodeModel(model));
    const samples = 9;
    writeFileSync(join(dir, 'x.npy'), npyBytes({ descr: '<f4', shape: [samples, ...DIMS], data: randn(samples * SIZE, 1, rng(5)) }));
    const out = join(dir, 'model.int8.onnx');
    const report = await quantizeModel({ model: src, output: out, data: join(dir, 'x.npy'), recipe: { speed_check: false, calib_samples: 8 } });
    assert.deepEqual(graphViolations((await loadModel(out)).model.graph!), []);
    const feeds = { [model.graph!.input[0].name]: { type: 'float32' as const, data: randn(SIZE, 1, rng(99)), dims: DIMS } };
    const [a, b] = [await openSession(src, { threads: 1 }), await openSession(out, { threads: 1 })];
    const name = model.graph!.output[0].name;
    const ref = (await run(a, feeds))[name].data as Float32Array;
    const got = (await run(b, feeds))[name].data as Float32Array;
    await Promise.all([a.release(), b.release()]);
    return { report, cosine: fidelity(ref, got).cosine };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a constant read by several int8 Adds gets uniquely named DequantizeLinear nodes (paddle2onnx)', async () => {
  const b = new ModelBuilder('shared-constant');
  const w = weight(b);
  const c = b.init('p2o.helper.constant', randn(SIZE, 1, r), DIMS);
  let x = b.input('x', DIMS);
  for (let i = 0; i < 3; i++) x = b.op('Add', [conv(b, x, w), c]);
  b.output(conv(b, x, w), DIMS);
  const { report, cosine } = await quantizeAndCompare(b.build());
  assert.equal(report.fusion.int8Ops, 4);
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('one weight read by Conv nodes and by MatMul and Gemm with different channel axes', async () => {
  const b = new ModelBuilder('shared-weight');
  const x = b.input('x', DIMS);
  const w = weight(b);
  const y = conv(b, conv(b, x, w), w);
  const flat = b.op('Reshape', [y, b.init('shape', new BigInt64Array([1n, BigInt(SIZE)]), [2])]);
  const m = b.init('m', randn(SIZE * SIZE, 0.05, r), [SIZE, SIZE]);
  const z = b.op('Gemm', [b.op('MatMul', [flat, m]), m], { transB: 1 });
  b.output(b.op('Reshape', [z, b.init('back', new BigInt64Array(DIMS.map(BigInt)), [4])]), DIMS);
  const { report, cosine } = await quantizeAndCompare(b.build());
  assert.equal(report.fusion.fp32ComputeOps, 0, JSON.stringify(report.fusion.details));
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('an If body reading a main-graph weight and activation keeps both valid, and its Conv is reported fp32', async () => {
  const b = new ModelBuilder('if-outer-scope');
  const x = b.input('x', DIMS);
  const w = weight(b);
  const y1 = conv(b, x, w);
  const y2 = conv(b, y1, w);
  const cond = b.op('Greater', [b.op('ReduceSum', [y2], { keepdims: 0 }), b.init('big', new Float32Array([-1e30]), [])]);
  const m = b.build();
  const thenG = body('then', [makeNode('Conv', [y2, w], ['t_out'], { pads: [1, 1, 1, 1] }, 'then_conv')], ['t_out']);
  const elseG = body('else', [makeNode('Identity', [y1], ['e_out'], {}, 'else_id')], ['e_out']);
  m.graph!.node.push(makeNode('If', [cond], ['out'], {}, 'branch'));
  m.graph!.node.at(-1)!.attribute.push(graphAttr('then_branch', thenG), graphAttr('else_branch', elseG));
  m.graph!.output.push(makeValueInfo('out', DT.FLOAT, DIMS));
  const { report, cosine } = await quantizeAndCompare(m);
  assert.equal(report.fusion.int8Ops, 2);
  assert.deepEqual(
    report.fusion.details.map((d) => [d.node, d.opType]),
    [['branch.then_branch/then_conv', 'Conv']],
  );
  assert.match(report.fusion.details[0].reason, /If\/Loop\/Scan bodies stays fp32/);
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('a Loop body reading an activation whose producer Octet quantizes', async () => {
  const b = new ModelBuilder('loop-outer-scope');
  const x = b.input('x', DIMS);
  const w = weight(b);
  const y1 = conv(b, x, w);
  const trip = b.init('trip', new BigInt64Array([2n]), []);
  const m = b.build();
  const loopBody = body(
    'loop',
    [makeNode('Add', ['acc_in', y1], ['acc_out'], {}, 'loop_add'), makeNode('Identity', ['cond_in'], ['cond_out'], {}, 'loop_cond')],
    ['cond_out', 'acc_out'],
    [makeValueInfo('i', DT.INT64, []), makeValueInfo('cond_in', DT.BOOL, []), makeValueInfo('acc_in', DT.FLOAT, DIMS)],
  );
  loopBody.output = [makeValueInfo('cond_out', DT.BOOL, []), makeValueInfo('acc_out', DT.FLOAT, DIMS)];
  m.graph!.node.push(makeNode('Loop', [trip, '', x], ['acc'], {}, 'loop'));
  m.graph!.node.at(-1)!.attribute.push(graphAttr('body', loopBody));
  m.graph!.node.push(makeNode('Conv', ['acc', w], ['out'], { pads: [1, 1, 1, 1] }, 'after_loop'));
  m.graph!.output.push(makeValueInfo('out', DT.FLOAT, DIMS));
  const { report, cosine } = await quantizeAndCompare(m);
  assert.equal(report.fusion.int8Ops, 2);
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('weights as Constant nodes, initializers listed as graph inputs, unnamed and unsorted nodes', async () => {
  const m = onnx.ModelProto.create({
    irVersion: 3,
    opsetImport: [{ domain: '', version: 9 }],
    graph: onnx.GraphProto.create({
      name: 'old-exporter',
      input: [makeValueInfo('x', DT.FLOAT, DIMS), makeValueInfo('w_init', DT.FLOAT, [C, C, 3, 3])],
      initializer: [makeTensor('w_init', randn(C * C * 9, 0.2, r), [C, C, 3, 3])],
      output: [makeValueInfo('out', DT.FLOAT, DIMS)],
      node: [
        makeNode('Conv', ['h', 'w_const'], ['out'], { pads: [1, 1, 1, 1] }),
        makeNode('Relu', ['c1'], ['h']),
        makeNode('Constant', [], ['w_const'], { value: makeTensor('', randn(C * C * 9, 0.2, r), [C, C, 3, 3]) }),
        makeNode('Conv', ['x', 'w_init'], ['c1'], { pads: [1, 1, 1, 1] }),
      ],
    }),
  });
  const { report, cosine } = await quantizeAndCompare(m);
  assert.equal(report.fusion.int8Ops, 2, JSON.stringify(report.fusion.details));
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('odd characters in names, and names that look like the ones Octet generates', async () => {
  const m = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: onnx.GraphProto.create({
      name: 'odd',
      input: [makeValueInfo('input:0', DT.FLOAT, DIMS)],
      initializer: [makeTensor('model/conv 1/kernel:0', randn(C * C * 9, 0.2, r), [C, C, 3, 3]), makeTensor('conv.ŵ', randn(C * C * 9, 0.2, r), [C, C, 3, 3])],
      output: [makeValueInfo('Identity:0', DT.FLOAT, DIMS)],
      node: [
        makeNode('Conv', ['input:0', 'model/conv 1/kernel:0'], ['h_float'], { pads: [1, 1, 1, 1] }, 'model/conv 1/Conv2D'),
        makeNode('Relu', ['h_float'], ['h_quantized'], {}, 'h_quantized_QuantizeLinear'),
        makeNode('Conv', ['h_quantized', 'conv.ŵ'], ['h'], { pads: [1, 1, 1, 1] }, 'input:0_QuantizeLinear'),
        makeNode('Conv', ['h', 'conv.ŵ'], ['Identity:0'], { pads: [1, 1, 1, 1] }, 'h_DequantizeLinear'),
      ],
    }),
  });
  const { report, cosine } = await quantizeAndCompare(m);
  assert.equal(report.fusion.int8Ops, 3, JSON.stringify(report.fusion.details));
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('a Conv channel whose weights training left near zero keeps its bias (no int32 overflow)', async () => {
  const b = new ModelBuilder('dead-channel');
  const x = b.input('x', DIMS);
  const w = randn(C * C * 9, 0.2, r);
  w.fill(1e-38, 0, C * 9); // channel 0: weights BatchNorm folding left at ~0, as in PP-OCRv5's detector
  const bias = Float32Array.from({ length: C }, (_, i) => (i === 0 ? -2.5 : 0.1));
  const y = b.op('Conv', [x, b.init('w', w, [C, C, 3, 3]), b.init('b', bias, [C])], { pads: [1, 1, 1, 1] });
  b.output(conv(b, y, weight(b)), DIMS);
  const { report, cosine } = await quantizeAndCompare(b.build());
  assert.equal(report.fusion.int8Ops, 2);
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});

test('hard-swish written as x * Clip(x + 3, 0, 6) / 6 runs in int8 between the convs (Div by a constant → Mul)', async () => {
  const b = new ModelBuilder('hard-swish');
  const x = b.input('x', DIMS);
  const h = conv(b, x, weight(b));
  const gate = b.op('Div', [
    b.op('Clip', [
      b.op('Add', [h, b.init('three', new Float32Array([3]), [])]),
      b.init('lo', new Float32Array([0]), []),
      b.init('hi', new Float32Array([6]), []),
    ]),
    b.init('six', new Float32Array([6]), []),
  ]);
  b.output(conv(b, b.op('Mul', [h, gate]), weight(b)), DIMS);
  const { report, cosine } = await quantizeAndCompare(b.build());
  assert.equal(report.preparation.divisionsAsMul, 1);
  assert.equal(report.fusion.int8Ops, 2);
  assert.deepEqual([report.fusion.int8OpsByType.QLinearAdd, report.fusion.int8OpsByType.QLinearMul], [1, 2], JSON.stringify(report.fusion.int8OpsByType));
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
});
