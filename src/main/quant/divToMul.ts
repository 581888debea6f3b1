import { GraphView, type GraphProto } from '../onnx/graph';
import { handlerFor } from './ops/registry';
import { DT, dimsOf, makeTensor, tensorFloat32 } from '../onnx/tensor';

/**
 * Div by a float constant becomes Mul by its reciprocal. Exporters write hard-swish as
 * x · Clip(x + 3, 0, 6) / 6 (paddle2onnx, PyTorch): ONNX Runtime has an int8 Mul but no int8
 * Div, so the Div alone would force a Dequantize → float → Quantize round trip on every
 * activation of such a network (PicoDet: 94 of them). The result differs from the division by
 * at most one rounding. Only where every reader has an int8 form: GELU's x / √2 feeds Erf, and
 * as a Div it is what ONNX Runtime's Gelu fusion looks for (rewritten, MiniLM lost its BiasGelu
 * kernels and ran 4% slower). Returns the names of the rewritten nodes.
 */
export function divByConstantToMul(graph: GraphProto): string[] {
  const g = new GraphView(graph);
  const rewritten: string[] = [];
  for (const n of graph.node) {
    if (n.opType !== 'Div' || (n.domain && n.domain !== 'ai.onnx') || g.isConstant(n.input[0])) continue;
    const readers = g.consumers.get(n.output[0]) ?? [];
    if (readers.length === 0 || !readers.every((r) => handlerFor(r))) continue;
    const t = g.constantTensor(n.input[1]);
    if (!t || t.dataType !== DT.FLOAT) continue;
    const values = tensorFloat32(t);
    if (values.length === 0 || values.some((v) => v === 0 || !Number.isFinite(v))) continue;
    const reciprocal = g.addInitializer(
      makeTensor(
        g.uniqueName(`${n.input[1]}_reciprocal`),
        values.map((v) => 1 / v),
        dimsOf(t),
      ),
    );
    n.opType = 'Mul';
    n.input = [n.input[0], reciprocal];
    rewritten.push(n.name || n.output[0]);
  }
  return rewritten;
}
