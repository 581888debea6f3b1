// The activation range algorithms (`act_algo`): one entry per algorithm, read by the recipe schema,
// the CLI usage, the wizard and `octet tune`. The functions that compute the ranges live in
// src/main/quant/rangeFunctions.ts, keyed by the same names (a missing one is a type error).
// Patterns: ONNX Runtime's create_calibrator (CalibrationMethod → calibrator), INC's register_algo.

/** Recipe fields an algorithm reads besides the histogram; the wizard shows their inputs only for the algorithms that read them. */
export type RangeParam = 'percentile' | 'calib_bins';

export interface RangeAlgorithmInfo {
  /** What the range is, in one line (CLI usage, wizard tooltips). */
  description: string;
  /** Other names the recipe and the CLI accept for it; they parse to the key. */
  aliases?: readonly string[];
  /** Recipe fields it reads. */
  params: readonly RangeParam[];
  /** It clips outliers: the Benchmark step offers it as a fix for a badly quantized layer. */
  clips: boolean;
}

/** In the order the wizard lists them and `octet tune` tries them. */
export const RANGE_ALGORITHMS = {
  minmax: {
    description: 'the observed minimum and maximum, nothing clipped',
    params: [],
    clips: false,
  },
  percentile: {
    description: "clipped at the recipe's percentile of the values (of |x| when symmetric)",
    params: ['percentile', 'calib_bins'],
    clips: true,
  },
  kl: {
    aliases: ['entropy'],
    description: "the clipping of least KL divergence to its int8 histogram (TensorRT's entropy method)",
    params: ['calib_bins'],
    clips: true,
  },
  mse: {
    description: 'the clipping of least expected squared error, rounding included',
    params: ['calib_bins'],
    clips: true,
  },
} as const satisfies Record<string, RangeAlgorithmInfo>;

export type ActAlgo = keyof typeof RANGE_ALGORITHMS;

const info = (a: ActAlgo): RangeAlgorithmInfo => RANGE_ALGORITHMS[a];

/** The other names of an algorithm (kl: entropy). */
export const aliasesOf = (a: ActAlgo): readonly string[] => info(a).aliases ?? [];

/** Every algorithm's name, in map order. */
export const ACT_ALGOS = Object.keys(RANGE_ALGORITHMS) as [ActAlgo, ...ActAlgo[]];

/** Alias → algorithm (e.g. entropy → kl). */
export const ACT_ALGO_ALIASES: ReadonlyMap<string, ActAlgo> = new Map(ACT_ALGOS.flatMap((a) => aliasesOf(a).map((alias) => [alias, a] as const)));

/** Every name an override's act_algo accepts: the algorithms, then the aliases. */
export const ACT_ALGO_NAMES: readonly string[] = [...ACT_ALGOS, ...ACT_ALGO_ALIASES.keys()];

/** The algorithm a recipe value names (an alias resolved), or undefined when it names none. */
export function actAlgoOf(v: unknown): ActAlgo | undefined {
  if (typeof v !== 'string') return undefined;
  return Object.hasOwn(RANGE_ALGORITHMS, v) ? (v as ActAlgo) : ACT_ALGO_ALIASES.get(v);
}

/** Whether the algorithm reads a recipe field (the percentile, the histogram bins). */
export const readsParam = (a: ActAlgo, p: RangeParam): boolean => info(a).params.includes(p);

/** The algorithms that clip outliers, in map order. */
export const CLIPPING_ALGOS: readonly ActAlgo[] = ACT_ALGOS.filter((a) => info(a).clips);

/**
 * The recipe's global act_algo may also be `auto` (Octet's addition, the default): not an
 * algorithm but the measured choice among them (src/main/quant/rangeChoice.ts).
 */
export const AUTO_ACT_ALGO = 'auto';
/** What another algorithm must gain over minmax, in output SQNR: less is within calibration-sample noise. */
export const AUTO_MIN_GAIN_DB = 0.5;
export const AUTO_DESCRIPTION = `measured: the algorithm whose int8 model keeps the most output SQNR on a typical calibration sample (the median; minmax unless another gains ${AUTO_MIN_GAIN_DB} dB)`;
/** What the global act_algo may be: auto, then the algorithms. */
export const GLOBAL_ACT_ALGOS = [AUTO_ACT_ALGO, ...ACT_ALGOS] as const;
export type GlobalActAlgo = (typeof GLOBAL_ACT_ALGOS)[number];
/** Every name the recipe's global act_algo and the CLI's --act-algo accept. */
export const GLOBAL_ACT_ALGO_NAMES: readonly string[] = [AUTO_ACT_ALGO, ...ACT_ALGO_NAMES];

/** What a global act_algo names (auto, an algorithm, an alias resolved); undefined when it names none. */
export const globalActAlgoOf = (v: unknown): GlobalActAlgo | undefined => (v === AUTO_ACT_ALGO ? AUTO_ACT_ALGO : actAlgoOf(v));

/** The description of an algorithm or of auto. */
export const describeActAlgo = (a: GlobalActAlgo): string => (a === AUTO_ACT_ALGO ? AUTO_DESCRIPTION : info(a).description);

/** `auto|minmax|percentile|kl|mse`, for usage lines. */
export const actAlgoChoices = (): string => GLOBAL_ACT_ALGOS.join('|');

/** One line per algorithm (auto first), aliases in parentheses, for the CLI usage. */
export function describeActAlgos(indent = '    '): string {
  const names = GLOBAL_ACT_ALGOS.map((a) => `${a}${a !== AUTO_ACT_ALGO && aliasesOf(a).length ? ` (alias ${aliasesOf(a).join(', ')})` : ''}`);
  const width = Math.max(...names.map((n) => n.length));
  return GLOBAL_ACT_ALGOS.map((a, i) => `${indent}${names[i].padEnd(width)}  ${describeActAlgo(a)}`).join('\n');
}
