import type { BenchResult } from '../../shared/bench';
import type { Phase } from '../../shared/jobs';
import { bytes, count, ms, pct, signed } from '../format';
import { cancelJob, runBench } from '../store/actions';
import { benchDataSpec, isLive, useWizard } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { JobProgress } from '../components/JobProgress';
import { PathField } from '../components/PathField';
import { AccuracyChart, toleranceRows, withinTolerance } from '../charts/AccuracyChart';
import { LatencyChart } from '../charts/LatencyChart';
import { LayerSqnrChart } from '../charts/LayerSqnrChart';
import { SizeChart } from '../charts/SizeChart';
import { ThroughputChart } from '../charts/ThroughputChart';
import { NeedsConversion, NeedsModel, StepNav } from './common';
import { Stat } from './ModelStep';
import { useState } from 'react';
import { FixRoundCard, LayerFix } from '../components/LayerFix';

const BENCH_PHASES: Phase[] = ['evaluate', 'bench'];
const BATCH_OPTIONS = [1, 4, 8, 16, 32];
const THREAD_OPTIONS = [1, 2, 4, 8];

/** A number input that only reports values in [min, max], so a half-typed value never reaches the store. */
function NumberField({ id, label, value, min, max, step, disabled, onChange }: { id: string; label: string; value: number; min: number; max: number; step?: number; disabled?: boolean; onChange: (v: number) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && v >= min && v <= max) onChange(v);
        }}
      />
    </div>
  );
}

/** A set of numbers as checkboxes. `none` says what an empty set means; without it, the last one cannot be unticked. */
function NumberChecks({ legend, options, value, onChange, disabled, none }: { legend: string; options: number[]; value: number[]; onChange: (v: number[]) => void; disabled: boolean; none?: string }) {
  return (
    <fieldset className="checks inline" disabled={disabled}>
      <legend>{legend}</legend>
      {options.map((n) => {
        const on = value.includes(n);
        return (
          <label key={n} className="toggle">
            <input type="checkbox" checked={on} disabled={on && value.length === 1 && none === undefined} onChange={() => onChange(on ? value.filter((x) => x !== n) : [...value, n].sort((a, b) => a - b))} />
            <span>{n}</span>
          </label>
        );
      })}
      {none && <span className="small muted">none ticked: {none}</span>}
    </fieldset>
  );
}

