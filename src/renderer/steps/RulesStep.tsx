import { useEffect, useMemo, useState } from 'react';
import type { NodeRef, RuleMatch } from '../../shared/api';
import { ACT_ALGOS, ACT_DTYPES, FORMATS, GRANULARITIES, PRESETS, W_DTYPES, isExcluded, parseRecipe, resolveNodeRule, type OpConfig, type RecipeInput } from '../../shared/recipe';
import { call, errorInfo } from '../client';
import { algoOf } from '../format';
import { goto } from '../store/actions';
import { useWizard, type PresetKey } from '../store/wizard';
import { ErrorPanel } from '../components/ErrorPanel';
import { NeedsModel } from './common';

const COMPUTE = new Set(['Conv', 'MatMul', 'Gemm']);
type Kind = 'auto' | 'name' | 'type' | 're';
const PREFIX: Record<Kind, string> = { auto: '', name: 'name:', type: 'type:', re: 're:' };

/** Equal after defaults are filled in (the sample count is the Data step's business). */
function sameRecipe(a: RecipeInput, b: RecipeInput): boolean {
  try {
    return JSON.stringify({ ...parseRecipe(a), calib_samples: 0 }) === JSON.stringify({ ...parseRecipe(b), calib_samples: 0 });
  } catch {
    return false;
  }
}

