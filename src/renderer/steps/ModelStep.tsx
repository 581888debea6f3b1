import { useEffect, useState } from 'react';
import type { Settings } from '../../shared/api';
import { call, transport } from '../client';
import { bytes, count, dims, basename } from '../format';
import { openModel, useDemo } from '../store/actions';
import { useWizard } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { PathField } from '../components/PathField';
import { OpHistogram } from '../charts/OpHistogram';
import { Stat } from '../components/Stat';
import { StepNav } from './common';

export function ModelStep() {
  const { model, modelPath, errors, setError, caps } = useWizard();
  const [typed, setTyped] = useState(modelPath);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [recent, setRecent] = useState<Settings>();
  const [demoPath, setDemoPath] = useState<string>();

  useEffect(() => {
    call('demoDefaults', {}).then(
      (d) => setDemoPath(d.model),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    call('recent', {}).then(setRecent, () => undefined);
  }, [model]);
  useEffect(() => setTyped(modelPath), [modelPath]);

  const open = async (p: string) => {
    setBusy(true);
    await openModel(p);
    setBusy(false);
  };
  const demo = async () => {
    setBusy(true);
    await useDemo();
    setBusy(false);
  };

  const onDrop = async (e: React.DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    if (transport.droppedFile) {
      const path = await transport.droppedFile(file);
      if (path) return void open(path);
    }
    setError('model', {
      code: 'BAD_USAGE',
      message: `Octet cannot open a dropped file here: in browser mode the server reads files on its own disk. Type the server path of ${file.name}, or use Browse….`,
    });
  };

  return (
    <div className="step-body">
      {!model && (
        <section className="card welcome" data-testid="welcome">
          <div className="grow">
            <h3>New to Octet? Start with the demo</h3>
            <p>
              A small digit classifier that ships with Octet, calibrated and evaluated on the built-in MNIST digits. Every step works offline, and you can
              switch to your own model at any time.
            </p>
          </div>
          <button type="button" className="btn primary large" onClick={() => void demo()} disabled={busy} data-testid="use-demo">
            Use the demo model
          </button>
        </section>
      )}

      <section
        className={`card dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <PathField
          id="model-path"
          label="ONNX model"
          purpose="model"
          value={typed}
          onChange={setTyped}
          onSubmit={(p) => void open(p)}
          placeholder={caps?.dialogs ? 'Choose a model, or drop a .onnx file here' : '/path/on/the/server/model.onnx'}
          onError={(e) => setError('model', e)}
        />
        <p className="hint">
          {caps?.dialogs
            ? 'Or drop a .onnx file anywhere on this card.'
            : `Paths are on the machine running octet serve, inside: ${caps?.roots.map((r) => r.path).join(', ') ?? '…'}`}
        </p>
        {model && demoPath && model.path !== demoPath && (
          <button type="button" className="btn ghost small switch-demo" onClick={() => void demo()} disabled={busy}>
            Switch to the demo model
          </button>
        )}
        {recent && recent.recentModels.filter((p) => p !== modelPath).length > 0 && (
          <div className="recent">
            <span className="muted">Recent:</span>
            {recent.recentModels
              .filter((p) => p !== modelPath)
              .slice(0, 5)
              .map((p) => (
                <button type="button" key={p} className="btn ghost small mono" title={p} onClick={() => void open(p)}>
                  {basename(p)}
                </button>
              ))}
          </div>
        )}
      </section>

      {busy && <p className="muted">Reading the model in a worker…</p>}
      <ErrorPanel error={errors.model} onDismiss={() => setError('model', undefined)} />

      {model && (
        <>
          {model.quantized && (
            <ErrorPanel error={{ code: 'MODEL_ALREADY_QUANTIZED', message: 'This model already contains quantized operators; open the fp32 model instead.' }} />
          )}
          <div className="stats" data-testid="model-summary">
            <Stat label="Size" value={bytes(model.sizeBytes)} />
            <Stat label="Parameters" value={count(model.parameters)} />
            <Stat label="Nodes" value={model.subgraphNodes ? `${count(model.nodes)} (${count(model.subgraphNodes)} in bodies)` : count(model.nodes)} />
            <Stat label="Opset" value={String(model.opset)} sub={`IR ${model.irVersion}`} />
          </div>
          <div className="grid two">
            <section className="card">
              <h3>Inputs and outputs</h3>
              <table className="table io">
                <thead>
                  <tr>
                    <th></th>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Shape</th>
                  </tr>
                </thead>
                <tbody>
                  {model.inputs.map((t) => (
                    <tr key={`i-${t.name}`}>
                      <td className="muted">in</td>
                      <td className="mono ellipsis">{t.name}</td>
                      <td>{t.type}</td>
                      <td className="mono">{dims(t.dims)}</td>
                    </tr>
                  ))}
                  {model.outputs.map((t) => (
                    <tr key={`o-${t.name}`}>
                      <td className="muted">out</td>
                      <td className="mono ellipsis">{t.name}</td>
                      <td>{t.type}</td>
                      <td className="mono">{dims(t.dims)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <dl className="facts">
                <dt>Producer</dt>
                <dd>{model.producer || 'unknown'}</dd>
                <dt>Opsets</dt>
                <dd className="mono">
                  {Object.entries(model.opsets)
                    .map(([d, v]) => `${d} ${v}`)
                    .join(', ')}
                </dd>
                <dt>SHA-256</dt>
                <dd className="mono ellipsis" title={model.sha256}>
                  {model.sha256.slice(0, 16)}…
                </dd>
              </dl>
            </section>
            <section className="card">
              <h3>Operators</h3>
              <OpHistogram histogram={model.opHistogram} />
            </section>
          </div>
          <StepNav step="model" />
        </>
      )}
    </div>
  );
}
