// The op types Octet's quantizer knows, as plain data for the processes that cannot import
// src/main (the renderer). The facts themselves (QDQ placement, QLinear form, ORT kernel names,
// multiply-accumulates) live in one handler per op under src/main/quant/ops/, listed in
// src/main/quant/ops/registry.ts; ops/registry.test.ts checks that this table and the registry
// say the same thing, so a new handler's op types must be added here too.

/**
 * How an op takes part in int8:
 * - compute: has an int8 kernel with its own output scale (Conv, MatMul, Gemm);
 * - elementwise: int8 kernel, worth it only when its inputs already arrive in int8 (Add, Concat, pools…);
 * - passthrough: moves int8 data unchanged, so its output shares the input's scale (Reshape, MaxPool…).
 */
export type OpKind = 'compute' | 'elementwise' | 'passthrough';

export interface OpTypeInfo {
  kind: OpKind;
  /** False: Octet knows the op (its ORT kernels, its multiply-accumulates) but has no int8 form for it, so it stays fp32. */
  int8: boolean;
}

export const OP_TYPES = {
  Conv: { kind: 'compute', int8: true },
  ConvTranspose: { kind: 'compute', int8: false },
  MatMul: { kind: 'compute', int8: true },
  Gemm: { kind: 'compute', int8: true },
  Add: { kind: 'elementwise', int8: true },
  Mul: { kind: 'elementwise', int8: true },
  Concat: { kind: 'elementwise', int8: true },
  AveragePool: { kind: 'elementwise', int8: true },
  GlobalAveragePool: { kind: 'elementwise', int8: true },
  LeakyRelu: { kind: 'elementwise', int8: true },
  Sigmoid: { kind: 'elementwise', int8: true },
  Softmax: { kind: 'elementwise', int8: true },
  Where: { kind: 'elementwise', int8: false },
  Reshape: { kind: 'passthrough', int8: true },
  Transpose: { kind: 'passthrough', int8: true },
  Flatten: { kind: 'passthrough', int8: true },
  Squeeze: { kind: 'passthrough', int8: true },
  Unsqueeze: { kind: 'passthrough', int8: true },
  MaxPool: { kind: 'passthrough', int8: true },
  Resize: { kind: 'passthrough', int8: true },
  Slice: { kind: 'passthrough', int8: true },
  Gather: { kind: 'passthrough', int8: true },
  Expand: { kind: 'passthrough', int8: true },
  Tile: { kind: 'passthrough', int8: true },
  Split: { kind: 'passthrough', int8: true },
  GatherElements: { kind: 'passthrough', int8: true },
} as const satisfies Record<string, OpTypeInfo>;

export type OpType = keyof typeof OP_TYPES;

/** Op types of a kind; by default only those Octet can run in int8. */
export function opTypesOf(kind: OpKind, int8 = true): OpType[] {
  return (Object.keys(OP_TYPES) as OpType[]).filter((t) => OP_TYPES[t].kind === kind && OP_TYPES[t].int8 === int8);
}

/** Compute op types Octet can run in int8 (Conv, MatMul, Gemm): the ones the Rules step counts and tags int8/fp32. */
export const INT8_COMPUTE_OP_TYPES: readonly OpType[] = opTypesOf('compute');

/**
 * Op types that only a quantized model contains (any of ONNX Runtime's int8 forms): a model with
 * one is refused as "already quantized" and `octet inspect` says so. Every int8 kernel a handler
 * names is one of these (ops/registry.test.ts).
 */
const QUANTIZED_OP =
  /^(QuantizeLinear|DequantizeLinear|DynamicQuantizeLinear|QLinear.*|ConvInteger|MatMulInteger|MatMulIntegerToFloat|DynamicQuantizeMatMul|QGemm|QAttention)$/;

export function isQuantizedOpType(opType: string): boolean {
  return QUANTIZED_OP.test(opType);
}
