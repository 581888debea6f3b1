import { PRESETS, type RecipeInput } from '../../shared/recipe';
import { GLOBAL_ACT_ALGOS, globalActAlgoOf } from '../../shared/rangeAlgorithms';
import type { Phase } from '../../shared/jobs';
import { basename, count } from '../format';
import { cancelJob, goto, runQuantize } from '../store/actions';
import { dataSpec, isLive, quantizeKeyOf, useWizard } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { JobProgress } from '../components/JobProgress';
import { NeedsModel, StepNav } from './common';
import { TunePanel } from '../components/TunePanel';

export const QUANTIZE_PHASES: Phase[] = ['load', 'prepare', 'calibrate', 'convert', 'save', 'verify'];

export function JobLogs({ logs }: { logs: string[] }) {
  if (logs.length === 0) return null;
  return (
    <details className="logs">
      <summary>Log ({logs.length} lines)</summary>
      <pre>{logs.join('\n')}</pre>
    </details>
  );
}

export function CalibrateStep() {
  const s = useWizard();
  const { model, recipe, data, quantizeJob: job, errors, setError } = s;
  if (!model) return <NeedsModel />;
  const live = isLive(job);
  const stale = job && s.quantizeKey !== quantizeKeyOf(s);
  const result = job?.kind === 'quantize' ? job.result : undefined;
  const rules = Object.keys(recipe.local ?? {}).length;
  const setRecipe = (p: Partial<RecipeInput>) => s.patch({ recipe: { ...recipe, ...p } });

  return (
    <div className="step-body">
      <section className="card">
        <h3>What will run</h3>
        <div className="summary-grid">
          <div>
            <span className="muted">Model</span>
            <button type="button" className="link" onClick={() => goto('model')}>
              {basename(s.modelPath)}
            </button>
          </div>
          <div>
            <span className="muted">Data</span>
            <button type="button" className="link" onClick={() => goto('data')}>
              {data.kind === 'digits' ? 'built-in digits (calibration split)' : basename(dataSpec(data)) || 'not chosen'}
            </button>
          </div>
          <div>
            <span className="muted">Rules</span>
            <button type="button" className="link" onClick={() => goto('rules')}>
              {s.preset === 'custom' ? 'custom' : PRESETS[s.preset].label}
              {rules ? `, ${rules} override${rules === 1 ? '' : 's'}` : ''}
            </button>
          </div>
        </div>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="cal-samples">Calibration samples</label>
            <input
              id="cal-samples"
              type="number"
              min={1}
              max={100000}
              value={recipe.calib_samples ?? 100}
              onChange={(e) => Number(e.target.value) >= 1 && setRecipe({ calib_samples: Math.round(Number(e.target.value)) })}
              disabled={live}
            />
          </div>
          <div className="field">
            <label htmlFor="cal-algo">Range algorithm</label>
            <select
              id="cal-algo"
              value={globalActAlgoOf(recipe.act_algo) ?? 'auto'}
              onChange={(e) => s.editRecipe(`algorithm ${e.target.value}`, (r) => ({ ...r, act_algo: e.target.value as RecipeInput['act_algo'] }))}
              disabled={live}
            >
              {GLOBAL_ACT_ALGOS.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </div>
        </div>
        <p className="hint">
          One job does both: it runs the samples through the model to measure activation ranges, then writes the int8 model and checks what ONNX Runtime fuses.
        </p>
        <div className="row gap actions-row">
          <button
            type="button"
            className="btn primary large"
            onClick={() => void runQuantize('calibrate')}
            disabled={live || !dataSpec(data)}
            data-testid="run-quantize"
          >
            {job ? 'Calibrate and convert again' : 'Calibrate and convert'}
          </button>
          {stale && !live && <span className="warn-text">Settings changed since the last run.</span>}
        </div>
        <ErrorPanel error={errors.calibrate} onDismiss={() => setError('calibrate', undefined)} />
      </section>

      <TunePanel step="calibrate" />

      {job && (
        <section className="card" data-testid="quantize-job" data-state={job.state}>
          <div className="row between">
            <h3>{live ? 'Running' : job.state === 'succeeded' ? 'Done' : job.state === 'cancelled' ? 'Cancelled' : 'Failed'}</h3>
            <span className="muted small">{job.label}</span>
          </div>
          <JobProgress job={job} phases={QUANTIZE_PHASES} onCancel={() => void cancelJob(job, 'calibrate')} />
          {job.state !== 'succeeded' && !live && (
            <ErrorPanel
              error={job.error}
              action={
                <button type="button" className="btn small" onClick={() => void runQuantize('calibrate')}>
                  Try again
                </button>
              }
            />
          )}
          {result && (
            <div className="stats" data-testid="calibration-summary">
              <Fact label="Samples" value={count(result.calibration.samples)} />
              <Fact label="Tensors observed" value={count(result.calibration.tensors)} />
              <Fact label="Passes" value={count(result.calibration.passes)} />
              <Fact label="Calibration time" value={`${result.calibration.seconds.toFixed(1)} s`} />
              <Fact label="Whole job" value={`${result.seconds.toFixed(1)} s`} />
            </div>
          )}
          {result && <p className="muted small">{result.calibration.data}</p>}
          <JobLogs logs={job.logs} />
        </section>
      )}

      <StepNav step="calibrate" nextDisabled={!result} />
    </div>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat small">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  );
}
