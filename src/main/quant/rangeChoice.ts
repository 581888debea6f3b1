// act_algo `auto`: which range algorithm to use is measured, not guessed. Minmax keeps every
// calibration value and is right for most CNNs; on graphs whose activations carry rare large
// values (PaddleOCR's LCNet/HGNet backbones, YOLOX heads) clipping ranges (percentile, kl, mse)
// gave 0.5–10 dB more output SQNR, and on others less. The histograms are already there, so each
// candidate costs one conversion and one output comparison on calibration samples, no new run.
// Compared by the median over samples (measured.ts, medianSampleSqnr): a choice for the typical
// input, not for the one calibration sample with the largest error.
import type { ActAlgo } from '../../shared/recipe';
import { AUTO_MIN_GAIN_DB, CLIPPING_ALGOS } from '../../shared/rangeAlgorithms';
import type { RangeChoiceReport } from '../../shared/report';
import type { TensorRange } from './calibrate';

export interface RangeCandidates {
  /** Ranges of every planned tensor when the recipe's default algorithm is `algo`. */
  ranges: (algo: ActAlgo) => Map<string, TensorRange>;
  /** Median per-sample output SQNR (dB) against fp32 of the int8 model converted with these ranges, one per set. */
  sqnr: (sets: Map<string, TensorRange>[]) => Promise<number[]>;
}

export async function chooseRangeAlgo(
  c: RangeCandidates,
  samples: number,
): Promise<{ algo: ActAlgo; ranges: Map<string, TensorRange>; report: RangeChoiceReport }> {
  // Minmax against every algorithm of the map that clips, in map order (ties keep the earlier).
  const algos: ActAlgo[] = ['minmax', ...CLIPPING_ALGOS];
  const sets = algos.map((a) => c.ranges(a));
  const db = await c.sqnr(sets);
  let best = 0;
  for (let i = 1; i < algos.length; i++) if (db[i] >= db[0] + AUTO_MIN_GAIN_DB && db[i] > db[best]) best = i;
  const sqnrDb = Object.fromEntries(algos.map((a, i) => [a, round1(db[i])])) as Record<ActAlgo, number>;
  const list = algos.map((a, i) => `${a} ${round1(db[i])} dB`).join(', ');
  const reason =
    best === 0
      ? `auto: minmax (median output SQNR per sample ${list} on ${samples} calibration samples; another algorithm must gain ≥ ${AUTO_MIN_GAIN_DB} dB)`
      : `auto: ${algos[best]} (median output SQNR per sample ${list} on ${samples} calibration samples)`;
  return { algo: algos[best], ranges: sets[best], report: { chosen: algos[best], sqnrDb, reason } };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
