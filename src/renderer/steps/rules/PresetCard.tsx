import { useEffect, useState } from 'react';
import { PRESETS, parseRecipe, type RecipeInput } from '../../../shared/recipe';
import { call } from '../../client';
import { useWizard, type PresetKey } from '../../store/wizard';

/** Equal after defaults are filled in (the sample count is the Data step's business). */
function sameRecipe(a: RecipeInput, b: RecipeInput): boolean {
  try {
    return JSON.stringify({ ...parseRecipe(a), calib_samples: 0 }) === JSON.stringify({ ...parseRecipe(b), calib_samples: 0 });
  } catch {
    return false;
  }
}

/** The presets, undo, and the recipe of the last conversion. */
export function PresetCard() {
  const { recipe, preset, history, editRecipe, applyPreset, undo } = useWizard();
  const [lastRecipe, setLastRecipe] = useState<RecipeInput>();
  // The recipe of the last conversion (remembered by the app, across sessions and machines' browsers).
  useEffect(() => {
    call('recent', {}).then(
      (s) => setLastRecipe(s.lastRecipe),
      () => undefined,
    );
  }, []);
  const lastEdit = history[history.length - 1];

  return (
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
          <button
            type="button"
            className="btn small"
            onClick={() => editRecipe('load the last recipe', () => ({ ...lastRecipe, calib_samples: recipe.calib_samples }))}
          >
            Use the recipe of the last conversion
          </button>
        )}
      </div>
    </section>
  );
}
