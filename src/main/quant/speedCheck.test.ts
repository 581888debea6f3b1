import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowPrefix } from './speedCheck';

const op = (node: string, fp32Us: number, int8Us: number) => ({ node, opType: 'Conv', fp32Us, int8Us });

test('keeps the leading run where int8 loses, up to the best cut', () => {
  const r = slowPrefix([op('a', 100, 300), op('b', 100, 150), op('c', 100, 60), op('d', 500, 200), op('e', 500, 250)]);
  assert.deepEqual(r.nodes, ['a', 'b']);
  assert.equal(r.gainUs, 250);
});

test('nothing kept when int8 wins from the start or the gain is negligible', () => {
  assert.deepEqual(slowPrefix([op('a', 100, 50), op('b', 100, 300)]).nodes, []);
  assert.deepEqual(slowPrefix([op('a', 100, 101), op('b', 1000, 900)]).nodes, []);
});

test('never keeps more than half the fp32 compute: the result stays an int8 model', () => {
  assert.deepEqual(slowPrefix([op('a', 40, 90), op('b', 20, 40), op('c', 10, 20)]).nodes, []);
  assert.deepEqual(slowPrefix([op('a', 30, 90), op('b', 40, 60), op('c', 50, 60)]).nodes, ['a']);
});
