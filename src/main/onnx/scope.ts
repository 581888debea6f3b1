import type { onnx } from './proto/onnx';

type GraphProto = onnx.IGraphProto;
type NodeProto = onnx.INodeProto;

/** The bodies of an If/Loop/Scan (or any node with graph attributes). */
export function subgraphsOf(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/**
 * Names a graph reads from the scope around it: inputs of its nodes (and of nested bodies)
 * that neither the graph nor the bodies define, and graph outputs passed straight through.
 * A node that owns such a body reads these names as surely as its listed inputs, so every
 * rewrite that renames, drops or reorders values must count them (ONNX "implicit inputs").
 */
export function outerReferences(graph: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const v of graph.input ?? []) if (v.name) defined.add(v.name);
  for (const t of graph.initializer ?? []) if (t.name) defined.add(t.name);
  for (const t of graph.sparseInitializer ?? []) if (t.values?.name) defined.add(t.values.name);
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) defined.add(o);
  const refs = new Set<string>();
  const read = (name: string | null | undefined) => {
    if (name && !defined.has(name)) refs.add(name);
  };
  for (const n of graph.node ?? []) {
    for (const i of n.input ?? []) read(i);
    for (const g of subgraphsOf(n)) for (const r of outerReferences(g)) read(r);
  }
  for (const o of graph.output ?? []) read(o.name);
  return refs;
}

/** Outer-scope names that a node's bodies read (empty for nodes without bodies). */
export function implicitInputs(node: NodeProto): string[] {
  const bodies = subgraphsOf(node);
  if (bodies.length === 0) return [];
  const refs = new Set<string>();
  for (const g of bodies) for (const r of outerReferences(g)) refs.add(r);
  return [...refs];
}

/** Every name the graph's nodes read, explicitly or from inside their bodies, plus its outputs. */
export function namesRead(graph: GraphProto): Set<string> {
  const used = new Set<string>();
  for (const n of graph.node ?? []) {
    for (const i of n.input ?? []) if (i) used.add(i);
    for (const i of implicitInputs(n)) used.add(i);
  }
  for (const o of graph.output ?? []) if (o.name) used.add(o.name);
  return used;
}

/** How many nodes of the default domain with this op type the graph holds, bodies included. */
export function countOps(graph: GraphProto, opType: string): number {
  let n = 0;
  for (const body of allGraphs(graph)) n += (body.node ?? []).filter((x) => x.opType === opType && (!x.domain || x.domain === 'ai.onnx')).length;
  return n;
}

/** Every graph of the model, the main graph first, then bodies depth first. */
export function* allGraphs(graph: GraphProto): Generator<GraphProto> {
  yield graph;
  for (const n of graph.node ?? []) for (const g of subgraphsOf(n)) yield* allGraphs(g);
}
