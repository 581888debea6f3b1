import { GraphView, type GraphProto } from './graph';

/**
 * Add and Mul with the constant as the first input become the same op with it second.
 * paddle2onnx writes a learnable affine step after a Conv as Mul(scale, x) then Add(x, bias)
 * (PP-LCNetV3's "LAB" blocks); ONNX Runtime's Conv+Mul and Conv+Add fusions look for the
 * constant second only, so the affine step stayed behind the Conv, and in int8 each step became
 * its own requantized op (two more roundings per block). Both ops are commutative, with
 * broadcasting on either side, so the swap keeps the result bit for bit. Returns the names of
 * the nodes swapped.
 */
export function constantsSecond(graph: GraphProto): string[] {
  const g = new GraphView(graph);
  const swapped: string[] = [];
  for (const n of graph.node) {
    if ((n.opType !== 'Add' && n.opType !== 'Mul') || (n.domain && n.domain !== 'ai.onnx') || n.input.length !== 2) continue;
    if (!g.isConstant(n.input[0]) || g.isConstant(n.input[1])) continue;
    n.input = [n.input[1], n.input[0]];
    swapped.push(n.name || n.output[0]);
  }
  return swapped;
}
