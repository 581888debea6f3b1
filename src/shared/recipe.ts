// The quantization recipe. Field names follow Intel Neural Compressor's StaticQuantConfig so that
// someone who knows INC's prepare → calibrate → convert flow reads it without a glossary.
import { z } from 'zod';
import { ACT_ALGOS, actAlgoOf, type ActAlgo } from './rangeAlgorithms';
import { OctetError, issueLines } from './errors';

export { ACT_ALGOS, type ActAlgo };

/**
 * uint8 weights (as ORT's and INC's QUInt8 weight type) run on ONNX Runtime's u8u8 kernels: on
 * x86 without VNNI they never saturate, unlike the default int8 (u8s8), but run slower.
 */
export const W_DTYPES = ['int8', 'uint8', 'fp32'] as const;
export const ACT_DTYPES = ['uint8', 'int8', 'fp32'] as const;
/**
 * `auto` (Octet's addition to INC's two values): per-channel, except MatMul/Gemm weights that the
 * speed check measures faster per-tensor on this CPU at nearly the same output SQNR.
 */
export const GRANULARITIES = ['auto', 'per_channel', 'per_tensor'] as const;
export const FORMATS = ['qdq', 'qoperator'] as const;

/**
 * What `octet tune` measures: top-1 accuracy (loss = relative drop, INC's convention), cosine of
 * the outputs against fp32 (loss = 1 − cosine) or their SQNR (loss = error power / signal power,
 * 10^(−SQNR/10): 1e-4 is 40 dB).
 */
export const TUNE_METRICS = ['top1', 'cosine', 'sqnr'] as const;
export type TuneMetric = (typeof TUNE_METRICS)[number];

/** A range algorithm of src/shared/rangeAlgorithms.ts, by name or alias (entropy → kl). */
const algo = z.preprocess((v) => actAlgoOf(v) ?? v, z.enum(ACT_ALGOS));

/** Fields an override may set; `fp32` in either dtype means "leave this op alone", as in INC. */
const opConfig = z.strictObject({
  w_dtype: z.enum(W_DTYPES).optional(),
  w_sym: z.boolean().optional(),
  w_granularity: z.enum(GRANULARITIES).optional(),
  act_dtype: z.enum(ACT_DTYPES).optional(),
  act_sym: z.boolean().optional(),
  act_algo: algo.optional(),
});
export type OpConfig = z.infer<typeof opConfig>;

export const preprocessSchema = z.strictObject({
  resize: z.enum(['stretch', 'center-crop', 'random-crop']).optional(),
  cropsPerImage: z.number().int().min(1).max(64).optional(),
  seed: z.number().int().optional(),
  channels: z.enum(['RGB', 'BGR', 'GRAY']).optional(),
  layout: z.enum(['NCHW', 'NHWC']).optional(),
  mean: z.array(z.number()).min(1).max(4).optional(),
  std: z.array(z.number().positive()).min(1).max(4).optional(),
});
export type PreprocessConfig = z.infer<typeof preprocessSchema>;

