import type { GraphView, NodeProto } from '../../onnx/graph';

/**
 * How an op takes part in int8:
 * - compute: has an int8 kernel with its own output scale (Conv, MatMul, Gemm);
 * - elementwise: int8 kernel, worth it only when its inputs already arrive in int8 (Add, Concat, pools…);
 * - passthrough: moves int8 data unchanged, so its output shares the input's scale (Reshape, MaxPool…).
 */
export type OpKind = 'compute' | 'elementwise' | 'passthrough';

export interface WeightInput {
  index: number;
  /** Per-channel axis; the recipe may still ask for per-tensor. */
  axis: number;
}

export interface BiasInput {
  index: number;
  /** Bias scale = scale(activation input) × scale(weight), as ORT's int8 kernels require. */
  activationIndex: number;
  weightIndex: number;
}

export interface OpHandler {
  opTypes: string[];
  kind: OpKind;
  /** Activation (non-constant) inputs that must arrive through Q/DQ. */
  activationInputs(node: NodeProto, g: GraphView): number[];
  weights?(node: NodeProto, g: GraphView): WeightInput[];
  bias?(node: NodeProto, g: GraphView): BiasInput | undefined;
  /** Constant inputs quantized like activations (own min/max), e.g. the bias of an Add. */
  constantInputs?(node: NodeProto, g: GraphView): number[];
  /** False when ORT has an int8 form with float output (MatMulIntegerToFloat, QGemm), so a Q after it is optional. */
  outputQuantizedForFusion: boolean;
  /** Why this node must stay fp32, if it must. */
  blocker?(node: NodeProto, g: GraphView): string | undefined;
  /** Fixed output range, for ops whose output range is known (Softmax, Sigmoid). */
  fixedOutputRange?: [number, number];
}
