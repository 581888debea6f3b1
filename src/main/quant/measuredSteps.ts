// The measured choices of quantizeModel as a list of steps of one shape, run in order on the
// prepared, calibrated model. Each step says when it applies, measures variants on this CPU
// (quant/measured.ts, quant/smoothQuant.ts), changes what later conversions do, and returns what
// it records in the report. To add one: write its `run`, add it to MEASURED_STEPS where its
// inputs are known, and give the report a field for what it returns (shared/report.ts).
import { cloneModel, encodeModel, type ModelProto } from '../onnx/model';
import { GraphView } from '../onnx/graph';
import { cpuFeatures } from '../../../native';
import type { DataSource, Feed } from '../data/types';
import { planQuantization, type MeasuredChoices } from './plan';
import { calibrate, rangesFrom, type CalibrationOptions, type CalibrationResult, type TensorRange } from './calibrate';
import {
  checkActivationMatMuls,
  checkElementwise,
  checkGates,
  checkGranularity,
  checkSpeed,
  chooseWeightBits,
  medianSampleSqnr,
  outputSqnr,
  type Converted,
  type GroupChoice,
  type GroupInputs,
} from './measured';
import { chooseRangeAlgo } from './rangeChoice';
import { chooseSmoothQuant, smoothGroups, type SmoothGroup } from './smoothQuant';
import type { ActAlgo, Recipe } from '../../shared/recipe';
import type { GroupCheck, QuantizeReport, RangeChoiceReport, SpeedCheck } from '../../shared/report';

/** What the measured choices record in the report. */
export type MeasuredReport = Pick<QuantizeReport, 'weightBits' | 'speedCheck' | 'smoothQuant' | 'weightGranularity'> & {
  /** act_algo `auto`: written in the report's calibration section. */
  rangeChoice?: RangeChoiceReport;
};

/** One conversion of a prepared fp32 model (left untouched, so variants can be compared). */
export type ConvertFn = (prepared: ModelProto, ranges: Map<string, TensorRange>, reduceRange: boolean, measured?: MeasuredChoices) => Converted;

/** The inputs every step reads, and the choices made so far. */
export interface Choices {
  /** The recipe with what steps resolved (act_algo auto becomes the measured algorithm). */
  recipe: Recipe;
  /** The prepared fp32 model that was calibrated. */
  readonly model: ModelProto;
  readonly fp32Bytes: Uint8Array;
  readonly source: DataSource;
  readonly cal: CalibrationResult;
  readonly calOpts: CalibrationOptions;
  /** MatMul/Gemm groups SmoothQuant may smooth in the all-int8 plan (empty with `smooth_quant: false`). */
  readonly sqGroups: SmoothGroup[];
  readonly convertModel: ConvertFn;
  readonly log: (line: string) => void;
  readonly progress: (done: number, total: number) => void;
  /** The fp32 model conversions start from (SmoothQuant replaces it) and its ranges. */
  prepared: ModelProto;
  ranges: Map<string, TensorRange>;
  /** SmoothQuant's own fp32 Muls. */
  smoothKeep: Map<string, string>;
  reduceRange: boolean;
  /** Ops the speed check keeps in fp32, with why. */
  keepFloat: ReadonlyMap<string, string>;
  /** The conversion with every choice so far; a step that changes what `convert` gives sets it again (or clears it). */
  converted?: Converted;
  report: MeasuredReport;
}

export interface MeasuredStep {
  /** The recipe setting it resolves. */
  name: string;
  when(s: Choices): boolean;
  /** Measures, updates the choices, and returns what it records in the report. */
  run(s: Choices): Promise<Partial<MeasuredReport>>;
}

/** The prepared model converted with the choices so far (SmoothQuant's fp32 Muls and `measured` on top). */
export function convert(s: Choices, measured?: MeasuredChoices): Converted {
  return s.convertModel(s.prepared, s.ranges, s.reduceRange, { ...measured, keepFloat: new Map([...s.smoothKeep, ...(measured?.keepFloat ?? [])]) });
}