export const recipeSchema = z.strictObject({
  w_dtype: z.enum(W_DTYPES).default('int8'),
  w_sym: z.boolean().default(true),
  w_granularity: z.enum(GRANULARITIES).default('auto'),
  act_dtype: z.enum(ACT_DTYPES).default('uint8'),
  act_sym: z.boolean().default(false),
  /**
   * `auto` (Octet's addition): calibrate once, then keep the range algorithm whose int8 model
   * measures the best output SQNR on calibration samples: minmax unless percentile, kl or mse
   * gains at least 0.5 dB. Planned as minmax; overrides in `local` keep their own algorithm.
   */
  act_algo: z.union([z.literal('auto'), algo]).default('auto'),
  format: z.enum(FORMATS).default('qdq'),
  /** Percentile kept by act_algo=percentile. */
  percentile: z.number().gt(90).max(100).default(99.999),
  /** Histogram bins for the range algorithms that read them (`params` in rangeAlgorithms.ts); ORT's 128 makes entropy degenerate to minmax. */
  calib_bins: z.number().int().min(128).max(65536).default(2048),
  calib_samples: z.number().int().min(1).max(100000).default(100),
  /**
   * 7-bit weights: avoids int16 saturation in ORT's u8s8 kernels on CPUs without VNNI. `auto`
   * measures both on this CPU (without VNNI) and keeps the more faithful; with VNNI it is off.
   */
  reduce_range: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /**
   * Measure each int8 compute op against fp32 on this CPU and keep the leading run of ops where
   * int8 loses in fp32, when that makes the whole model faster; and resolve w_granularity `auto`
   * by measuring per-channel against per-tensor weights (off: `auto` means per-channel).
   */
  speed_check: z.boolean().default(true),
  /**
   * INC's SmoothQuant: divides each input channel of a MatMul/Gemm activation by s and multiplies
   * the weight's matching row by s (s = max|x|^alpha / max|w|^(1-alpha)), moving activation
   * outliers into weights, which are quantized per channel. `auto` applies it where the output
   * SQNR on calibration samples measures better, with the best alpha of `smooth_quant_alpha`.
   */
  smooth_quant: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** INC's smooth_quant_args alpha; `auto` tries 0.5 to 0.8 in steps of 0.05 and keeps the best measured. */
  smooth_quant_alpha: z.union([z.number().gt(0).lt(1), z.literal('auto')]).default('auto'),
  /** Fold BatchNormalization into the preceding Conv before quantizing. */
  fold_bn: z.boolean().default(true),
  /**
   * Octet's addition: write the model for the input shapes calibration fed, every dim static, so
   * that ONNX Runtime folds shape computations and inlines the If branches they decide (silero
   * VAD's LSTM behind a shape test: 0.85x ORT's latency instead of 1.06x). The model then
   * accepts only those shapes, and the report says so.
   */
  static_shapes: z.boolean().default(false),
  preprocess: preprocessSchema.optional(),
  /**
   * Accuracy-aware tuning (`octet tune`), INC's TuningConfig names: the loss the tuned model may
   * have, the trial budget, and what the loss measures. `octet quantize` ignores it.
   */
  tuning: z
    .strictObject({
      tolerable_loss: z.number().min(0).max(1e6).optional(),
      max_trials: z.number().int().min(1).max(1000).optional(),
      metric: z.enum(TUNE_METRICS).optional(),
    })
    .optional(),
  /**
   * Overrides, like INC's set_local(name_or_type, config). A key is an exact node name, an op type
   * (or an INC/PyTorch alias such as Linear or Conv2d), or a regex over node names. Prefixes
   * `name:`, `type:` and `re:` make the kind explicit.
   */
  local: z.record(z.string().min(1), opConfig).default({}),
});

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeInput = z.input<typeof recipeSchema>;

/** A recipe that does not parse: an OctetError with code RECIPE_INVALID, whatever layer reads the recipe. */
export class RecipeError extends OctetError {
  constructor(readonly issues: string[]) {
    super('RECIPE_INVALID', `Invalid recipe: ${issues.join('; ')}`);
    this.name = 'RecipeError';
  }
}

/** Strict parse: unknown keys, wrong types and bad regexes are errors that name the field. */
export function parseRecipe(input: unknown): Recipe {
  const res = recipeSchema.safeParse(input ?? {});
  if (!res.success) {
    throw new RecipeError(issueLines(res.error.issues, '(root)'));
  }
  const issues: string[] = [];
  for (const key of Object.keys(res.data.local)) {
    const sel = parseSelector(key);
    if (!sel.pattern) {
      issues.push(`local.${key}: names nothing after the prefix`);
      continue;
    }
    // A bare key with regex syntax is meant as a regex, so a broken one is an error, not a silent no-match.
    const meantAsRegex = sel.kind === 're' || (sel.kind === 'auto' && /[*+?[\](){}|^$\\]/.test(sel.pattern));
    if (!meantAsRegex) continue;
    try {
      new RegExp(sel.pattern);
    } catch (e) {
      issues.push(`local.${key}: bad regex (${(e as Error).message})`);
    }
  }
  if (issues.length) throw new RecipeError(issues);
  return res.data;
}

export const DEFAULT_RECIPE: Recipe = parseRecipe({});

// INC/PyTorch names for ONNX op types.
export const OP_TYPE_ALIASES: Record<string, string[]> = {
  Linear: ['MatMul', 'Gemm'],
  Conv1d: ['Conv'],
  Conv2d: ['Conv'],
  Conv3d: ['Conv'],
  ConvTranspose2d: ['ConvTranspose'],
  MaxPool2d: ['MaxPool'],
  AvgPool2d: ['AveragePool'],
  AdaptiveAvgPool2d: ['GlobalAveragePool'],
  ReLU: ['Relu'],
  BatchNorm2d: ['BatchNormalization'],
  LayerNorm: ['LayerNormalization'],
  Embedding: ['Gather'],
  Hardswish: ['HardSwish'],
  Hardsigmoid: ['HardSigmoid'],
  matmul: ['MatMul'],
  add: ['Add'],
  mul: ['Mul'],
};

