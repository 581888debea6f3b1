import type { GraphView, NodeProto } from '../../onnx/graph';
import type { OpKind, OpType } from '../../../shared/opTypes';
import type { MacCounter } from '../../runtime/computeCost';

export type { OpKind } from '../../../shared/opTypes';

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

/** An int8 kernel of ONNX Runtime, as it appears in the optimized graph (or the QOperator format). */
export interface Int8Kernel {
  /** Input index of its output scale (its output zero point is the next input), when it writes int8. */
  yScale?: number;
  /** Writes the float result itself when it has no output scale (MatMulIntegerToFloat, QGemm without a Q). */
  floatOutput?: boolean;
}

/** The names an op runs under in ONNX Runtime's optimized graph: what the fusion report and the speed check look for. */
export interface OrtKernels {
  /** Its float forms, ORT's fused and NCHWc kernels included. */
  fp32: readonly string[];
  /** Its int8 forms, fused by ORT from Q/DQ (or written by the QOperator format). */
  int8: Readonly<Record<string, Int8Kernel>>;
}

/** The int8 tensors around a node in the QDQ graph: a DequantizeLinear's input, or the Q after the node. */
export interface QTensor {
  q: string;
  scale: string;
  zeroPoint: string;
}

export interface QLinearArgs {
  /** Per input of the node: the int8 tensor behind its DequantizeLinear, if it has one. */
  ins: (QTensor | undefined)[];
  /** The QuantizeLinear after the node (or after the Relu/Clip it absorbed), if any. */
  y?: QTensor;
  /** Name for the emitted node. */
  name: string;
}

/** The node's QOperator form, or undefined where it cannot have one (then it keeps its Q/DQ form). */
export type QLinearEmitter = (node: NodeProto, args: QLinearArgs) => NodeProto | undefined;

/** What every op the registry knows declares. */
export interface OpFacts {
  opTypes: readonly OpType[];
  kind: OpKind;
  kernels: OrtKernels;
  /** Compute ops: how to count their multiply-accumulates from run-time shapes (runtime/computeCost.ts). */
  macs?: MacCounter;
  /**
   * ORT's WeightBiasQuantization re-quantizes this op when it is kept fp32 between a DQ and a Q,
   * so the converter guards it (quant/qdq.ts).
   */
  requantizedWhenFloat?: boolean;
}

/** An op Octet runs in int8: its facts, where its Q/DQ go, and its QOperator form. */
export interface OpHandler extends OpFacts {
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
  /** `w_granularity: "auto"` measures per-tensor weights for it (quant/measured.ts). */
  autoGranularity?: boolean;
  /** The constant 2-D weight SmoothQuant may scale, and the axis its input channels run along. */
  smoothQuantWeight?(node: NodeProto): { weightIndex: number; kAxis: number } | undefined;
  /** Its QOperator form (`format: "qoperator"`); null says explicitly that it has none and keeps its Q/DQ form. */
  qlinear: QLinearEmitter | null;
}

/** An op Octet knows but keeps fp32: it still counts in the fusion report and the MAC count. */
export interface Fp32Op extends OpFacts {
  int8: false;
  /** Why it stays fp32, for the report's list of fp32 compute ops. */
  fp32Reason?: string;
}

export type RegisteredOp = OpHandler | Fp32Op;
