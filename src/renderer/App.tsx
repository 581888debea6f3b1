import { useEffect, useRef, type ReactElement } from 'react';
import { ErrorPanel } from './components/ErrorPanel';
import { basename } from './format';
import { dataSpec, isLive, STEPS, useWizard, type StepId, type WizardState } from './store/wizard';
import { ModelStep } from './steps/ModelStep';
import { DataStep } from './steps/DataStep';
import { RulesStep } from './steps/RulesStep';
import { CalibrateStep } from './steps/CalibrateStep';
import { ConvertStep } from './steps/ConvertStep';
import { BenchmarkStep } from './steps/BenchmarkStep';
import { ExportStep } from './steps/ExportStep';

const VIEWS: Record<StepId, () => ReactElement> = {
  model: ModelStep,
  data: DataStep,
  rules: RulesStep,
  calibrate: CalibrateStep,
  convert: ConvertStep,
  benchmark: BenchmarkStep,
  export: ExportStep,
};

/** One line under each step's name: where that step stands. */
function status(id: StepId, s: WizardState): { text: string; done: boolean } {
  const q = s.quantizeJob?.kind === 'quantize' ? s.quantizeJob : undefined;
  const b = s.benchJob?.kind === 'bench' ? s.benchJob : undefined;
  switch (id) {
    case 'model':
      return s.model ? { text: basename(s.modelPath), done: true } : { text: 'not chosen', done: false };
    case 'data':
      return dataSpec(s.data) && s.model ? { text: s.data.kind === 'digits' ? 'built-in digits' : basename(dataSpec(s.data)), done: true } : { text: 'not chosen', done: false };
    case 'rules': {
      const n = Object.keys(s.recipe.local ?? {}).length;
      return { text: `${s.preset === 'custom' ? 'custom' : s.preset}${n ? `, ${n} override${n === 1 ? '' : 's'}` : ''}`, done: !!s.model };
    }
    case 'calibrate':
      if (!q) return { text: 'not run', done: false };
      if (isLive(q)) return { text: q.state === 'queued' ? 'queued' : 'running…', done: false };
      return { text: q.state === 'succeeded' ? `${q.result?.calibration.samples ?? ''} samples` : q.state, done: q.state === 'succeeded' };
    case 'convert':
      return q?.result ? { text: `${q.result.fusion.int8Ops} int8 compute ops`, done: true } : { text: 'not run', done: false };
    case 'benchmark':
      if (b && isLive(b)) return { text: 'running…', done: false };
      return b?.result ? { text: `${(1 / b.result.latency.ratioMedian).toFixed(2)}× speed`, done: true } : { text: b ? b.state : 'not run', done: false };
    case 'export':
      return s.exported ? { text: `${s.exported.length} files saved`, done: true } : { text: 'not saved', done: false };
  }
}

export function App() {
  const s = useWizard();
  const main = useRef<HTMLElement>(null);
  const nav = useRef<HTMLOListElement>(null);
  const step = STEPS[s.step] ?? STEPS[0];
  const View = VIEWS[step.id];

  useEffect(() => {
    main.current?.scrollTo({ top: 0 });
  }, [s.step]);

  // Alt+←/→ moves between steps, Alt+1…7 jumps (Ctrl+1…7 in the desktop app's menu).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const st = useWizard.getState();
      if (e.key === 'ArrowRight') st.setStep(st.step + 1);
      else if (e.key === 'ArrowLeft') st.setStep(st.step - 1);
      else if (/^[1-7]$/.test(e.key)) st.setStep(Number(e.key) - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onNavKey = (e: React.KeyboardEvent) => {
    const buttons = [...(nav.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const to = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : -1;
    if (to < 0 || to >= buttons.length) return;
    e.preventDefault();
    buttons[to].focus();
    s.setStep(to);
  };

  const busy = [s.quantizeJob, s.benchJob].find(isLive);
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            8
          </span>
          <span className="name">Octet</span>
          <span className="muted tagline">fp32 → int8 for ONNX Runtime</span>
        </div>
        <div className="row gap">
          {busy && (
            <span className="chip live" data-testid="busy-chip">
              {busy.label}…
            </span>
          )}
          {s.connection !== 'open' && (
            <span className="chip warn" role="status">
              {s.connection === 'no-token' ? 'no access token: open the URL that octet serve printed' : s.connection === 'connecting' ? 'connecting…' : 'reconnecting…'}
            </span>
          )}
          {s.caps && <span className="chip">{s.caps.mode === 'electron' ? 'desktop' : 'browser mode'}</span>}
        </div>
      </header>
      <div className="layout">
        <nav className="sidebar" aria-label="Wizard steps">
          <ol ref={nav} onKeyDown={onNavKey}>
            {STEPS.map((st, i) => {
              const stat = status(st.id, s);
              const current = i === s.step;
              return (
                <li key={st.id}>
                  <button type="button" className={`step-link${current ? ' current' : ''}${stat.done ? ' done' : ''}`} aria-current={current ? 'step' : undefined} onClick={() => s.setStep(i)} data-testid={`step-${st.id}`} tabIndex={current ? 0 : -1}>
                    <span className="step-num">{stat.done && !current ? '✓' : i + 1}</span>
                    <span className="step-text">
                      <span className="step-title">{st.title}</span>
                      <span className="step-status">{stat.text}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ol>
          <dl className="keys muted" aria-label="Keyboard shortcuts">
            <dt>
              <kbd>↑</kbd> <kbd>↓</kbd>
            </dt>
            <dd>steps</dd>
            <dt>
              <kbd>Alt</kbd>+<kbd>←</kbd> <kbd>→</kbd>
            </dt>
            <dd>back / next</dd>
            <dt>
              <kbd>Alt</kbd>+<kbd>1</kbd>…<kbd>7</kbd>
            </dt>
            <dd>jump</dd>
          </dl>
        </nav>
        <main className="main" ref={main} data-testid={`view-${step.id}`}>
          <div className="step-head">
            <span className="eyebrow">
              Step {s.step + 1} of {STEPS.length}
            </span>
            <h2>{step.title}</h2>
            <p className="muted">{step.blurb}</p>
          </div>
          <ErrorPanel error={s.errors.global} onDismiss={() => s.setError('global', undefined)} />
          <View />
        </main>
      </div>
    </div>
  );
}
