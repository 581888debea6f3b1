import { GraphView, makeNode, type NodeProto } from './graph';
import { importContribDomain, MS_DOMAIN, opsetOf, type ModelProto } from './model';
import { DT, tensorFloat32 } from './tensor';

/**
 * GELU written out as x · 0.5 · (1 + erf(x / √2)) becomes one Gelu node, as ONNX Runtime's own
 * GeluFusion does for an fp32 model. In an int8 model it cannot: x then comes from a
 * DequantizeLinear, which ORT duplicates per reader (one for the Div, one for the Mul), and the
 * fusion needs both to read the same tensor. Unfused, GELU runs as five passes over the tensor
 * between int8 ops (PP-OCRv6's detector: its 13 Div + Erf took more time than its 13 fp32 Gelu).
 * ONNX's own Gelu (opset 20) where the model's opset has it, ORT's com.microsoft Gelu (the
 * node ORT's fusion writes) otherwise. The patterns: the Div by √2 (or Mul by 1/√2) feeds Erf,
 * Erf + 1, and x, that sum and 0.5 multiplied in any of the orders exporters write. Returns the
 * names of the fused Div nodes.
 */
export function fuseGelu(model: ModelProto): string[] {
  const graph = model.graph!;
  const g = new GraphView(graph);
  const outputs = g.outputNames;
  const only = (t: string): NodeProto | undefined => {
    const readers = g.consumers.get(t) ?? [];
    return readers.length === 1 && !outputs.has(t) ? readers[0] : undefined;
  };
  const isOp = (n: NodeProto | undefined, op: string): n is NodeProto => !!n && n.opType === op && (!n.domain || n.domain === 'ai.onnx');
  const constantNear = (t: string, v: number) => {
    const c = g.constantTensor(t);
    const values = c && c.dataType === DT.FLOAT ? tensorFloat32(c) : undefined;
    return values?.length === 1 && Math.abs(values[0] - v) <= 1e-4 * Math.abs(v);
  };
  /** The input of a binary op that is not `t`, or undefined if the op does not read `t`. */
  const other = (n: NodeProto, t: string) => (n.input.length !== 2 ? undefined : n.input[0] === t ? n.input[1] : n.input[1] === t ? n.input[0] : undefined);

  const fused: string[] = [];
  const remove = new Set<NodeProto>();
  const gelus = new Map<NodeProto, NodeProto>();
  for (const scale of graph.node) {
    const x = scale.input[0];
    const isScale = (isOp(scale, 'Div') && constantNear(scale.input[1], Math.SQRT2)) || (isOp(scale, 'Mul') && constantNear(scale.input[1], Math.SQRT1_2));
    if (!isScale || remove.has(scale)) continue;
    const erf = only(scale.output[0]);
    if (!isOp(erf, 'Erf')) continue;
    const add = only(erf.output[0]);
    const one = add && isOp(add, 'Add') ? other(add, erf.output[0]) : undefined;
    if (!add || one === undefined || !constantNear(one, 1)) continue;
    const tail = geluTail(add.output[0], x);
    if (!tail) continue;
    const [first, last] = tail;
    gelus.set(last, makeNode('Gelu', [x], [last.output[0]], {}, `${scale.name || scale.output[0]}_Gelu`, opsetOf(model) >= 20 ? '' : MS_DOMAIN));
    for (const n of [scale, erf, add, first, last]) remove.add(n);
    fused.push(scale.name || scale.output[0]);
  }
  if (!fused.length) return fused;
  graph.node = graph.node.flatMap((n) => (gelus.has(n) ? [gelus.get(n)!] : remove.has(n) ? [] : [n]));
  importContribDomain(model);
  return fused;

  /** The two Muls that multiply (1 + erf) by x and by 0.5, in either order; [first, last]. */
  function geluTail(sum: string, x: string): [NodeProto, NodeProto] | undefined {
    const a = only(sum);
    if (!isOp(a, 'Mul')) return undefined;
    const partner = other(a, sum);
    if (partner === undefined) return undefined;
    const b = only(a.output[0]);
    const bOther = b && isOp(b, 'Mul') ? other(b, a.output[0]) : undefined;
    // (x · (1 + erf)) · 0.5, or ((1 + erf) · 0.5) · x
    if (partner === x && bOther !== undefined && constantNear(bOther, 0.5)) return [a, b!];
    if (constantNear(partner, 0.5) && bOther === x) return [a, b!];
    // (x · 0.5) · (1 + erf): the half-product is a Mul of x alone
    const half = g.producer.get(partner);
    if (isOp(half, 'Mul') && only(half.output[0]) === a && other(half, x) !== undefined && constantNear(other(half, x)!, 0.5)) return [half, a];
    return undefined;
  }
}
