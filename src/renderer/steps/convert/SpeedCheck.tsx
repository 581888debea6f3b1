import type { GroupCheck, QuantizeReport, SpeedCheck } from '../../../shared/report';

/** The groups the speed check measured in int8 against fp32 as a whole, each with what it holds. */
function groups(speed: SpeedCheck): (readonly [string, GroupCheck])[] {
  return [
    ...(speed.activationMatMuls ? [['MatMul(s) of two activations', speed.activationMatMuls] as const] : []),
    ...(speed.gates ?? []).map((k) => [`op(s) gated by ${k.gate}(…)`, k] as const),
    ...(speed.elementwise ? [['Add/Mul between int8 ops', speed.elementwise] as const] : []),
  ];
}

/** The measured speed check: which ops stayed fp32 because int8 timed slower on this CPU. Absent when the recipe turned it off. */
export function SpeedCheckCard({ speed }: { speed: NonNullable<QuantizeReport['speedCheck']> }) {
  if (speed.ops.length === 0) return null;
  return (
    <section className="card">
      <h3>Speed check (this CPU, 1 thread)</h3>
      <p className="muted small">
        {speed.keptFloat.length ? `Kept ${speed.keptFloat.length} op(s) in fp32 because int8 measured slower.` : 'int8 was kept for every measured op.'}
        {speed.variantRatio !== undefined && ` Variant latency ratio ${speed.variantRatio}.`}
        {groups(speed).map(
          ([what, group]) =>
            ` ${group.nodes.length} ${what} ${group.keptFloat ? 'kept in fp32' : 'left in int8'}: ${group.variantRatio}× the latency with them in fp32.`,
        )}
      </p>
      <div className="scroll-box short">
        <table className="table compact">
          <thead>
            <tr>
              <th>Node</th>
              <th>Op</th>
              <th className="right">fp32 µs</th>
              <th className="right">int8 µs</th>
            </tr>
          </thead>
          <tbody>
            {speed.ops.map((o) => (
              <tr key={o.node}>
                <td className="mono ellipsis">{o.node}</td>
                <td>{o.opType}</td>
                <td className="right">{o.fp32Us}</td>
                <td className={`right${o.int8Us > o.fp32Us ? ' warn-text' : ''}`}>{o.int8Us}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The conversion's warnings, each once. */
export function Warnings({ warnings }: { warnings: string[] }) {
  const unique = [...new Set(warnings)];
  if (unique.length === 0) return null;
  return (
    <section className="card warnings">
      <h3>Warnings</h3>
      <ul>
        {unique.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </section>
  );
}
