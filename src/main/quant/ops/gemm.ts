import { attrFloat, attrInt } from '../../onnx/graph';
import type { OpHandler } from './types';

// DQ(A), DQ(B), DQ(int32 C) → Gemm [→ Q] becomes com.microsoft QGemm.
export const gemm: OpHandler = {
  opTypes: ['Gemm'],
  kind: 'compute',
  activationInputs: () => [0],
  weights: (node) => [{ index: 1, axis: attrInt(node, 'transB', 0) ? 0 : 1 }],
  bias: (node) => (node.input[2] ? { index: 2, activationIndex: 0, weightIndex: 1 } : undefined),
  outputQuantizedForFusion: false,
  blocker(node, g) {
    if (!g.isConstant(node.input[1])) return 'B is computed at run time, not constant';
    if (g.isConstant(node.input[0])) return 'constant A has no int8 form';
    if (attrInt(node, 'transA', 0)) return 'transA=1 has no int8 form';
    if (node.input[2]) {
      const c = g.constantTensor(node.input[2]);
      if (!c) return 'C is computed at run time';
      if (c.dims.length > 1 && c.dims.slice(0, -1).some((d) => Number(d) !== 1)) return 'C is not a per-column bias';
      if (attrFloat(node, 'beta', 1) !== 1) return 'beta != 1 cannot use an int32 bias';
    }
    return undefined;
  },
};
