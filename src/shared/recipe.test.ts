import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecipe, resolveNodeRule, RecipeError, DEFAULT_RECIPE, isExcluded } from './recipe';

test('defaults mirror INC StaticQuantConfig', () => {
  assert.equal(DEFAULT_RECIPE.w_dtype, 'int8');
  assert.equal(DEFAULT_RECIPE.w_sym, true);
  assert.equal(DEFAULT_RECIPE.w_granularity, 'auto', 'per-channel unless per-tensor measures faster (Octet resolves it; INC defaults to per_channel)');
  assert.equal(DEFAULT_RECIPE.act_dtype, 'uint8');
  assert.equal(DEFAULT_RECIPE.act_sym, false);
  assert.equal(DEFAULT_RECIPE.act_algo, 'auto', 'measured among the algorithms, minmax unless another is clearly more faithful (INC defaults to minmax)');
  assert.equal(DEFAULT_RECIPE.format, 'qdq');
  assert.equal(DEFAULT_RECIPE.percentile, 99.999);
  assert.equal(DEFAULT_RECIPE.calib_bins, 2048);
});

test('entropy is an alias of kl', () => {
  assert.equal(parseRecipe({ act_algo: 'entropy' }).act_algo, 'kl');
});

const issues = (input: unknown): string[] => {
  try {
    parseRecipe(input);
  } catch (e) {
    assert.ok(e instanceof RecipeError);
    return e.issues;
  }
  assert.fail('expected a RecipeError');
};

test('errors name the bad field', () => {
  assert.match(issues({ w_dtyp: 'int8' })[0], /\(root\): unknown key "w_dtyp"/);
  assert.match(issues({ act_algo: 'fast' })[0], /^act_algo: /);
  assert.match(issues({ w_sym: 'yes' })[0], /^w_sym: .*boolean/);
  assert.match(issues({ local: { Conv: { w_dtype: 'int4' } } })[0], /^local\.Conv\.w_dtype: /);
  assert.match(issues({ local: { Conv: { bogus: 1 } } })[0], /^local\.Conv: unknown key "bogus"/);
  assert.match(issues({ calib_samples: 0 })[0], /^calib_samples: /);
  assert.match(issues({ local: { 're:conv[': {} } })[0], /^local\.re:conv\[: bad regex/);
  assert.match(issues({ local: { 'layer(1': {} } })[0], /bad regex/);
});

test('a node name wins over a regex, a regex over a type, a type over global', () => {
  const r = parseRecipe({
    act_algo: 'minmax',
    local: {
      Conv: { act_algo: 'percentile', w_sym: false },
      'block1/.*': { act_algo: 'kl' },
      'block1/conv2': { act_algo: 'mse' },
    },
  });
  assert.equal(resolveNodeRule(r, { name: 'stem', opType: 'Conv' }).act_algo, 'percentile');
  assert.equal(resolveNodeRule(r, { name: 'block1/conv1', opType: 'Conv' }).act_algo, 'kl');
  assert.equal(resolveNodeRule(r, { name: 'block1/conv1', opType: 'Conv' }).w_sym, false, 'type-level fields not overridden stay');
  assert.equal(resolveNodeRule(r, { name: 'block1/conv2', opType: 'Conv' }).act_algo, 'mse');
  assert.equal(resolveNodeRule(r, { name: 'fc', opType: 'Gemm' }).act_algo, 'minmax');
});

test('INC/PyTorch aliases and explicit prefixes', () => {
  const r = parseRecipe({ local: { Linear: { w_dtype: 'fp32' }, 'type:Conv2d': { act_dtype: 'fp32' }, 'name:a.b': { w_granularity: 'per_tensor' } } });
  assert.ok(isExcluded(resolveNodeRule(r, { name: 'x', opType: 'MatMul' })));
  assert.ok(isExcluded(resolveNodeRule(r, { name: 'x', opType: 'Gemm' })));
  assert.ok(isExcluded(resolveNodeRule(r, { name: 'x', opType: 'Conv' })));
  assert.ok(!isExcluded(resolveNodeRule(r, { name: 'x', opType: 'Add' })));
  assert.equal(resolveNodeRule(r, { name: 'a.b', opType: 'Add' }).w_granularity, 'per_tensor');
  assert.equal(resolveNodeRule(r, { name: 'aXb', opType: 'Add' }).w_granularity, 'auto', 'name: is exact, not a regex');
});

test('bare keys with dots are exact names first and whole-name regexes second', () => {
  const r = parseRecipe({ local: { 'layer1.0.conv1': { act_algo: 'kl' } } });
  assert.deepEqual(resolveNodeRule(r, { name: 'layer1.0.conv1', opType: 'Conv' }).matchedBy, ['layer1.0.conv1']);
  assert.equal(resolveNodeRule(r, { name: 'layer1.0.conv10', opType: 'Conv' }).act_algo, 'minmax', 'regexes match the whole name');
});