/** A select whose first option means "not set here" (inherit from the level above). */
function Pick<T extends string>({ id, label, value, options, onChange, inherit }: { id: string; label: string; value: T | undefined; options: readonly T[]; onChange: (v: T | undefined) => void; inherit?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange((e.target.value || undefined) as T | undefined)}>
        {inherit !== undefined && <option value="">{inherit}</option>}
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function Toggle({ id, label, checked, onChange, hint }: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string }) {
  return (
    <label className="toggle" htmlFor={id} title={hint}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

export function RulesStep() {
  const { model, modelPath, recipe, preset, history, editRecipe, applyPreset, undo, errors, setError } = useWizard();
  const ruleOrigins = useWizard((w) => w.ruleOrigins);
  const [nodes, setNodes] = useState<NodeRef[]>();
  const [matches, setMatches] = useState<Record<string, RuleMatch>>({});
  const [search, setSearch] = useState('');
  const [regex, setRegex] = useState(false);
  const [newKey, setNewKey] = useState('');
  const [newKind, setNewKind] = useState<Kind>('auto');
  const [lastRecipe, setLastRecipe] = useState<RecipeInput>();
  const local = useMemo(() => recipe.local ?? {}, [recipe.local]);

  // The recipe of the last conversion (remembered by the app, across sessions and machines' browsers).
  useEffect(() => {
    call('recent', {}).then((s) => setLastRecipe(s.lastRecipe), () => undefined);
  }, []);
  const keys = Object.keys(local);
  const keysKey = keys.join('\n');

  useEffect(() => {
    if (!modelPath) return;
    call('listNodes', { model: modelPath }).then(
      (r) => setNodes(r.nodes),
      (e) => setError('rules', errorInfo(e)),
    );
  }, [modelPath, setError]);

  useEffect(() => {
    if (!modelPath) return;
    const ks = keysKey ? keysKey.split('\n') : [];
    if (ks.length === 0) return setMatches({});
    let live = true;
    const t = setTimeout(() => {
      call('countRuleMatches', { model: modelPath, keys: ks }).then(
        (r) => live && setMatches(Object.fromEntries(r.rules.map((m) => [m.key, m]))),
        (e) => live && setError('rules', errorInfo(e)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [modelPath, keysKey, setError]);

  // Ctrl/Cmd+Z undoes the last rule edit, unless the user is typing in a field (the field's own undo wins).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !typing) {
        e.preventDefault();
        undo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo]);

  const check = useMemo(() => {
    try {
      return { recipe: parseRecipe(recipe), error: undefined };
    } catch (e) {
      return { recipe: undefined, error: (e as Error).message };
    }
  }, [recipe]);

  const planned = useMemo(() => {
    if (!nodes || !check.recipe) return undefined;
    const compute = nodes.filter((n) => COMPUTE.has(n.opType));
    const kept = compute.filter((n) => isExcluded(resolveNodeRule(check.recipe!, n)));
    return { compute: compute.length, kept: kept.length };
  }, [nodes, check.recipe]);

  const filtered = useMemo(() => {
    if (!nodes) return [];
    const q = search.trim();
    if (!q) return nodes;
    if (regex) {
      try {
        const re = new RegExp(q, 'i');
        return nodes.filter((n) => re.test(n.name) || re.test(n.opType));
      } catch {
        return [];
      }
    }
    const low = q.toLowerCase();
    return nodes.filter((n) => n.name.toLowerCase().includes(low) || n.opType.toLowerCase().includes(low));
  }, [nodes, search, regex]);
  const badSearch = regex && search.trim() !== '' && (() => {
    try {
      new RegExp(search);
      return false;
    } catch {
      return true;
    }
  })();

  const opTypes = useMemo(() => {
    const h: Record<string, number> = {};
    for (const n of nodes ?? []) h[n.opType] = (h[n.opType] ?? 0) + 1;
    return Object.entries(h).sort((a, b) => b[1] - a[1]);
  }, [nodes]);

  if (!model) return <NeedsModel />;

  const setGlobal = (label: string, p: Partial<RecipeInput>) => editRecipe(label, (r) => ({ ...r, ...p }));
  const addRule = (key: string, cfg: OpConfig = { w_dtype: 'fp32' }) => {
    if (!key || local[key]) return;
    editRecipe(`add rule ${key}`, (r) => ({ ...r, local: { ...(r.local ?? {}), [key]: cfg } }));
  };
  const setRule = (key: string, p: Partial<OpConfig>) =>
    editRecipe(`edit rule ${key}`, (r) => {
      const cfg = { ...(r.local?.[key] ?? {}), ...p } as Record<string, unknown>;
      for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k];
      return { ...r, local: { ...(r.local ?? {}), [key]: cfg as OpConfig } };
    });
  const removeRule = (key: string) =>
    editRecipe(`remove rule ${key}`, (r) => {
      const next = { ...(r.local ?? {}) };
      delete next[key];
      return { ...r, local: next };
    });
  const lastEdit = history[history.length - 1];
  const g = check.recipe;

  return (
    <div className="step-body">
      <section className="card">
        <div className="row between">
          <h3>Preset</h3>
          <button type="button" className="btn small" onClick={undo} disabled={!lastEdit} data-testid="undo" title="Ctrl+Z">
            ↶ Undo{lastEdit ? `: ${lastEdit.label}` : ''}
          </button>
        </div>
        <div className="choice-row" role="radiogroup" aria-label="Preset">
          {(Object.keys(PRESETS) as PresetKey[]).map((k) => (
            <label key={k} className={`choice${preset === k ? ' selected' : ''}`}>
              <input type="radio" name="preset" value={k} checked={preset === k} onChange={() => applyPreset(k)} />
              <span className="choice-title">{PRESETS[k].label}</span>
              <span className="choice-text">{PRESETS[k].description}</span>
            </label>
          ))}
        </div>
        <div className="row gap">
          {preset === 'custom' && <p className="hint grow">Custom: edited from a preset.</p>}
          {lastRecipe && !sameRecipe(lastRecipe, recipe) && (
            <button type="button" className="btn small" onClick={() => editRecipe('load the last recipe', () => ({ ...lastRecipe, calib_samples: recipe.calib_samples }))}>
              Use the recipe of the last conversion
            </button>
          )}
        </div>
      </section>

      <section className="card">
        <h3>Global settings</h3>
        <div className="form-grid four">
          <Pick id="g-w-dtype" label="Weights" value={recipe.w_dtype ?? g?.w_dtype} options={W_DTYPES} onChange={(v) => setGlobal(`weights ${v}`, { w_dtype: v })} />
          <Pick id="g-w-gran" label="Weight granularity" value={recipe.w_granularity ?? g?.w_granularity} options={GRANULARITIES} onChange={(v) => setGlobal(`granularity ${v}`, { w_granularity: v })} />
          <Pick id="g-act-dtype" label="Activations" value={recipe.act_dtype ?? g?.act_dtype} options={ACT_DTYPES} onChange={(v) => setGlobal(`activations ${v}`, { act_dtype: v })} />
          <Pick id="g-act-algo" label="Range algorithm" value={algoOf(recipe.act_algo) ?? g?.act_algo} options={ACT_ALGOS} onChange={(v) => setGlobal(`algorithm ${v}`, { act_algo: v })} />
          <Pick id="g-format" label="Format" value={recipe.format ?? g?.format} options={FORMATS} onChange={(v) => setGlobal(`format ${v}`, { format: v })} />
          {(algoOf(recipe.act_algo) ?? g?.act_algo) === 'percentile' && (
            <div className="field">
              <label htmlFor="g-pct">Percentile</label>
              <input id="g-pct" type="number" step="0.001" min={90.001} max={100} value={recipe.percentile ?? g?.percentile ?? 99.999} onChange={(e) => setGlobal('percentile', { percentile: Number(e.target.value) })} />
            </div>
          )}
          {['kl', 'mse', 'percentile'].includes(algoOf(recipe.act_algo) ?? g?.act_algo ?? '') && (
            <div className="field">
              <label htmlFor="g-bins">Histogram bins</label>
              <input id="g-bins" type="number" min={128} max={65536} value={recipe.calib_bins ?? g?.calib_bins ?? 2048} onChange={(e) => setGlobal('bins', { calib_bins: Math.round(Number(e.target.value)) })} />
            </div>
          )}
        </div>
        <div className="row gap wrap toggles">
          <Toggle id="g-w-sym" label="Symmetric weights" checked={recipe.w_sym ?? g?.w_sym ?? true} onChange={(v) => setGlobal(`symmetric weights ${v ? 'on' : 'off'}`, { w_sym: v })} />
          <Toggle id="g-act-sym" label="Symmetric activations" checked={recipe.act_sym ?? g?.act_sym ?? false} onChange={(v) => setGlobal(`symmetric activations ${v ? 'on' : 'off'}`, { act_sym: v })} />
          <label className="toggle" htmlFor="g-reduce" title="7-bit weights avoid int16 saturation of u8s8 kernels on CPUs without VNNI; auto measures both">
            <span>7-bit weights</span>
            <select id="g-reduce" value={String(recipe.reduce_range ?? g?.reduce_range ?? 'auto')} onChange={(e) => setGlobal(`7-bit weights ${e.target.value}`, { reduce_range: (e.target.value === 'auto' ? 'auto' : e.target.value === 'true') as RecipeInput['reduce_range'] })}>
              <option value="auto">auto</option>
              <option value="true">on</option>
              <option value="false">off</option>
            </select>
          </label>
          <Toggle id="g-fold" label="Fold BatchNorm" checked={recipe.fold_bn ?? g?.fold_bn ?? true} onChange={(v) => setGlobal(`fold BN ${v ? 'on' : 'off'}`, { fold_bn: v })} />
          <Toggle
            id="g-speed"
            label="Speed check"
            checked={recipe.speed_check ?? g?.speed_check ?? true}
            onChange={(v) => setGlobal(`speed check ${v ? 'on' : 'off'}`, { speed_check: v })}
            hint="Measure int8 against fp32 per op on this CPU and keep slower ops in fp32"
          />
        </div>
      </section>

      <section className="card">
        <div className="row between">
          <h3>Overrides</h3>
          {planned && (
            <span className="muted" data-testid="planned">
              Rules keep {planned.kept} of {planned.compute} compute nodes (Conv, MatMul, Gemm) in fp32
            </span>
          )}
        </div>
        <table className="table rules" data-testid="rules-table">
          <thead>
            <tr>
              <th>Selector</th>
              <th>Hits</th>
              <th>Weights</th>
              <th>Activations</th>
              <th>Granularity</th>
              <th>Algorithm</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {keys.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No overrides: every node follows the global settings. Add one below, or from the node list.
                </td>
              </tr>
            )}
            {keys.map((key, i) => {
              const m = matches[key];
              const cfg = local[key];
              return (
                <tr key={key} data-testid="rule-row">
                  <td className="mono ellipsis" title={key}>
                    {key}
                    {m && <span className="tag">{m.kind}</span>}
                    {ruleOrigins?.[key] && (
                      <div className="muted small" data-testid="rule-origin" title={ruleOrigins[key].at}>
                        added by the {ruleOrigins[key].origin}
                      </div>
                    )}
                  </td>
                  <td data-testid="rule-hits" className={m && m.matches === 0 ? 'warn-text' : ''} title={m?.examples.join(', ')}>
                    {m ? (m.error ? m.error : `${m.matches} node${m.matches === 1 ? '' : 's'}${m.wins !== m.matches ? ` (${m.wins} win)` : ''}`) : '…'}
                  </td>
                  <td>
                    <select aria-label={`weights for ${key}`} value={cfg.w_dtype ?? ''} onChange={(e) => setRule(key, { w_dtype: (e.target.value || undefined) as OpConfig['w_dtype'] })}>
                      <option value="">global</option>
                      {W_DTYPES.map((o) => (
                        <option key={o}>{o}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select aria-label={`activations for ${key}`} value={cfg.act_dtype ?? ''} onChange={(e) => setRule(key, { act_dtype: (e.target.value || undefined) as OpConfig['act_dtype'] })}>
                      <option value="">global</option>
                      {ACT_DTYPES.map((o) => (
                        <option key={o}>{o}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select aria-label={`granularity for ${key}`} value={cfg.w_granularity ?? ''} onChange={(e) => setRule(key, { w_granularity: (e.target.value || undefined) as OpConfig['w_granularity'] })}>
                      <option value="">global</option>
                      {GRANULARITIES.map((o) => (
                        <option key={o}>{o}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select aria-label={`algorithm for ${key}`} value={algoOf(cfg.act_algo) ?? ''} onChange={(e) => setRule(key, { act_algo: (e.target.value || undefined) as OpConfig['act_algo'] })}>
                      <option value="">global</option>
                      {ACT_ALGOS.map((o) => (
                        <option key={o}>{o}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button type="button" className="btn ghost small" aria-label={`remove rule ${key}`} data-testid={`remove-rule-${i}`} onClick={() => removeRule(key)}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <form
          className="row gap add-rule"
          onSubmit={(e) => {
            e.preventDefault();
            const k = newKey.trim();
            if (k) {
              addRule(PREFIX[newKind] + k);
              setNewKey('');
            }
          }}
        >
          <select aria-label="selector kind" value={newKind} onChange={(e) => setNewKind(e.target.value as Kind)}>
            <option value="auto">name, op type or regex</option>
            <option value="name">exact node name</option>
            <option value="type">op type</option>
            <option value="re">regex over names</option>
          </select>
          <input className="grow mono" aria-label="new rule selector" placeholder="e.g. Conv, Linear, /head/.*" value={newKey} onChange={(e) => setNewKey(e.target.value)} data-testid="new-rule" />
          <button type="submit" className="btn" disabled={!newKey.trim()}>
            Add rule (keeps fp32)
          </button>
        </form>
        {check.error && <ErrorPanel error={{ code: 'RECIPE_INVALID', message: check.error }} />}
        <ErrorPanel error={errors.rules} onDismiss={() => setError('rules', undefined)} />
      </section>

      <section className="card">
        <div className="row between wrap gap">
          <h3>Nodes</h3>
          <div className="row gap">
            <input className={`mono${badSearch ? ' invalid' : ''}`} aria-label="search nodes" placeholder={regex ? 'regex over names and op types' : 'search names and op types'} value={search} onChange={(e) => setSearch(e.target.value)} data-testid="node-search" />
            <Toggle id="search-regex" label="Regex" checked={regex} onChange={setRegex} />
          </div>
        </div>
        <div className="chips">
          {opTypes.map(([t, n]) => (
            <button type="button" key={t} className="chip-btn" onClick={() => addRule(`type:${t}`)} disabled={!!local[`type:${t}`]} title={`Add a rule for every ${t}`}>
              {t} <span className="muted">{n}</span>
            </button>
          ))}
        </div>
        <div className="node-list" data-testid="node-list">
          <table className="table compact">
            <tbody>
              {filtered.slice(0, 300).map((n) => {
                const r = check.recipe ? resolveNodeRule(check.recipe, n) : undefined;
                return (
                  <tr key={n.name}>
                    <td className="mono ellipsis" title={n.name}>
                      {n.name}
                    </td>
                    <td>{n.opType}</td>
                    <td className="muted small">{r?.matchedBy.length ? `by ${r.matchedBy.join(', ')}` : ''}</td>
                    <td className="right">
                      {COMPUTE.has(n.opType) && r && (isExcluded(r) ? <span className="tag warn">fp32</span> : <span className="tag good">int8</span>)}
                      <button type="button" className="btn ghost small" onClick={() => addRule(`name:${n.name}`)} disabled={!!local[`name:${n.name}`]}>
                        Keep fp32
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {filtered.length > 300 && <p className="muted small pad">{filtered.length - 300} more; narrow the search.</p>}
          {nodes && filtered.length === 0 && <p className="muted pad">No node matches.</p>}
        </div>
      </section>

      <div className="step-actions">
        <button type="button" className="btn" onClick={() => goto('data')}>
          ← Data
        </button>
        <button type="button" className="btn primary" onClick={() => goto('calibrate')} disabled={!!check.error}>
          Next: Calibrate →
        </button>
      </div>
    </div>
  );
}
