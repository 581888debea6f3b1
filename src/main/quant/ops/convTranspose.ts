import { sizeOf } from '../../onnx/tensor';
import type { Fp32Op } from './types';

// Counted as compute (fusion report, multiply-accumulates) but kept fp32: Octet writes no Q/DQ
// for it, and quant/qdq.ts guards it against ORT's WeightBiasQuantization.
export const convTranspose: Fp32Op = {
  opTypes: ['ConvTranspose'],
  kind: 'compute',
  int8: false,
  fp32Reason: 'ONNX Runtime has no int8 kernel for it on CPU',
  kernels: { fp32: ['ConvTranspose'], int8: { QLinearConvTranspose: { yScale: 6 } } },
  macs: {
    shapes: (node) => [node.input[0]],
    // Every input element meets Cout/group × kernel weights.
    count(node, shape) {
      const [x, w] = [shape(node.input[0]), shape(node.input[1])];
      return x && w ? sizeOf(x) * (sizeOf(w) / w[0]) : undefined;
    },
  },
  requantizedWhenFloat: true,
};
