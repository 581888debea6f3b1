import type { OpHandler } from './types';

// DQ → op → Q becomes the com.microsoft QLinear form of the op (ORT's UnarySelector).
export const pool: OpHandler = {
  opTypes: ['AveragePool', 'GlobalAveragePool', 'LeakyRelu'],
  kind: 'elementwise',
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
};

export const sigmoid: OpHandler = {
  opTypes: ['Sigmoid'],
  kind: 'elementwise',
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  fixedOutputRange: [0, 1],
};

export const softmax: OpHandler = {
  opTypes: ['Softmax'],
  kind: 'elementwise',
  activationInputs: () => [0],
  outputQuantizedForFusion: true,
  fixedOutputRange: [0, 1],
};
