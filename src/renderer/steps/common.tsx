import { goto } from '../store/actions';
import type { StepId } from '../store/wizard';

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
