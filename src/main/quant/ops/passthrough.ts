import { makeNode } from '../../onnx/graph';
import { withAttrs } from './qlinear';
import type { OpHandler } from './types';

// Ops that only move or select values. ORT drops the DQ/Q around them and runs them on int8
// data when the Q after them has the same scale and zero point as the DQ before, so the
// converter gives their outputs the input's parameters.
export const passthrough: OpHandler = {
  opTypes: ['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'MaxPool', 'Resize', 'Slice', 'Gather', 'Expand', 'Tile', 'Split', 'GatherElements'],
  kind: 'passthrough',
  // No kernel of their own: the same op runs on int8 data, under its own name.
  kernels: { fp32: [], int8: {} },
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  blocker(node, g) {
    if (g.isConstant(node.input[0])) return 'constant input';
    if (node.opType === 'MaxPool' && node.output.length > 1 && node.output[1]) return 'MaxPool with indices output';
    return undefined;
  },
  // The same op on int8 data, its output already carries the input's scale. Multi-output ops
  // (Split) keep their Q/DQ form.
  qlinear(node, { ins: [x], y, name }) {
    if (!x || !y || node.output.filter(Boolean).length > 1) return undefined;
    return withAttrs(makeNode(node.opType, [x.q, ...node.input.slice(1)], [y.q, ...node.output.slice(1)], {}, name), node);
  },
};
