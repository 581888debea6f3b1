import { useEffect, useRef } from 'react';
import { SHORTCUT_STEPS, STEPS, stepAfterKey } from '../shared/steps';
import { ErrorPanel } from './components/ErrorPanel';
import { isLive, useWizard } from './store/wizard';
import { STEP_VIEWS } from './steps';

export function App() {
  const s = useWizard();
  const main = useRef<HTMLElement>(null);
  const nav = useRef<HTMLOListElement>(null);
  const step = STEPS[s.step] ?? STEPS[0];
  const View = STEP_VIEWS[step.id].view;

  useEffect(() => {
    main.current?.scrollTo({ top: 0 });
  }, [s.step]);

  // Alt+←/→ moves between steps, Alt+digit jumps (Ctrl+digit in the desktop app's menu).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const st = useWizard.getState();
      const to = stepAfterKey(e.key, st.step);
      if (to === undefined) return;
      st.setStep(to);
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
              {s.connection === 'no-token'
                ? 'no access token: open the URL that octet serve printed'
                : s.connection === 'connecting'
                  ? 'connecting…'
                  : 'reconnecting…'}
            </span>
          )}
          {s.caps && <span className="chip">{s.caps.mode === 'electron' ? 'desktop' : 'browser mode'}</span>}
        </div>
      </header>
      <div className="layout">
        <nav className="sidebar" aria-label="Wizard steps">
          <ol ref={nav} onKeyDown={onNavKey}>
            {STEPS.map((st, i) => {
              const stat = STEP_VIEWS[st.id].status(s);
              const current = i === s.step;
              return (
                <li key={st.id}>
                  <button
                    type="button"
                    className={`step-link${current ? ' current' : ''}${stat.done ? ' done' : ''}`}
                    aria-current={current ? 'step' : undefined}
                    onClick={() => s.setStep(i)}
                    data-testid={`step-${st.id}`}
                    tabIndex={current ? 0 : -1}
                  >
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
              <kbd>Alt</kbd>+<kbd>{SHORTCUT_STEPS[0].key}</kbd>…<kbd>{SHORTCUT_STEPS[SHORTCUT_STEPS.length - 1].key}</kbd>
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
