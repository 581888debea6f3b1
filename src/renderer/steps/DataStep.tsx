import { useEffect, useState } from 'react';
import type { DataDescription, DataInputView, DataPreview } from '../../shared/api';
import type { PreprocessConfig } from '../../shared/recipe';
import { call, errorInfo } from '../client';
import { count } from '../format';
import { dataSpec, preprocessFor, useWizard, type DataKind } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { PathField } from '../components/PathField';
import { NeedsModel, StepNav } from './common';

const KINDS: { kind: DataKind; title: string; text: string }[] = [
  { kind: 'digits', title: 'Built-in digits', text: '10,000 labelled MNIST digits: 8,000 to calibrate, 2,000 held out to evaluate.' },
  { kind: 'folder', title: 'Folder of images', text: 'JPEG, PNG, WebP…; one subfolder per class gives labels.' },
  { kind: 'npy', title: 'NumPy arrays', text: 'A .npz with one array per input name, a folder of .npy files named after the inputs, or one .npy; first axis = samples.' },
];

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

const fmtDims = (d: (number | string | null)[] | null | undefined) => (d ? `[${d.map((x) => x ?? '?').join(', ')}]` : '?');
const fmtNum = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1000 || (x !== 0 && Math.abs(x) < 0.01) ? x.toExponential(2) : x.toFixed(3));

