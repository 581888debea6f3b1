import { attrInt } from '../../onnx/graph';
import type { OpHandler } from './types';

// DQ(x), DQ(w), DQ(int32 bias) → Conv → Q fuses into QLinearConv.
export const conv: OpHandler = {
  opTypes: ['Conv'],
  kind: 'compute',
  activationInputs: () => [0],
  weights: () => [{ index: 1, axis: 0 }],
  bias: (node) => (node.input[2] ? { index: 2, activationIndex: 0, weightIndex: 1 } : undefined),
  outputQuantizedForFusion: true,
  blocker(node, g) {
    if (!g.isConstant(node.input[1])) return 'weights are computed at run time, not constant';
    if (node.input[2] && !g.isConstant(node.input[2])) return 'bias is computed at run time';
    const w = g.constantTensor(node.input[1]);
    if (w && w.dims.length !== 4 && w.dims.length !== 3) return `${w.dims.length - 2}-D convolution has no int8 kernel in ONNX Runtime`;
    if (attrInt(node, 'group', 1) < 1) return 'invalid group';
    return undefined;
  },
};
