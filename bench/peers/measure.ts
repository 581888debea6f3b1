// Measures every int8 model of one fp32 model with Octet's own harness, in this process:
// validity (ORT loads it, outputs neither all zero nor non-finite), compareModels for accuracy
// and fidelity, the fusion report for what really runs in int8, and the block-interleaved A/B
// latency of src/main/bench/latency.ts scheduled round-robin across the tools.
import * as ort from 'onnxruntime-node';
import { compareModels } from '../../src/main/bench/compare';
import { interleavedLatency, quantile } from '../../src/main/measure/latency';
import { openDataSource } from '../../src/main/data';
import type { Feed } from '../../src/main/data/types';
import { loadModel } from '../../src/main/onnx/model';
import { fusionReport } from '../../src/main/quant/fusionReport';
import { modelInputs } from '../../src/main/data/modelInputs';
import { embeddingCosine, type EmbeddingCosine } from '../metrics';
import { firstLine, openSession, run } from '../../src/main/runtime/session';
import type { BenchResult } from '../../src/shared/bench';
import type { ModelCase } from './cases';

export interface Latency {
  ratioMedian: number;
  ratioP10: number;
  ratioP90: number;
  /** Medians over rounds of each block's fastest run, milliseconds. */
  fp32Ms: number;
  int8Ms: number;
  rounds: number;
}

export interface Measured {
  valid: boolean;
  reason?: string;
  bench?: Omit<BenchResult, 'latency'>;
  fusion?: { int8Ops: number; fp32ComputeOps: number; quantizeOps: number; dequantizeOps: number };
  latency?: Latency;
  /** Sentence-embedding cosine per evaluation sample, mean and min (cases with metric 'embedding-cosine'). */
  embedding?: EmbeddingCosine;
}

/** ORT's load errors name the file and list every input of the bad node; keep the node and the error. */
export function shortOrtError(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e))
    .replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*/, '')
    .replace(/^Load model from \S+ failed:\s*/, '');
  const node = /In Node, \("([^"]*)", (\w+),[\s\S]*?, Error ([\s\S]*)$/.exec(msg);
  const text = node ? `${msg.split(' In Node,')[0]} ${node[2]} '${node[1]}': ${node[3]}` : msg;
  return text.replace(/\s+/g, ' ').trim().slice(0, 240);
}

function checkOutputs(out: ort.InferenceSession.ReturnType): string | undefined {
  for (const [name, t] of Object.entries(out)) {
    const d = t.data as ArrayLike<number>;
    let zero = true;
    for (let i = 0; i < d.length; i++) {
      const v = Number(d[i]);
      if (!Number.isFinite(v)) return `non-finite value in output '${name}'`;
      if (v !== 0) zero = false;
    }
    if (zero && d.length > 0) return `all-zero output '${name}'`;
  }
  return undefined;
}

/** Validity, fidelity and fusion for one int8 model. */
export async function checkAndCompare(c: ModelCase, int8: string, log: (s: string) => void): Promise<Measured> {
  let session: ort.InferenceSession;
  try {
    // ORT directly: openSession keeps only the first 400 characters, before the error itself.
    session = await ort.InferenceSession.create(int8, { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 });
  } catch (e) {
    return { valid: false, reason: `ORT refuses to load it: ${shortOrtError(e)}` };
  }
  try {
    const specs = modelInputs((await loadModel(c.fp32)).model);
    const src = await openDataSource(c.evalData, specs, { split: 'evaluation', preprocess: c.evalPreprocess, limit: 1 });
    const bad = checkOutputs(await run(session, (await src.read(0)).feeds));
    if (bad) return { valid: false, reason: bad };
  } catch (e) {
    return { valid: false, reason: `ORT fails to run it: ${firstLine(e)}` };
  } finally {
    await session.release();
  }
  const f = await fusionReport(int8);
  // Accuracy and fidelity only: latency is timed round-robin below; throughput, memory and
  // per-layer error are cut to the minimum the harness allows.
  const bench = await compareModels({
    fp32: c.fp32,
    int8,
    data: c.evalData,
    samples: c.evalSamples,
    runs: 1,
    threads: 1,
    preprocess: c.evalPreprocess,
    batches: [1],
    throughputThreads: [1],
    memory: false,
    layerSamples: 0,
  });
  // compareModels' own latency (1 round here) is dropped: latencyRoundRobin times every tool alike.
  const rest: Omit<BenchResult, 'latency'> = { ...bench };
  delete (rest as Partial<BenchResult>).latency;
  if (!Number.isFinite(rest.fidelity.cosine)) return { valid: false, reason: 'output cosine is not finite (an output is all zero or NaN)', bench: rest };
  const embedding = c.metric === 'embedding-cosine' ? await embeddingCosine(c.fp32, int8, c.evalData, { samples: c.evalSamples }) : undefined;
  const emb = embedding ? `, embedding cosine ${embedding.mean.toFixed(5)} (min ${embedding.min.toFixed(5)})` : '';
  log(
    `    ${int8.split('/').pop()}: cosine ${rest.fidelity.cosine.toFixed(5)}${emb}${rest.accuracy ? `, top-1 ${(rest.accuracy.int8 * 100).toFixed(2)}%` : ''}, int8 compute ops ${f.int8Ops}/${f.int8Ops + f.fp32ComputeOps}`,
  );
  return {
    valid: true,
    bench: rest,
    embedding,
    fusion: { int8Ops: f.int8Ops, fp32ComputeOps: f.fp32ComputeOps, quantizeOps: f.quantizeOps, dequantizeOps: f.dequantizeOps },
  };
}

