// The Benchmark step: fp32 against int8 on the evaluation data (settings, then the results), and
// the per-layer fix loop's current round.
import { useWizard } from '../store/wizard';
import { FixRoundCard } from '../components/LayerFix';
import { NeedsConversion, NeedsModel, StepNav } from './common';
import { BenchResults } from './benchmark/BenchResults';
import { BenchSettings } from './benchmark/BenchSettings';

export function BenchmarkStep() {
  const { model, quantizeJob, benchJob: job, bench, fix } = useWizard();
  if (!model) return <NeedsModel />;
  if (!(quantizeJob?.kind === 'quantize' && quantizeJob.result))
    return fix ? (
      <div className="step-body">
        <FixRoundCard fix={fix} />
      </div>
    ) : (
      <NeedsConversion />
    );
  const r = job?.kind === 'bench' ? job.result : undefined;

  return (
    <div className="step-body">
      {fix && <FixRoundCard fix={fix} />}
      <BenchSettings />
      {r && <BenchResults r={r} tolerance={bench.tolerance} />}
      <StepNav step="benchmark" />
    </div>
  );
}
