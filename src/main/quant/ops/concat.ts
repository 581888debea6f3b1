import type { OpHandler } from './types';

// DQ… → Concat → Q becomes QLinearConcat; inputs may have different scales.
export const concat: OpHandler = {
  opTypes: ['Concat'],
  kind: 'elementwise',
  activationInputs: (node, g) => node.input.map((_, i) => i).filter((i) => !g.isConstant(node.input[i])),
  constantInputs: (node, g) => node.input.map((_, i) => i).filter((i) => g.isConstant(node.input[i])),
  outputQuantizedForFusion: true,
};