/**
 * fp32 against each int8 model with interleavedLatency (one A/B round per call, fp32 first on
 * even rounds and int8 first on odd ones), the tools visited in a rotating order each round, so
 * slow drifts of a shared machine fall on every tool alike. Rounds are sized from the fp32
 * latency to fit `budgetMs`.
 */
export async function latencyRoundRobin(
  c: ModelCase,
  int8: Map<string, string>,
  opts: { budgetMs: number; minRounds: number; maxRounds: number },
  log: (s: string) => void,
): Promise<Map<string, Latency>> {
  const out = new Map<string, Latency>();
  if (!int8.size) return out;
  const feeds = await firstEvalFeeds(c);
  const fp32 = await openSession(c.fp32, { threads: 1 });
  const sessions = new Map<string, ort.InferenceSession>();
  try {
    for (const [k, p] of int8) sessions.set(k, await openSession(p, { threads: 1 }));
    const keys = [...sessions.keys()];
    // Warm every session, and time fp32 to size the rounds.
    let fp32Ms = 0;
    for (const k of keys) fp32Ms = (await interleavedLatency(fp32, sessions.get(k)!, feeds, 1, { warmup: 5 })).a.p50;
    const perRound = 10 * Math.max(fp32Ms, 0.001) * keys.length; // per tool: 5 fp32 runs + 5 int8 runs, int8 ≈ fp32
    let rounds = Math.round(Math.min(opts.maxRounds, Math.max(opts.minRounds, opts.budgetMs / perRound)));
    rounds += rounds % 2; // as many fp32-first rounds as int8-first ones
    log(`  latency: ${keys.length} int8 models × ${rounds} rounds (fp32 ≈ ${fp32Ms.toFixed(3)} ms)`);
    const ratios = new Map<string, number[]>(keys.map((k) => [k, []]));
    const msA = new Map<string, number[]>(keys.map((k) => [k, []]));
    const msB = new Map<string, number[]>(keys.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < keys.length; j++) {
        const k = keys[(j + r) % keys.length];
        const s = sessions.get(k)!;
        // blockStat 'min', as compareModels times: a block's fastest run shrugs off the stalls
        // a loaded machine puts into some runs.
        if (r % 2 === 0) {
          const x = await interleavedLatency(fp32, s, feeds, 1, { warmup: 0, blockStat: 'min' });
          ratios.get(k)!.push(x.ratioMedian);
          msA.get(k)!.push(Math.min(...x.timesA));
          msB.get(k)!.push(Math.min(...x.timesB));
        } else {
          const x = await interleavedLatency(s, fp32, feeds, 1, { warmup: 0, blockStat: 'min' });
          ratios.get(k)!.push(1 / x.ratioMedian);
          msA.get(k)!.push(Math.min(...x.timesB));
          msB.get(k)!.push(Math.min(...x.timesA));
        }
      }
    }
    for (const k of keys) {
      const rs = ratios.get(k)!;
      out.set(k, {
        ratioMedian: quantile(rs, 0.5),
        ratioP10: quantile(rs, 0.1),
        ratioP90: quantile(rs, 0.9),
        fp32Ms: quantile(msA.get(k)!, 0.5),
        int8Ms: quantile(msB.get(k)!, 0.5),
        rounds,
      });
    }
  } finally {
    await fp32.release();
    for (const s of sessions.values()) await s.release();
  }
  return out;
}

/** The first evaluation sample of a case: what every latency measurement here runs. */
async function firstEvalFeeds(c: ModelCase): Promise<Record<string, Feed>> {
  const specs = modelInputs((await loadModel(c.fp32)).model);
  const src = await openDataSource(c.evalData, specs, { split: 'evaluation', preprocess: c.evalPreprocess, limit: 1 });
  return (await src.read(0)).feeds;
}

export interface HeadToHead {
  tool: string;
  /** Median over interleaved rounds of peer time / Octet time (block minima): above 1, Octet is faster. */
  ratio: number;
  ratioP10: number;
  ratioP90: number;
  rounds: number;
}

/**
 * Octet's int8 model against one peer's, timed directly against each other. Two int8 models of
 * nearly the same speed each measured against fp32 differ by the noise of both ratios; timed
 * against each other, only by one (the MLP: 2.7% apart in the round-robin, 1.4–2.7% the other
 * way head to head).
 */
export async function headToHead(c: ModelCase, octet: string, peer: { tool: string; path: string }, budgetMs: number): Promise<HeadToHead> {
  const feeds = await firstEvalFeeds(c);
  const [a, b] = [await openSession(octet, { threads: 1 }), await openSession(peer.path, { threads: 1 })];
  try {
    const r = await interleavedLatency(a, b, feeds, 100, { blockStat: 'min', minMs: budgetMs });
    return { tool: peer.tool, ratio: r.ratioMedian, ratioP10: r.ratioP10, ratioP90: r.ratioP90, rounds: r.rounds };
  } finally {
    await Promise.all([a.release(), b.release()]);
  }
}
