import type { Phase } from '../../shared/jobs';
import { bytes, ms, pct } from '../format';
import { cancelJob, goto, runBench } from '../store/actions';
import { isLive, useWizard } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { JobProgress } from '../components/JobProgress';
import { LatencyChart } from '../charts/LatencyChart';
import { NeedsConversion, NeedsModel } from './common';
import { Stat } from './ModelStep';

const BENCH_PHASES: Phase[] = ['evaluate', 'bench'];

export function BenchmarkStep() {
  const s = useWizard();
  const { model, quantizeJob, benchJob: job, data, bench, errors, setError } = s;
  if (!model) return <NeedsModel />;
  if (!(quantizeJob?.kind === 'quantize' && quantizeJob.result)) return <NeedsConversion />;
  const live = isLive(job);
  const r = job?.kind === 'bench' ? job.result : undefined;
  const speedup = r ? 1 / r.latency.ratioMedian : undefined;

  return (
    <div className="step-body">
      <section className="card">
        <h3>Compare fp32 and int8</h3>
        <div className="form-grid four">
          <div className="field">
            <label htmlFor="b-samples">Evaluation samples</label>
            <input id="b-samples" type="number" min={1} max={10000} value={data.evalSamples} disabled={live} onChange={(e) => Number(e.target.value) >= 1 && s.setData({ evalSamples: Math.round(Number(e.target.value)) })} />
          </div>
          <div className="field">
            <label htmlFor="b-runs">Timed rounds</label>
            <input id="b-runs" type="number" min={1} max={10000} value={bench.runs} disabled={live} onChange={(e) => Number(e.target.value) >= 1 && s.patch({ bench: { ...bench, runs: Math.round(Number(e.target.value)) } })} />
          </div>
          <div className="field">
            <label htmlFor="b-threads">Threads</label>
            <input id="b-threads" type="number" min={1} max={64} value={bench.threads} disabled={live} onChange={(e) => Number(e.target.value) >= 1 && s.patch({ bench: { ...bench, threads: Math.round(Number(e.target.value)) } })} />
          </div>
          <div className="field end">
            <button type="button" className="btn primary large" onClick={() => void runBench()} disabled={live} data-testid="run-bench">
              {r ? 'Run again' : 'Run benchmark'}
            </button>
          </div>
        </div>
        <p className="hint">Accuracy and output fidelity on the held-out samples, then latency timed in interleaved fp32/int8 rounds so both see the same machine load.</p>
        <ErrorPanel error={errors.benchmark} onDismiss={() => setError('benchmark', undefined)} />
        {job && (live || job.state !== 'succeeded') && (
          <div data-testid="bench-job" data-state={job.state}>
            <JobProgress job={job} phases={BENCH_PHASES} onCancel={() => void cancelJob(job, 'benchmark')} />
            {!live && <ErrorPanel error={job.error} />}
          </div>
        )}
      </section>

      {r && (
        <>
          <div className="stats" data-testid="bench-summary">
            <Stat label="int8 speed-up" value={`${speedup!.toFixed(2)}×`} sub={`${speedup! >= 1 ? 'faster' : 'slower'} · median of ${r.latency.rounds} rounds, ${r.latency.threads} thread${r.latency.threads === 1 ? '' : 's'}`} tone={speedup! >= 1 ? 'good' : 'bad'} testId="speedup" />
            <Stat label="int8 size" value={bytes(r.size.int8)} sub={`${Math.round((1 - r.size.int8 / r.size.fp32) * 100)}% smaller than fp32 (${bytes(r.size.fp32)})`} />
            {r.accuracy ? (
              <>
                <Stat label="fp32 accuracy" value={pct(r.accuracy.fp32)} sub={`top-1 on ${r.accuracy.samples} samples`} testId="acc-fp32" />
                <Stat label="int8 accuracy" value={pct(r.accuracy.int8)} sub={`${r.accuracy.delta >= 0 ? '+' : ''}${(r.accuracy.delta * 100).toFixed(2)} points`} tone={r.accuracy.delta >= -0.01 ? 'good' : 'bad'} testId="acc-int8" />
              </>
            ) : (
              <Stat label="Top-1 agreement" value={pct(r.fidelity.top1Agreement)} sub="no labels: int8 vs fp32 argmax" />
            )}
          </div>
          <div className="grid two">
            <section className="card">
              <h3>Latency per run (batch 1)</h3>
              <LatencyChart latency={r.latency} />
              <table className="table compact">
                <thead>
                  <tr>
                    <th></th>
                    <th className="right">p50</th>
                    <th className="right">p90</th>
                    <th className="right">p99</th>
                    <th className="right">mean</th>
                  </tr>
                </thead>
                <tbody>
                  {(['fp32', 'int8'] as const).map((k) => (
                    <tr key={k}>
                      <td>{k}</td>
                      <td className="right">{ms(r.latency[k].p50)}</td>
                      <td className="right">{ms(r.latency[k].p90)}</td>
                      <td className="right">{ms(r.latency[k].p99)}</td>
                      <td className="right">{ms(r.latency[k].mean)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section className="card">
              <h3>Output fidelity</h3>
              <dl className="facts wide">
                <dt>Cosine similarity</dt>
                <dd>{r.fidelity.cosine.toFixed(5)}</dd>
                <dt>SQNR</dt>
                <dd>{r.fidelity.sqnrDb === null || !Number.isFinite(r.fidelity.sqnrDb) ? 'identical' : `${r.fidelity.sqnrDb.toFixed(1)} dB`}</dd>
                <dt>Top-1 agreement</dt>
                <dd>{pct(r.fidelity.top1Agreement)}</dd>
                <dt>Largest abs. error</dt>
                <dd>{r.fidelity.maxAbs.toPrecision(3)}</dd>
                <dt>Data</dt>
                <dd>{r.data}</dd>
              </dl>
              <h3 className="spaced">This CPU</h3>
              <p className="small">{r.cpu.model}</p>
              <div className="row gap wrap">
                <span className="tag">{r.cpu.cores} cores</span>
                <span className={`tag ${r.cpu.avx2 ? 'good' : ''}`}>AVX2 {r.cpu.avx2 ? 'yes' : 'no'}</span>
                <span className={`tag ${r.cpu.avx512 ? 'good' : ''}`}>AVX-512 {r.cpu.avx512 ? 'yes' : 'no'}</span>
                <span className={`tag ${r.cpu.vnni ? 'good' : 'warn'}`}>VNNI {r.cpu.vnni ? 'yes' : 'no'}</span>
              </div>
              {!r.cpu.vnni && <p className="hint">Without VNNI, ONNX Runtime's int8 kernels gain much less than on VNNI CPUs; the Convert step's speed check shows which ops still pay.</p>}
            </section>
          </div>
        </>
      )}
      <div className="step-actions">
        <button type="button" className="btn" onClick={() => goto('convert')}>
          ← Convert
        </button>
        <button type="button" className="btn primary" onClick={() => goto('export')}>
          Next: Export →
        </button>
      </div>
    </div>
  );
}
