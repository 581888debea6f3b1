import { attrFloat, attrInt, makeNode } from '../../onnx/graph';
import { sizeOf } from '../../onnx/tensor';
import { MS, triple, withAttrs } from './qlinear';
import type { OpHandler } from './types';

// DQ(A), DQ(B), DQ(int32 C) → Gemm [→ Q] becomes com.microsoft QGemm.
export const gemm: OpHandler = {
  opTypes: ['Gemm'],
  kind: 'compute',
  kernels: { fp32: ['Gemm', 'FusedGemm'], int8: { QGemm: { yScale: 7, floatOutput: true } } },
  macs: {
    shapes: (node) => [node.input[0], node.output[0]],
    count(node, shape) {
      const [a, out] = [shape(node.input[0]), shape(node.output[0])];
      return a && out ? sizeOf(out) * a[attrInt(node, 'transA', 0) ? 0 : 1] : undefined;
    },
  },
  requantizedWhenFloat: true,
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
  autoGranularity: true,
  smoothQuantWeight: (node) => (attrInt(node, 'transA', 0) ? undefined : { weightIndex: 1, kAxis: attrInt(node, 'transB', 0) ? 1 : 0 }),
  qlinear(node, { ins: [x, b, c], y, name }) {
    if (!x || !b) return undefined;
    if (node.input[2] && !c) return undefined;
    const inputs = [...triple(x), ...triple(b), c ? c.q : '', ...(y ? [y.scale, y.zeroPoint] : [])];
    return withAttrs(makeNode('QGemm', inputs, [y ? y.q : node.output[0]], {}, name, MS), node, ['alpha', 'transA', 'transB']);
  },
};
