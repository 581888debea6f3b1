import { GraphView, type NodeProto } from '../onnx/graph';
import { importContribDomain, type ModelProto } from '../onnx/model';
import { dropUnusedInitializers } from './qdq';
import type { QuantPlan } from './plan';
import type { QTensor } from './ops/types';

/**
 * Rewrites the QDQ graph into explicit QLinear* operators (the "QOperator" format), the same
 * fusions ORT's CPU provider performs at load time. Each op's handler emits its own QLinear form
 * (`qlinear` in quant/ops/*); DequantizeLinear nodes stay only where a float op still reads the tensor.
 */
export function toQOperator(model: ModelProto, plan: QuantPlan): void {
  const graph = model.graph!;
  let g = new GraphView(graph);
  const remove = new Set<NodeProto>();
  const add: NodeProto[] = [];

  /** The int8 tensor behind a DequantizeLinear output. */
  const dq = (name: string): QTensor | undefined => {
    const p = g.producer.get(name);
    if (p?.opType !== 'DequantizeLinear') return undefined;
    return { q: p.input[0], scale: p.input[1], zeroPoint: p.input[2] };
  };
  /** The Q node reading `name` (the renamed float output of an int8 node). */
  const qAfter = (name: string): NodeProto | undefined => {
    const readers = g.consumers.get(name) ?? [];
    return readers.length === 1 && readers[0].opType === 'QuantizeLinear' ? readers[0] : undefined;
  };

  for (const d of plan.decisions) {
    if (!d.int8 || !d.handler) continue;
    const node = d.node;
    const last = d.absorbed ?? node;
    const q = qAfter(last.output[0]);
    const y = q ? { q: q.output[0], scale: q.input[1], zeroPoint: q.input[2] } : undefined;
    const ins = node.input.map((i) => (i ? dq(i) : undefined));
    const replaced = d.handler.qlinear?.(node, { ins, y, name: `${node.name || node.output[0]}_quant` });
    if (!replaced) continue;
    add.push(replaced);
    remove.add(node);
    if (d.absorbed) remove.add(d.absorbed);
    if (q) remove.add(q);
  }

  graph.node = [...graph.node.filter((n) => !remove.has(n)), ...add];
  // Drop DequantizeLinear/QuantizeLinear nodes nobody reads any more.
  for (let changed = true; changed;) {
    changed = false;
    g = new GraphView(graph);
    const outputs = g.outputNames;
    const before = graph.node.length;
    graph.node = graph.node.filter(
      (n) =>
        !((n.opType === 'DequantizeLinear' || n.opType === 'QuantizeLinear') && n.output.every((o) => !outputs.has(o) && !(g.consumers.get(o)?.length ?? 0))),
    );
    changed = graph.node.length !== before;
  }
  dropUnusedInitializers(graph);
  importContribDomain(model);
  new GraphView(graph).topoSort();
}
