import { attrInt, makeNode } from '../../onnx/graph';
import { sizeOf } from '../../onnx/tensor';
import { triple, withAttrs } from './qlinear';
import type { OpHandler } from './types';

// DQ(x), DQ(w), DQ(int32 bias) → Conv → Q fuses into QLinearConv.
export const conv: OpHandler = {
  opTypes: ['Conv'],
  kind: 'compute',
  kernels: {
    fp32: ['Conv', 'FusedConv', 'NhwcFusedConv'],
    // ConvInteger: ORT's dynamic quantization of Conv.
    int8: { QLinearConv: { yScale: 6 }, ConvInteger: {} },
  },
  macs: {
    shapes: (node) => [node.output[0]],
    // Each output element sums Cin/group × kernel products: the weight's size per output channel.
    count(node, shape) {
      const [w, out] = [shape(node.input[1]), shape(node.output[0])];
      return out && w ? sizeOf(out) * (sizeOf(w) / w[0]) : undefined;
    },
  },
  requantizedWhenFloat: true,
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
  qlinear(node, { ins: [x, w, bias], y, name }) {
    if (!x || !w || !y) return undefined;
    if (node.input[2] && !bias) return undefined;
    return withAttrs(makeNode('QLinearConv', [...triple(x), ...triple(w), y.scale, y.zeroPoint, ...(bias ? [bias.q] : [])], [y.q], {}, name), node);
  },
};
