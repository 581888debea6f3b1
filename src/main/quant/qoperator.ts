import { GraphView, makeNode, attrInt, type NodeProto } from '../onnx/graph';
import type { ModelProto } from '../onnx/model';
import { onnx } from '../onnx/proto/onnx';
import { dropUnusedInitializers } from './qdq';
import type { QuantPlan } from './plan';

const MS = 'com.microsoft';

interface QTensor {
  q: string;
  scale: string;
  zeroPoint: string;
}

/**
 * Rewrites the QDQ graph into explicit QLinear* operators (the "QOperator" format), the same
 * fusions ORT's CPU provider performs at load time. DequantizeLinear nodes stay only where a
 * float op still reads the tensor.
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
    const replaced = emit(node, ins, y);
    if (!replaced) continue;
    add.push(replaced);
    remove.add(node);
    if (d.absorbed) remove.add(d.absorbed);
    if (q) remove.add(q);
  }

  graph.node = [...graph.node.filter((n) => !remove.has(n)), ...add];
  // Drop DequantizeLinear/QuantizeLinear nodes nobody reads any more.
  for (let changed = true; changed; ) {
    changed = false;
    g = new GraphView(graph);
    const outputs = g.outputNames;
    const before = graph.node.length;
    graph.node = graph.node.filter(
      (n) => !((n.opType === 'DequantizeLinear' || n.opType === 'QuantizeLinear') && n.output.every((o) => !outputs.has(o) && !(g.consumers.get(o)?.length ?? 0))),
    );
    changed = graph.node.length !== before;
  }
  dropUnusedInitializers(graph);
  if (graph.node.some((n) => n.domain === MS) && !model.opsetImport.some((o) => o.domain === MS)) {
    model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: MS, version: 1 }));
  }
  new GraphView(graph).topoSort();
}

function emit(node: NodeProto, ins: (QTensor | undefined)[], y: QTensor | undefined): NodeProto | undefined {
  const x = ins[0];
  const name = `${node.name || node.output[0]}_quant`;
  const attrsOf = (keep?: string[]) => node.attribute.filter((a) => !keep || keep.includes(a.name ?? ''));
  const withAttrs = (n: NodeProto, attrs = attrsOf()) => {
    n.attribute = [...attrs, ...n.attribute];
    return n;
  };
  switch (node.opType) {
    case 'Conv': {
      const w = ins[1];
      if (!x || !w || !y) return undefined;
      const bias = node.input[2] ? ins[2] : undefined;
      if (node.input[2] && !bias) return undefined;
      return withAttrs(makeNode('QLinearConv', [x.q, x.scale, x.zeroPoint, w.q, w.scale, w.zeroPoint, y.scale, y.zeroPoint, ...(bias ? [bias.q] : [])], [y.q], {}, name));
    }
    case 'MatMul': {
      const b = ins[1];
      if (!x || !b) return undefined;
      if (y) return makeNode('QLinearMatMul', [x.q, x.scale, x.zeroPoint, b.q, b.scale, b.zeroPoint, y.scale, y.zeroPoint], [y.q], {}, name);
      return makeNode('MatMulIntegerToFloat', [x.q, b.q, x.scale, b.scale, x.zeroPoint, b.zeroPoint], [node.output[0]], {}, name, MS);
    }
    case 'Gemm': {
      const b = ins[1];
      if (!x || !b) return undefined;
      const c = node.input[2] ? ins[2] : undefined;
      if (node.input[2] && !c) return undefined;
      const inputs = [x.q, x.scale, x.zeroPoint, b.q, b.scale, b.zeroPoint, c ? c.q : '', ...(y ? [y.scale, y.zeroPoint] : [])];
      return withAttrs(makeNode('QGemm', inputs, [y ? y.q : node.output[0]], {}, name, MS), attrsOf(['alpha', 'transA', 'transB']));
    }
    case 'Add':
    case 'Mul': {
      const b = ins[1];
      if (!x || !b || !y) return undefined;
      return makeNode(`QLinear${node.opType}`, [x.q, x.scale, x.zeroPoint, b.q, b.scale, b.zeroPoint, y.scale, y.zeroPoint], [y.q], {}, name, MS);
    }
    case 'Concat': {
      if (!y || ins.some((i) => !i)) return undefined;
      return makeNode('QLinearConcat', [y.scale, y.zeroPoint, ...ins.flatMap((i) => [i!.q, i!.scale, i!.zeroPoint])], [y.q], { axis: attrInt(node, 'axis', 0) }, name, MS);
    }
    case 'AveragePool':
    case 'GlobalAveragePool':
    case 'Sigmoid':
    case 'LeakyRelu':
    case 'Softmax': {
      if (!x || !y) return undefined;
      const extra = node.opType === 'Softmax' ? { opset: 13, axis: attrInt(node, 'axis', -1) } : {};
      const n = makeNode(`QLinear${node.opType}`, [x.q, x.scale, x.zeroPoint, y.scale, y.zeroPoint], [y.q], extra, name, MS);
      return node.opType === 'Softmax' ? n : withAttrs(n);
    }
    default: {
      // Passthrough: the same op on int8 data, its output already carries the input's scale.
      // Multi-output ops (Split) keep their Q/DQ form.
      if (!x || !y || node.output.filter(Boolean).length > 1) return undefined;
      return withAttrs(makeNode(node.opType, [x.q, ...node.input.slice(1)], [y.q, ...node.output.slice(1)], {}, name));
    }
  }
}
