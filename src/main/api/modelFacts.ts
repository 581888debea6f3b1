// What the wizard needs to know about a model: node names for the rules table and the feed
// inputs for the data preview. The main process never parses a model itself: a model is
// attacker-sized input (a 2 MB file can hold a million nodes), so the parse runs in a worker
// (the `facts` job), bounded in nodes and time, and only the small answer comes back. Answers
// are cached per file version.
import { stat } from 'node:fs/promises';
import { countMatches } from '../onnx/facts';
import { OctetError } from '../../shared/errors';
import type { RuleMatch } from '../../shared/api';
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
    return new OctetError(
      'MODEL_UNSUPPORTED',
      `Reading the graph of ${path} took more than ${Math.round(limits.timeoutMs / 1000)} s; the worker was stopped (is the model very large or malformed?)`,
    );
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
