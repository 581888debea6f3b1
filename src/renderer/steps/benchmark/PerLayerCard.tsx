import { useState } from 'react';
import type { BenchResult } from '../../../shared/bench';
import { LayerSqnrChart } from '../../charts/LayerSqnrChart';
import { LayerFix } from '../../components/LayerFix';
import { db } from './db';

/** Per-layer SQNR, worst first, with the fix loop for one tensor. */
export function PerLayerCard({ perLayer: p }: { perLayer: BenchResult['perLayer'] }) {
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
                      <button
                        type="button"
                        className="btn small"
                        onClick={() => setOpen(open === l.tensor ? undefined : l.tensor)}
                        data-testid="layer-fix-open"
                      >
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
          SQNR is cumulative: all the error that reaches a tensor, over {p.samples} sample{p.samples === 1 ? '' : 's'}. Drop is what the stretch of graph since
          the nearest compared tensors upstream adds.{p.skipped ? ` ${p.skipped} int8 tensors had no fp32 counterpart.` : ''}
        </p>
      )}
    </section>
  );
}
