// "Tune to a tolerance" beside Convert: the settings, the live trials (chart and table), Cancel
// (the best so far is kept), and a button that makes the chosen trial's recipe the wizard's.
import { TUNE_METRICS } from '../../shared/recipe';
import type { Phase, TuneTrial } from '../../shared/jobs';
import { cancelJob, runTune, useTunedRecipe } from '../store/actions';
import type { StepId } from '../../shared/steps';
import { dataSpec, isLive, useWizard } from '../store/wizard';
import { JobProgress } from './JobProgress';
import { ErrorPanel } from './ErrorPanel';
import { TuneChart, fmt } from '../charts/TuneChart';

const TUNE_PHASES: Phase[] = ['load', 'tune', 'save'];

export function TunePanel({ step }: { step: StepId }) {
  const s = useWizard();
  const { tune, tuneJob: job } = s;
  const live = isLive(job);
  const quantizing = isLive(s.quantizeJob);
  const progress = useWizard((w) => (job ? w.progress[job.id] : undefined))?.tune ?? job?.progress?.tune;
  const result = job?.kind === 'tune' ? job.result : undefined;
  const trials = progress?.trials ?? [];
  const best = result?.best ?? progress?.best;
  const tolerance = progress?.tolerableLoss ?? tune.tolerableLoss;

  return (
    <section className="card" data-testid="tune-panel">
      <h3>Tune to a tolerance</h3>
      <p className="hint">
        Tries recipes one by one (the other range algorithms, globally and then on the worst layers; the other weight granularity; then ops back to fp32, most
        sensitive first), measures each on held-out samples and against fp32 in interleaved timing, and keeps the fastest within the tolerance. Cancel keeps the
        best so far.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="tune-metric">Metric</label>
          <select id="tune-metric" value={tune.metric} disabled={live} onChange={(e) => s.setTune({ metric: e.target.value as typeof tune.metric })}>
            <option value="auto">auto (top-1 with labels, else cosine)</option>
            {TUNE_METRICS.map((m) => (
              <option key={m} value={m}>
                {m === 'top1' ? 'top-1 (relative drop)' : m === 'cosine' ? 'cosine (1 − cos vs fp32)' : 'SQNR (error/signal power)'}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="tune-tolerance">Tolerable loss</label>
          <input
            id="tune-tolerance"
            type="number"
            min={0}
            step="any"
            value={tune.tolerableLoss}
            disabled={live}
            onChange={(e) => Number(e.target.value) >= 0 && s.setTune({ tolerableLoss: Number(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor="tune-trials">Trial budget</label>
          <input
            id="tune-trials"
            type="number"
            min={1}
            max={200}
            value={tune.maxTrials}
            disabled={live}
            onChange={(e) => Number(e.target.value) >= 1 && s.setTune({ maxTrials: Math.min(200, Math.round(Number(e.target.value))) })}
          />
        </div>
      </div>
      <div className="row gap actions-row">
        <button
          type="button"
          className="btn large"
          onClick={() => void runTune(step)}
          disabled={live || quantizing || !dataSpec(s.data)}
          data-testid="run-tune"
        >
          {job ? 'Tune again' : 'Tune to a tolerance'}
        </button>
      </div>
      {job && (
        <div data-testid="tune-job" data-state={job.state}>
          <JobProgress job={job} phases={TUNE_PHASES} onCancel={() => void cancelJob(job, step)} />
          {progress && (
            <p className="small" data-testid="tune-status">
              {trials.length} of {progress.maxTrials} trials
              {best !== undefined && trials[best]
                ? `; best: trial ${best + 1}, loss ${fmt(trials[best].loss!)}, ${trials[best].latencyRatio?.toFixed(2)}x the fp32 latency`
                : ''}
              {result
                ? result.met
                  ? ' — tolerance met'
                  : ' — no candidate met the tolerance; the lowest loss is kept'
                : job.state === 'cancelled'
                  ? ' — cancelled; the best so far is kept'
                  : ''}
            </p>
          )}
          {job.state === 'failed' && <ErrorPanel error={job.error} />}
          {trials.length > 0 && <TuneChart trials={trials} tolerance={tolerance} best={best} />}
          {trials.length > 0 && <TrialTable trials={trials} best={best} />}
          {!live && best !== undefined && trials[best] && (
            <div className="row gap actions-row">
              <button type="button" className="btn primary" onClick={() => void useTunedRecipe(best, step)} disabled={quantizing} data-testid="use-tuned">
                Use trial {best + 1} and convert
              </button>
              <span className="muted small">Its recipe pins every measured choice, so converting it gives the same model, with no timing.</span>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function TrialTable({ trials, best }: { trials: TuneTrial[]; best?: number }) {
  return (
    <table className="table compact" data-testid="tune-trials">
      <thead>
        <tr>
          <th>#</th>
          <th>Change</th>
          <th className="right">Loss</th>
          <th>Meets</th>
          <th className="right">int8/fp32</th>
          <th className="right">int8 ops</th>
          <th className="right">Seconds</th>
        </tr>
      </thead>
      <tbody>
        {trials.map((t) => (
          <tr
            key={t.index}
            style={t.index === best ? { background: '#fff1e8', fontWeight: 600 } : undefined}
            data-testid={t.index === best ? 'tune-best-row' : undefined}
          >
            <td>
              {t.index + 1}
              {t.index === best ? ' ★' : ''}
            </td>
            <td className="ellipsis" title={JSON.stringify(t.recipeDelta)}>
              {t.delta}
              {t.error ? ` — failed: ${t.error}` : ''}
            </td>
            <td className="right mono">{t.loss === undefined ? '–' : fmt(t.loss)}</td>
            <td>{t.error ? '' : t.meets ? 'yes' : 'no'}</td>
            <td className="right mono">{t.latencyRatio?.toFixed(2) ?? '–'}</td>
            <td className="right mono">{t.int8Ops !== undefined ? `${t.int8Ops}/${t.int8Ops + (t.fp32Ops ?? 0)}` : '–'}</td>
            <td className="right mono">{t.seconds.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
