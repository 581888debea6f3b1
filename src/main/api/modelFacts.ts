// What the wizard needs to know about a model without a worker: node names for the rules table and
// the feed inputs for the data preview. Parsing is cached per file version.
import { stat } from 'node:fs/promises';
import { loadModel } from '../onnx/model';
import { GraphView, nameNodes, valueDims, valueElemType } from '../onnx/graph';
import { elemTypeName } from '../onnx/tensor';
import { OctetError } from '../../shared/errors';
import { matchSelector, parseSelector, type MatchLevel } from '../../shared/recipe';
import type { NodeRef, RuleMatch } from '../../shared/api';
import type { ElemType, InputSpec } from '../data/types';

export interface ModelFacts {
  nodes: NodeRef[];
  feeds: { name: string; type: string; dims: (number | null)[] | undefined }[];
}

const cache = new Map<string, { key: string; facts: ModelFacts }>();

export async function modelFacts(path: string): Promise<ModelFacts> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new OctetError('MODEL_NOT_FOUND', `Model not found: ${path}`);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(path);
  if (hit?.key === key) return hit.facts;
  const { model } = await loadModel(path);
  const graph = model.graph!;
  // The engine names unnamed nodes the same way, so rule keys typed here mean the same there.
  nameNodes(graph);
  const facts: ModelFacts = {
    nodes: graph.node.map((n) => ({ name: n.name, opType: n.opType })),
    feeds: new GraphView(graph).feedInputs.map((v) => ({ name: v.name, type: elemTypeName(valueElemType(v)), dims: valueDims(v) })),
  };
  if (cache.size > 16) cache.delete(cache.keys().next().value!);
  cache.set(path, { key, facts });
  return facts;
}

/** Feed inputs with static dims, as the engine fixes them: given shapes win, a symbolic batch dim becomes 1. */
export function staticInputs(facts: ModelFacts, shapes: Record<string, number[]> = {}): InputSpec[] {
  return facts.feeds.map((f) => {
    const dims = shapes[f.name] ?? f.dims?.map((d, i) => (d === null && i === 0 ? 1 : d));
    if (!dims || dims.some((d) => d === null || d <= 0)) {
      throw new OctetError('DYNAMIC_SHAPE', `Input '${f.name}' has a dynamic dimension; give its shape (e.g. ${f.name}=1,3,224,224)`);
    }
    return { name: f.name, type: f.type as ElemType, dims: dims as number[] };
  });
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
