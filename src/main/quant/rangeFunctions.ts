// The function behind each range algorithm of src/shared/rangeAlgorithms.ts (names, descriptions,
// parameters). The table's type takes exactly one function per name: a new map entry without its
// function, or a function without its entry, does not compile.
import { klRange, minMaxRange, mseRange, percentileRange, type Histogram, type Range, type RangeOpts } from '../../../native';
import type { ActAlgo } from '../../shared/rangeAlgorithms';

/** The recipe values the range functions read (`calib_bins` sizes the histogram, in calibrate.ts). */
export interface RangeSettings {
  percentile: number;
}

/** A tensor's range from its histogram: `lo ≤ 0 ≤ hi`, inside the observed values (native/README.md, "Range selection"). */
export type RangeFunction = (h: Histogram, opts: RangeOpts, settings: RangeSettings) => Range;

export const RANGE_FUNCTIONS: { readonly [A in ActAlgo]: RangeFunction } = {
  minmax: (h, opts) => minMaxRange(h, opts),
  percentile: (h, opts, s) => percentileRange(h, s.percentile, opts),
  kl: (h, opts) => klRange(h, opts),
  mse: (h, opts) => mseRange(h, opts),
};
