// Fuzzing the recipe validator: parseRecipe on random JSON and on near-valid recipes. It returns
// a recipe (which parses again to itself) or throws a RecipeError whose every issue names the
// field it is about ("(root)" for the top level). Never another exception type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRecipe, RecipeError, recipeSchema } from '../../src/shared/recipe';
import { ACT_ALGOS, ACT_ALGO_NAMES } from '../../src/shared/rangeAlgorithms';
import { Tally, bounded, params } from './common';

const TOP_KEYS = Object.keys(recipeSchema.shape);
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', ''];

/** An issue is "path: message"; the path is (root) or starts with a recipe field. */
function namesAField(issue: string): boolean {
  if (issue.startsWith('(root): ')) return true;
  const head = issue.split(/[.:]/)[0];
  return TOP_KEYS.includes(head);
}

function property(input: unknown): void {
  const r = bounded('parseRecipe', () => parseRecipe(input));
  if (r.error) {
    const e = r.error;
    if (!(e instanceof RecipeError))
      assert.fail(`parseRecipe threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}, not a RecipeError`);
    assert.ok(e.issues.length >= 1, 'a RecipeError lists at least one issue');
    for (const issue of e.issues) {
      assert.ok(namesAField(issue), `issue does not name a field: ${JSON.stringify(issue)}`);
      assert.ok(!issue.includes('\n'), `issue spans lines: ${JSON.stringify(issue)}`);
    }
    assert.ok(e.message.startsWith('Invalid recipe: '));
    return;
  }
  const recipe = r.value!;
  // A valid recipe is plain data: it survives JSON, and parsing it again changes nothing.
  const again = bounded('parseRecipe(again)', () => parseRecipe(JSON.parse(JSON.stringify(recipe))));
  if (again.error) assert.fail(`a recipe parseRecipe returned does not parse again: ${(again.error as Error).message}`);
  assert.deepEqual(again.value, recipe, 'parseRecipe is idempotent');
  for (const k of Object.keys(recipe)) assert.ok(TOP_KEYS.includes(k), `unknown key '${k}' in a returned recipe`);
  for (const k of Object.keys(recipe.local)) assert.ok(k.length > 0, 'empty local key accepted');
}

/** A JSON value through JSON.parse, so "__proto__" arrives as an own key, as from a file. */
const viaJson = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.parse(JSON.stringify(v)) as unknown);

test('parseRecipe on random JSON values', () => {
  const tally = new Tally();
  fc.assert(fc.property(viaJson(fc.jsonValue({ maxDepth: 4 })), tally.wrap(property)), params(2000));
  tally.finish();
});

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('int8', 'uint8', 'fp32', 'per_channel', 'per_tensor', ...ACT_ALGO_NAMES, 'qdq', 'qoperator', 'stretch', 'NCHW', 'RGB'),
  fc.constantFrom(true, false, 0, 1, -1, 99.999, 100, 90, 128, 65536, 65537, 1e308, -0, 0.5, 2 ** 53),
  fc.constantFrom(null, [], {}, [0.5, 0.5, 0.5], [1, 2, 3, 4, 5], [0, 1, 2]),
);
const regexish = fc.string({ unit: fc.constantFrom(...'abcConv/_.*+?()[]{}|^$\\-:'.split('')), maxLength: 12 });
const localKey = fc.oneof(
  fc.constantFrom('Conv', 'Linear', 'MatMul', 'name:/stem/conv', 'type:Gemm', 're:/head/.*', 're:', 'name:', 'type:', ...HOSTILE_KEYS),
  regexish,
  regexish.map((s) => `re:${s}`),
);
const opConfig = fc.dictionary(
  fc.oneof(fc.constantFrom('w_dtype', 'w_sym', 'w_granularity', 'act_dtype', 'act_sym', 'act_algo'), fc.constantFrom(...HOSTILE_KEYS, 'w_dtyp')),
  anyValue,
  { maxKeys: 4 },
);
const nearRecipe = fc.record(
  {
    w_dtype: anyValue,
    w_sym: anyValue,
    w_granularity: anyValue,
    act_dtype: anyValue,
    act_sym: anyValue,
    act_algo: anyValue,
    format: anyValue,
    percentile: anyValue,
    calib_bins: anyValue,
    calib_samples: anyValue,
    reduce_range: anyValue,
    speed_check: anyValue,
    fold_bn: anyValue,
    preprocess: fc.oneof(
      anyValue,
      fc.dictionary(fc.constantFrom('resize', 'cropsPerImage', 'seed', 'channels', 'layout', 'mean', 'std', 'scale', ...HOSTILE_KEYS), anyValue, {
        maxKeys: 4,
      }),
    ),
    local: fc.oneof(anyValue, fc.dictionary(localKey, fc.oneof(opConfig, anyValue), { maxKeys: 4 })),
    [HOSTILE_KEYS[0]]: anyValue,
    calibration_samples: anyValue,
  },
  { requiredKeys: [] },
);

test('parseRecipe on near-valid recipes (every field, odd values, regex keys, hostile keys)', () => {
  const tally = new Tally();
  fc.assert(fc.property(viaJson(nearRecipe), tally.wrap(property)), params(3000));
  tally.finish();
});

test('parseRecipe on valid recipes returns them unchanged apart from defaults', () => {
  const valid = fc.record(
    {
      w_dtype: fc.constantFrom('int8', 'fp32'),
      act_algo: fc.constantFrom(...ACT_ALGOS),
      percentile: fc.double({ min: 90.0001, max: 100, noNaN: true }),
      calib_bins: fc.integer({ min: 128, max: 65536 }),
      calib_samples: fc.integer({ min: 1, max: 100000 }),
      local: fc.dictionary(
        fc.constantFrom('Conv', 'Linear', 'name:/a/b', 're:/head/.*'),
        fc.record({ w_dtype: fc.constantFrom('int8', 'fp32') }, { requiredKeys: [] }),
        { maxKeys: 3 },
      ),
    },
    { requiredKeys: [] },
  );
  const tally = new Tally();
  fc.assert(
    fc.property(
      valid,
      tally.wrap((v) => {
        const r = parseRecipe(v);
        // (zod leaves absent optional fields as explicit undefined: compare as JSON.)
        const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
        for (const [k, x] of Object.entries(v)) assert.deepEqual(plain((r as Record<string, unknown>)[k]), plain(x), `field ${k} kept`);
        property(v);
      }),
    ),
    params(1000),
  );
  tally.finish();
});
