import { useState } from 'react';
import type { RuleMatch } from '../../../shared/api';
import type { ErrorInfo } from '../../../shared/errors';
import type { OpConfig, RecipeInput } from '../../../shared/recipe';
import { ErrorPanel } from '../../components/ErrorPanel';
import type { RuleOrigin } from '../../store/wizard';
import { Select } from './controls';
import type { RecipeEdits } from './hooks';
import { CHOICES, COMPUTE_OPS, RULE_CHOICES, SELECTOR_KINDS, chosen, type SelectorKind } from './options';

type Local = NonNullable<RecipeInput['local']>;

/** The `local` overrides: one row each, with what it matches, and a form to add one. */
export function OverridesCard({
  local,
  matches,
  ruleOrigins,
  planned,
  recipeError,
  error,
  onDismissError,
  edits,
}: {
  local: Local;
  matches: Record<string, RuleMatch>;
  ruleOrigins: Record<string, RuleOrigin> | undefined;
  /** Compute nodes, and how many the rules keep in fp32 (undefined until the nodes are known and the recipe is valid). */
  planned: { compute: number; kept: number } | undefined;
  recipeError: string | undefined;
  error: ErrorInfo | undefined;
  onDismissError: () => void;
  edits: RecipeEdits;
}) {
  const keys = Object.keys(local);
  return (
    <section className="card">
      <div className="row between">
        <h3>Overrides</h3>
        {planned && (
          <span className="muted" data-testid="planned">
            Rules keep {planned.kept} of {planned.compute} compute nodes ({COMPUTE_OPS.join(', ')}) in fp32
          </span>
        )}
      </div>
      <table className="table rules" data-testid="rules-table">
        <thead>
          <tr>
            <th>Selector</th>
            <th>Hits</th>
            {RULE_CHOICES.map((f) => (
              <th key={f}>{CHOICES[f].header}</th>
            ))}
            <th></th>
          </tr>
        </thead>
        <tbody>
          {keys.length === 0 && (
            <tr>
              <td colSpan={RULE_CHOICES.length + 3} className="muted">
                No overrides: every node follows the global settings. Add one below, or from the node list.
              </td>
            </tr>
          )}
          {keys.map((key, i) => (
            <RuleRow key={key} index={i} ruleKey={key} cfg={local[key]} match={matches[key]} origin={ruleOrigins?.[key]} edits={edits} />
          ))}
        </tbody>
      </table>
      <AddRuleForm onAdd={(key) => edits.addRule(key)} />
      {recipeError && <ErrorPanel error={{ code: 'RECIPE_INVALID', message: recipeError }} />}
      <ErrorPanel error={error} onDismiss={onDismissError} />
    </section>
  );
}

function RuleRow({
  index,
  ruleKey: key,
  cfg,
  match: m,
  origin,
  edits,
}: {
  index: number;
  ruleKey: string;
  cfg: Local[string];
  match: RuleMatch | undefined;
  origin: RuleOrigin | undefined;
  edits: RecipeEdits;
}) {
  return (
    <tr data-testid="rule-row">
      <td className="mono ellipsis" title={key}>
        {key}
        {m && <span className="tag">{m.kind}</span>}
        {origin && (
          <div className="muted small" data-testid="rule-origin" title={origin.at}>
            added by the {origin.origin}
          </div>
        )}
      </td>
      <td data-testid="rule-hits" className={m && m.matches === 0 ? 'warn-text' : ''} title={m?.examples.join(', ')}>
        {m ? (m.error ? m.error : `${m.matches} node${m.matches === 1 ? '' : 's'}${m.wins !== m.matches ? ` (${m.wins} win)` : ''}`) : '…'}
      </td>
      {RULE_CHOICES.map((f) => (
        <td key={f}>
          <Select
            ariaLabel={`${CHOICES[f].name} for ${key}`}
            value={chosen(cfg, f)}
            options={CHOICES[f].options}
            describe={CHOICES[f].describe}
            inherit="global"
            onChange={(v) => edits.setRule(key, { [f]: v } as Partial<OpConfig>)}
          />
        </td>
      ))}
      <td>
        <button
          type="button"
          className="btn ghost small"
          aria-label={`remove rule ${key}`}
          data-testid={`remove-rule-${index}`}
          onClick={() => edits.removeRule(key)}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

function AddRuleForm({ onAdd }: { onAdd: (key: string) => void }) {
  const [newKey, setNewKey] = useState('');
  const [newKind, setNewKind] = useState<SelectorKind>('auto');
  return (
    <form
      className="row gap add-rule"
      onSubmit={(e) => {
        e.preventDefault();
        const k = newKey.trim();
        if (k) {
          onAdd(SELECTOR_KINDS.find((s) => s.kind === newKind)!.prefix + k);
          setNewKey('');
        }
      }}
    >
      <select aria-label="selector kind" value={newKind} onChange={(e) => setNewKind(e.target.value as SelectorKind)}>
        {SELECTOR_KINDS.map((s) => (
          <option key={s.kind} value={s.kind}>
            {s.label}
          </option>
        ))}
      </select>
      <input
        className="grow mono"
        aria-label="new rule selector"
        placeholder="e.g. Conv, Linear, /head/.*"
        value={newKey}
        onChange={(e) => setNewKey(e.target.value)}
        data-testid="new-rule"
      />
      <button type="submit" className="btn" disabled={!newKey.trim()}>
        Add rule (keeps fp32)
      </button>
    </form>
  );
}
