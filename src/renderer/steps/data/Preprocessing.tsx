// The Data step's preprocessing (image folders only) and how many samples calibrate and evaluate.
import { useEffect, useState } from 'react';
import type { PreprocessConfig } from '../../../shared/recipe';
import { useWizard, type DataKind } from '../../store/wizard';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export function PreprocessCard() {
  return (
    <section className="card">
      <h3>Preprocessing</h3>
      <Preprocessing />
      <h3 className="spaced">How many samples</h3>
      <SampleCounts />
      <p className="hint">100–500 calibration samples are usually enough; more take longer and rarely change the ranges.</p>
    </section>
  );
}

/** The image preprocessing form for a folder of images; for arrays and the digits, what they are fed as. */
function Preprocessing() {
  const data = useWizard((s) => s.data);
  const setData = useWizard((s) => s.setData);
  if (data.kind !== 'folder') return <FedAsStored kind={data.kind} />;
  const setPre = (p: Partial<PreprocessConfig>) => {
    const next = { ...data.preprocess, ...p };
    for (const k of Object.keys(next) as (keyof PreprocessConfig)[]) if (next[k] === undefined) delete next[k];
    setData({ preprocess: next });
  };
  return (
    <>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="pp-resize">Resize</label>
          <select id="pp-resize" value={data.preprocess.resize ?? 'stretch'} onChange={(e) => setPre({ resize: e.target.value as PreprocessConfig['resize'] })}>
            <option value="stretch">stretch to the input size</option>
            <option value="center-crop">center crop</option>
            <option value="random-crop">random crop (seeded)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="pp-channels">Channels</label>
          <select
            id="pp-channels"
            value={data.preprocess.channels ?? ''}
            onChange={(e) => setPre({ channels: (e.target.value || undefined) as PreprocessConfig['channels'] })}
          >
            <option value="">from the input shape</option>
            <option value="RGB">RGB</option>
            <option value="BGR">BGR</option>
            <option value="GRAY">gray</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="pp-layout">Layout</label>
          <select
            id="pp-layout"
            value={data.preprocess.layout ?? ''}
            onChange={(e) => setPre({ layout: (e.target.value || undefined) as PreprocessConfig['layout'] })}
          >
            <option value="">from the input shape</option>
            <option value="NCHW">NCHW</option>
            <option value="NHWC">NHWC</option>
          </select>
        </div>
        <NumberList id="pp-mean" label="Mean (after /255)" value={data.preprocess.mean} onChange={(mean) => setPre({ mean })} />
        <NumberList id="pp-std" label="Std" value={data.preprocess.std} onChange={(std) => setPre({ std })} />
      </div>
      <div className="row gap">
        <button type="button" className="btn small" onClick={() => setPre({ mean: undefined, std: undefined })}>
          Pixels 0..1
        </button>
        <button type="button" className="btn small" onClick={() => setPre(IMAGENET)}>
          ImageNet mean/std
        </button>
      </div>
    </>
  );
}

function FedAsStored({ kind }: { kind: DataKind }) {
  return (
    <p className="muted">
      {kind === 'digits'
        ? 'The digits are fed as stored: 28×28 gray, values 0..1, one sample per batch.'
        : 'Arrays are fed as stored, one per input name: a sample with the input’s rank is fed as it is (its dims fix the input’s symbolic dims), one rank lower gets a batch dim of 1. Recurrent states left out start at zeros.'}
    </p>
  );
}

/** Calibration samples (the recipe's calib_samples) and the benchmark's evaluation samples. */
function SampleCounts() {
  const { recipe, patch, data, setData } = useWizard();
  return (
    <div className="form-grid">
      <div className="field">
        <label htmlFor="calib-samples">Calibration samples</label>
        <input
          id="calib-samples"
          type="number"
          min={1}
          max={100000}
          value={recipe.calib_samples ?? 100}
          onChange={(e) => Number(e.target.value) >= 1 && patch({ recipe: { ...recipe, calib_samples: Math.round(Number(e.target.value)) } })}
        />
      </div>
      <div className="field">
        <label htmlFor="eval-samples">Evaluation samples (benchmark)</label>
        <input
          id="eval-samples"
          type="number"
          min={1}
          max={10000}
          value={data.evalSamples}
          onChange={(e) => Number(e.target.value) >= 1 && setData({ evalSamples: Math.round(Number(e.target.value)) })}
        />
      </div>
    </div>
  );
}

/** A comma-separated list of numbers (mean, std); applied when the field loses focus, if it parses. */
function NumberList({ id, label, value, onChange }: { id: string; label: string; value?: number[]; onChange: (v: number[] | undefined) => void }) {
  const [text, setText] = useState(value?.join(', ') ?? '');
  useEffect(() => setText(value?.join(', ') ?? ''), [value]);
  const bad = text.trim() !== '' && text.split(',').some((t) => t.trim() === '' || !Number.isFinite(Number(t)));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className={`mono${bad ? ' invalid' : ''}`}
        value={text}
        placeholder="default"
        aria-invalid={bad}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => !bad && onChange(text.trim() ? text.split(',').map(Number) : undefined)}
      />
    </div>
  );
}
