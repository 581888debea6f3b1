// The facts job's body, run in a worker (see api/modelFacts.ts for the side that asks, caches
// and bounds it): node names for the rules table, the feed inputs for the data preview, and
// how many nodes each recipe.local key matches.
import { loadModel, type ModelProto } from './model';
import { GraphView, nameNodes, valueDims, valueElemType } from './graph';
import { elemTypeName } from './tensor';
import { OctetError } from '../../shared/errors';
import { matchSelector, parseSelector, type MatchLevel } from '../../shared/recipe';
import type { NodeRef, RuleMatch } from '../../shared/api';
import type { FactsParams, ModelFacts } from '../../shared/jobs';

/** Nodes in the graph and in every subgraph, counted without recursion. */
function countNodes(model: ModelProto): number {
  let count = 0;
  const graphs = model.graph ? [model.graph] : [];
  for (let g = graphs.pop(); g; g = graphs.pop()) {
    count += g.node.length;
    for (const n of g.node) {
      for (const a of n.attribute) {
        if (a.g) graphs.push(a.g as typeof g);
        for (const sub of a.graphs) graphs.push(sub as typeof g);
      }
    }
  }
  return count;
}

/** The facts job's body, in the worker. External weights are never read: the graph is all it needs. */
export async function computeModelFacts(params: FactsParams): Promise<ModelFacts> {
  const { model } = await loadModel(params.model, { externalData: 'skip' });
  const count = countNodes(model);
  if (count > params.maxNodes) {
    throw new OctetError(
      'MODEL_UNSUPPORTED',
      `${params.model} has ${count} nodes (subgraphs included); Octet handles models of at most ${params.maxNodes} nodes`,
    );
  }
  const graph = model.graph!;
  // The engine names unnamed nodes the same way, so rule keys typed here mean the same there.
  nameNodes(graph);
  const nodes = graph.node.map((n) => ({ name: n.name, opType: n.opType }));
  const feeds = new GraphView(graph).feedInputs.map((v) => ({ name: v.name, type: elemTypeName(valueElemType(v)), dims: valueDims(v) }));
  return params.keys ? { nodes: [], feeds, rules: countMatches(nodes, params.keys) } : { nodes, feeds };
}

const RANK: Record<MatchLevel, number> = { type: 1, regex: 2, name: 3 };

/** Looks like a regex, as recipe.ts decides for a bare key. */
const regexSyntax = /[*+?[\](){}|^$\\]/;

/** For each recipe.local key: the nodes it matches and those where it takes precedence. */
export function countMatches(nodes: NodeRef[], keys: string[]): RuleMatch[] {
  const sels = keys.map((key) => {
    const sel = parseSelector(key);
    let error: string | undefined;
    if (!sel.pattern) error = 'names nothing after the prefix';
    else if (sel.kind === 're' || (sel.kind === 'auto' && regexSyntax.test(sel.pattern))) {
      try {
        new RegExp(sel.pattern);
      } catch (e) {
        error = `bad regex (${(e as Error).message})`;
      }
    }
    return { key, sel, error };
  });
  const out: RuleMatch[] = sels.map(({ key, error }) => ({ key, kind: 'none', matches: 0, wins: 0, examples: [], error }));
  const levels = sels.map(() => new Map<MatchLevel, number>());
  for (const node of nodes) {
    let best = -1;
    let bestRank = 0;
    sels.forEach(({ sel, error }, i) => {
      if (error) return;
      const level = matchSelector(sel, node);
      if (!level) return;
      out[i].matches++;
      if (out[i].examples.length < 5) out[i].examples.push(node.name);
      levels[i].set(level, (levels[i].get(level) ?? 0) + 1);
      // Later keys of equal rank are applied later by resolveNodeRule, so they win ties.
      if (RANK[level] >= bestRank) {
        best = i;
        bestRank = RANK[level];
      }
    });
    if (best >= 0) out[best].wins++;
  }
  out.forEach((r, i) => {
    const top = [...levels[i].entries()].sort((a, b) => b[1] - a[1])[0];
    if (top) r.kind = top[0];
  });
  return out;
}
