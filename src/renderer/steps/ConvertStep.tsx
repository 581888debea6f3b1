import { FORMATS, type RecipeInput } from '../../shared/recipe';
import { bytes, count } from '../format';
import { cancelJob, runQuantize } from '../store/actions';
import { isLive, quantizeKeyOf, useWizard } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { JobProgress } from '../components/JobProgress';
import { NeedsConversion, NeedsModel, StepNav } from './common';
import { JobLogs, QUANTIZE_PHASES } from './CalibrateStep';
import { Stat } from './ModelStep';
import { weightGranularityText } from '../../shared/report';

export function ConvertStep() {
  const s = useWizard();
  const { model, quantizeJob: job, recipe, errors, setError } = s;
  if (!model) return <NeedsModel />;
  const live = isLive(job);
  const result = job?.kind === 'quantize' ? job.result : undefined;
  const stale = job && s.quantizeKey !== quantizeKeyOf(s);

  const formatPicker = (
    <div className="row gap">
      <div className="field inline">
        <label htmlFor="cv-format">Format</label>
        <select id="cv-format" value={recipe.format ?? 'qdq'} disabled={live} onChange={(e) => s.editRecipe(`format ${e.target.value}`, (r) => ({ ...r, format: e.target.value as RecipeInput['format'] }))}>
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {f === 'qdq' ? 'QDQ (Q/DQ pairs ORT fuses)' : 'QOperator (explicit QLinear* ops)'}
            </option>
          ))}
        </select>
      </div>
      <button type="button" className="btn" onClick={() => void runQuantize('convert')} disabled={live} data-testid="convert-again">
        Convert again
      </button>
      {stale && !live && <span className="warn-text">Settings changed since this result.</span>}
    </div>
  );

  if (live && job)
    return (
      <div className="step-body">
        <section className="card">
          <h3>Converting</h3>
          <p className="muted">Conversion runs in the same job as calibration; the report appears here when it finishes.</p>
          <JobProgress job={job} phases={QUANTIZE_PHASES} onCancel={() => void cancelJob(job, 'convert')} />
        </section>
      </div>
    );
  if (!result)
    return (
      <div className="step-body">
        {job?.error && <ErrorPanel error={job.error} />}
        <NeedsConversion />
      </div>
    );

  const f = result.fusion;
  const totalCompute = f.int8Ops + f.fp32ComputeOps;
  const types = [...new Set([...Object.keys(f.int8OpsByType), ...Object.keys(f.fp32OpsByType)])].sort();
  const warnings = [...new Set(result.warnings)];
  // Absent when the recipe turned the speed check off.
  const speed = result.speedCheck;

  return (
    <div className="step-body">
      <section className="card">
        <div className="row between wrap gap">
          <h3>Fusion report</h3>
          {formatPicker}
        </div>
        <p className="muted small">Read back from the graph ONNX Runtime will really run (its optimized model), not from what Octet planned.</p>
        <div className="stats">
          <Stat label="int8 compute ops" value={`${f.int8Ops} of ${totalCompute}`} tone={f.int8Ops > 0 ? 'good' : 'bad'} testId="fusion-int8" sub={totalCompute ? `${Math.round((f.int8Ops / totalCompute) * 100)}% of Conv/MatMul/Gemm` : undefined} />
          <Stat label="Left in fp32" value={String(f.fp32ComputeOps)} tone={f.fp32ComputeOps ? 'bad' : undefined} sub={f.fp32ComputeOps ? 'reasons below' : 'none'} />
          <Stat label="Q / DQ left" value={`${f.quantizeOps} / ${f.dequantizeOps}`} sub="not folded by ORT" />
          <Stat label="Size" value={bytes(result.output.sizeBytes)} sub={`fp32 ${bytes(result.input.sizeBytes)}`} />
          <Stat label="Opset" value={String(result.output.opset)} sub={result.preparation.opsetUpgradedFrom ? `raised from ${result.preparation.opsetUpgradedFrom}` : result.output.format} />
        </div>
      </section>

      <div className="grid two">
        <section className="card">
          <h3>By op type</h3>
          <table className="table" data-testid="fusion-by-type">
            <thead>
              <tr>
                <th>Op type</th>
                <th className="right">int8</th>
                <th className="right">fp32</th>
              </tr>
            </thead>
            <tbody>
              {types.map((t) => (
                <tr key={t}>
                  <td className="mono">{t}</td>
                  <td className="right">{f.int8OpsByType[t] ?? 0}</td>
                  <td className={`right${f.fp32OpsByType[t] ? ' warn-text' : ''}`}>{f.fp32OpsByType[t] ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl className="facts">
            <dt>Nodes planned int8</dt>
            <dd>
              {count(result.nodes.int8)} of {count(result.nodes.total)}
            </dd>
            <dt>Weights</dt>
            <dd data-testid="weights-fact">
              {result.weightBits.reduceRange ? '7' : '8'}-bit, {weightGranularityText(result)}
            </dd>
            <dt>BatchNorms folded</dt>
            <dd>{result.preparation.foldedBatchNorms}</dd>
            {result.preparation.opsetChanges.length > 0 && (
              <>
                <dt>Opset changes</dt>
                <dd>{result.preparation.opsetChanges.join('; ')}</dd>
              </>
            )}
          </dl>
        </section>
        <section className="card">
          <h3>Stays in fp32, and why</h3>
          {f.details.length === 0 && result.nodes.excluded.length === 0 ? (
            <p className="good-text">Every Conv, MatMul and Gemm runs in int8.</p>
          ) : (
            <div className="scroll-box">
              <table className="table compact reasons" data-testid="fp32-reasons">
                <thead>
                  <tr>
                    <th>Node</th>
                    <th>Op</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {[...f.details, ...result.nodes.excluded.filter((x) => !f.details.some((d) => d.node === x.node))].map((d) => (
                    <tr key={d.node}>
                      <td className="mono ellipsis" title={d.node}>
                        {d.node}
                      </td>
                      <td>{d.opType}</td>
                      <td>{d.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      {speed && speed.ops.length > 0 && (
        <section className="card">
          <h3>Speed check (this CPU, 1 thread)</h3>
          <p className="muted small">
            {speed.keptFloat.length ? `Kept ${speed.keptFloat.length} op(s) in fp32 because int8 measured slower.` : 'int8 was kept for every measured op.'}
            {speed.variantRatio !== undefined && ` Variant latency ratio ${speed.variantRatio}.`}
            {speed.activationMatMuls &&
              ` ${speed.activationMatMuls.nodes.length} MatMul(s) of two activations ${speed.activationMatMuls.keptFloat ? 'kept in fp32' : 'left in int8'}: ${speed.activationMatMuls.variantRatio}× the latency with them in fp32.`}
          </p>
          <div className="scroll-box short">
            <table className="table compact">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Op</th>
                  <th className="right">fp32 µs</th>
                  <th className="right">int8 µs</th>
                </tr>
              </thead>
              <tbody>
                {speed.ops.map((o) => (
                  <tr key={o.node}>
                    <td className="mono ellipsis">{o.node}</td>
                    <td>{o.opType}</td>
                    <td className="right">{o.fp32Us}</td>
                    <td className={`right${o.int8Us > o.fp32Us ? ' warn-text' : ''}`}>{o.int8Us}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      {warnings.length > 0 && (
        <section className="card warnings">
          <h3>Warnings</h3>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </section>
      )}
      <ErrorPanel error={errors.convert} onDismiss={() => setError('convert', undefined)} />
      {job && <JobLogs logs={job.logs} />}
      <StepNav step="convert" />
    </div>
  );
}
