import type { Fp32Op } from './types';

// Octet writes no Q/DQ for Where, but ORT has an int8 form of it: a model ORT fused that way
// (quantized by another tool) still counts it as int8 in reports.
export const where: Fp32Op = {
  opTypes: ['Where'],
  kind: 'elementwise',
  int8: false,
  kernels: { fp32: [], int8: { QLinearWhere: { yScale: 7 } } },
};
