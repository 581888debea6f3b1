// What the wizard needs to know about a model: node names for the rules table and the feed
// inputs for the data preview. The main process never parses a model itself: a model is
// attacker-sized input (a 2 MB file can hold a million nodes), so the parse runs in a worker
// (the `facts` job), bounded in nodes and time, and only the small answer comes back. Answers
// are cached per file version.
import { stat } from 'node:fs/promises';
import { loadModel, type ModelProto } from '../onnx/model';
import { GraphView, nameNodes, valueDims, valueElemType } from '../onnx/graph';
import { elemTypeName } from '../onnx/tensor';
import { OctetError } from '../../shared/errors';
import { matchSelector, parseSelector, type MatchLevel } from '../../shared/recipe';
import type { NodeRef, RuleMatch } from '../../shared/api';
import type { FactsParams, JobTypes, ModelFacts } from '../../shared/jobs';
import type { ElemType, InputSpec } from '../data/types';

export type { ModelFacts };

/**
 * Bounds on the facts job. 250,000 nodes is far beyond real exported models (a 32-layer LLM has
 * a few thousand) and keeps the reply, the renderer's table and countMatches small; 60 s is far
 * beyond what such a model takes to parse (about 2 s) and bounds a worker that hangs.
 */
export const FACTS_LIMITS = { maxNodes: 250_000, timeoutMs: 60_000 };

/** Runs a facts job in a worker: JobManager.runSide in the app and server. */
export type FactsRunner = (spec: { kind: 'facts'; params: FactsParams }, opts: { signal: AbortSignal }) => Promise<JobTypes['facts']['result']>;

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
    throw new OctetError('MODEL_UNSUPPORTED', `${params.model} has ${count} nodes (subgraphs included); Octet handles models of at most ${params.maxNodes} nodes`);
  }
  const graph = model.graph!;
  // The engine names unnamed nodes the same way, so rule keys typed here mean the same there.
  nameNodes(graph);
  const nodes = graph.node.map((n) => ({ name: n.name, opType: n.opType }));
  const feeds = new GraphView(graph).feedInputs.map((v) => ({ name: v.name, type: elemTypeName(valueElemType(v)), dims: valueDims(v) }));
  return params.keys ? { nodes: [], feeds, rules: countMatches(nodes, params.keys) } : { nodes, feeds };
}

/**
 * Matching work (key × character of node names) the main process does itself; more goes to a
 * facts job. 500 keys over 250,000 nodes took 40 s of main-thread time; this budget is well
 * under a tenth of a second.
 */
export const MATCH_BUDGET = 8_000_000;

/** countRuleMatches: small counts here, big ones (a huge model, many keys) in a worker, bounded like facts. */
export async function ruleMatches(path: string, keys: string[], run: FactsRunner, limits = FACTS_LIMITS): Promise<{ rules: RuleMatch[]; total: number }> {
  const facts = await modelFacts(path, run, limits);
  const total = facts.nodes.length;
  const chars = facts.nodes.reduce((a, n) => a + n.name.length + n.opType.length + 2, 0);
  if (chars * keys.length <= MATCH_BUDGET) return { rules: countMatches(facts.nodes, keys), total };
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const r = await run({ kind: 'facts', params: { model: path, maxNodes: limits.maxNodes, keys } }, { signal });
    return { rules: r.rules ?? [], total };
  } catch (e) {
    throw timedOut(e, signal, path, limits);
  }
}

function timedOut(e: unknown, signal: AbortSignal, path: string, limits: typeof FACTS_LIMITS): unknown {
  if (signal.aborted && (e as { code?: string }).code === 'CANCELLED') {
    return new OctetError('MODEL_UNSUPPORTED', `Reading the graph of ${path} took more than ${Math.round(limits.timeoutMs / 1000)} s; the worker was stopped (is the model very large or malformed?)`);
  }
  return e;
}

const cache = new Map<string, { key: string; facts: ModelFacts }>();
const pending = new Map<string, Promise<ModelFacts>>();

/**
 * The facts of a model, from the cache or from a facts job. Concurrent requests for one file
 * version share one job. A job that outlives `limits.timeoutMs` is killed and reported.
 */
export async function modelFacts(path: string, run: FactsRunner, limits = FACTS_LIMITS): Promise<ModelFacts> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new OctetError('MODEL_NOT_FOUND', `Model not found: ${path}`);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(path);
  if (hit?.key === key) return hit.facts;
  const id = `${key}:${path}`;
  const running = pending.get(id);
  if (running) return running;
  const job = (async () => {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    try {
      const facts = await run({ kind: 'facts', params: { model: path, maxNodes: limits.maxNodes } }, { signal });
      if (cache.size > 16) cache.delete(cache.keys().next().value!);
      cache.set(path, { key, facts });
      return facts;
    } catch (e) {
      throw timedOut(e, signal, path, limits);
    } finally {
      pending.delete(id);
    }
  })();
  pending.set(id, job);
  return job;
}

/** Feed inputs with static dims, as the engine fixes them: given shapes win, a symbolic batch dim becomes 1. */
export function staticInputs(facts: ModelFacts, shapes: Record<string, number[]> = {}): InputSpec[] {
  return facts.feeds.map((f) => {
    // Own keys only: an input named `constructor` or `__proto__` must not find Object's.
    const dims = Object.hasOwn(shapes, f.name) ? shapes[f.name] : f.dims?.map((d, i) => (d === null && i === 0 ? 1 : d));
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
