import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACT_ALGOS,
  ACT_ALGO_ALIASES,
  ACT_ALGO_NAMES,
  CLIPPING_ALGOS,
  GLOBAL_ACT_ALGOS,
  RANGE_ALGORITHMS,
  actAlgoOf,
  describeActAlgo,
  describeActAlgos,
  readsParam,
} from './rangeAlgorithms';

test('names and aliases: every alias resolves to an algorithm and none shadows one; the order is the map order', () => {
  assert.deepEqual(ACT_ALGOS, ['minmax', 'percentile', 'kl', 'mse']);
  assert.deepEqual([...ACT_ALGO_ALIASES], [['entropy', 'kl']]);
  for (const [alias, algo] of ACT_ALGO_ALIASES) {
    assert.ok(!ACT_ALGOS.includes(alias as never), `${alias} is both an alias and an algorithm`);
    assert.equal(actAlgoOf(alias), algo);
  }
  assert.deepEqual(ACT_ALGO_NAMES, [...ACT_ALGOS, ...ACT_ALGO_ALIASES.keys()]);
  assert.equal(new Set(ACT_ALGO_NAMES).size, ACT_ALGO_NAMES.length);
});

test('actAlgoOf: a name or an alias, nothing else (inherited object keys included)', () => {
  for (const a of ACT_ALGOS) assert.equal(actAlgoOf(a), a);
  for (const v of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'MINMAX', '', undefined, null, 1, {}, ['kl']])
    assert.equal(actAlgoOf(v), undefined, String(v));
});

test('every entry has a description, and its parameters decide the inputs and fixes the wizard offers', () => {
  for (const a of ACT_ALGOS) assert.ok(RANGE_ALGORITHMS[a].description.length > 10, a);
  assert.deepEqual(
    ACT_ALGOS.filter((a) => readsParam(a, 'percentile')),
    ['percentile'],
  );
  assert.deepEqual(
    ACT_ALGOS.filter((a) => readsParam(a, 'calib_bins')),
    ['percentile', 'kl', 'mse'],
  );
  assert.deepEqual(CLIPPING_ALGOS, ['percentile', 'kl', 'mse']);
});

test('describeActAlgos: one aligned line per algorithm (auto first), aliases named', () => {
  const lines = describeActAlgos('  ').split('\n');
  assert.equal(lines.length, GLOBAL_ACT_ALGOS.length);
  lines.forEach((l, i) => assert.ok(l.startsWith(`  ${GLOBAL_ACT_ALGOS[i]}`), l));
  assert.match(lines[GLOBAL_ACT_ALGOS.indexOf('kl')], /^ {2}kl \(alias entropy\) +the clipping of least KL/);
  const columns = lines.map((l, i) => l.indexOf(describeActAlgo(GLOBAL_ACT_ALGOS[i])));
  assert.ok(columns[0] > 0 && columns.every((c) => c === columns[0]), 'descriptions start in one column');
});
