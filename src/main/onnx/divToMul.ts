import { GraphView, type GraphProto } from './graph';
import { DT, dimsOf, makeTensor, tensorFloat32 } from './tensor';

/**
 * Div by a float constant becomes Mul by its reciprocal. Exporters write hard-swish as
 * x · Clip(x + 3, 0, 6) / 6 (paddle2onnx, PyTorch): ONNX Runtime has an int8 Mul but no int8
 * Div, so the Div alone would force a Dequantize → float → Quantize round trip on every
 * activation of such a network (PicoDet: 94 of them). The result differs from the division by
 * at most one rounding. Returns the names of the rewritten nodes.
 */
export function divByConstantToMul(graph: GraphProto): string[] {
  const g = new GraphView(graph);
  const rewritten: string[] = [];
  for (const n of graph.node) {
    if (n.opType !== 'Div' || (n.domain && n.domain !== 'ai.onnx') || g.isConstant(n.input[0])) continue;
    const t = g.constantTensor(n.input[1]);
    if (!t || t.dataType !== DT.FLOAT) continue;
    const values = tensorFloat32(t);
    if (values.length === 0 || values.some((v) => v === 0 || !Number.isFinite(v))) continue;
    const reciprocal = g.addInitializer(makeTensor(g.uniqueName(`${n.input[1]}_reciprocal`), values.map((v) => 1 / v), dimsOf(t)));
    n.opType = 'Mul';
    n.input = [n.input[0], reciprocal];
    rewritten.push(n.name || n.output[0]);
  }
  return rewritten;
}
