// What the renderer shows for each wizard step: its view and the status line under its name in
// the sidebar. The steps themselves (order, ids, titles) are STEPS in src/shared/steps.ts; the
// sidebar, the view switch, the back/next buttons and the keyboard shortcuts are derived from
// the two. `satisfies` makes a step without its entry here a type error.
import type { ReactElement } from 'react';
import type { StepId } from '../../shared/steps';
import { basename } from '../format';
import { dataSpec, isLive, type WizardState } from '../store/wizard';
import { ModelStep } from './ModelStep';
import { DataStep } from './DataStep';
import { RulesStep } from './RulesStep';
import { CalibrateStep } from './CalibrateStep';
import { ConvertStep } from './ConvertStep';
import { BenchmarkStep } from './BenchmarkStep';
import { ExportStep } from './ExportStep';

export interface StepStatus {
  text: string;
  done: boolean;
}

export interface StepView {
  /** The step's page. */
  view: () => ReactElement;
  /** One line under the step's name in the sidebar: where that step stands. */
  status: (s: WizardState) => StepStatus;
}

const quantizeOf = (s: WizardState) => (s.quantizeJob?.kind === 'quantize' ? s.quantizeJob : undefined);
const benchOf = (s: WizardState) => (s.benchJob?.kind === 'bench' ? s.benchJob : undefined);

export const STEP_VIEWS = {
  model: {
    view: ModelStep,
    status: (s) => (s.model ? { text: basename(s.modelPath), done: true } : { text: 'not chosen', done: false }),
  },
  data: {
    view: DataStep,
    status: (s) =>
      dataSpec(s.data) && s.model
        ? { text: s.data.kind === 'digits' ? 'built-in digits' : basename(dataSpec(s.data)), done: true }
        : { text: 'not chosen', done: false },
  },
  rules: {
    view: RulesStep,
    status: (s) => {
      const n = Object.keys(s.recipe.local ?? {}).length;
      return { text: `${s.preset === 'custom' ? 'custom' : s.preset}${n ? `, ${n} override${n === 1 ? '' : 's'}` : ''}`, done: !!s.model };
    },
  },
  calibrate: {
    view: CalibrateStep,
    status: (s) => {
      const q = quantizeOf(s);
      if (!q) return { text: 'not run', done: false };
      if (isLive(q)) return { text: q.state === 'queued' ? 'queued' : 'running…', done: false };
      return { text: q.state === 'succeeded' ? `${q.result?.calibration.samples ?? ''} samples` : q.state, done: q.state === 'succeeded' };
    },
  },
  convert: {
    view: ConvertStep,
    status: (s) => {
      const q = quantizeOf(s);
      return q?.result ? { text: `${q.result.fusion.int8Ops} int8 compute ops`, done: true } : { text: 'not run', done: false };
    },
  },
  benchmark: {
    view: BenchmarkStep,
    status: (s) => {
      const b = benchOf(s);
      if (b && isLive(b)) return { text: 'running…', done: false };
      return b?.result ? { text: `${(1 / b.result.latency.ratioMedian).toFixed(2)}× speed`, done: true } : { text: b ? b.state : 'not run', done: false };
    },
  },
  export: {
    view: ExportStep,
    status: (s) => (s.exported ? { text: `${s.exported.length} files saved`, done: true } : { text: 'not saved', done: false }),
  },
} satisfies Record<StepId, StepView>;