/** The current conversion, converted on first use. */
export function current(s: Choices): Converted {
  return (s.converted ??= convert(s));
}

/**
 * Calibration samples on which measured choices compare output SQNR: with 8, a 10-logit MLP's
 * SQNR moved by 1 dB between sample sets; 32 keep it within a few tenths.
 */
export const sqnrSamples = (s: Choices) => Promise.all(Array.from({ length: Math.min(32, s.source.count) }, (_, i) => s.source.read(i).then((x) => x.feeds)));
/** What the group-in-fp32 checks measure against. */
const groupInputs = async (s: Choices): Promise<GroupInputs> => ({
  prepared: s.prepared,
  base: current(s),
  keepFloat: s.keepFloat,
  convert: (m) => convert(s, m),
  feeds: await timedSample(s),
  samples: await sqnrSamples(s),
});
/** The sample the speed check times. */
const timedSample = async (s: Choices): Promise<Record<string, Feed>> => (await s.source.read(0)).feeds;

/**
 * `act_algo: "auto"`: each algorithm's ranges from the calibration histograms, the one whose
 * int8 model keeps the most output SQNR (quant/rangeChoice.ts). First, as every later step
 * converts with the ranges it leaves.
 */
const rangeAlgorithm: MeasuredStep = {
  name: 'act_algo',
  when: (s) => s.recipe.act_algo === 'auto' && s.ranges.size > 0,
  async run(s) {
    const samples = await sqnrSamples(s);
    // Planned with each algorithm as the recipe's: overrides in `local` keep their own.
    const observed = (algo: ActAlgo) => {
      const plan = planQuantization(cloneModel(s.model).graph!, { ...s.recipe, act_algo: algo });
      return plan.observed.map((n) => plan.tensors.get(n)!);
    };
    // Tuning's probes calibrate without keeping histograms; a written model needs them.
    const hists = s.cal.histograms ?? (await calibrate(s.model, observed('minmax'), s.source, s.calOpts)).histograms!;
    const choice = await chooseRangeAlgo(
      {
        ranges: (algo) => rangesFrom(hists, observed(algo), s.recipe),
        sqnr: (sets) =>
          medianSampleSqnr(
            s.fp32Bytes,
            sets.map((r) => encodeModel(s.convertModel(s.prepared, r, s.reduceRange, { keepFloat: new Map([...s.smoothKeep, ...s.keepFloat]) }).model)),
            samples,
          ),
      },
      samples.length,
    );
    s.recipe = { ...s.recipe, act_algo: choice.algo };
    s.ranges = choice.ranges;
    s.converted = undefined;
    s.log(`ranges: ${choice.report.reason}`);
    return { rangeChoice: choice.report };
  },
};

/**
 * `reduce_range: "auto"`: without VNNI, 7- against 8-bit weights by output SQNR on calibration
 * samples (ORT's u8s8 kernels can saturate); with VNNI or uint8 weights, 8-bit without measuring.
 */
const weightBits: MeasuredStep = {
  name: 'reduce_range',
  when: (s) => s.recipe.reduce_range === 'auto',
  async run(s) {
    const cpu = cpuFeatures();
    let weightBits: MeasuredReport['weightBits'];
    if (cpu.avx512vnni || cpu.avxvnni) {
      weightBits = { reduceRange: false, reason: 'auto: this CPU has VNNI, whose int8 kernels do not saturate' };
    } else if (s.recipe.w_dtype === 'uint8' && !Object.values(s.recipe.local).some((c) => c.w_dtype === 'int8')) {
      weightBits = { reduceRange: false, reason: 'auto: uint8 weights run on u8u8 kernels, which do not saturate' };
    } else {
      const samples = await sqnrSamples(s);
      const [full, reduced] = [false, true].map((r) =>
        encodeModel(s.convertModel(s.prepared, s.ranges, r, { keepFloat: new Map([...s.smoothKeep, ...s.keepFloat]) }).model),
      );
      const choice = await chooseWeightBits(s.fp32Bytes, full, reduced, samples);
      weightBits = {
        reduceRange: choice.reduceRange,
        reason: `auto: output SQNR ${choice.sqnrDb.reduced.toFixed(1)} dB with 7-bit weights vs ${choice.sqnrDb.full.toFixed(1)} dB with 8-bit on ${samples.length} calibration samples (without VNNI, ONNX Runtime's u8s8 kernels can saturate)`,
      };
    }
    s.reduceRange = weightBits.reduceRange;
    s.converted = undefined;
    s.log(`weights: ${s.reduceRange ? '7' : '8'}-bit (${weightBits.reason})`);
    return { weightBits };
  },
};

