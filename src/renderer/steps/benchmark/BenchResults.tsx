// The Benchmark step's results: the headline figures and one card per measure.
import type { BenchResult } from '../../../shared/bench';
import { bytes, count, ms, pct, signed } from '../../format';
import { AccuracyChart, toleranceRows, withinTolerance, type ToleranceRow } from '../../charts/AccuracyChart';
import { LatencyChart } from '../../charts/LatencyChart';
import { SizeChart } from '../../charts/SizeChart';
import { ThroughputChart } from '../../charts/ThroughputChart';
import { Stat } from '../../components/Stat';
import { db } from './db';
import { PerLayerCard } from './PerLayerCard';

export function BenchResults({ r, tolerance }: { r: BenchResult; tolerance: number }) {
  const tol = toleranceRows(r);
  const verdict = tol[0] && withinTolerance(tol[0], tolerance);
  return (
    <>
      <BenchSummary r={r} verdict={verdict} />
      <div className="grid two">
        <LatencyCard latency={r.latency} />
        {r.throughput && <ThroughputCard throughput={r.throughput} />}
        <ToleranceCard r={r} tol={tol} tolerance={tolerance} verdict={verdict} />
        <FidelityCard r={r} />
        <section className="card">
          <h3>Model size</h3>
          <SizeChart size={r.size} />
        </section>
        <CpuCard cpu={r.cpu} />
        <PerLayerCard perLayer={r.perLayer} />
      </div>
    </>
  );
}

function BenchSummary({ r, verdict }: { r: BenchResult; verdict: boolean | undefined }) {
  const speedup = 1 / r.latency.ratioMedian;
  return (
    <div className="stats" data-testid="bench-summary">
      <Stat
        label="int8 speed-up"
        value={`${speedup.toFixed(2)}×`}
        sub={`${speedup >= 1 ? 'faster' : 'slower'} · median of ${r.latency.rounds} rounds, ${r.latency.threads} thread${r.latency.threads === 1 ? '' : 's'}`}
        tone={speedup >= 1 ? 'good' : 'bad'}
        testId="speedup"
      />
      <Stat
        label="int8 size"
        value={bytes(r.size.int8)}
        sub={`${Math.round((1 - r.size.int8 / r.size.fp32) * 100)}% smaller than fp32 (${bytes(r.size.fp32)})`}
      />
      {r.accuracy ? (
        <>
          <Stat label="fp32 accuracy" value={pct(r.accuracy.fp32)} sub={`top-1 on ${r.accuracy.samples} samples`} testId="acc-fp32" />
          <Stat
            label="int8 accuracy"
            value={pct(r.accuracy.int8)}
            sub={`${r.accuracy.delta >= 0 ? '+' : ''}${(r.accuracy.delta * 100).toFixed(2)} points`}
            tone={verdict ? 'good' : 'bad'}
            testId="acc-int8"
          />
        </>
      ) : (
        <Stat
          label="Top-1 agreement"
          value={pct(r.fidelity.top1Agreement)}
          sub="no labels: int8 vs fp32 argmax"
          tone={verdict === undefined ? undefined : verdict ? 'good' : 'bad'}
        />
      )}
    </div>
  );
}

function LatencyCard({ latency }: { latency: BenchResult['latency'] }) {
  return (
    <section className="card">
      <h3>Latency per run (batch 1)</h3>
      <LatencyChart latency={latency} />
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
              <td className="right">{ms(latency[k].p50)}</td>
              <td className="right">{ms(latency[k].p90)}</td>
              <td className="right">{ms(latency[k].p99)}</td>
              <td className="right">{ms(latency[k].mean)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Accuracy (or, without labels, top-1 agreement) held against the user's tolerance in points. */
function ToleranceCard({ r, tol, tolerance, verdict }: { r: BenchResult; tol: ToleranceRow[]; tolerance: number; verdict: boolean | undefined }) {
  return (
    <section className="card">
      <h3>{r.accuracy ? 'Accuracy against your tolerance' : 'Top-1 agreement against your tolerance'}</h3>
      {tol.length ? (
        <>
          <AccuracyChart rows={tol} tolerance={tolerance} />
          <p className={verdict ? 'good-text' : 'warn-text'} data-testid="accuracy-verdict" data-ok={verdict}>
            {r.accuracy ? 'Top-1 accuracy' : `Top-1 agreement on ${tol[0].name}`}: {signed(tol[0].points)} points, {verdict ? 'within' : 'beyond'} your{' '}
            {tolerance}-point tolerance.
          </p>
        </>
      ) : (
        <p className="hint">
          No labels and no output with one score per class, so there is nothing to hold to a tolerance in points; see the SQNR per output below.
        </p>
      )}
      {!r.accuracy && <OutputTable outputs={r.fidelity.perOutput} />}
    </section>
  );
}

function FidelityCard({ r }: { r: BenchResult }) {
  return (
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
  );
}

function CpuCard({ cpu }: { cpu: BenchResult['cpu'] }) {
  return (
    <section className="card">
      <h3>This CPU</h3>
      <p className="small">{cpu.model}</p>
      <div className="row gap wrap">
        <span className="tag">{cpu.cores} cores</span>
        <span className={`tag ${cpu.avx2 ? 'good' : ''}`}>AVX2 {cpu.avx2 ? 'yes' : 'no'}</span>
        <span className={`tag ${cpu.avx512 ? 'good' : ''}`}>AVX-512 {cpu.avx512 ? 'yes' : 'no'}</span>
        <span className={`tag ${cpu.vnni ? 'good' : 'warn'}`}>VNNI {cpu.vnni ? 'yes' : 'no'}</span>
      </div>
      {!cpu.vnni && (
        <p className="hint">
          Without VNNI, ONNX Runtime's int8 kernels gain much less than on VNNI CPUs; the Convert step's speed check shows which ops still pay.
        </p>
      )}
    </section>
  );
}

/** Throughput by batch size and thread count, with the batches a model could not take. */
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

/** Per-output fidelity, for data without labels. */
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
