// One line per op handler: everything else about op types (the plan, Q/DQ placement, the
// QOperator form, the fusion report, the speed check, the MAC count, the UI's list in
// src/shared/opTypes.ts, checked by registry.test.ts) derives from this list.
// See docs/architecture.md, "How to add a compute op".
import type { NodeProto } from '../../onnx/graph';
import type { MacCounter } from '../../runtime/computeCost';
import type { Int8Kernel, OpHandler, RegisteredOp } from './types';
import { conv } from './conv';
import { convTranspose } from './convTranspose';
import { matmul } from './matmul';
import { gemm } from './gemm';
import { binary } from './binary';
import { concat } from './concat';
import { pool, sigmoid, softmax } from './unary';
import { where } from './where';
import { passthrough } from './passthrough';

export const REGISTRY: readonly RegisteredOp[] = [conv, convTranspose, matmul, gemm, binary, concat, pool, sigmoid, softmax, where, passthrough];

/** Whether Octet can run the op in int8 (it has Q/DQ placement and a QOperator form). */
export function isHandler(op: RegisteredOp): op is OpHandler {
  return !('int8' in op);
}

const BY_TYPE = new Map<string, RegisteredOp>();
for (const op of REGISTRY) {
  for (const t of op.opTypes) {
    if (BY_TYPE.has(t)) throw new Error(`internal: two op handlers for ${t}`);
    BY_TYPE.set(t, op);
  }
}

/** What Octet knows about the node's op, int8 form or not (default ONNX domain only). */
export function opFactsFor(node: Pick<NodeProto, 'opType' | 'domain'>): RegisteredOp | undefined {
  if (node.domain && node.domain !== 'ai.onnx') return undefined;
  return BY_TYPE.get(node.opType);
}

/** How to quantize the node, if Octet can run it in int8. */
export function handlerFor(node: Pick<NodeProto, 'opType' | 'domain'>): OpHandler | undefined {
  const op = opFactsFor(node);
  return op && isHandler(op) ? op : undefined;
}

const compute = REGISTRY.filter((op) => op.kind === 'compute');
const kernelsOf = (ops: readonly RegisteredOp[]) => ops.flatMap((op) => Object.entries(op.kernels.int8));

/** Float compute kernels in ORT's optimized graph (fused and NCHWc forms included). */
export const FP32_COMPUTE_KERNELS: ReadonlySet<string> = new Set(compute.flatMap((op) => op.kernels.fp32));
/** Int8 kernels of compute ops: int8 here is what makes a model faster. */
export const INT8_COMPUTE_KERNELS: ReadonlyMap<string, Int8Kernel> = new Map(kernelsOf(compute));
/** Int8 kernels of the other ops (QLinearAdd, QLinearConcat…). */
export const INT8_OTHER_KERNELS: ReadonlyMap<string, Int8Kernel> = new Map(kernelsOf(REGISTRY.filter((op) => op.kind !== 'compute')));

/** Any int8 kernel by name: where it takes its output scale. */
export function int8Kernel(opType: string): Int8Kernel | undefined {
  return INT8_COMPUTE_KERNELS.get(opType) ?? INT8_OTHER_KERNELS.get(opType);
}

/** Where an int8 kernel takes its output scale (measure/perLayer.ts takes it as an argument). */
export function outputScaleInput(opType: string): number | undefined {
  return int8Kernel(opType)?.yScale;
}

/** How to count a node's multiply-accumulates, for compute ops (runtime/computeCost.ts takes it as an argument). */
export function macCountFor(node: Pick<NodeProto, 'opType' | 'domain'>): MacCounter | undefined {
  return opFactsFor(node)?.macs;
}
