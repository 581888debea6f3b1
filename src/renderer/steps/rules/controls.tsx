// Form controls of the Rules step.

export interface SelectProps<T extends string> {
  id?: string;
  ariaLabel?: string;
  value: T | undefined;
  options: readonly T[];
  onChange: (v: T | undefined) => void;
  /** A first option meaning "not set here" (the level above decides), with this text. */
  inherit?: string;
  /** A tooltip per option. */
  describe?: (o: T) => string;
}

/** A select over fixed options. */
export function Select<T extends string>({ id, ariaLabel, value, options, onChange, inherit, describe }: SelectProps<T>) {
  return (
    <select id={id} aria-label={ariaLabel} value={value ?? ''} onChange={(e) => onChange((e.target.value || undefined) as T | undefined)}>
      {inherit !== undefined && <option value="">{inherit}</option>}
      {options.map((o) => (
        <option key={o} value={o} title={describe?.(o)}>
          {o}
        </option>
      ))}
    </select>
  );
}

/** A labelled `Select`. */
export function Pick<T extends string>({ id, label, ...select }: { id: string; label: string } & Omit<SelectProps<T>, 'id' | 'ariaLabel'>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <Select id={id} {...select} />
    </div>
  );
}

export function Toggle({ id, label, checked, onChange, hint }: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string }) {
  return (
    <label className="toggle" htmlFor={id} title={hint}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

/** A number input in a labelled field. */
export function NumberField({
  id,
  label,
  value,
  onChange,
  ...limits
}: {
  id: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
  min: number;
  max: number;
  step?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" {...limits} value={value} onChange={(e) => onChange(Number(e.target.value))} />
    </div>
  );
}
