import { makeNode } from '../../onnx/graph';
import { MS, triple } from './qlinear';
import type { OpHandler } from './types';

// DQ, DQ → Add|Mul → Q becomes QLinearAdd|QLinearMul (com.microsoft). A constant operand is
// quantized with its own range.
export const binary: OpHandler = {
  opTypes: ['Add', 'Mul'],
  kind: 'elementwise',
  kernels: { fp32: [], int8: { QLinearAdd: { yScale: 6 }, QLinearMul: { yScale: 6 } } },
  activationInputs: (node, g) => [0, 1].filter((i) => !g.isConstant(node.input[i])),
  constantInputs: (node, g) => [0, 1].filter((i) => g.isConstant(node.input[i])),
  outputQuantizedForFusion: true,
  qlinear(node, { ins: [x, b], y, name }) {
    if (!x || !b || !y) return undefined;
    return makeNode(`QLinear${node.opType}`, [...triple(x), ...triple(b), y.scale, y.zeroPoint], [y.q], {}, name, MS);
  },
};
