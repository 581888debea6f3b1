import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecipe, type RecipeInput } from '../../shared/recipe';
import type { ModelProto } from '../onnx/model';
import type { DataSource } from '../data/types';
import type { Converted } from './measured';
import { MEASURED_STEPS, current, runMeasuredSteps, type Choices, type MeasuredStep } from './measuredSteps';

/** Choices over a stand-in model: conversions are counted, nothing runs. */
function choices(recipe: RecipeInput = {}, convertedPlanInt8Compute = false): Choices & { conversions: number } {
  const model = {} as ModelProto;
  const s = {
    conversions: 0,
    recipe: parseRecipe(recipe),
    model,
    fp32Bytes: new Uint8Array(),
    source: { count: 0 } as unknown as DataSource,
    cal: { ranges: new Map(), samples: 0, passes: 0, seconds: 0, warnings: [] },
    calOpts: { samples: 1, bins: 8, percentile: 99.99 },
    sqGroups: [],
    convertModel: () => {
      s.conversions++;
      return { plan: { decisions: convertedPlanInt8Compute ? [{ int8: true, handler: { kind: 'compute' } }] : [] } } as unknown as Converted;
    },
    log: () => undefined,
    progress: () => undefined,
    prepared: model,
    ranges: new Map(),
    smoothKeep: new Map(),
    reduceRange: false,
    keepFloat: new Map(),
    report: { weightBits: { reduceRange: false, reason: 'set by the recipe (8-bit weights)' } },
  };
  return s;
}

test('the measured choices run in this order, each seeing the choices before it', () => {
  assert.deepEqual(
    MEASURED_STEPS.map((s) => s.name),
    [
      'speed_check (gates)',
      'act_algo',
      'reduce_range',
      'speed_check',
      'speed_check (activation MatMuls)',
      'speed_check (Add/Mul)',
      'smooth_quant',
      'w_granularity',
    ],
  );
});

test('a step runs only when it applies, and what it returns lands in the report', async () => {
  const ran: string[] = [];
  const steps: MeasuredStep[] = [
    { name: 'first', when: () => true, run: async (s) => (ran.push('first'), (s.reduceRange = true), { weightBits: { reduceRange: true, reason: 'first' } }) },
    { name: 'never', when: () => false, run: async () => (ran.push('never'), {}) },
    {
      name: 'after first',
      when: (s) => s.reduceRange,
      run: async (s) => (ran.push('after first'), { weightGranularity: { perTensor: [], reason: `saw ${s.report.weightBits.reason}`, ops: [] } }),
    },
  ];
  const s = choices();
  const converted = await runMeasuredSteps(s, steps);
  assert.deepEqual(ran, ['first', 'after first']);
  assert.equal(s.report.weightBits.reason, 'first');
  assert.equal(s.report.weightGranularity?.reason, 'saw first');
  assert.equal(converted, current(s), 'the result is the conversion with every choice');
  assert.equal(s.conversions, 1);
});

test('with nothing to measure (speed_check off, reduce_range set, nothing to smooth) no step applies and the model converts once', async () => {
  const s = choices({ speed_check: false, reduce_range: false });
  assert.deepEqual(
    MEASURED_STEPS.filter((st) => st.when(s)).map((st) => st.name),
    [],
  );
  await runMeasuredSteps(s);
  assert.equal(s.conversions, 1);
  assert.deepEqual(Object.keys(s.report), ['weightBits']);
});

test('the speed check applies only when some compute op runs in int8; its follow-ups only after it ran', () => {
  const none = choices({ speed_check: true }, false);
  assert.equal(MEASURED_STEPS.find((st) => st.name === 'speed_check')!.when(none), false);
  const some = choices({ speed_check: true }, true);
  assert.equal(MEASURED_STEPS.find((st) => st.name === 'speed_check')!.when(some), true);
  assert.equal(MEASURED_STEPS.find((st) => st.name === 'w_granularity')!.when(some), false);
  some.report.speedCheck = { keptFloat: [], ops: [] };
  assert.equal(MEASURED_STEPS.find((st) => st.name === 'w_granularity')!.when(some), true);
});
