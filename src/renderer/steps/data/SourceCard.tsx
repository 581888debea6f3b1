// Where the Data step's samples come from: the built-in digits, an image folder or NumPy arrays,
// and, for the latter two, other data for the benchmark to evaluate on.
import { useEffect, useState } from 'react';
import { useWizard, type DataKind } from '../../store/wizard';
import { PathField } from '../../components/PathField';

const KINDS: { kind: DataKind; title: string; text: string }[] = [
  { kind: 'digits', title: 'Built-in digits', text: '10,000 labelled MNIST digits: 8,000 to calibrate, 2,000 held out to evaluate.' },
  { kind: 'folder', title: 'Folder of images', text: 'JPEG, PNG, WebP…; one subfolder per class gives labels.' },
  {
    kind: 'npy',
    title: 'NumPy arrays',
    text: 'A .npz with one array per input name, a folder of .npy files named after the inputs, or one .npy; first axis = samples.',
  },
];

export function SourceCard() {
  const { data, setData, setError } = useWizard();
  // What is typed but not yet used ("Use") stays local; the store holds what was used.
  const [pathText, setPathText] = useState(data.path);
  const [evalText, setEvalText] = useState(data.evalPath ?? '');
  const [otherEval, setOtherEval] = useState(!!data.evalPath);
  useEffect(() => setPathText(data.path), [data.path]);
  useEffect(() => setEvalText(data.evalPath ?? ''), [data.evalPath]);
  const purpose = data.kind === 'folder' ? 'dataFolder' : 'dataNpy';

  return (
    <section className="card">
      <h3>Where the samples come from</h3>
      <div className="choice-row" role="radiogroup" aria-label="Data source">
        {KINDS.map((k) => (
          <label key={k.kind} className={`choice${data.kind === k.kind ? ' selected' : ''}`}>
            <input
              type="radio"
              name="data-kind"
              value={k.kind}
              checked={data.kind === k.kind}
              onChange={() => setData({ kind: k.kind, path: k.kind === data.kind ? data.path : '', evalPath: k.kind === data.kind ? data.evalPath : '' })}
            />
            <span className="choice-title">{k.title}</span>
            <span className="choice-text">{k.text}</span>
          </label>
        ))}
      </div>
      {data.kind !== 'digits' && (
        <>
          <PathField
            id="data-path"
            label={data.kind === 'folder' ? 'Image folder' : 'Calibration data (.npz, .npy or folder of .npy)'}
            purpose={purpose}
            value={pathText}
            onChange={setPathText}
            onSubmit={(p) => setData({ path: p })}
            submitLabel="Use"
            onError={(e) => setError('data', e)}
          />
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
          {otherEval && (
            <PathField
              id="eval-path"
              label="Evaluation data for the benchmark (optional)"
              purpose={purpose}
              value={evalText}
              placeholder="None: the benchmark evaluates on the calibration data"
              onChange={setEvalText}
              onSubmit={(p) => setData({ evalPath: p })}
              submitLabel="Use for the benchmark"
              onError={(e) => setError('data', e)}
            />
          )}
        </>
      )}
    </section>
  );
}
