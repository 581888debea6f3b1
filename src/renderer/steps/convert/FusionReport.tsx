// What ONNX Runtime really runs in int8, read back from its optimized graph: the headline
// figures, the count per op type with the preparation facts, and what stays fp32 and why.
import type { ReactNode } from 'react';
import { lowestOutput, weightGranularityText, type QuantizeReport } from '../../../shared/report';
import { bytes, count } from '../../format';
import { Stat } from '../../components/Stat';

export function FusionSummary({ result, picker }: { result: QuantizeReport; picker: ReactNode }) {
  const f = result.fusion;
  const totalCompute = f.int8Ops + f.fp32ComputeOps;
  return (
    <section className="card">
      <div className="row between wrap gap">
        <h3>Fusion report</h3>
        {picker}
      </div>
      <p className="muted small">Read back from the graph ONNX Runtime will really run (its optimized model), not from what Octet planned.</p>
      <div className="stats">
        <Stat
          label="int8 compute ops"
          value={`${f.int8Ops} of ${totalCompute}`}
          tone={f.int8Ops > 0 ? 'good' : 'bad'}
          testId="fusion-int8"
          sub={totalCompute ? `${Math.round((f.int8Ops / totalCompute) * 100)}% of Conv/MatMul/Gemm` : undefined}
        />
        <Stat
          label="Left in fp32"
          value={String(f.fp32ComputeOps)}
          tone={f.fp32ComputeOps ? 'bad' : undefined}
          sub={f.fp32ComputeOps ? 'reasons below' : 'none'}
        />
        <Stat label="Q / DQ left" value={`${f.quantizeOps} / ${f.dequantizeOps}`} sub="not folded by ORT" />
        {result.outputFidelity && <FidelityStat fidelity={result.outputFidelity} />}
        <Stat label="Size" value={bytes(result.output.sizeBytes)} sub={`fp32 ${bytes(result.input.sizeBytes)}`} />
        <Stat
          label="Opset"
          value={String(result.output.opset)}
          sub={result.preparation.opsetUpgradedFrom ? `raised from ${result.preparation.opsetUpgradedFrom}` : result.output.format}
        />
      </div>
    </section>
  );
}

/** The written model's outputs against fp32 on calibration samples: the lowest output decides, class scores also by their top class. */
function FidelityStat({ fidelity: f }: { fidelity: NonNullable<QuantizeReport['outputFidelity']> }) {
  const lowest = lowestOutput(f.outputs);
  const top = f.outputs.filter((o) => o.argmaxAgreement !== undefined).map((o) => `top class ${(o.argmaxAgreement! * 100).toFixed(1)}%`);
  const parts = [
    `SQNR ${f.sqnrDb} dB, ${f.samples} calibration samples`,
    ...(f.outputs.length > 1 && lowest ? [`lowest ${lowest.name} ${lowest.cosine.toFixed(4)}`] : []),
    ...top,
  ];
  return <Stat label="Output cosine" value={f.cosine.toFixed(4)} tone={f.note ? 'bad' : 'good'} testId="fusion-fidelity" sub={parts.join(' · ')} />;
}

export function ByOpType({ result }: { result: QuantizeReport }) {
  const f = result.fusion;
  const types = [...new Set([...Object.keys(f.int8OpsByType), ...Object.keys(f.fp32OpsByType)])].sort();
  return (
    <section className="card">
      <h3>By op type</h3>
      <table className="table" data-testid="fusion-by-type">
        <thead>
          <tr>
            <th>Op type</th>
            <th className="right">int8</th>
            <th className="right">fp32</th>
          </tr>
        </thead>
        <tbody>
          {types.map((t) => (
            <tr key={t}>
              <td className="mono">{t}</td>
              <td className="right">{f.int8OpsByType[t] ?? 0}</td>
              <td className={`right${f.fp32OpsByType[t] ? ' warn-text' : ''}`}>{f.fp32OpsByType[t] ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="facts">
        <dt>Nodes planned int8</dt>
        <dd>
          {count(result.nodes.int8)} of {count(result.nodes.total)}
        </dd>
        <dt>Weights</dt>
        <dd data-testid="weights-fact">
          {result.weightBits.reduceRange ? '7' : '8'}-bit, {weightGranularityText(result)}
        </dd>
        <dt>BatchNorms folded</dt>
        <dd>{result.preparation.foldedBatchNorms}</dd>
        {result.preparation.opsetChanges.length > 0 && (
          <>
            <dt>Opset changes</dt>
            <dd>{result.preparation.opsetChanges.join('; ')}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** The compute ops ORT left in fp32 and those a rule excluded, each with its reason. */
export function Fp32Reasons({ result }: { result: QuantizeReport }) {
  const f = result.fusion;
  const rows = [...f.details, ...result.nodes.excluded.filter((x) => !f.details.some((d) => d.node === x.node))];
  return (
    <section className="card">
      <h3>Stays in fp32, and why</h3>
      {rows.length === 0 ? (
        <p className="good-text">Every Conv, MatMul and Gemm runs in int8.</p>
      ) : (
        <div className="scroll-box">
          <table className="table compact reasons" data-testid="fp32-reasons">
            <thead>
              <tr>
                <th>Node</th>
                <th>Op</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.node}>
                  <td className="mono ellipsis" title={d.node}>
                    {d.node}
                  </td>
                  <td>{d.opType}</td>
                  <td>{d.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
