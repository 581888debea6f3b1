import { getAttr, GraphView, makeNode, valueDims, type GraphProto } from './graph';
import { onnx } from './proto/onnx';
import { int64Tensor, tensorInts } from './tensor';

/**
 * Reads of a feed input's static dims become constants: `Gather(Shape(x), i)` (and `Shape(x)`
 * sliced by start/end) where every dim read is a number in the input's type, the same for
 * every input the model accepts. ONNX Runtime folds a Shape only when the whole shape is static,
 * so `state: [2, batch, 128]` kept `state.shape[0] != 0` a run-time test, and the If it
 * decides (PyTorch's LSTM export: the whole LSTM in its then-branch) ran as a subgraph on every
 * call. With the constant, ORT's constant folding inlines the taken branch. Main graph only.
 * Returns the names of the nodes replaced.
 */
export function staticShapeReads(graph: GraphProto): string[] {
  const g = new GraphView(graph);
  const inputDims = new Map(g.feedInputs.map((i) => [i.name, valueDims(i)]));
  const replaced: string[] = [];
  /** The dims a Shape node returns, when its input is a feed input of known rank. */
  const shapeDims = (n: onnx.NodeProto): (number | null)[] | undefined => {
    const dims = inputDims.get(n.input[0]);
    if (!dims) return undefined;
    const r = dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const start = clamp(Number(getAttr(n, 'start')?.i ?? 0));
    const endAttr = getAttr(n, 'end');
    const end = endAttr ? clamp(Number(endAttr.i)) : r;
    return dims.slice(start, Math.max(start, end));
  };
  const isStatic = (d: (number | null)[]): d is number[] => d.every((x) => x !== null && x >= 0);
  for (let k = 0; k < graph.node.length; k++) {
    const n = graph.node[k];
    if (n.domain && n.domain !== 'ai.onnx') continue;
    let values: number[] | undefined;
    let dims: number[] = [];
    if (n.opType === 'Shape') {
      const d = shapeDims(n);
      if (d && isStatic(d)) [values, dims] = [d, [d.length]];
    } else if (n.opType === 'Gather' && Number(getAttr(n, 'axis')?.i ?? 0) === 0) {
      const shape = g.producer.get(n.input[0]);
      const idx = g.constantTensor(n.input[1]);
      const d = shape?.opType === 'Shape' && (!shape.domain || shape.domain === 'ai.onnx') ? shapeDims(shape) : undefined;
      if (d && idx) {
        const at = tensorInts(idx).map((i) => (i < 0 ? i + d.length : i));
        const picked = at.map((i) => (i >= 0 && i < d.length ? d[i] : null));
        if (isStatic(picked)) [values, dims] = [picked, idx.dims.map(Number)];
      }
    }
    if (!values || n.output.length !== 1) continue;
    const value = int64Tensor(`${n.output[0]}_value`, values, dims);
    graph.node[k] = makeNode('Constant', [], [n.output[0]], { value }, n.name);
    replaced.push(n.name || n.output[0]);
  }
  if (replaced.length) removeUnread(graph);
  return replaced;
}

/** Shape nodes nothing reads any more (their Gathers became constants). */
function removeUnread(graph: GraphProto): void {
  const g = new GraphView(graph);
  const outputs = g.outputNames;
  graph.node = graph.node.filter((n) => n.opType !== 'Shape' || outputs.has(n.output[0]) || (g.consumers.get(n.output[0])?.length ?? 0) > 0);
}

/**
 * Writes `shapes` into the feed inputs' types (every dim static), so that ONNX Runtime folds
 * the shape computations, and the If nodes they decide, for exactly those shapes. The model
 * then accepts only them. Returns one line per input changed, e.g. `input [batch, sequence] → [1, 512]`.
 */
export function fixInputDims(graph: GraphProto, shapes: Record<string, number[]>): string[] {
  const changed: string[] = [];
  for (const input of new GraphView(graph).feedInputs) {
    const dims = input.type?.tensorType?.shape?.dim;
    const want = shapes[input.name];
    if (!dims || !want || want.length !== dims.length) continue;
    const before = dims.map((d) => (Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue != null ? String(d.dimValue) : d.dimParam || '?'));
    if (before.every((d, i) => d === String(want[i]))) continue;
    input.type!.tensorType!.shape!.dim = want.map((v) => onnx.TensorShapeProto.Dimension.create({ dimValue: v }));
    changed.push(`${input.name} [${before.join(', ')}] → [${want.join(', ')}]`);
  }
  return changed;
}
