import type { OpHandler } from './types';

// DQ, DQ → MatMul → Q becomes QLinearMatMul; without the Q, MatMulIntegerToFloat (float output).
export const matmul: OpHandler = {
  opTypes: ['MatMul'],
  kind: 'compute',
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
};
