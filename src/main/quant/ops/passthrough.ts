import type { OpHandler } from './types';

// Ops that only move or select values. ORT drops the DQ/Q around them and runs them on int8
// data when the Q after them has the same scale and zero point as the DQ before, so the
// converter gives their outputs the input's parameters.
export const passthrough: OpHandler = {
  opTypes: ['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'MaxPool', 'Resize', 'Slice', 'Gather', 'Expand', 'Tile', 'Split', 'GatherElements'],
  kind: 'passthrough',
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  blocker(node, g) {
    if (g.isConstant(node.input[0])) return 'constant input';
    if (node.opType === 'MaxPool' && node.output.length > 1 && node.output[1]) return 'MaxPool with indices output';
    return undefined;
  },
};
