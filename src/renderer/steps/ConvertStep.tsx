// The Convert step: the fusion report of the last conversion (calibration and conversion are one
// quantize job, started on the Calibrate step), with the format picker to convert again.
import { cancelJob } from '../store/actions';
import { isLive, quantizeKeyOf, useWizard } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { JobProgress } from '../components/JobProgress';
import { NeedsConversion, NeedsModel, StepNav } from './common';
import { JobLogs, QUANTIZE_PHASES } from './CalibrateStep';
import { FormatPicker } from './convert/FormatPicker';
import { ByOpType, Fp32Reasons, FusionSummary } from './convert/FusionReport';
import { SpeedCheckCard, Warnings } from './convert/SpeedCheck';

export function ConvertStep() {
  const s = useWizard();
  const { model, quantizeJob: job, errors, setError } = s;
  if (!model) return <NeedsModel />;
  const live = isLive(job);
  const result = job?.kind === 'quantize' ? job.result : undefined;

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

  const stale = !!job && s.quantizeKey !== quantizeKeyOf(s);
  return (
    <div className="step-body">
      <FusionSummary result={result} picker={<FormatPicker live={live} stale={stale} />} />
      <div className="grid two">
        <ByOpType result={result} />
        <Fp32Reasons result={result} />
      </div>
      {result.speedCheck && <SpeedCheckCard speed={result.speedCheck} />}
      <Warnings warnings={result.warnings} />
      <ErrorPanel error={errors.convert} onDismiss={() => setError('convert', undefined)} />
      {job && <JobLogs logs={job.logs} />}
      <StepNav step="convert" />
    </div>
  );
}
