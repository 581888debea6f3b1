import { useEffect, useState } from 'react';
import type { JobInfo } from '../../shared/api';
import type { Phase } from '../../shared/jobs';
import { duration } from '../format';
import { useWizard } from '../store/wizard';

const PHASE_LABEL: Record<Phase, string> = {
  load: 'Load',
  prepare: 'Prepare',
  calibrate: 'Calibrate',
  convert: 'Convert',
  save: 'Save',
  verify: 'Verify',
  evaluate: 'Evaluate',
  bench: 'Time',
  tune: 'Trials',
};

/** Phase steps, a bar with done/total and ETA, elapsed time, and Cancel. */
export function JobProgress({ job, phases, onCancel }: { job: JobInfo; phases: Phase[]; onCancel: () => void }) {
  const progress = useWizard((s) => s.progress[job.id]) ?? job.progress;
  const [now, setNow] = useState(() => Date.now());
  const live = job.state === 'running' || job.state === 'queued';
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [live]);
  const current = progress?.phase;
  const idx = current ? phases.indexOf(current) : -1;
  const frac = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
  return (
    <div className="job-progress" data-testid="job-progress" aria-live="polite">
      <ol className="phases">
        {phases.map((p, i) => (
          <li key={p} className={i < idx || job.state === 'succeeded' ? 'done' : i === idx ? (live ? 'active' : 'stopped') : ''}>
            {PHASE_LABEL[p]}
          </li>
        ))}
      </ol>
      <div className="bar-row">
        <div
          className="bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={progress?.total ?? 1}
          aria-valuenow={progress?.done ?? 0}
          aria-label={`${current ?? 'waiting'} progress`}
        >
          <div className="bar-fill" style={{ width: `${(job.state === 'succeeded' ? 1 : frac) * 100}%` }} />
        </div>
        {live && (
          <button type="button" className="btn danger" onClick={onCancel} data-testid="cancel-job">
            Cancel
          </button>
        )}
      </div>
      <div className="progress-facts">
        <span data-testid="progress-phase">
          {job.state === 'queued'
            ? 'Waiting for a free worker…'
            : current
              ? `${PHASE_LABEL[current]}: ${progress!.done} / ${progress!.total}`
              : live
                ? 'Starting a worker…'
                : ''}
        </span>
        {live && progress?.etaMs !== undefined && progress.etaMs > 0 && <span>about {duration(progress.etaMs)} left in this phase</span>}
        {started && <span>elapsed {duration((job.finishedAt ? Date.parse(job.finishedAt) : now) - started)}</span>}
        {job.pid && live && <span className="muted">worker pid {job.pid}</span>}
      </div>
    </div>
  );
}
