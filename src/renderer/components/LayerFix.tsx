// The Benchmark step's fix loop: one tensor's calibration values with the chosen range (the
// clipping shows), its cumulative and isolated error, and actions that add a `local` rule,
// convert and benchmark again; then before → after, to keep or undo.
import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LayerError } from '../../shared/bench';
import type { LayerDetail } from '../../shared/jobs';
import { CLIPPING_ALGOS } from '../../shared/rangeAlgorithms';
import { applyFix, keepFix, loadLayerDetail, undoFix } from '../store/actions';
import { isLive, useWizard, type FixRound } from '../store/wizard';
import { errorInfo } from '../client';
import { INT8_COLOR } from '../charts/LatencyChart';

const db = (x: number | undefined | null) => (x === undefined || x === null ? '—' : x >= 999 ? '∞' : `${x.toFixed(1)} dB`);

export function LayerFix({ layer, onClose }: { layer: LayerError; onClose: () => void }) {
  const [detail, setDetail] = useState<LayerDetail>();
  const [error, setError] = useState<string>();
  const busy = useWizard((s) => !!s.fix && (s.fix.state === 'converting' || s.fix.state === 'benchmarking')) || isLive(useWizard.getState().quantizeJob);
  useEffect(() => {
    let live = true;
    setDetail(undefined);
    setError(undefined);
    loadLayerDetail(layer.tensor).then(
      (d) => live && setDetail(d),
      (e) => live && setError(errorInfo(e).message),
    );
    return () => {
      live = false;
    };
  }, [layer.tensor]);
  const owner = detail?.owner?.name;
  return (
    <div className="card" data-testid="layer-fix" style={{ marginTop: 12 }}>
      <div className="row between">
        <h4 className="mono">{layer.tensor}</h4>
        <button type="button" className="btn small ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="stats">
        <Fact label="Cumulative SQNR" value={db(layer.sqnrDb)} sub="all the error reaching it (measured)" />
        <Fact label="Added here" value={db(layer.dropDb)} sub="drop since the nearest compared tensors" />
        <Fact label="Isolated SQNR" value={db(detail?.isolatedSqnrDb)} sub="this tensor's own quantization, on fp32 values" testid="isolated-sqnr" />
        <Fact
          label="Clipped"
          value={detail?.clippedFraction === undefined ? '—' : `${(detail.clippedFraction * 100).toFixed(3)}%`}
          sub="values outside the chosen range"
        />
      </div>
      {error && <p className="warn-text">{error}</p>}
      {!detail && !error && <p className="muted">Reading the tensor on calibration samples…</p>}
      {detail && <RangeHistogram d={detail} />}
      {detail && (
        <p className="muted small">
          {detail.values.toLocaleString('en-US')} values from {detail.samples} calibration samples, {detail.min.toPrecision(4)} to {detail.max.toPrecision(4)}
          {detail.range
            ? `; range chosen ${detail.range.lo.toPrecision(4)} to ${detail.range.hi.toPrecision(4)} (scale ${detail.range.scale.toPrecision(4)}, zero point ${detail.range.zeroPoint})`
            : '; not quantized by a DequantizeLinear of that name'}
          {owner ? `. Rules for it go on node ${owner} (${detail.owner!.opType}).` : ''}
        </p>
      )}
      {owner && (
        <div className="row gap wrap" data-testid="fix-actions">
          <button type="button" className="btn" disabled={busy} onClick={() => void applyFix(layer.tensor, owner, 'fp32')} data-testid="fix-fp32">
            Keep {owner} in fp32
          </button>
          {CLIPPING_ALGOS.map((a) => (
            <button key={a} type="button" className="btn" disabled={busy} onClick={() => void applyFix(layer.tensor, owner, a)} data-testid={`fix-${a}`}>
              Try {a} here
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function RangeHistogram({ d }: { d: LayerDetail }) {
  const { lo, hi, counts } = d.histogram;
  const w = (hi - lo) / counts.length;
  const rows = counts.map((c, i) => ({ x: lo + (i + 0.5) * w, count: c }));
  return (
    <div style={{ width: '100%', height: 200 }} data-testid="layer-histogram">
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ top: 16, right: 16, bottom: 4, left: 8 }} barCategoryGap={0}>
          <CartesianGrid vertical={false} stroke="#e6e9f0" />
          <XAxis dataKey="x" type="number" domain={[lo, hi]} tick={{ fontSize: 11 }} tickFormatter={(v: number) => v.toPrecision(3)} />
          <YAxis scale="sqrt" tick={{ fontSize: 11 }} width={50} />
          <Tooltip formatter={(v) => [v, 'values']} labelFormatter={(v) => `≈ ${Number(v).toPrecision(4)}`} />
          <Bar dataKey="count" fill={INT8_COLOR} isAnimationActive={false} />
          {d.range && (
            <ReferenceLine x={d.range.lo} stroke="#e0632b" strokeWidth={2} label={{ value: 'range', position: 'top', fontSize: 11, fill: '#e0632b' }} />
          )}
          {d.range && (
            <ReferenceLine x={d.range.hi} stroke="#e0632b" strokeWidth={2} label={{ value: 'range', position: 'top', fontSize: 11, fill: '#e0632b' }} />
          )}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Before → after of the last fix round, with Keep and Undo. */
export function FixRoundCard({ fix }: { fix: FixRound }) {
  const after = useWizard((s) => (s.benchJob?.kind === 'bench' ? s.benchJob.result : undefined));
  const before = fix.before.benchJob?.kind === 'bench' ? fix.before.benchJob.result : undefined;
  const rows: [string, (r: NonNullable<typeof after>) => string][] = [
    ['Output SQNR', (r) => db(r.fidelity.sqnrDb)],
    ['Output cosine', (r) => r.fidelity.cosine.toFixed(6)],
    ['int8 top-1', (r) => (r.accuracy ? `${(r.accuracy.int8 * 100).toFixed(2)}%` : '—')],
    ['int8/fp32 latency', (r) => `${r.latency.ratioMedian.toFixed(2)}x`],
  ];
  return (
    <section className="card wide" data-testid="fix-round" data-state={fix.state}>
      <h3>
        Fix: {fix.action} <span className="mono small">{fix.key}</span>
      </h3>
      {fix.state === 'converting' && <p className="muted">Converting with the new rule…</p>}
      {fix.state === 'benchmarking' && <p className="muted">Benchmarking the new model…</p>}
      {fix.state === 'failed' && <p className="warn-text">{fix.error}</p>}
      {fix.state === 'done' && before && after && (
        <table className="table compact" data-testid="fix-compare">
          <thead>
            <tr>
              <th></th>
              <th className="right">Before</th>
              <th className="right">After</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, f]) => (
              <tr key={label}>
                <td>{label}</td>
                <td className="right mono">{f(before)}</td>
                <td className="right mono">{f(after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(fix.state === 'done' || fix.state === 'failed') && (
        <div className="row gap" style={{ marginTop: 12 }}>
          <button type="button" className="btn primary" onClick={keepFix} disabled={fix.state !== 'done'} data-testid="fix-keep">
            Keep
          </button>
          <button type="button" className="btn" onClick={undoFix} data-testid="fix-undo">
            Undo
          </button>
        </div>
      )}
    </section>
  );
}

function Fact({ label, value, sub, testid }: { label: string; value: string; sub: string; testid?: string }) {
  return (
    <div className="stat small" data-testid={testid}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      <div className="stat-sub">{sub}</div>
    </div>
  );
}
