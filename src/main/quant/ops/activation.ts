// Relu and Clip after an int8 op: ORT removes them when the Quantize after them starts at zero
// point = qmin (Relu/ClipQuantFusion), so the plan absorbs them into the op's output range, and
// code that walks from a tensor to the op that sets its range steps over them.
import { tensorFloat32 } from '../../onnx/tensor';
import type { GraphView, NodeProto } from '../../onnx/graph';

/** A Relu or Clip (default domain): an activation ORT can fold into the Quantize after an int8 op. */
export function isFusedActivation(node: Pick<NodeProto, 'opType' | 'domain'>): boolean {
  return (!node.domain || node.domain === 'ai.onnx') && (node.opType === 'Relu' || node.opType === 'Clip');
}

/** A Relu, or a Clip whose bounds contain 0, that is the only reader of `node`'s output. */
export function absorbableActivation(node: NodeProto, g: GraphView, outputs: Set<string>): NodeProto | undefined {
  const out = node.output[0];
  if (outputs.has(out)) return undefined;
  const readers = g.consumers.get(out) ?? [];
  if (readers.length !== 1) return undefined;
  const act = readers[0];
  if (!isFusedActivation(act)) return undefined;
  if (act.opType === 'Relu') return act;
  const lo = act.input[1] ? g.constantTensor(act.input[1]) : undefined;
  const hi = act.input[2] ? g.constantTensor(act.input[2]) : undefined;
  if ((act.input[1] && !lo) || (act.input[2] && !hi)) return undefined;
  const min = lo ? tensorFloat32(lo)[0] : -Infinity;
  const max = hi ? tensorFloat32(hi)[0] : Infinity;
  return min <= 0 && max >= 0 ? act : undefined;
}

/** An absorbed Clip's bounds: the Q range must fit inside them for ORT to drop the Clip. */
export function clipBounds(act: NodeProto, g: GraphView): [number, number] | undefined {
  if (act.opType !== 'Clip') return undefined;
  const bound = (i: number, dflt: number) => {
    const t = act.input[i] ? g.constantTensor(act.input[i]) : undefined;
    return t ? tensorFloat32(t)[0] : dflt;
  };
  return [bound(1, -Infinity), bound(2, Infinity)];
}

/** Relu, or a Clip with a lower bound of 0: the output range starts at exactly 0. */
export function startsAtZero(act: NodeProto, g: GraphView): boolean {
  if (act.opType === 'Relu') return true;
  const lo = act.input[1] ? g.constantTensor(act.input[1]) : undefined;
  return lo !== undefined && tensorFloat32(lo)[0] === 0;
}
