// The Rules step: the recipe's preset, global settings and `local` overrides, over the model's
// nodes. The parts live in ./rules/; what they offer comes from src/shared (recipe enums, range algorithms).
import { useMemo } from 'react';
import { isExcluded, parseRecipe, resolveNodeRule } from '../../shared/recipe';
import { goto } from '../store/actions';
import { useWizard } from '../store/wizard';
import { NeedsModel } from './common';
import { GlobalSettings } from './rules/GlobalSettings';
import { NodesCard } from './rules/NodesCard';
import { OverridesCard } from './rules/OverridesCard';
import { PresetCard } from './rules/PresetCard';
import { recipeEdits, useNodes, useRuleMatches, useUndoShortcut } from './rules/hooks';
import { COMPUTE_OPS } from './rules/options';

export function RulesStep() {
  const { model, modelPath, recipe, editRecipe, undo, errors, setError } = useWizard();
  const ruleOrigins = useWizard((w) => w.ruleOrigins);
  const local = useMemo(() => recipe.local ?? {}, [recipe.local]);
  const nodes = useNodes(modelPath);
  const matches = useRuleMatches(modelPath, Object.keys(local));
  useUndoShortcut(undo);

  const check = useMemo(() => {
    try {
      return { recipe: parseRecipe(recipe), error: undefined };
    } catch (e) {
      return { recipe: undefined, error: (e as Error).message };
    }
  }, [recipe]);

  const planned = useMemo(() => {
    if (!nodes || !check.recipe) return undefined;
    const compute = nodes.filter((n) => COMPUTE_OPS.includes(n.opType));
    const kept = compute.filter((n) => isExcluded(resolveNodeRule(check.recipe!, n)));
    return { compute: compute.length, kept: kept.length };
  }, [nodes, check.recipe]);

  if (!model) return <NeedsModel />;
  const edits = recipeEdits(editRecipe, local);

  return (
    <div className="step-body">
      <PresetCard />
      <GlobalSettings recipe={recipe} parsed={check.recipe} setGlobal={edits.setGlobal} />
      <OverridesCard
        local={local}
        matches={matches}
        ruleOrigins={ruleOrigins}
        planned={planned}
        recipeError={check.error}
        error={errors.rules}
        onDismissError={() => setError('rules', undefined)}
        edits={edits}
      />
      <NodesCard nodes={nodes} parsed={check.recipe} local={local} addRule={edits.addRule} />
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
