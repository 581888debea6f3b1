import type * as ort from 'onnxruntime-node';
import { toOrtFeeds } from '../runtime/session';
import type { Feed } from '../data/types';

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface ABLatency {
  a: LatencyStats;
  b: LatencyStats;
  /** Median over rounds of b/a (block medians): each round times both models back to back, so machine noise cancels. */
  ratioMedian: number;
  ratioP10: number;
  ratioP90: number;
  rounds: number;
}

/**
 * Interleaved A/B timing in short blocks: each round times `block` runs of A then `block` runs
 * of B (order flipped every round), drops the first run of each block, and takes the ratio of
 * the block medians. Rounds cancel machine noise, as plain alternation does; blocks let each
 * model run with its own weights in cache, as it does when deployed, instead of measuring how
 * fast one model recovers from the other evicting it.
 */
export async function interleavedLatency(
  a: ort.InferenceSession,
  b: ort.InferenceSession,
  feeds: Record<string, Feed>,
  rounds: number,
  opts: { warmup?: number; block?: number } = {},
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
  for (let i = 0; i < (opts.warmup ?? 5); i++) {
    await time(a);
    await time(b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
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
    ratios.push(quantile(y, 0.5) / quantile(x, 0.5));
  }
  return { a: stats(ta), b: stats(tb), ratioMedian: quantile(ratios, 0.5), ratioP10: quantile(ratios, 0.1), ratioP90: quantile(ratios, 0.9), rounds };
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
