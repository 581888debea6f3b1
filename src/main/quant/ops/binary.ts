import type { OpHandler } from './types';

// DQ, DQ → Add|Mul → Q becomes QLinearAdd|QLinearMul (com.microsoft). A constant operand is
// quantized with its own range.
export const binary: OpHandler = {
  opTypes: ['Add', 'Mul'],
  kind: 'elementwise',
  activationInputs: (node, g) => [0, 1].filter((i) => !g.isConstant(node.input[i])),
  constantInputs: (node, g) => [0, 1].filter((i) => g.isConstant(node.input[i])),
  outputQuantizedForFusion: true,
};
