import type { NodeProto } from '../../onnx/graph';
import type { OpHandler } from './types';
import { conv } from './conv';
import { matmul } from './matmul';
import { gemm } from './gemm';
import { binary } from './binary';
import { concat } from './concat';
import { pool, sigmoid, softmax } from './unary';
import { passthrough } from './passthrough';

/** op type → how to quantize it. Supporting a new op means adding a handler here. */
const HANDLERS: OpHandler[] = [conv, matmul, gemm, binary, concat, pool, sigmoid, softmax, passthrough];

const BY_TYPE = new Map<string, OpHandler>();
for (const h of HANDLERS) for (const t of h.opTypes) BY_TYPE.set(t, h);

export function handlerFor(node: NodeProto): OpHandler | undefined {
  if (node.domain && node.domain !== 'ai.onnx') return undefined;
  return BY_TYPE.get(node.opType);
}

/** Compute ops the fusion report counts: int8 here is what makes a model faster. */
export const COMPUTE_OPS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
