import type * as ort from 'onnxruntime-node';
import { toOrtFeeds } from '../runtime/session';
import type { Feed } from '../data/types';
import { OctetError } from '../../shared/errors';

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface ABLatency {
  a: LatencyStats;
  b: LatencyStats;
  /** Median over rounds of b/a (block medians, or minima): each round times both models back to back, so machine noise cancels. */
  ratioMedian: number;
  ratioP10: number;
  ratioP90: number;
  rounds: number;
  /** Every timed run, ms (first run of each block dropped). */
  timesA: number[];
  timesB: number[];
  /** b/a of each round. */
  ratios: number[];
  block: number;
  warmup: number;
  blockStat: 'median' | 'min';
}

/**
 * Interleaved A/B timing in short blocks: each round times `block` runs of A then `block` runs
 * of B (order flipped every round), drops the first run of each block, and takes the ratio of
 * the block medians (or minima, with blockStat 'min'). Rounds cancel machine noise, as plain
 * alternation does; blocks let each model run with its own weights in cache, as it does when
 * deployed, instead of measuring how fast one model recovers from the other evicting it.
 */
export async function interleavedLatency(
  a: ort.InferenceSession,
  b: ort.InferenceSession,
  feeds: Record<string, Feed>,
  rounds: number,
  opts: {
    warmup?: number;
    block?: number;
    /**
     * What each block contributes to its round's ratio: its median (default), or its minimum,
     * which shrugs off the stalls a loaded machine puts into some runs (see docs/bench.md).
     */
    blockStat?: 'median' | 'min';
    /**
     * Keep adding rounds until this much time has passed (at most 100× `rounds`): a fast model
     * then samples the machine over seconds, not a fraction of one, which is what makes the
     * ratio repeat from one run to the next.
     */
    minMs?: number;
    signal?: AbortSignal;
    /** After each round: rounds done, and the rounds expected in all (an estimate while minMs decides). */
    onRound?: (done: number, total: number) => void;
  } = {},
): Promise<ABLatency> {
  const input = toOrtFeeds(feeds);
  const block = Math.max(2, opts.block ?? 5);
  const time = async (s: ort.InferenceSession) => {
    const t0 = performance.now();
    await s.run(input);
    return performance.now() - t0;
  };
  const runBlock = async (s: ort.InferenceSession) => {
    const out: number[] = [];
    for (let i = 0; i < block; i++) out.push(await time(s));
    return out.slice(1);
  };
  const warmup = opts.warmup ?? 5;
  for (let i = 0; i < warmup; i++) {
    await time(a);
    await time(b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  const minMs = opts.minMs ?? 0;
  const cap = rounds * 100;
  const t0 = performance.now();
  for (let i = 0; i < cap && (i < rounds || performance.now() - t0 < minMs); i++) {
    if (opts.signal?.aborted) throw new OctetError('CANCELLED', 'The benchmark was cancelled');
    let x: number[];
    let y: number[];
    if (i % 2 === 0) {
      x = await runBlock(a);
      y = await runBlock(b);
    } else {
      y = await runBlock(b);
      x = await runBlock(a);
    }
    ta.push(...x);
    tb.push(...y);
    ratios.push(opts.blockStat === 'min' ? Math.min(...y) / Math.min(...x) : quantile(y, 0.5) / quantile(x, 0.5));
    const elapsed = performance.now() - t0;
    opts.onRound?.(i + 1, Math.min(cap, Math.max(rounds, i + 1, Math.ceil((minMs / elapsed) * (i + 1)))));
  }
  return {
    a: stats(ta),
    b: stats(tb),
    ratioMedian: quantile(ratios, 0.5),
    ratioP10: quantile(ratios, 0.1),
    ratioP90: quantile(ratios, 0.9),
    rounds: ratios.length,
    timesA: ta,
    timesB: tb,
    ratios,
    block,
    warmup,
    blockStat: opts.blockStat ?? 'median',
  };
}

export function stats(xs: number[]): LatencyStats {
  return { p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p99: quantile(xs, 0.99), mean: xs.reduce((s, x) => s + x, 0) / xs.length };
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((p, r) => p - r);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
