import { attrInt, makeNode } from '../../onnx/graph';
import { MS, triple } from './qlinear';
import type { OpHandler } from './types';

// DQ… → Concat → Q becomes QLinearConcat; inputs may have different scales.
export const concat: OpHandler = {
  opTypes: ['Concat'],
  kind: 'elementwise',
  kernels: { fp32: [], int8: { QLinearConcat: { yScale: 0 } } },
  activationInputs: (node, g) => node.input.map((_, i) => i).filter((i) => !g.isConstant(node.input[i])),
  constantInputs: (node, g) => node.input.map((_, i) => i).filter((i) => g.isConstant(node.input[i])),
  outputQuantizedForFusion: true,
  qlinear(node, { ins, y, name }) {
    if (!y || ins.some((i) => !i)) return undefined;
    return makeNode('QLinearConcat', [y.scale, y.zeroPoint, ...ins.flatMap((i) => triple(i!))], [y.q], { axis: attrInt(node, 'axis', 0) }, name, MS);
  },
};
