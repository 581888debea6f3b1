import { useMemo, useState } from 'react';
import type { NodeRef } from '../../../shared/api';
import { isExcluded, resolveNodeRule, type Recipe, type RecipeInput } from '../../../shared/recipe';
import { Toggle } from './controls';
import { COMPUTE_OPS } from './options';

const SHOWN = 300;

/** Nodes matching a text or regex search, in model order. */
function searchNodes(nodes: NodeRef[], search: string, regex: boolean): NodeRef[] {
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
}

function isBadRegex(s: string): boolean {
  try {
    new RegExp(s);
    return false;
  } catch {
    return true;
  }
}

/** The model's nodes: search, one-click rules per op type or node, and what the recipe does to each. */
export function NodesCard({
  nodes,
  parsed,
  local,
  addRule,
}: {
  nodes: NodeRef[] | undefined;
  parsed: Recipe | undefined;
  local: NonNullable<RecipeInput['local']>;
  addRule: (key: string) => void;
}) {
  const [search, setSearch] = useState('');
  const [regex, setRegex] = useState(false);
  const filtered = useMemo(() => (nodes ? searchNodes(nodes, search, regex) : []), [nodes, search, regex]);
  const badSearch = regex && search.trim() !== '' && isBadRegex(search);
  const opTypes = useMemo(() => {
    const h: Record<string, number> = {};
    for (const n of nodes ?? []) h[n.opType] = (h[n.opType] ?? 0) + 1;
    return Object.entries(h).sort((a, b) => b[1] - a[1]);
  }, [nodes]);

  return (
    <section className="card">
      <div className="row between wrap gap">
        <h3>Nodes</h3>
        <div className="row gap">
          <input
            className={`mono${badSearch ? ' invalid' : ''}`}
            aria-label="search nodes"
            placeholder={regex ? 'regex over names and op types' : 'search names and op types'}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="node-search"
          />
          <Toggle id="search-regex" label="Regex" checked={regex} onChange={setRegex} />
        </div>
      </div>
      <div className="chips">
        {opTypes.map(([t, n]) => (
          <button
            type="button"
            key={t}
            className="chip-btn"
            onClick={() => addRule(`type:${t}`)}
            disabled={!!local[`type:${t}`]}
            title={`Add a rule for every ${t}`}
          >
            {t} <span className="muted">{n}</span>
          </button>
        ))}
      </div>
      <div className="node-list" data-testid="node-list">
        <table className="table compact">
          <tbody>
            {filtered.slice(0, SHOWN).map((n) => {
              const r = parsed ? resolveNodeRule(parsed, n) : undefined;
              return (
                <tr key={n.name}>
                  <td className="mono ellipsis" title={n.name}>
                    {n.name}
                  </td>
                  <td>{n.opType}</td>
                  <td className="muted small">{r?.matchedBy.length ? `by ${r.matchedBy.join(', ')}` : ''}</td>
                  <td className="right">
                    {COMPUTE_OPS.includes(n.opType) && r && (isExcluded(r) ? <span className="tag warn">fp32</span> : <span className="tag good">int8</span>)}
                    <button type="button" className="btn ghost small" onClick={() => addRule(`name:${n.name}`)} disabled={!!local[`name:${n.name}`]}>
                      Keep fp32
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {filtered.length > SHOWN && <p className="muted small pad">{filtered.length - SHOWN} more; narrow the search.</p>}
        {nodes && filtered.length === 0 && <p className="muted pad">No node matches.</p>}
      </div>
    </section>
  );
}
