import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { encodeModel, decodeModel, opsetOf } from '../../src/main/onnx/model';
import { num, tensorFloat32 } from '../../src/main/onnx/tensor';
import type { onnx } from '../../src/main/onnx/proto/onnx';
import { SYNTHETIC_MODELS, buildSynthetic, concreteDims, syntheticInputs, type SyntheticModel } from './synthetic';

// Built with ModelProto.create, so the graph holds real message instances.
const graphOf = (m: SyntheticModel): onnx.GraphProto => m.model.graph as onnx.GraphProto;
const nodesOf = (m: SyntheticModel): onnx.NodeProto[] => graphOf(m).node as onnx.NodeProto[];
const initsOf = (m: SyntheticModel): onnx.TensorProto[] => graphOf(m).initializer as onnx.TensorProto[];

async function run(m: SyntheticModel, batch = 1, seed = 1): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(encodeModel(m.model));
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const i of syntheticInputs(m, seed, batch)) feeds[i.name] = new ort.Tensor('float32', i.data, i.dims);
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function stats(d: Float32Array): { finite: boolean; std: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  let finite = true;
  for (const v of d) {
    if (!Number.isFinite(v)) finite = false;
    s += v;
    s2 += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = s / d.length;
  return { finite, std: Math.sqrt(Math.max(s2 / d.length - mean * mean, 0)), maxAbs };
}

const EXPECTED: Record<string, { opset: number; inputs: (number | string)[][]; outputs: (number | string)[][]; ops: string[] }> = {
  mlp: { opset: 13, inputs: [[1, 512]], outputs: [[1, 10]], ops: ['MatMul', 'Add', 'Relu'] },
  resnetCnn: {
    opset: 13,
    inputs: [[1, 3, 64, 64]],
    outputs: [[1, 10]],
    ops: ['Conv', 'BatchNormalization', 'Relu', 'Add', 'GlobalAveragePool', 'Flatten', 'Gemm'],
  },
  transformerBlock: {
    opset: 17,
    inputs: [[1, 64, 256]],
    outputs: [[1, 64, 256]],
    ops: ['LayerNormalization', 'MatMul', 'Add', 'Reshape', 'Transpose', 'Mul', 'Softmax', 'Div', 'Erf'],
  },
  mobilenetBlock: {
    opset: 14,
    inputs: [[1, 3, 32, 32]],
    outputs: [[1, 10]],
    ops: ['Conv', 'Clip', 'HardSwish', 'HardSigmoid', 'GlobalAveragePool', 'Mul', 'Add'],
  },
  unetLike: { opset: 13, inputs: [[1, 3, 32, 32]], outputs: [[1, 2, 32, 32]], ops: ['Conv', 'MaxPool', 'Resize', 'Concat', 'ConvTranspose'] },
  oldOpset9: { opset: 9, inputs: [[1, 3, 32, 32]], outputs: [[1, 10]], ops: ['BatchNormalization', 'Upsample', 'Gemm', 'Concat'] },
  oldOpset8: { opset: 8, inputs: [[1, 3, 32, 32]], outputs: [[1, 10]], ops: ['BatchNormalization', 'Upsample', 'Reshape', 'Gemm'] },
  dynamicBatch: { opset: 13, inputs: [['N', 3, 32, 32]], outputs: [['N', 10]], ops: ['Shape', 'Gather', 'Unsqueeze', 'Reshape', 'Gemm'] },
  opset11Pads: { opset: 11, inputs: [[1, 3, 32, 32]], outputs: [[1, 10]], ops: ['Pad', 'Clip', 'Slice', 'Squeeze', 'Gemm'] },
  detector: { opset: 13, inputs: [[1, 3, 480, 640]], outputs: [[1, 12600, 6]], ops: ['Conv', 'BatchNormalization', 'Relu', 'Transpose', 'Reshape', 'Concat'] },
};

describe('synthetic model zoo', () => {
  test('lists every expected model once', () => {
    assert.deepEqual(SYNTHETIC_MODELS.map((e) => e.name).sort(), Object.keys(EXPECTED).sort());
  });

  for (const entry of SYNTHETIC_MODELS) {
    test(`${entry.name}: runs in onnxruntime with finite, non-degenerate outputs of the declared shape`, async () => {
      const m = entry.build();
      const want = EXPECTED[entry.name];
      assert.equal(m.name, entry.name);
      assert.equal(m.opset, want.opset);
      assert.equal(opsetOf(m.model), want.opset);
      assert.ok(m.description.length > 10);
      assert.deepEqual(
        m.inputs.map((i) => i.dims),
        want.inputs,
      );
      assert.deepEqual(
        m.outputs.map((o) => o.dims),
        want.outputs,
      );
      const ops = new Set(nodesOf(m).map((n) => n.opType));
      for (const op of want.ops) assert.ok(ops.has(op), `${entry.name} should contain ${op}`);
      // Survives Octet's own decoder (the path real model files take).
      decodeModel(encodeModel(m.model), entry.name);

      const out = await run(m);
      for (const o of m.outputs) {
        const t = out[o.name];
        assert.ok(t, `output ${o.name}`);
        assert.deepEqual(t.dims, concreteDims(o.dims));
        const s = stats(t.data as Float32Array);
        assert.ok(s.finite, `${o.name} has NaN/Inf`);
        assert.ok(s.std > 1e-4, `${o.name} is constant (std ${s.std})`);
        assert.ok(s.maxAbs < 100, `${o.name} exploded (max |x| ${s.maxAbs})`);
      }
    });
  }

  test('builds are deterministic (same bytes twice)', () => {
    for (const entry of SYNTHETIC_MODELS) {
      if (entry.name === 'mlp') continue; // 19 MB; same code path as the rest
      assert.deepEqual(encodeModel(entry.build().model), encodeModel(entry.build().model), entry.name);
    }
  });

  test('different inputs give different outputs (the models are not input-blind)', async () => {
    for (const name of ['resnetCnn', 'transformerBlock', 'mobilenetBlock', 'opset11Pads']) {
      const m = buildSynthetic(name);
      const a = (await run(m, 1, 1))[m.outputs[0].name].data as Float32Array;
      const b = (await run(m, 1, 2))[m.outputs[0].name].data as Float32Array;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
      assert.ok(diff > 1e-3, `${name}: outputs barely depend on the input (max diff ${diff})`);
    }
  });

  test('classifier logits are not degenerate (not one class for every input)', async () => {
    for (const name of ['mlp', 'resnetCnn', 'mobilenetBlock', 'oldOpset9', 'oldOpset8', 'dynamicBatch', 'opset11Pads']) {
      const m = buildSynthetic(name);
      const tops = new Set<number>();
      for (let seed = 1; seed <= 8; seed++) {
        const d = (await run(m, 1, seed)).logits.data as Float32Array;
        tops.add(d.indexOf(Math.max(...d)));
      }
      assert.ok(tops.size >= 2, `${name}: argmax is always ${[...tops]}`);
    }
  });

  test('dynamicBatch: batch dim is symbolic and batches of 1 and 3 both run, row for row', async () => {
    const m = buildSynthetic('dynamicBatch');
    assert.equal(graphOf(m).input[0].type?.tensorType?.shape?.dim?.[0]?.dimParam, 'N');
    const three = await run(m, 3, 7);
    assert.deepEqual(three.logits.dims, [3, 10]);
    const [x] = syntheticInputs(m, 7, 3);
    const per = x.data.length / 3;
    const session = await ort.InferenceSession.create(encodeModel(m.model));
    for (let r = 0; r < 3; r++) {
      const one = await session.run({ input: new ort.Tensor('float32', x.data.slice(r * per, (r + 1) * per), [1, 3, 32, 32]) });
      const got = (three.logits.data as Float32Array).slice(r * 10, r * 10 + 10);
      const want = one.logits.data as Float32Array;
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `row ${r} logit ${i}: ${got[i]} vs ${want[i]}`);
    }
    await session.release();
  });

  test('mlp: weights dominate (≥ 4.5 M parameters) and BatchNorm stays unfolded in the CNNs', () => {
    const params = (m: SyntheticModel) => initsOf(m).reduce((a, t) => a + t.dims.reduce((x: number, d) => x * num(d), 1), 0);
    assert.ok(params(buildSynthetic('mlp')) >= 4.5e6);
    const resnet = buildSynthetic('resnetCnn');
    assert.equal(nodesOf(resnet).filter((n) => n.opType === 'BatchNormalization').length, 9);
    // BN statistics are non-trivial, so folding them actually changes the weights.
    const mean = tensorFloat32(initsOf(resnet).find((t) => t.name.startsWith('bn_mean'))!);
    assert.ok(mean.some((v) => Math.abs(v) > 0.01));
  });

  test('oldOpset8 uses BatchNormalization spatial=1 and Upsample-7 scales attribute; oldOpset9 has neither', () => {
    const attrs = (m: SyntheticModel, op: string) =>
      nodesOf(m)
        .filter((n) => n.opType === op)
        .flatMap((n) => (n.attribute as onnx.AttributeProto[]).map((a) => a.name));
    const o8 = buildSynthetic('oldOpset8');
    assert.ok(attrs(o8, 'BatchNormalization').includes('spatial'));
    assert.ok(attrs(o8, 'Upsample').includes('scales'));
    const o9 = buildSynthetic('oldOpset9');
    assert.ok(!attrs(o9, 'BatchNormalization').includes('spatial'));
    assert.equal(nodesOf(o9).find((n) => n.opType === 'Upsample')?.input.length, 2);
  });
});
