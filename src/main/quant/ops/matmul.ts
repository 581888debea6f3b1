import { makeNode } from '../../onnx/graph';
import { sizeOf } from '../../onnx/tensor';
import { MS, triple } from './qlinear';
import type { OpHandler } from './types';

// DQ, DQ → MatMul → Q becomes QLinearMatMul; without the Q, MatMulIntegerToFloat (float output).
export const matmul: OpHandler = {
  opTypes: ['MatMul'],
  kind: 'compute',
  kernels: {
    fp32: ['MatMul', 'FusedMatMul'],
    // MatMulInteger, DynamicQuantizeMatMul, QAttention: ORT's dynamic quantization of MatMul (and of attention's).
    int8: { QLinearMatMul: { yScale: 6 }, MatMulIntegerToFloat: { floatOutput: true }, MatMulInteger: {}, DynamicQuantizeMatMul: {}, QAttention: {} },
  },
  macs: {
    shapes: (node) => [node.input[0], node.output[0]],
    count(node, shape) {
      const [a, out] = [shape(node.input[0]), shape(node.output[0])];
      return a && out ? sizeOf(out) * a[a.length - 1] : undefined;
    },
  },
  activationInputs: (node, g) => [0, 1].filter((i) => !g.isConstant(node.input[i])),
  weights(node, g) {
    const b = g.constantTensor(node.input[1]);
    // Per-column scales for B [.., K, N]: axis = last. ORT takes per-column B only for 2-D weights.
    if (b) return [{ index: 1, axis: b.dims.length === 2 ? 1 : -1 }];
    return [];
  },
  outputQuantizedForFusion: false,
  blocker(node, g) {
    if (g.isConstant(node.input[0]) && g.isConstant(node.input[1])) return 'both inputs are constant';
    if (g.isConstant(node.input[0])) return 'constant left operand has no int8 form';
    return undefined;
  },
  autoGranularity: true,
  smoothQuantWeight: () => ({ weightIndex: 1, kAxis: 0 }),
  qlinear(node, { ins: [x, b], y, name }) {
    if (!x || !b) return undefined;
    if (y) return makeNode('QLinearMatMul', [...triple(x), ...triple(b), y.scale, y.zeroPoint], [y.q], {}, name);
    return makeNode('MatMulIntegerToFloat', [x.q, b.q, x.scale, b.scale, x.zeroPoint, b.zeroPoint], [node.output[0]], {}, name, MS);
  },
};
