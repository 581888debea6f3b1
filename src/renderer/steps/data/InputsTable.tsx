// Every model input, the array that feeds it and what it holds (arrays and multi-input models).
import type { DataDescription, DataInputView } from '../../../shared/api';

const fmtDims = (d: (number | string | null)[] | null | undefined) => (d ? `[${d.map((x) => x ?? '?').join(', ')}]` : '?');
const fmtNum = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1000 || (x !== 0 && Math.abs(x) < 0.01) ? x.toExponential(2) : x.toFixed(3));

function ValueCell({ v }: { v: DataInputView }) {
  if (v.kind === 'zeros') return <span className="muted">zeros (a recurrent state's start)</span>;
  const range = `${fmtNum(v.min)} … ${fmtNum(v.max)}`;
  if (v.kind === 'ids' || v.kind === 'mask') {
    return (
      <>
        <span>
          {v.kind === 'ids' ? 'ids' : 'mask'} {range}
        </span>
        {v.head && (
          <div className="mono small muted ids" title="the first values of sample 0, as the model receives them">
            {v.head.slice(0, 16).join(' ')}
            {v.dims.reduce((a, b) => a * b, 1) > 16 ? ' …' : ''}
          </div>
        )}
      </>
    );
  }
  return <span>{range}</span>;
}

/** Every model input, the array that feeds it and what it holds. */
export function InputsTable({ desc, declared }: { desc: DataDescription; declared: { name: string; dims: (number | string | null)[] | null }[] }) {
  return (
    <>
      <table className="table compact" data-testid="data-inputs">
        <thead>
          <tr>
            <th>Input</th>
            <th>Model</th>
            <th>Fed per sample</th>
            <th>Array</th>
            <th>Values{desc.inputs[0] ? ` (${desc.inputs[0].scanned} samples)` : ''}</th>
          </tr>
        </thead>
        <tbody>
          {desc.inputs.map((v) => (
            <tr key={v.name} data-testid="data-input-row">
              <td className="mono">{v.name}</td>
              <td className="mono">
                {v.type} {fmtDims(declared.find((d) => d.name === v.name)?.dims ?? v.modelDims)}
              </td>
              <td className="mono">{fmtDims(v.dims)}</td>
              <td className="mono">{v.arrayShape ? `${fmtDims(v.arrayShape)} ${v.arrayDtype}` : v.source === 'zeros' ? '—' : v.source}</td>
              <td>
                <ValueCell v={v} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {desc.notes.map((n) => (
        <p key={n} className="hint" data-testid="data-note">
          {n}
        </p>
      ))}
    </>
  );
}
