import type { Phase } from '../../../shared/jobs';
import { cancelJob, runBench } from '../../store/actions';
import { benchDataSpec, isLive, useWizard } from '../../store/wizard';
import { ErrorPanel } from '../../components/ErrorPanel';
import { JobProgress } from '../../components/JobProgress';
import { PathField } from '../../components/PathField';
import { NumberChecks, NumberField } from './fields';

const BENCH_PHASES: Phase[] = ['evaluate', 'bench'];
const BATCH_OPTIONS = [1, 4, 8, 16, 32];
const THREAD_OPTIONS = [1, 2, 4, 8];

/** What the benchmark measures and on which data, the run button, and the running (or failed) job. */
export function BenchSettings() {
  const s = useWizard();
  const { benchJob: job, data, bench, errors, setError, setBench } = s;
  const live = isLive(job);
  const hasResult = job?.kind === 'bench' && !!job.result;
  return (
    <section className="card">
      <h3>Compare fp32 and int8</h3>
      <div className="form-grid four">
        <NumberField
          id="b-samples"
          label="Evaluation samples"
          value={data.evalSamples}
          min={1}
          max={10000}
          disabled={live}
          onChange={(v) => s.setData({ evalSamples: Math.round(v) })}
        />
        <NumberField
          id="b-runs"
          label="Timed rounds"
          value={bench.runs}
          min={1}
          max={10000}
          disabled={live}
          onChange={(v) => setBench({ runs: Math.round(v) })}
        />
        <NumberField
          id="b-threads"
          label="Threads"
          value={bench.threads}
          min={1}
          max={64}
          disabled={live}
          onChange={(v) => setBench({ threads: Math.round(v) })}
        />
        <NumberField
          id="b-layer-samples"
          label="Per-layer samples"
          value={bench.layerSamples}
          min={0}
          max={64}
          disabled={live}
          onChange={(v) => setBench({ layerSamples: Math.round(v) })}
        />
      </div>
      <div className="form-grid four">
        <NumberChecks legend="Batch sizes" options={BATCH_OPTIONS} value={bench.batches} disabled={live} onChange={(batches) => setBench({ batches })} />
        <NumberChecks
          legend="Throughput threads"
          options={THREAD_OPTIONS}
          value={bench.throughputThreads ?? []}
          disabled={live}
          none={`1 and all cores${s.caps ? ` (${s.caps.cores})` : ''}`}
          onChange={(t) => setBench({ throughputThreads: t.length ? t : undefined })}
        />
        <NumberField
          id="b-tolerance"
          label="Accuracy tolerance (points)"
          value={bench.tolerance}
          min={0}
          max={100}
          step={0.1}
          onChange={(tolerance) => setBench({ tolerance })}
        />
        <div className="field end">
          <button type="button" className="btn primary large" onClick={() => void runBench()} disabled={live} data-testid="run-bench">
            {hasResult ? 'Run again' : 'Run benchmark'}
          </button>
        </div>
      </div>
      <p className="muted small" data-testid="bench-data">
        Evaluates on <span className="mono">{benchDataSpec(data)}</span>
        {data.kind === 'digits' ? ' (the held-out split)' : data.evalPath?.trim() ? '' : ' (the calibration data: set evaluation data in the Data step)'}
      </p>
      <PathField
        id="b-labels"
        label="Labels CSV (optional)"
        purpose="labelsCsv"
        value={bench.labels}
        placeholder="None: the data's own labels, if any"
        onChange={(labels) => setBench({ labels })}
        onError={(e) => setError('benchmark', e)}
      />
      {bench.labels && (
        <button type="button" className="btn small ghost" onClick={() => setBench({ labels: '' })} disabled={live}>
          Use the data's own labels
        </button>
      )}
      <p className="hint">
        Accuracy and output fidelity on the held-out samples, then latency and throughput timed in interleaved fp32/int8 rounds so both see the same machine
        load. Batches above 1 need a model whose batch dim is not fixed. The tolerance is read against the last result, so changing it needs no new run.
      </p>
      <ErrorPanel error={errors.benchmark} onDismiss={() => setError('benchmark', undefined)} />
      {job && (live || job.state !== 'succeeded') && (
        <div data-testid="bench-job" data-state={job.state}>
          <JobProgress job={job} phases={BENCH_PHASES} onCancel={() => void cancelJob(job, 'benchmark')} />
          {!live && <ErrorPanel error={job.error} />}
        </div>
      )}
    </section>
  );
}