/** `speed_check`: a leading run of compute ops kept fp32 if ORT's per-op profile and an A/B timing say so. */
const speedCheck: MeasuredStep = {
  name: 'speed_check',
  when: (s) => s.recipe.speed_check && current(s).plan.decisions.some((d) => d.int8 && d.handler?.kind === 'compute'),
  async run(s) {
    const checked = await checkSpeed(
      s.prepared,
      current(s),
      (m) => convert(s, m),
      await timedSample(s),
      (done, total) => s.progress(done, total + 1),
    );
    s.converted = checked.converted;
    s.keepFloat = checked.keepFloat;
    const report = checked.report;
    if (report.keptFloat.length)
      s.log(`speed check: ${report.keptFloat.length} leading compute ops kept in fp32 (${report.variantRatio?.toFixed(2)}x the all-int8 latency)`);
    return { speedCheck: { ...s.report.speedCheck, ...report } };
  },
};

type GroupField = 'activationMatMuls' | 'gates' | 'elementwise';

/**
 * A part of the speed check that measures groups of ops in fp32 against int8 (quant/measured.ts),
 * adopts what it chose, logs each group with `what` it holds, and reports it under `field`.
 */
function groupStep<F extends GroupField>(
  name: string,
  field: F,
  when: (s: Choices) => boolean,
  check: (x: GroupInputs) => Promise<GroupChoice<NonNullable<SpeedCheck[F]>> | undefined>,
  what: (g: GroupCheck & { gate?: string }) => string,
): MeasuredStep {
  return {
    name,
    when,
    async run(s) {
      const chosen = await check(await groupInputs(s));
      if (!chosen) return {};
      s.converted = chosen.converted;
      s.keepFloat = chosen.keepFloat;
      const r: NonNullable<SpeedCheck[F]> = chosen.report;
      for (const g of Array.isArray(r) ? r : [r])
        s.log(
          `speed check: ${what(g)} ${g.keptFloat ? 'kept in fp32' : 'left in int8'} (${g.variantRatio.toFixed(2)}x the latency in fp32; output SQNR ${g.sqnrDb.fp32} dB in fp32, ${g.sqnrDb.int8} dB in int8)`,
        );
      return { speedCheck: { keptFloat: [], ops: [], ...s.report.speedCheck, [field]: r } };
    },
  };
}

const afterSpeedCheck = (s: Choices) => s.report.speedCheck !== undefined;

/** Part of the speed check: MatMuls of two activations (attention) kept fp32 as a group if faster. */
const activationMatMuls = groupStep(
  'speed_check (activation MatMuls)',
  'activationMatMuls',
  afterSpeedCheck,
  checkActivationMatMuls,
  (g) => `${g.nodes.length} MatMul(s) of two activations`,
);

/**
 * Part of the speed check, first of all steps: ops gated by an fp32 input in int8 (gate
 * quantized) or fp32. Which tensors are quantized decides which range algorithm fits best
 * (MiniLM, before its GELU was fused: mse with the GELU gate quantized, minmax without), so act_algo
 * auto is measured on the plan this step chose.
 */
