import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { computeCost, COMPUTE_BOUND_MACS } from './computeCost';
import { macCountFor } from '../quant/ops/registry';

test('multiply-accumulates of Conv (grouped), ConvTranspose, MatMul and Gemm from the shapes of one run', async () => {
  const r = rng(3);
  const b = new ModelBuilder('macs');
  const x = b.input('x', [1, 4, 8, 8]);
  // Conv 4→8, 3×3, groups 2, stride 2, pad 1: output 8×4×4, each sums 2×3×3 products.
  const c = b.op('Conv', [x, b.init('w', randn(8 * 2 * 9, 0.1, r), [8, 2, 3, 3])], { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] });
  // ConvTranspose 8→4, 2×2 stride 2: every input element meets 4×2×2 weights.
  const t = b.op('ConvTranspose', [c, b.init('wt', randn(8 * 4 * 4, 0.1, r), [8, 4, 2, 2])], { strides: [2, 2] });
  const flat = b.op('Reshape', [t, b.init('s', new BigInt64Array([2n, 128n]), [2])]);
  const m = b.op('MatMul', [flat, b.init('m', randn(128 * 16, 0.1, r), [128, 16])]);
  const y = b.op('Gemm', [m, b.init('g', randn(16 * 5, 0.1, r), [5, 16])], { transB: 1 }, 'y');
  b.output(y, [2, 5]);
  const cost = await computeCost(b.build(), { x: { type: 'float32', data: randn(256, 1, r), dims: [1, 4, 8, 8] } }, macCountFor);
  const expected = { conv: 8 * 4 * 4 * 18, convT: 8 * 4 * 4 * 16, matmul: 2 * 16 * 128, gemm: 2 * 5 * 16 };
  assert.deepEqual([...cost.byNode.values()], Object.values(expected));
  assert.equal(
    cost.macs,
    Object.values(expected).reduce((a, v) => a + v, 0),
  );
  assert.ok(cost.macs < COMPUTE_BOUND_MACS);
});
