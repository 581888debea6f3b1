import { FORMATS, type RecipeInput } from '../../../shared/recipe';
import { runQuantize } from '../../store/actions';
import { useWizard } from '../../store/wizard';

/** The recipe's output format, and "Convert again" with it; says when the shown result is out of date. */
export function FormatPicker({ live, stale }: { live: boolean; stale: boolean }) {
  const format = useWizard((s) => s.recipe.format);
  const editRecipe = useWizard((s) => s.editRecipe);
  return (
    <div className="row gap">
      <div className="field inline">
        <label htmlFor="cv-format">Format</label>
        <select
          id="cv-format"
          value={format ?? 'qdq'}
          disabled={live}
          onChange={(e) => editRecipe(`format ${e.target.value}`, (r) => ({ ...r, format: e.target.value as RecipeInput['format'] }))}
        >
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {f === 'qdq' ? 'QDQ (Q/DQ pairs ORT fuses)' : 'QOperator (explicit QLinear* ops)'}
            </option>
          ))}
        </select>
      </div>
      <button type="button" className="btn" onClick={() => void runQuantize('convert')} disabled={live} data-testid="convert-again">
        Convert again
      </button>
      {stale && !live && <span className="warn-text">Settings changed since this result.</span>}
    </div>
  );
}
