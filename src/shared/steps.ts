// The wizard's steps, in order: the one list that the renderer (sidebar, views, status lines,
// back/next buttons, keyboard shortcuts), the desktop app's Go menu and the e2e tests read.
// Plain data, so the main process can read it too. A new step is one entry here plus its view
// and status line in src/renderer/steps/index.ts (see docs/architecture.md, "How to add a wizard step").

export const STEPS = [
  { id: 'model', title: 'Model', blurb: 'Open the fp32 ONNX model' },
  { id: 'data', title: 'Data', blurb: 'Samples to calibrate and evaluate on' },
  { id: 'rules', title: 'Rules', blurb: 'What runs in int8, and how' },
  { id: 'calibrate', title: 'Calibrate', blurb: 'Measure activation ranges' },
  { id: 'convert', title: 'Convert', blurb: 'What ONNX Runtime runs in int8' },
  { id: 'benchmark', title: 'Benchmark', blurb: 'fp32 against int8: speed, accuracy' },
  { id: 'export', title: 'Export', blurb: 'Save the model, recipe and report' },
] as const;

export type Step = (typeof STEPS)[number];
export type StepId = Step['id'];

/** The step's place in STEPS (0-based). */
export const stepIndex = (id: StepId): number => STEPS.findIndex((s) => s.id === id);

/** The step's number as the sidebar shows it (1-based). */
export const stepNumber = (id: StepId): number => stepIndex(id) + 1;

/** The steps a digit key jumps to (Alt+digit in the page, Ctrl/Cmd+digit in the desktop menu): the first nine. */
export const SHORTCUT_STEPS: readonly (Step & { index: number; key: string })[] = STEPS.slice(0, 9).map((s, i) => ({ ...s, index: i, key: String(i + 1) }));

/** Where Alt+key leads from step `current`: the next or previous step (→, ←; the store clamps at
 * the ends), or a step by its digit. Undefined for any other key. */
export function stepAfterKey(key: string, current: number): number | undefined {
  if (key === 'ArrowRight') return current + 1;
  if (key === 'ArrowLeft') return current - 1;
  return SHORTCUT_STEPS.find((s) => s.key === key)?.index;
}
