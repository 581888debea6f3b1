// A few samples as the model receives them (images), or the data's description when its arrays
// are not pictures.
import type { DataDescription, DataPreview } from '../../../shared/api';
import type { ErrorInfo } from '../../../shared/errors';
import { count } from '../../format';
import { ErrorPanel } from '../../components/ErrorPanel';

export function PreviewCard({
  preview,
  desc,
  loading,
  showInputs,
  spec,
  error,
}: {
  preview?: DataPreview;
  desc?: DataDescription;
  loading: boolean;
  showInputs: boolean;
  spec: string;
  error?: ErrorInfo;
}) {
  return (
    <section className="card">
      <div className="row between">
        <h3>Preview</h3>
        {loading && <span className="muted small">updating…</span>}
      </div>
      {desc && !preview && (
        <p className="muted small" data-testid="preview-description">
          {desc.description}
        </p>
      )}
      {desc && !preview && showInputs && (
        <p className="muted">Each input and the array that feeds it are listed above; arrays of ids and masks are not pictures.</p>
      )}
      {preview ? (
        <Samples preview={preview} />
      ) : (
        !error && !desc && <p className="muted">{spec ? 'Loading a few samples…' : 'Choose the data to see a few samples.'}</p>
      )}
      <ErrorPanel error={error} />
    </section>
  );
}

function Samples({ preview }: { preview: DataPreview }) {
  return (
    <>
      <p className="muted small" data-testid="preview-description">
        {preview.description}
        {preview.description.includes(count(preview.count)) || preview.description.includes(String(preview.count))
          ? ''
          : ` · ${count(preview.count)} samples`}{' '}
        · feeds <span className="mono">{preview.input.name}</span>
      </p>
      <div className="preview-grid" data-testid="preview-grid">
        {preview.samples.map((s) => (
          <figure key={s.index} className="preview-sample" data-testid="preview-sample">
            {s.png ? (
              <img src={s.png} alt={`sample ${s.index}${s.labelName !== undefined ? `, label ${s.labelName}` : ''}`} />
            ) : (
              <div className="no-image">not an image</div>
            )}
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
  );
}