export type Selector =
  | { kind: 'name'; pattern: string } // explicit name:
  | { kind: 'type'; pattern: string; types: string[] } // explicit type:
  | { kind: 're'; pattern: string } // explicit re:
  | { kind: 'auto'; pattern: string; types: string[] };

export function parseSelector(key: string): Selector {
  if (key.startsWith('name:')) return { kind: 'name', pattern: key.slice(5) };
  if (key.startsWith('type:')) return { kind: 'type', pattern: key.slice(5), types: OP_TYPE_ALIASES[key.slice(5)] ?? [key.slice(5)] };
  if (key.startsWith('re:')) return { kind: 're', pattern: key.slice(3) };
  return { kind: 'auto', pattern: key, types: OP_TYPE_ALIASES[key] ?? [key] };
}

/** How an override matched a node; a node name wins over a regex, a regex over a type. */
export type MatchLevel = 'name' | 'regex' | 'type';
const LEVEL_RANK: Record<MatchLevel, number> = { type: 1, regex: 2, name: 3 };

export function matchSelector(sel: Selector, node: { name: string; opType: string }): MatchLevel | undefined {
  switch (sel.kind) {
    case 'name':
      return node.name === sel.pattern ? 'name' : undefined;
    case 'type':
      return sel.types.includes(node.opType) ? 'type' : undefined;
    case 're':
      return fullMatch(sel.pattern, node.name) ? 'regex' : undefined;
    case 'auto':
      if (node.name === sel.pattern) return 'name';
      if (sel.types.includes(node.opType)) return 'type';
      return fullMatch(sel.pattern, node.name) ? 'regex' : undefined;
  }
}

const regexCache = new Map<string, RegExp | null>();
function fullMatch(pattern: string, name: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null; // an auto key that is not a valid regex is just a name or type
    }
    regexCache.set(pattern, re);
  }
  return re !== null && re.test(name);
}

/** The effective settings for one node after applying overrides by precedence. */
export interface NodeRule {
  w_dtype: Recipe['w_dtype'];
  w_sym: boolean;
  w_granularity: Recipe['w_granularity'];
  act_dtype: Recipe['act_dtype'];
  act_sym: boolean;
  act_algo: ActAlgo;
  /** The override keys that applied, lowest precedence first. */
  matchedBy: string[];
}

export function resolveNodeRule(recipe: Recipe, node: { name: string; opType: string }): NodeRule {
  const hits: { key: string; level: MatchLevel; cfg: OpConfig }[] = [];
  for (const [key, cfg] of Object.entries(recipe.local)) {
    const level = matchSelector(parseSelector(key), node);
    if (level) hits.push({ key, level, cfg });
  }
  hits.sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]);
  const rule: NodeRule = {
    w_dtype: recipe.w_dtype,
    w_sym: recipe.w_sym,
    w_granularity: recipe.w_granularity,
    act_dtype: recipe.act_dtype,
    act_sym: recipe.act_sym,
    act_algo: recipe.act_algo === 'auto' ? 'minmax' : recipe.act_algo,
    matchedBy: [],
  };
  for (const h of hits) {
    Object.assign(rule, Object.fromEntries(Object.entries(h.cfg).filter(([, v]) => v !== undefined)));
    rule.matchedBy.push(h.key);
  }
  return rule;
}

/** INC semantics: fp32 in either dtype leaves the op in float. */
export const isExcluded = (rule: NodeRule): boolean => rule.w_dtype === 'fp32' || rule.act_dtype === 'fp32';

export const PRESETS: Record<'default' | 'accuracy' | 'speed', { label: string; description: string; recipe: RecipeInput }> = {
  default: {
    label: 'Default',
    description:
      'int8 symmetric weights (per-channel, or per-tensor where that measures faster at nearly the same accuracy), uint8 activations, min/max ranges.',
    recipe: {},
  },
  accuracy: {
    label: 'Accuracy first',
    description: 'Entropy (KL) ranges clip rare outliers, and no op is kept in fp32 for speed.',
    recipe: { act_algo: 'kl', speed_check: false },
  },
  speed: {
    label: 'Speed first',
    description: 'Everything ORT can run in int8, with per-tensor weights and min/max ranges.',
    recipe: { w_granularity: 'per_tensor' },
  },
};
