// The Rules step's data and edits: the model's nodes, what each override matches, Ctrl+Z, and
// the recipe edits (each one an undo entry with a label).
import { useEffect, useState } from 'react';
import type { NodeRef, RuleMatch } from '../../../shared/api';
import type { OpConfig, RecipeInput } from '../../../shared/recipe';
import { call, errorInfo } from '../../client';
import { useWizard } from '../../store/wizard';

/** The model's nodes (names and op types), from the main process. */
export function useNodes(modelPath: string | undefined): NodeRef[] | undefined {
  const setError = useWizard((w) => w.setError);
  const [nodes, setNodes] = useState<NodeRef[]>();
  useEffect(() => {
    if (!modelPath) return;
    call('listNodes', { model: modelPath }).then(
      (r) => setNodes(r.nodes),
      (e) => setError('rules', errorInfo(e)),
    );
  }, [modelPath, setError]);
  return nodes;
}

/** What each override key matches in the model, counted by the main process 150 ms after the keys stop changing. */
export function useRuleMatches(modelPath: string | undefined, keys: string[]): Record<string, RuleMatch> {
  const setError = useWizard((w) => w.setError);
  const [matches, setMatches] = useState<Record<string, RuleMatch>>({});
  const keysKey = keys.join('\n');
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
  return matches;
}

/** Ctrl/Cmd+Z undoes the last rule edit, unless the user is typing in a field (the field's own undo wins). */
export function useUndoShortcut(undo: () => void): void {
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
}

export interface RecipeEdits {
  setGlobal(label: string, p: Partial<RecipeInput>): void;
  /** Adds an override (by default keeping the nodes it matches in fp32) unless the key has one. */
  addRule(key: string, cfg?: OpConfig): void;
  /** Sets fields of an override; an undefined field is removed (the global setting applies). */
  setRule(key: string, p: Partial<OpConfig>): void;
  removeRule(key: string): void;
}

export function recipeEdits(editRecipe: (label: string, fn: (r: RecipeInput) => RecipeInput) => void, local: NonNullable<RecipeInput['local']>): RecipeEdits {
  return {
    setGlobal: (label, p) => editRecipe(label, (r) => ({ ...r, ...p })),
    addRule: (key, cfg = { w_dtype: 'fp32' }) => {
      if (!key || local[key]) return;
      editRecipe(`add rule ${key}`, (r) => ({ ...r, local: { ...(r.local ?? {}), [key]: cfg } }));
    },
    setRule: (key, p) =>
      editRecipe(`edit rule ${key}`, (r) => {
        const cfg = { ...(r.local?.[key] ?? {}), ...p } as Record<string, unknown>;
        for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k];
        return { ...r, local: { ...(r.local ?? {}), [key]: cfg as OpConfig } };
      }),
    removeRule: (key) =>
      editRecipe(`remove rule ${key}`, (r) => {
        const next = { ...(r.local ?? {}) };
        delete next[key];
        return { ...r, local: next };
      }),
  };
}
