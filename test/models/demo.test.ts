import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { onnx } from '../../src/main/onnx/proto/onnx';
import { loadModel, opsetOf } from '../../src/main/onnx/model';
import { valueDims } from '../../src/main/onnx/graph';
import { openDataSource } from '../../src/main/data';
import { quantizeModel } from '../../src/main/quant/quantize';

const DEMO = resolve(__dirname, '../../assets/demo/digits.onnx');

/** Top-1 of a model on the 2,000 held-out digits, in onnxruntime-node, batch 1. */
async function top1(model: string): Promise<{ correct: number; perClass: number[]; count: number }> {
  const data = await openDataSource('mnist', [{ name: 'input', type: 'float32', dims: [1, 1, 28, 28] }], { split: 'evaluation' });
  const session = await ort.InferenceSession.create(model);
  let correct = 0;
  const perClass = new Array<number>(10).fill(0);
  try {
    for (let i = 0; i < data.count; i++) {
      const s = await data.read(i);
      const f = s.feeds.input;
      const logits = (await session.run({ input: new ort.Tensor('float32', f.data as Float32Array, f.dims) })).logits.data as Float32Array;
      let best = 0;
      for (let k = 1; k < 10; k++) if (logits[k] > logits[best]) best = k;
      if (best === s.label) {
        correct++;
        perClass[best]++;
      }
    }
  } finally {
    await session.release();
  }
  return { correct, perClass, count: data.count };
}

describe('demo model assets/demo/digits.onnx', () => {
  test('is an opset-13 MLP 784→1024→512→10 with input [N,1,28,28] and logits [N,10] (any batch)', async () => {
    // Wide enough that compute, not Q/DQ overhead, dominates (int8 pays), small enough to commit.
    const st = await stat(DEMO);
    assert.ok(st.size < 6 * 1024 * 1024, `${st.size} bytes`);
    const { model } = await loadModel(DEMO);
    const graph = model.graph as onnx.GraphProto;
    assert.equal(opsetOf(model), 13);
    assert.deepEqual(
      graph.input.map((i) => [i.name, valueDims(i as onnx.ValueInfoProto)]),
      [['input', [null, 1, 28, 28]]],
    );
    assert.deepEqual(
      graph.output.map((o) => [o.name, valueDims(o as onnx.ValueInfoProto)]),
      [['logits', [null, 10]]],
    );
    const ops = (graph.node as onnx.NodeProto[]).map((n) => n.opType);
    assert.deepEqual(ops, ['Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    const dims = (graph.initializer as onnx.TensorProto[]).map((t) => (t.dims as number[]).map(Number));
    assert.deepEqual(dims, [[1024, 784], [1024], [512, 1024], [512], [10, 512], [10]]);
  });

  test('reaches ≥ 97% top-1 in onnxruntime on the 2,000 held-out evaluation digits', async () => {
    const { correct, perClass, count } = await top1(DEMO);
    assert.equal(count, 2000);
    const acc = correct / count;
    assert.ok(acc >= 0.97, `top-1 ${(100 * acc).toFixed(2)}% < 97%`);
    // No class is sacrificed for the average (200 digits per class in this split).
    for (let d = 0; d < 10; d++) assert.ok(perClass[d] >= 180, `digit ${d}: ${perClass[d]}/200`);
  });

  // What `octet demo` shows depends on this: with the demo's recipe every Gemm must run as an int8
  // QGemm in ONNX Runtime's optimized graph (a Gemm left as fp32 FusedGemm behind a weight
  // DequantizeLinear makes int8 several times slower), and top-1 stays within 0.3 points.
  test('quantized as `octet demo` does, ONNX Runtime runs all 3 Gemms in int8 and top-1 stays within 0.3 points', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'octet-demo-test-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const output = join(dir, 'digits.int8.onnx');
    const report = await quantizeModel({ model: DEMO, output, data: 'mnist', recipe: { calib_samples: 200 } });
    assert.deepEqual(
      { int8: report.fusion.int8Ops, fp32: report.fusion.fp32ComputeOps, byType: report.fusion.int8OpsByType },
      { int8: 3, fp32: 0, byType: { QGemm: 3 } },
      JSON.stringify(report.fusion.details),
    );
    const [fp32, int8] = [await top1(DEMO), await top1(output)];
    assert.ok(Math.abs(fp32.correct - int8.correct) / 2000 <= 0.003, `top-1 ${fp32.correct} → ${int8.correct} of 2000`);
  });
});