const gates = groupStep(
  'speed_check (gates)',
  'gates',
  (s) => s.recipe.speed_check,
  checkGates,
  (g) => `${g.nodes.length} op(s) gated by ${g.gate}(…)`,
);

/** Part of the speed check: Add/Mul between int8 ops in int8 or fp32, by speed and output SQNR. */
const elementwise = groupStep('speed_check (Add/Mul)', 'elementwise', afterSpeedCheck, checkElementwise, (g) => `${g.nodes.length} Add/Mul between int8 ops`);

/**
 * `smooth_quant`, chosen once the speed check has said which ops run in int8 (attention MatMuls
 * kept fp32 change which errors reach the output).
 */
const smoothQuant: MeasuredStep = {
  name: 'smooth_quant',
  when: (s) => s.sqGroups.length > 0 && !!s.cal.channels,
  async run(s) {
    const { recipe, model, cal, keepFloat } = s;
    // Which inputs an int8 op produces depends on what the speed check kept in fp32.
    const planned = cloneModel(model).graph!;
    const groups = smoothGroups(planQuantization(planned, recipe, { keepFloat }), new GraphView(planned));
    const samples = await sqnrSamples(s);
    const choice = await chooseSmoothQuant({
      prepared: model,
      groups,
      stats: cal.channels!,
      setting: recipe.smooth_quant,
      alpha: recipe.smooth_quant_alpha,
      // The unsmoothed model's ranges (act_algo auto's choice included): this step alone changes them.
      ranges: s.ranges,
      needsRecalibration: recipe.act_algo !== 'minmax' || Object.values(recipe.local).some((c) => c.act_algo && c.act_algo !== 'minmax'),
      convert: (m, r, sqKeep) => {
        const c = s.convertModel(m, r, s.reduceRange, { keepFloat: new Map([...sqKeep, ...keepFloat]) });
        return { bytes: encodeModel(c.model), observed: c.plan.observed };
      },
      calibrate: async (m, names) => {
        const p = planQuantization(cloneModel(m).graph!, recipe);
        return (await calibrate(m, names.map((n) => p.tensors.get(n)!).filter(Boolean), s.source, s.calOpts)).ranges;
      },
      sqnr: (models) => outputSqnr(s.fp32Bytes, models, samples),
    });
    s.log(`smooth quant: ${choice.report.reason}`);
    if (choice.smoothed) {
      ({ model: s.prepared, ranges: s.ranges, keepFloat: s.smoothKeep } = choice.smoothed);
      s.converted = convert(s, { keepFloat });
    }
    return { smoothQuant: choice.report };
  },
};

/** `w_granularity: "auto"`: per-tensor weights for MatMul/Gemm where that measures faster and about as faithful. */
const weightGranularity: MeasuredStep = {
  name: 'w_granularity',
  when: (s) => s.report.speedCheck !== undefined,
  async run(s) {
    const granularity = await checkGranularity(
      s.prepared,
      current(s),
      s.keepFloat,
      (m) => convert(s, m),
      s.reduceRange,
      await timedSample(s),
      await sqnrSamples(s),
    );
    if (!granularity) return {};
    s.converted = granularity.converted;
    s.log(`weights: ${granularity.report.reason}`);
    return { weightGranularity: granularity.report };
  },
};

/** In order: each step sees the choices of the steps before it. */
export const MEASURED_STEPS: readonly MeasuredStep[] = [
  gates,
  rangeAlgorithm,
  weightBits,
  speedCheck,
  activationMatMuls,
  elementwise,
  smoothQuant,
  weightGranularity,
];

/** Runs every step that applies and returns the final conversion. */
export async function runMeasuredSteps(s: Choices, steps: readonly MeasuredStep[] = MEASURED_STEPS): Promise<Converted> {
  for (const step of steps) {
    if (!step.when(s)) continue;
    Object.assign(s.report, await step.run(s));
  }
  return current(s);
}
