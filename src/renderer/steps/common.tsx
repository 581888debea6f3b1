import { STEPS, stepIndex, type StepId } from '../../shared/steps';
import { goto } from '../store/actions';

function Needs({ text, step, label }: { text: string; step: StepId; label: string }) {
  return (
    <div className="card needs" data-testid="needs">
      <p>{text}</p>
      <button type="button" className="btn primary" onClick={() => goto(step)}>
        {label}
      </button>
    </div>
  );
}

export const NeedsModel = () => <Needs text="This step needs a model. Open one, or start with the demo." step="model" label="Go to Model" />;
export const NeedsConversion = () => <Needs text="This step needs a converted model. Calibrate and convert first." step="calibrate" label="Go to Calibrate" />;

/** The buttons at the foot of a step: back to the step before it and on to the one after, in STEPS order. */
export function StepNav({ step, nextDisabled }: { step: StepId; nextDisabled?: boolean }) {
  const i = stepIndex(step);
  const prev = STEPS[i - 1];
  const next = STEPS[i + 1];
  return (
    <div className="step-actions">
      {prev ? (
        <button type="button" className="btn" onClick={() => goto(prev.id)}>
          ← {prev.title}
        </button>
      ) : (
        <span />
      )}
      {next ? (
        <button type="button" className="btn primary" onClick={() => goto(next.id)} disabled={nextDisabled}>
          Next: {next.title} →
        </button>
      ) : (
        <span />
      )}
    </div>
  );
}
