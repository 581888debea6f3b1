import { attrInt, makeNode } from '../../onnx/graph';
import { MS, triple, unaryQLinear } from './qlinear';
import type { OpHandler } from './types';

// DQ → op → Q becomes the com.microsoft QLinear form of the op (ORT's UnarySelector).
export const pool: OpHandler = {
  opTypes: ['AveragePool', 'GlobalAveragePool', 'LeakyRelu'],
  kind: 'elementwise',
  kernels: { fp32: [], int8: { QLinearAveragePool: { yScale: 3 }, QLinearGlobalAveragePool: { yScale: 3 }, QLinearLeakyRelu: { yScale: 3 } } },
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  qlinear: unaryQLinear,
};

export const sigmoid: OpHandler = {
  opTypes: ['Sigmoid'],
  kind: 'elementwise',
  kernels: { fp32: [], int8: { QLinearSigmoid: { yScale: 3 } } },
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  fixedOutputRange: [0, 1],
  qlinear: unaryQLinear,
};

export const softmax: OpHandler = {
  opTypes: ['Softmax'],
  kind: 'elementwise',
  kernels: { fp32: [], int8: { QLinearSoftmax: { yScale: 3 } } },
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  fixedOutputRange: [0, 1],
  // ORT's QLinearSoftmax takes the opset whose axis semantics it follows instead of Softmax's attributes.
  qlinear(node, { ins: [x], y, name }) {
    if (!x || !y) return undefined;
    return makeNode('QLinearSoftmax', [...triple(x), y.scale, y.zeroPoint], [y.q], { opset: 13, axis: attrInt(node, 'axis', -1) }, name, MS);
  },
};