function ValueCell({ v }: { v: DataInputView }) {
  if (v.kind === 'zeros') return <span className="muted">zeros (a recurrent state's start)</span>;
  const range = `${fmtNum(v.min)} … ${fmtNum(v.max)}`;
  if (v.kind === 'ids' || v.kind === 'mask') {
    return (
      <>
        <span>
          {v.kind === 'ids' ? 'ids' : 'mask'} {range}
        </span>
        {v.head && (
          <div className="mono small muted ids" title="the first values of sample 0, as the model receives them">
            {v.head.slice(0, 16).join(' ')}
            {v.dims.reduce((a, b) => a * b, 1) > 16 ? ' …' : ''}
          </div>
        )}
      </>
    );
  }
  return <span>{range}</span>;
}

/** Every model input, the array that feeds it and what it holds. */
function InputsTable({ desc, declared }: { desc: DataDescription; declared: { name: string; dims: (number | string | null)[] | null }[] }) {
  return (
    <>
      <table className="table compact" data-testid="data-inputs">
        <thead>
          <tr>
            <th>Input</th>
            <th>Model</th>
            <th>Fed per sample</th>
            <th>Array</th>
            <th>Values{desc.inputs[0] ? ` (${desc.inputs[0].scanned} samples)` : ''}</th>
          </tr>
        </thead>
        <tbody>
          {desc.inputs.map((v) => (
            <tr key={v.name} data-testid="data-input-row">
              <td className="mono">{v.name}</td>
              <td className="mono">
                {v.type} {fmtDims(declared.find((d) => d.name === v.name)?.dims ?? v.modelDims)}
              </td>
              <td className="mono">{fmtDims(v.dims)}</td>
              <td className="mono">{v.arrayShape ? `${fmtDims(v.arrayShape)} ${v.arrayDtype}` : v.source === 'zeros' ? '—' : v.source}</td>
              <td>
                <ValueCell v={v} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {desc.notes.map((n) => (
        <p key={n} className="hint" data-testid="data-note">
          {n}
        </p>
      ))}
    </>
  );
}

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

export function DataStep() {
  const { model, modelPath, data, setData, recipe, patch, errors, setError } = useWizard();
  const [preview, setPreview] = useState<DataPreview>();
  const [desc, setDesc] = useState<DataDescription>();
  const [evalText, setEvalText] = useState(data.evalPath ?? '');
  const [otherEval, setOtherEval] = useState(!!data.evalPath);
  const [loading, setLoading] = useState(false);
  const [pathText, setPathText] = useState(data.path);
  const spec = dataSpec(data);
  const pre = preprocessFor(data);
  const preKey = JSON.stringify(pre ?? null);

  useEffect(() => setPathText(data.path), [data.path]);
  useEffect(() => setEvalText(data.evalPath ?? ''), [data.evalPath]);
  // Pictures for image inputs; arrays for a multi-input model are described as numbers only.
  const pictures = data.kind !== 'npy' || (model?.inputs.length ?? 0) <= 1;

  useEffect(() => {
    if (!modelPath || !spec) {
      setPreview(undefined);
      setDesc(undefined);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      setLoading(true);
      const described = call('describeData', { model: modelPath, data: spec, preprocess: pre });
      // For NumPy data a failed picture is not an error: ids and masks are not images.
      const drawn = pictures
        ? call('previewData', { model: modelPath, data: spec, preprocess: pre, count: 12 }).catch((e) => {
            if (data.kind === 'npy') return undefined;
            throw e;
          })
        : Promise.resolve(undefined);
      Promise.all([described, drawn])
        .then(([d, p]) => {
          if (!live) return;
          setDesc(d);
          setPreview(p);
          setError('data', undefined);
        })
        .catch((e) => {
          if (!live) return;
          setDesc(undefined);
          setPreview(undefined);
          setError('data', errorInfo(e));
        })
        .finally(() => live && setLoading(false));
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // preKey stands for pre's contents, so an equal object does not refetch.
  }, [modelPath, spec, preKey, setError, pictures, data.kind]);

  if (!model) return <NeedsModel />;
  const showInputs = !!desc && (desc.inputs.length > 1 || data.kind === 'npy');
  const setPre = (p: Partial<PreprocessConfig>) => {
    const next = { ...data.preprocess, ...p };
    for (const k of Object.keys(next) as (keyof PreprocessConfig)[]) if (next[k] === undefined) delete next[k];
    setData({ preprocess: next });
  };

  return (
    <div className="step-body">
      <section className="card">
        <h3>Where the samples come from</h3>
        <div className="choice-row" role="radiogroup" aria-label="Data source">
          {KINDS.map((k) => (
            <label key={k.kind} className={`choice${data.kind === k.kind ? ' selected' : ''}`}>
              <input type="radio" name="data-kind" value={k.kind} checked={data.kind === k.kind} onChange={() => setData({ kind: k.kind, path: k.kind === data.kind ? data.path : '', evalPath: k.kind === data.kind ? data.evalPath : '' })} />
              <span className="choice-title">{k.title}</span>
              <span className="choice-text">{k.text}</span>
            </label>
          ))}
        </div>
        {data.kind !== 'digits' && (
          <PathField
            id="data-path"
            label={data.kind === 'folder' ? 'Image folder' : 'Calibration data (.npz, .npy or folder of .npy)'}
            purpose={data.kind === 'folder' ? 'dataFolder' : 'dataNpy'}
            value={pathText}
            onChange={setPathText}
            onSubmit={(p) => setData({ path: p })}
            submitLabel="Use"
            onError={(e) => setError('data', e)}
          />
        )}
        {data.kind !== 'digits' && (
          <label className="toggle spaced">
            <input
              type="checkbox"
              checked={otherEval}
              onChange={(e) => {
                setOtherEval(e.target.checked);
                if (!e.target.checked) setData({ evalPath: '' });
              }}
            />
            <span>The benchmark evaluates on other data (e.g. a held-out .npz)</span>
          </label>
        )}
        {data.kind !== 'digits' && otherEval && (
          <PathField
            id="eval-path"
            label="Evaluation data for the benchmark (optional)"
            purpose={data.kind === 'folder' ? 'dataFolder' : 'dataNpy'}
            value={evalText}
            placeholder="None: the benchmark evaluates on the calibration data"
            onChange={setEvalText}
            onSubmit={(p) => setData({ evalPath: p })}
            submitLabel="Use for the benchmark"
            onError={(e) => setError('data', e)}
          />
        )}
      </section>

      {desc && showInputs && (
        <section className="card" data-testid="data-inputs-card">
          <h3>Inputs and the arrays that feed them</h3>
          <InputsTable desc={desc} declared={model.inputs} />
        </section>
      )}

      <div className="grid two-three">
        <section className="card">
          <h3>Preprocessing</h3>
          {data.kind === 'folder' ? (
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
                  <select id="pp-channels" value={data.preprocess.channels ?? ''} onChange={(e) => setPre({ channels: (e.target.value || undefined) as PreprocessConfig['channels'] })}>
                    <option value="">from the input shape</option>
                    <option value="RGB">RGB</option>
                    <option value="BGR">BGR</option>
                    <option value="GRAY">gray</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="pp-layout">Layout</label>
                  <select id="pp-layout" value={data.preprocess.layout ?? ''} onChange={(e) => setPre({ layout: (e.target.value || undefined) as PreprocessConfig['layout'] })}>
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
          ) : (
            <p className="muted">
              {data.kind === 'digits'
                ? 'The digits are fed as stored: 28×28 gray, values 0..1, one sample per batch.'
                : 'Arrays are fed as stored, one per input name: a sample with the input’s rank is fed as it is (its dims fix the input’s symbolic dims), one rank lower gets a batch dim of 1. Recurrent states left out start at zeros.'}
            </p>
          )}
          <h3 className="spaced">How many samples</h3>
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
              <input id="eval-samples" type="number" min={1} max={10000} value={data.evalSamples} onChange={(e) => Number(e.target.value) >= 1 && setData({ evalSamples: Math.round(Number(e.target.value)) })} />
            </div>
          </div>
          <p className="hint">100–500 calibration samples are usually enough; more take longer and rarely change the ranges.</p>
        </section>

        <section className="card">
          <div className="row between">
            <h3>Preview</h3>
            {loading && <span className="muted small">updating…</span>}
          </div>
          {desc && !preview && <p className="muted small" data-testid="preview-description">{desc.description}</p>}
          {desc && !preview && showInputs && <p className="muted">Each input and the array that feeds it are listed above; arrays of ids and masks are not pictures.</p>}
          {preview ? (
            <>
              <p className="muted small" data-testid="preview-description">
                {preview.description}
                {preview.description.includes(count(preview.count)) || preview.description.includes(String(preview.count)) ? '' : ` · ${count(preview.count)} samples`} · feeds <span className="mono">{preview.input.name}</span>
              </p>
              <div className="preview-grid" data-testid="preview-grid">
                {preview.samples.map((s) => (
                  <figure key={s.index} className="preview-sample" data-testid="preview-sample">
                    {s.png ? <img src={s.png} alt={`sample ${s.index}${s.labelName !== undefined ? `, label ${s.labelName}` : ''}`} /> : <div className="no-image">not an image</div>}
                    <figcaption>
                      {s.labelName !== undefined ? <strong>{s.labelName}</strong> : `#${s.index}`}
                      <span className="muted">
                        {s.stats.min.toFixed(2)}…{s.stats.max.toFixed(2)}
                      </span>
                    </figcaption>
                  </figure>
                ))}
              </div>
              <p className="hint">Each sample is shown as the model receives it, stretched to 0..255 for display; the numbers are its value range.</p>
            </>
          ) : (
            !errors.data && !desc && <p className="muted">{spec ? 'Loading a few samples…' : 'Choose the data to see a few samples.'}</p>
          )}
          <ErrorPanel error={errors.data} />
        </section>
      </div>
      <StepNav step="data" nextDisabled={!spec} />
    </div>
  );
}
