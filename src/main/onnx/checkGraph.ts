import { OctetError } from '../../shared/errors';
import type { onnx } from './proto/onnx';
import { implicitInputs, subgraphsOf } from './scope';

type GraphProto = onnx.IGraphProto;

/** One broken rule of ONNX's graph structure, named so a report can say which. */
export interface GraphViolation {
  invariant: 'unique-node-name' | 'single-producer' | 'defined-before-use' | 'output-defined' | 'unique-initializer';
  /** "main graph" or the path of bodies down to the graph ("If_3.then_branch"). */
  graph: string;
  message: string;
}

/**
 * The structural invariants ONNX Runtime enforces when it loads a model, checked in one
 * linear pass over every graph and body: unique node names, one definition per value, every
 * input (an outer-scope one read from a body included) defined before the node that reads it,
 * and every graph output defined. Octet's rewrites keep these for any valid input; this says
 * which one broke rather than handing ONNX Runtime an invalid model.
 */
export function graphViolations(graph: GraphProto): GraphViolation[] {
  const out: GraphViolation[] = [];
  walk(graph, 'main graph', new Set(), out);
  return out;
}

function walk(graph: GraphProto, where: string, outer: ReadonlySet<string>, out: GraphViolation[]): void {
  const report = (invariant: GraphViolation['invariant'], message: string) => {
    if (out.length < 20) out.push({ invariant, graph: where, message });
  };
  const defined = new Set<string>();
  const define = (name: string, what: string) => {
    if (defined.has(name)) report('single-producer', `'${name}' is defined more than once (again by ${what})`);
    defined.add(name);
  };
  const visible = (name: string) => defined.has(name) || outer.has(name);

  const inputs = new Set<string>();
  for (const v of graph.input ?? []) {
    if (!v.name) continue;
    if (inputs.has(v.name)) report('single-producer', `graph input '${v.name}' is listed twice`);
    inputs.add(v.name);
    defined.add(v.name);
  }
  const inits = new Set<string>();
  for (const t of graph.initializer ?? []) {
    if (!t.name) continue;
    if (inits.has(t.name)) report('unique-initializer', `initializer '${t.name}' appears twice`);
    inits.add(t.name);
    defined.add(t.name); // an initializer may also be listed as an input (its default value)
  }
  for (const t of graph.sparseInitializer ?? []) if (t.values?.name) define(t.values.name, 'a sparse initializer');

  const nodeNames = new Set<string>();
  for (const n of graph.node ?? []) {
    const label = n.name ? `node '${n.name}' (${n.opType})` : `an unnamed ${n.opType} node`;
    if (n.name) {
      if (nodeNames.has(n.name)) report('unique-node-name', `two nodes are named '${n.name}'`);
      nodeNames.add(n.name);
    }
    for (const i of n.input ?? []) {
      if (i && !visible(i)) report('defined-before-use', `${label} reads '${i}', which nothing defines before it`);
    }
    for (const i of implicitInputs(n)) {
      if (!visible(i)) report('defined-before-use', `a body of ${label} reads '${i}' from the outer scope, which nothing defines before the ${n.opType}`);
    }
    // A body sees every value defined so far in the graphs around it.
    const bodies = subgraphsOf(n);
    if (bodies.length) {
      const scope = new Set([...outer, ...defined]);
      for (const a of n.attribute ?? []) {
        if (a.g) walk(a.g, `${where === 'main graph' ? '' : `${where} > `}${n.name || n.opType}.${a.name}`, scope, out);
        (a.graphs ?? []).forEach((g, k) => walk(g, `${where === 'main graph' ? '' : `${where} > `}${n.name || n.opType}.${a.name}[${k}]`, scope, out));
      }
    }
    for (const o of n.output ?? []) if (o) define(o, label);
  }
  for (const o of graph.output ?? []) {
    if (o.name && !visible(o.name)) report('output-defined', `graph output '${o.name}' is not defined`);
  }
}

/** Throws INTERNAL_INVALID_GRAPH naming the broken invariant; `what` says which model it is. */
export function assertValidGraph(graph: GraphProto, what: string): void {
  const v = graphViolations(graph);
  if (v.length === 0) return;
  const first = v[0];
  throw new OctetError(
    'INTERNAL_INVALID_GRAPH',
    `Octet produced an invalid ${what} (${first.invariant} in the ${first.graph}: ${first.message}); nothing was written. This is a bug in Octet: please report it with the model`,
    v.map((x) => `${x.invariant} [${x.graph}] ${x.message}`).join('\n'),
  );
}
