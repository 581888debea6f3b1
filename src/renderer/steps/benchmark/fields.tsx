// The Benchmark step's number inputs.

/** A number input that only reports values in [min, max], so a half-typed value never reaches the store. */
export function NumberField({
  id,
  label,
  value,
  min,
  max,
  step,
  disabled,
  onChange,
}: {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  disabled?: boolean;
  onChange: (v: number) => void;
}) {
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
export function NumberChecks({
  legend,
  options,
  value,
  onChange,
  disabled,
  none,
}: {
  legend: string;
  options: number[];
  value: number[];
  onChange: (v: number[]) => void;
  disabled: boolean;
  none?: string;
}) {
  return (
    <fieldset className="checks inline" disabled={disabled}>
      <legend>{legend}</legend>
      {options.map((n) => {
        const on = value.includes(n);
        return (
          <label key={n} className="toggle">
            <input
              type="checkbox"
              checked={on}
              disabled={on && value.length === 1 && none === undefined}
              onChange={() => onChange(on ? value.filter((x) => x !== n) : [...value, n].sort((a, b) => a - b))}
            />
            <span>{n}</span>
          </label>
        );
      })}
      {none && <span className="small muted">none ticked: {none}</span>}
    </fieldset>
  );
}
