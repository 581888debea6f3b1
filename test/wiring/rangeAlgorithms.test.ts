// Every range algorithm of src/shared/rangeAlgorithms.ts reaches every place that offers or reads
// one: recipe parsing, the CLI, the wizard's options, calibration and the README. Adding an entry
// to the map (and its function to src/main/quant/rangeFunctions.ts) must be all it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACT_ALGOS,
  ACT_ALGO_ALIASES,
  ACT_ALGO_NAMES,
  AUTO_DESCRIPTION,
  GLOBAL_ACT_ALGOS,
  GLOBAL_ACT_ALGO_NAMES,
  RANGE_ALGORITHMS,
  actAlgoChoices,
  actAlgoOf,
  aliasesOf,
  readsParam,
} from '../../src/shared/rangeAlgorithms';
import { parseRecipe, resolveNodeRule } from '../../src/shared/recipe';
import { RANGE_FUNCTIONS } from '../../src/main/quant/rangeFunctions';
import { USAGE, main } from '../../src/main/cli/main';
import { CHOICES, GLOBAL_CHOICES, RULE_CHOICES, chosen } from '../../src/renderer/steps/rules/options';

const ROOT = join(__dirname, '..', '..');

test('recipe parsing: every name and alias, globally and in an override', () => {
  for (const name of ACT_ALGO_NAMES) {
    const algo = actAlgoOf(name)!;
    assert.ok(algo, name);
    assert.equal(parseRecipe({ act_algo: name }).act_algo, algo);
    const r = parseRecipe({ local: { Conv: { act_algo: name } } });
    assert.equal(resolveNodeRule(r, { name: 'c', opType: 'Conv' }).act_algo, algo);
  }
  // auto is a global choice, measured after calibration: plans as minmax, refused in an override.
  assert.equal(parseRecipe({}).act_algo, 'auto');
  assert.equal(resolveNodeRule(parseRecipe({ act_algo: 'auto' }), { name: 'c', opType: 'Conv' }).act_algo, 'minmax');
  assert.throws(() => parseRecipe({ local: { Conv: { act_algo: 'auto' } } }), /local\.Conv\.act_algo/);
});

test('calibration: every algorithm has its range function', () => {
  for (const a of ACT_ALGOS) assert.equal(typeof RANGE_FUNCTIONS[a], 'function', a);
});

test('CLI: the usage lists and describes every algorithm and alias, and --act-algo takes every name and alias', async () => {
  assert.ok(USAGE.includes(`[--act-algo ${actAlgoChoices()}]`));
  for (const a of ACT_ALGOS) assert.ok(USAGE.includes(RANGE_ALGORITHMS[a].description), `${a} described`);
  assert.ok(USAGE.includes(AUTO_DESCRIPTION), 'auto described');
  for (const alias of ACT_ALGO_ALIASES.keys()) assert.match(USAGE, new RegExp(`\\(alias ${alias}\\)`));
  // A bad value is refused before any work, naming every accepted value.
  const printed: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void printed.push(a.join(' '));
  try {
    assert.equal(await main(['quantize', 'm.onnx', '-o', 'o.onnx', '--data', 'mnist', '--act-algo', 'bogus']), 2);
  } finally {
    console.error = error;
  }
  assert.match(printed.join('\n'), new RegExp(`--act-algo takes one of ${GLOBAL_ACT_ALGO_NAMES.join('\\|')}, got 'bogus'`));
});

test('wizard: the global and override selects offer every algorithm, aliases shown as their algorithm', () => {
  assert.deepEqual(CHOICES.act_algo.options, ACT_ALGOS);
  assert.deepEqual(CHOICES.act_algo.globalOptions, GLOBAL_ACT_ALGOS);
  assert.equal(chosen({ act_algo: 'auto' }, 'act_algo'), 'auto');
  assert.ok(GLOBAL_CHOICES.includes('act_algo') && (RULE_CHOICES as readonly string[]).includes('act_algo'));
  for (const name of ACT_ALGO_NAMES) assert.equal(chosen({ act_algo: name }, 'act_algo'), actAlgoOf(name));
  for (const a of ACT_ALGOS) assert.equal(CHOICES.act_algo.describe?.(a), RANGE_ALGORITHMS[a].description);
});

test('README: the act_algo row and the quantize usage name every algorithm and alias', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith('| `act_algo` |'));
  assert.ok(row, 'README has an act_algo row');
  const values = row.split('|')[2];
  assert.deepEqual(
    [...values.matchAll(/`([^`]+)`/g)].map((m) => m[1]),
    ['auto', ...ACT_ALGOS.flatMap((a) => [a, ...aliasesOf(a)])],
  );
  for (const [alias, a] of ACT_ALGO_ALIASES) assert.ok(values.includes(`\`${a}\` (alias \`${alias}\`)`), `${alias} → ${a}`);
  assert.ok(readme.includes(`[--act-algo ${actAlgoChoices()}]`), 'README quantize usage');
  // Rows of the algorithms' parameters name the algorithms that read them.
  for (const param of ['percentile', 'calib_bins'] as const) {
    const cells = readme
      .split('\n')
      .find((l) => l.startsWith(`| \`${param}\` |`))
      ?.split('|');
    assert.ok(cells, `README has a ${param} row`);
    const named = ACT_ALGOS.filter((a) => new RegExp(`\\b${a}\\b`).test(cells[4]));
    assert.deepEqual(
      named,
      ACT_ALGOS.filter((a) => readsParam(a, param)),
      `${param} row`,
    );
  }
});
