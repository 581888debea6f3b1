// What the Rules step offers, read from the shared definitions: the recipe's enums
// (src/shared/recipe.ts), the range algorithms (src/shared/rangeAlgorithms.ts) and the op types
// (src/shared/opTypes.ts).
import { ACT_DTYPES, FORMATS, GRANULARITIES, W_DTYPES } from '../../../shared/recipe';
import {
  ACT_ALGOS,
  AUTO_ACT_ALGO,
  GLOBAL_ACT_ALGOS,
  describeActAlgo,
  globalActAlgoOf,
  readsParam,
  type GlobalActAlgo,
  type RangeParam,
} from '../../../shared/rangeAlgorithms';
import { INT8_COMPUTE_OP_TYPES } from '../../../shared/opTypes';

/** The recipe's fields set by picking one of fixed options. */
export type ChoiceField = 'w_dtype' | 'w_granularity' | 'act_dtype' | 'act_algo' | 'format';

export interface Choice {
  options: readonly string[];
  /** The global setting's options when they differ from an override's (act_algo adds auto). */
  globalOptions?: readonly string[];
  /** Names the setting in undo labels ("weights int8") and in an override's select ("weights for fc1"). */
  name: string;
  /** The global setting's label and element id. */
  label: string;
  id: string;
  /** The override table's column header; settings an override cannot set have none. */
  header?: string;
  describe?: (option: string) => string;
}

export const CHOICES: Record<ChoiceField, Choice> = {
  w_dtype: { options: W_DTYPES, name: 'weights', label: 'Weights', id: 'g-w-dtype', header: 'Weights' },
  w_granularity: { options: GRANULARITIES, name: 'granularity', label: 'Weight granularity', id: 'g-w-gran', header: 'Granularity' },
  act_dtype: { options: ACT_DTYPES, name: 'activations', label: 'Activations', id: 'g-act-dtype', header: 'Activations' },
  act_algo: {
    options: ACT_ALGOS,
    globalOptions: GLOBAL_ACT_ALGOS,
    name: 'algorithm',
    label: 'Range algorithm',
    id: 'g-act-algo',
    header: 'Algorithm',
    describe: (a) => describeActAlgo(a as GlobalActAlgo),
  },
  format: { options: FORMATS, name: 'format', label: 'Format', id: 'g-format' },
};

/** The global settings' selects, in order. */
export const GLOBAL_CHOICES: readonly ChoiceField[] = ['w_dtype', 'w_granularity', 'act_dtype', 'act_algo', 'format'];
/** The override table's select columns, in order. */
export const RULE_CHOICES = ['w_dtype', 'act_dtype', 'w_granularity', 'act_algo'] as const satisfies readonly ChoiceField[];

/** The option a recipe or an override sets for a choice, an algorithm's alias resolved; undefined when it sets none. */
export function chosen(settings: Partial<Record<ChoiceField, unknown>>, field: ChoiceField): string | undefined {
  const v = settings[field];
  if (field === 'act_algo') return globalActAlgoOf(v);
  return typeof v === 'string' ? v : undefined;
}

/** The number inputs of the algorithms' parameters (recipe fields), shown only while the chosen algorithm reads them. */
export interface ParamField {
  param: RangeParam;
  id: string;
  label: string;
  /** Names the setting in undo labels. */
  name: string;
  min: number;
  max: number;
  step?: string;
  integer?: boolean;
}

export const PARAM_FIELDS: readonly ParamField[] = [
  { param: 'percentile', id: 'g-pct', label: 'Percentile', name: 'percentile', step: '0.001', min: 90.001, max: 100 },
  { param: 'calib_bins', id: 'g-bins', label: 'Histogram bins', name: 'bins', min: 128, max: 65536, integer: true },
];

/** auto may choose any algorithm, so it shows every parameter. */
export const paramShown = (algo: GlobalActAlgo | undefined, param: RangeParam): boolean =>
  algo === AUTO_ACT_ALGO || (algo !== undefined && readsParam(algo, param));

/** Compute op types Octet runs in int8: the ones the "kept in fp32" counts and tags are about. */
export const COMPUTE_OPS: readonly string[] = INT8_COMPUTE_OP_TYPES;

/** Kinds of override selector, with the prefix each adds to the key (src/shared/recipe.ts, parseSelector). */
export const SELECTOR_KINDS = [
  { kind: 'auto', prefix: '', label: 'name, op type or regex' },
  { kind: 'name', prefix: 'name:', label: 'exact node name' },
  { kind: 'type', prefix: 'type:', label: 'op type' },
  { kind: 're', prefix: 're:', label: 'regex over names' },
] as const;
export type SelectorKind = (typeof SELECTOR_KINDS)[number]['kind'];
