// The wizard's derived parts follow STEPS (src/shared/steps.ts): one view and status line per
// step, the sidebar, the back/next buttons and the keyboard shortcuts. Rendered to a string in
// Node; the renderer's transport is given a stand-in Electron bridge so nothing connects, and
// the store an in-memory localStorage.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { renderToString } from 'react-dom/server';
import { SHORTCUT_STEPS, STEPS, stepAfterKey, stepIndex, stepNumber } from '../../shared/steps';

let STEP_VIEWS: typeof import('./index').STEP_VIEWS;
let StepNav: typeof import('./common').StepNav;
let App: typeof import('../App').App;
let useWizard: typeof import('../store/wizard').useWizard;

before(async () => {
  const g = globalThis as Record<string, unknown>;
  g.window = { octet: { api: {}, onEvent: () => () => undefined, droppedFile: async () => null } };
  const stored = new Map<string, string>();
  g.localStorage = {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v),
    removeItem: (k: string) => void stored.delete(k),
  };
  ({ STEP_VIEWS } = await import('./index'));
  ({ StepNav } = await import('./common'));
  ({ App } = await import('../App'));
  ({ useWizard } = await import('../store/wizard'));
});

const ids = STEPS.map((s) => s.id);

test('every step in STEPS has exactly one view and one status line', () => {
  assert.deepEqual(Object.keys(STEP_VIEWS).sort(), [...ids].sort());
  const s = useWizard.getState();
  for (const id of ids) {
    const st = STEP_VIEWS[id].status(s);
    assert.equal(typeof st.text, 'string', id);
    assert.ok(st.text.length > 0, id);
    assert.equal(st.done, false, `${id} is not done before anything is chosen`);
  }
});

test('every view renders', () => {
  for (const id of ids) {
    const View = STEP_VIEWS[id].view;
    assert.ok(renderToString(<View />).length > 0, id);
  }
});

test('the sidebar lists STEPS in order with their status lines; the page counts them', () => {
  const html = renderToString(<App />);
  const order = [...html.matchAll(/data-testid="step-(\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(order, ids);
  const s = useWizard.getState();
  for (const st of STEPS) {
    assert.ok(html.includes(st.title), st.title);
    assert.ok(html.includes(STEP_VIEWS[st.id].status(s).text), st.id);
  }
  assert.match(html, new RegExp(`Step <!-- -->1<!-- --> of <!-- -->${STEPS.length}`));
  assert.ok(html.includes(`data-testid="view-${STEPS[0].id}"`));
  // The shortcut legend ends at the last step a digit reaches.
  assert.ok(html.includes(`<kbd>${SHORTCUT_STEPS[SHORTCUT_STEPS.length - 1].key}</kbd>`));
});

test('back and next buttons lead to the neighbours in STEPS', () => {
  const text = (html: string) => html.replace(/<!-- -->/g, '');
  STEPS.forEach((st, i) => {
    const html = text(renderToString(<StepNav step={st.id} />));
    const buttons = [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => m[1]);
    const want = [...(i > 0 ? [`← ${STEPS[i - 1].title}`] : []), ...(i < STEPS.length - 1 ? [`Next: ${STEPS[i + 1].title} →`] : [])];
    assert.deepEqual(buttons, want, st.id);
  });
  assert.match(renderToString(<StepNav step="data" nextDisabled />), /disabled=""/);
});

test('keyboard: Alt+digit jumps to the step of that number, the arrows move one step', () => {
  assert.equal(SHORTCUT_STEPS.length, Math.min(9, STEPS.length));
  for (const st of STEPS.slice(0, 9)) assert.equal(stepAfterKey(String(stepNumber(st.id)), 3), stepIndex(st.id), st.id);
  for (const key of ['0', String(SHORTCUT_STEPS.length + 1), 'a', 'ArrowUp', 'Enter']) assert.equal(stepAfterKey(key, 3), undefined, key);
  assert.equal(stepAfterKey('ArrowRight', 3), 4);
  assert.equal(stepAfterKey('ArrowLeft', 3), 2);
});

test('goto and setStep stay within STEPS', () => {
  const s = useWizard.getState();
  s.setStep(STEPS.length + 3);
  assert.equal(useWizard.getState().step, STEPS.length - 1);
  s.setStep(-2);
  assert.equal(useWizard.getState().step, 0);
});
