import { GraphView, type GraphProto } from '../onnx/graph';

/** Ops that keep a row's order of scores, or only reshape: a softmax spelled out, a bias, a scale. */
const KEEPS_ROWS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Softmax', 'LogSoftmax', 'Exp', 'Add', 'Sub', 'Mul', 'Div']);

/**
 * Graph outputs that hold class scores along their last axis: a MatMul/Gemm, then only ops from
 * KEEPS_ROWS (following their first input). What a classifier or a CTC recognizer ends with
 * (logits, softmax); a detector's map ends in a Conv and is left out. For these the fidelity
 * check also compares the top class, which can flip while the scores keep a high cosine.
 */
export function classScoreOutputs(graph: GraphProto): Set<string> {
  const g = new GraphView(graph);
  const found = new Set<string>();
  for (const o of graph.output) {
    let n = g.producer.get(o.name);
    for (let hops = 0; n && hops < 8; hops++) {
      if (n.opType === 'MatMul' || n.opType === 'Gemm') {
        found.add(o.name);
        break;
      }
      if (!KEEPS_ROWS.has(n.opType) || (n.domain && n.domain !== 'ai.onnx')) break;
      n = g.producer.get(n.input[0]);
    }
  }
  return found;
}
