import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STEPS } from '../../shared/steps';
import { goMenu } from './goMenu';

test('the Go menu lists every step of STEPS in order, Ctrl/Cmd+digit for the first nine, and sends the step index', () => {
  const sent: number[] = [];
  const items = goMenu((i) => sent.push(i));
  assert.deepEqual(
    items.map((m) => m.label),
    STEPS.map((s, i) => `${i + 1}. ${s.title}`),
  );
  items.forEach((m, i) => assert.equal(m.accelerator, i < 9 ? `CmdOrCtrl+${i + 1}` : undefined, String(m.label)));
  for (const m of items) (m.click as () => void)();
  assert.deepEqual(
    sent,
    STEPS.map((_, i) => i),
  );
});
