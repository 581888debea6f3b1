import { bytes, basename } from '../format';
import { exportArtifacts } from '../store/actions';
import { dataSpec, useWizard, type ExportSettings } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { PathField } from '../components/PathField';
import { NeedsConversion, NeedsModel, StepNav } from './common';
import { useState } from 'react';

const FILES: { key: keyof ExportSettings['include']; label: string; suffix: string }[] = [
  { key: 'model', label: 'int8 model', suffix: '.int8.onnx' },
  { key: 'recipe', label: 'Recipe (JSON, for octet quantize --recipe)', suffix: '.recipe.json' },
  { key: 'reportJson', label: 'Report (JSON)', suffix: '.report.json' },
  { key: 'reportHtml', label: 'Report (HTML page)', suffix: '.report.html' },
];

export function ExportStep() {
  const s = useWizard();
  const { model, quantizeJob, benchJob, exported, errors, setError } = s;
  const ex = s.export;
  const [busy, setBusy] = useState(false);
  if (!model) return <NeedsModel />;
  if (!(quantizeJob?.kind === 'quantize' && quantizeJob.result)) return <NeedsConversion />;
  const setEx = (p: Partial<ExportSettings>) => s.patch({ export: { ...ex, ...p } });
  const any = Object.values(ex.include).some(Boolean);
  const run = async () => {
    setBusy(true);
    await exportArtifacts();
    setBusy(false);
  };
  const recipeName = `${ex.baseName || 'model'}.recipe.json`;

  return (
    <div className="step-body">
      <section className="card">
        <h3>Save the results</h3>
        <PathField
          id="export-folder"
          label="Folder"
          purpose="exportFolder"
          value={ex.folder}
          onChange={(folder) => setEx({ folder })}
          onError={(e) => setError('export', e)}
        />
        <div className="form-grid">
          <div className="field">
            <label htmlFor="export-base">File names start with</label>
            <input id="export-base" className="mono" value={ex.baseName} onChange={(e) => setEx({ baseName: e.target.value })} spellCheck={false} />
          </div>
        </div>
        <fieldset className="checks">
          <legend>Files</legend>
          {FILES.map((f) => (
            <label key={f.key} className="toggle">
              <input type="checkbox" checked={ex.include[f.key]} onChange={(e) => setEx({ include: { ...ex.include, [f.key]: e.target.checked } })} />
              <span>
                {f.label} <span className="mono muted">{(ex.baseName || 'model') + f.suffix}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {benchJob?.state === 'succeeded' ? (
          <p className="hint">The reports include the benchmark.</p>
        ) : (
          <p className="hint">Run the benchmark first to include it in the reports.</p>
        )}
        <div className="actions-row">
          <button
            type="button"
            className="btn primary large"
            onClick={() => void run()}
            disabled={busy || !any || !ex.folder.trim() || !ex.baseName.trim()}
            data-testid="run-export"
          >
            Export
          </button>
        </div>
        <ErrorPanel error={errors.export} onDismiss={() => setError('export', undefined)} />
      </section>

      {exported && (
        <section className="card" data-testid="exported">
          <h3>Written</h3>
          <p className="muted small mono ellipsis" title={exported[0]?.path}>
            in {exported[0]?.path.replace(/[\\/][^\\/]*$/, '')}
          </p>
          <table className="table">
            <tbody>
              {exported.map((f) => (
                <tr key={f.path}>
                  <td className="mono ellipsis" title={f.path} data-testid="exported-path" data-path={f.path}>
                    {basename(f.path)}
                  </td>
                  <td className="right">{bytes(f.bytes)}</td>
                  <td className="muted">{f.replaced ? 'replaced' : 'new'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">The same conversion from the command line:</p>
          <pre className="cmd">
            octet quantize {basename(s.modelPath)} -o {ex.baseName}.int8.onnx --data {dataSpec(s.data) === 'mnist' ? 'mnist' : basename(dataSpec(s.data))}{' '}
            --recipe {recipeName}
          </pre>
        </section>
      )}
      <StepNav step="export" />
    </div>
  );
}