/** Decibels; JSON turns the +∞ of identical tensors into null. */
const db = (x: number | null | undefined, none = 'identical') => (typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(1)} dB` : none);

export function BenchmarkStep() {
  const s = useWizard();
  const { model, quantizeJob, benchJob: job, data, bench, errors, setError, setBench } = s;
  if (!model) return <NeedsModel />;
  if (!(quantizeJob?.kind === 'quantize' && quantizeJob.result))
    return s.fix ? (
      <div className="step-body">
        <FixRoundCard fix={s.fix} />
      </div>
    ) : (
      <NeedsConversion />
    );
  const live = isLive(job);
  const r = job?.kind === 'bench' ? job.result : undefined;
  const speedup = r ? 1 / r.latency.ratioMedian : undefined;
  const tol = r ? toleranceRows(r) : [];
  const verdict = tol[0] && withinTolerance(tol[0], bench.tolerance);

  return (
    <div className="step-body">
      {s.fix && <FixRoundCard fix={s.fix} />}
      <section className="card">
        <h3>Compare fp32 and int8</h3>
        <div className="form-grid four">
          <NumberField id="b-samples" label="Evaluation samples" value={data.evalSamples} min={1} max={10000} disabled={live} onChange={(v) => s.setData({ evalSamples: Math.round(v) })} />
          <NumberField id="b-runs" label="Timed rounds" value={bench.runs} min={1} max={10000} disabled={live} onChange={(v) => setBench({ runs: Math.round(v) })} />
          <NumberField id="b-threads" label="Threads" value={bench.threads} min={1} max={64} disabled={live} onChange={(v) => setBench({ threads: Math.round(v) })} />
          <NumberField id="b-layer-samples" label="Per-layer samples" value={bench.layerSamples} min={0} max={64} disabled={live} onChange={(v) => setBench({ layerSamples: Math.round(v) })} />
        </div>
        <div className="form-grid four">
          <NumberChecks legend="Batch sizes" options={BATCH_OPTIONS} value={bench.batches} disabled={live} onChange={(batches) => setBench({ batches })} />
          <NumberChecks legend="Throughput threads" options={THREAD_OPTIONS} value={bench.throughputThreads ?? []} disabled={live} none={`1 and all cores${s.caps ? ` (${s.caps.cores})` : ''}`} onChange={(t) => setBench({ throughputThreads: t.length ? t : undefined })} />
          <NumberField id="b-tolerance" label="Accuracy tolerance (points)" value={bench.tolerance} min={0} max={100} step={0.1} onChange={(tolerance) => setBench({ tolerance })} />
          <div className="field end">
            <button type="button" className="btn primary large" onClick={() => void runBench()} disabled={live} data-testid="run-bench">
              {r ? 'Run again' : 'Run benchmark'}
            </button>
          </div>
        </div>
        <p className="muted small" data-testid="bench-data">
          Evaluates on <span className="mono">{benchDataSpec(data)}</span>
          {data.kind === 'digits' ? ' (the held-out split)' : data.evalPath?.trim() ? '' : ' (the calibration data: set evaluation data in the Data step)'}
        </p>
        <PathField id="b-labels" label="Labels CSV (optional)" purpose="labelsCsv" value={bench.labels} placeholder="None: the data's own labels, if any" onChange={(labels) => setBench({ labels })} onError={(e) => setError('benchmark', e)} />
        {bench.labels && (
          <button type="button" className="btn small ghost" onClick={() => setBench({ labels: '' })} disabled={live}>
            Use the data's own labels
          </button>
        )}
        <p className="hint">
          Accuracy and output fidelity on the held-out samples, then latency and throughput timed in interleaved fp32/int8 rounds so both see the same machine load. Batches above 1 need a model whose batch dim is not fixed. The tolerance is read
          against the last result, so changing it needs no new run.
        </p>
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
                <Stat label="int8 accuracy" value={pct(r.accuracy.int8)} sub={`${r.accuracy.delta >= 0 ? '+' : ''}${(r.accuracy.delta * 100).toFixed(2)} points`} tone={verdict ? 'good' : 'bad'} testId="acc-int8" />
              </>
            ) : (
              <Stat label="Top-1 agreement" value={pct(r.fidelity.top1Agreement)} sub="no labels: int8 vs fp32 argmax" tone={verdict === undefined ? undefined : verdict ? 'good' : 'bad'} />
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
            {r.throughput && <ThroughputCard throughput={r.throughput} />}
            <section className="card">
              <h3>{r.accuracy ? 'Accuracy against your tolerance' : 'Top-1 agreement against your tolerance'}</h3>
              {tol.length ? (
                <>
                  <AccuracyChart rows={tol} tolerance={bench.tolerance} />
                  <p className={verdict ? 'good-text' : 'warn-text'} data-testid="accuracy-verdict" data-ok={verdict}>
                    {r.accuracy ? 'Top-1 accuracy' : `Top-1 agreement on ${tol[0].name}`}: {signed(tol[0].points)} points, {verdict ? 'within' : 'beyond'} your {bench.tolerance}-point tolerance.
                  </p>
                </>
              ) : (
                <p className="hint">No labels and no output with one score per class, so there is nothing to hold to a tolerance in points; see the SQNR per output below.</p>
              )}
              {!r.accuracy && <OutputTable outputs={r.fidelity.perOutput} />}
            </section>
            <section className="card">
              <h3>Output fidelity</h3>
              <dl className="facts wide">
                <dt>Cosine similarity</dt>
                <dd>{r.fidelity.cosine.toFixed(5)}</dd>
                <dt>SQNR</dt>
                <dd>{db(r.fidelity.sqnrDb)}</dd>
                <dt>Top-1 agreement</dt>
                <dd>{pct(r.fidelity.top1Agreement)}</dd>
                <dt>Largest abs. error</dt>
                <dd>{r.fidelity.maxAbs.toPrecision(3)}</dd>
                <dt>Data</dt>
                <dd>{r.data}</dd>
              </dl>
            </section>
            <section className="card">
              <h3>Model size</h3>
              <SizeChart size={r.size} />
            </section>
            <section className="card">
              <h3>This CPU</h3>
              <p className="small">{r.cpu.model}</p>
              <div className="row gap wrap">
                <span className="tag">{r.cpu.cores} cores</span>
                <span className={`tag ${r.cpu.avx2 ? 'good' : ''}`}>AVX2 {r.cpu.avx2 ? 'yes' : 'no'}</span>
                <span className={`tag ${r.cpu.avx512 ? 'good' : ''}`}>AVX-512 {r.cpu.avx512 ? 'yes' : 'no'}</span>
                <span className={`tag ${r.cpu.vnni ? 'good' : 'warn'}`}>VNNI {r.cpu.vnni ? 'yes' : 'no'}</span>
              </div>
              {!r.cpu.vnni && <p className="hint">Without VNNI, ONNX Runtime's int8 kernels gain much less than on VNNI CPUs; the Convert step's speed check shows which ops still pay.</p>}
            </section>
            <PerLayerCard perLayer={r.perLayer} />
          </div>
        </>
      )}
      <StepNav step="benchmark" />
    </div>
  );
}

function ThroughputCard({ throughput: t }: { throughput: NonNullable<BenchResult['throughput']> }) {
  return (
    <section className="card">
      <h3>Speed-up by batch size and threads</h3>
      {t.points.length > 0 && <ThroughputChart points={t.points} />}
      {t.unsupported.length > 0 && (
        <p className="hint" data-testid="throughput-unsupported">
          Not measured: {t.unsupported.map((u) => `batch ${u.batch} (${u.reason})`).join('; ')}.
        </p>
      )}
      <table className="table compact">
        <thead>
          <tr>
            <th>Batch</th>
            <th>Threads</th>
            <th className="right">fp32 samples/s</th>
            <th className="right">int8 samples/s</th>
            <th className="right">Speed-up</th>
          </tr>
        </thead>
        <tbody>
          {t.points.map((p) => (
            <tr key={`${p.batch}x${p.threads}`} data-testid="throughput-row">
              <td>{p.batch}</td>
              <td>{p.threads}</td>
              <td className="right">{count(Math.round(p.fp32.samplesPerSec))}</td>
              <td className="right">{count(Math.round(p.int8.samplesPerSec))}</td>
              <td className={`right ${p.speedup >= 1 ? 'good-text' : 'warn-text'}`}>{p.speedup.toFixed(2)}×</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function OutputTable({ outputs }: { outputs: BenchResult['fidelity']['perOutput'] }) {
  return (
    <table className="table compact spaced" data-testid="output-fidelity">
      <thead>
        <tr>
          <th>Output</th>
          <th className="right">Cosine</th>
          <th className="right">SQNR</th>
          <th className="right">Top-1 agreement</th>
        </tr>
      </thead>
      <tbody>
        {outputs.map((o) => (
          <tr key={o.output}>
            <td className="mono ellipsis" title={o.output}>
              {o.output}
            </td>
            <td className="right">{o.cosine.toFixed(5)}</td>
            <td className="right">{db(o.sqnrDb)}</td>
            <td className="right">{o.top1Agreement === undefined ? '—' : pct(o.top1Agreement)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PerLayerCard({ perLayer: p }: { perLayer: BenchResult['perLayer'] }) {
  const [open, setOpen] = useState<string>();
  const selected = p?.layers.find((l) => l.tensor === open);
  return (
    <section className="card wide" data-testid="per-layer">
      <h3>Per-layer SQNR, worst first</h3>
      {!p ? (
        <p className="hint">Not measured: set Per-layer samples above 0 and run again.</p>
      ) : p.error ? (
        <p className="warn-text">The per-layer error could not be measured: {p.error}</p>
      ) : p.layers.length === 0 ? (
        <p className="hint">No int8 tensor has an fp32 counterpart to compare{p.skipped ? ` (${p.skipped} skipped)` : ''}.</p>
      ) : (
        <div className="grid two">
          <LayerSqnrChart layers={p.layers} />
          <div className="scroll-box">
            <table className="table compact" data-testid="layer-table">
              <thead>
                <tr>
                  <th>Tensor</th>
                  <th>Op</th>
                  <th className="right">SQNR</th>
                  <th className="right">Drop</th>
                  <th className="right">Cosine</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {p.layers.map((l) => (
                  <tr key={l.tensor} data-testid="layer-row">
                    <td className="mono ellipsis" title={l.node ? `${l.tensor} (node ${l.node})` : l.tensor}>
                      {l.tensor}
                    </td>
                    <td>{l.op}</td>
                    <td className="right" data-testid="layer-sqnr">
                      {db(l.sqnrDb)}
                    </td>
                    <td className="right">{db(l.dropDb, '—')}</td>
                    <td className="right">{l.cosine.toFixed(5)}</td>
                    <td>
                      <button type="button" className="btn small" onClick={() => setOpen(open === l.tensor ? undefined : l.tensor)} data-testid="layer-fix-open">
                        {open === l.tensor ? 'Close' : 'Fix…'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {selected && <LayerFix layer={selected} onClose={() => setOpen(undefined)} />}
      {p && !p.error && p.layers.length > 0 && (
        <p className="hint">
          SQNR is cumulative: all the error that reaches a tensor, over {p.samples} sample{p.samples === 1 ? '' : 's'}. Drop is what the stretch of graph since the nearest compared tensors upstream adds.{p.skipped ? ` ${p.skipped} int8 tensors had no fp32 counterpart.` : ''}
        </p>
      )}
    </section>
  );
}
