import { DEFAULT_RECIPE, type Recipe, type RecipeInput } from '../../../shared/recipe';
import { globalActAlgoOf } from '../../../shared/rangeAlgorithms';
import { NumberField, Pick, Toggle } from './controls';
import { CHOICES, GLOBAL_CHOICES, PARAM_FIELDS, chosen, paramShown } from './options';

/**
 * The recipe's global settings. `recipe` is what the user set; `parsed` (undefined while the recipe
 * is invalid) fills in the defaults.
 */
export function GlobalSettings({
  recipe,
  parsed: g,
  setGlobal,
}: {
  recipe: RecipeInput;
  parsed: Recipe | undefined;
  setGlobal: (label: string, p: Partial<RecipeInput>) => void;
}) {
  const algo = globalActAlgoOf(recipe.act_algo) ?? g?.act_algo;
  return (
    <section className="card">
      <h3>Global settings</h3>
      <div className="form-grid four">
        {GLOBAL_CHOICES.map((field) => {
          const c = CHOICES[field];
          return (
            <Pick
              key={field}
              id={c.id}
              label={c.label}
              value={chosen(recipe, field) ?? g?.[field]}
              options={c.globalOptions ?? c.options}
              describe={c.describe}
              onChange={(v) => setGlobal(`${c.name} ${v}`, { [field]: v } as Partial<RecipeInput>)}
            />
          );
        })}
        {PARAM_FIELDS.filter((p) => paramShown(algo, p.param)).map((p) => (
          <NumberField
            key={p.param}
            id={p.id}
            label={p.label}
            step={p.step}
            min={p.min}
            max={p.max}
            value={recipe[p.param] ?? g?.[p.param] ?? DEFAULT_RECIPE[p.param]}
            onChange={(v) => setGlobal(p.name, { [p.param]: p.integer ? Math.round(v) : v })}
          />
        ))}
      </div>
      <div className="row gap wrap toggles">
        <Toggle
          id="g-w-sym"
          label="Symmetric weights"
          checked={recipe.w_sym ?? g?.w_sym ?? true}
          onChange={(v) => setGlobal(`symmetric weights ${v ? 'on' : 'off'}`, { w_sym: v })}
        />
        <Toggle
          id="g-act-sym"
          label="Symmetric activations"
          checked={recipe.act_sym ?? g?.act_sym ?? false}
          onChange={(v) => setGlobal(`symmetric activations ${v ? 'on' : 'off'}`, { act_sym: v })}
        />
        <label className="toggle" htmlFor="g-reduce" title="7-bit weights avoid int16 saturation of u8s8 kernels on CPUs without VNNI; auto measures both">
          <span>7-bit weights</span>
          <select
            id="g-reduce"
            value={String(recipe.reduce_range ?? g?.reduce_range ?? 'auto')}
            onChange={(e) =>
              setGlobal(`7-bit weights ${e.target.value}`, {
                reduce_range: (e.target.value === 'auto' ? 'auto' : e.target.value === 'true') as RecipeInput['reduce_range'],
              })
            }
          >
            <option value="auto">auto</option>
            <option value="true">on</option>
            <option value="false">off</option>
          </select>
        </label>
        <Toggle
          id="g-fold"
          label="Fold BatchNorm"
          checked={recipe.fold_bn ?? g?.fold_bn ?? true}
          onChange={(v) => setGlobal(`fold BN ${v ? 'on' : 'off'}`, { fold_bn: v })}
        />
        <Toggle
          id="g-static"
          label="Static input shapes"
          checked={recipe.static_shapes ?? g?.static_shapes ?? false}
          onChange={(v) => setGlobal(`static input shapes ${v ? 'on' : 'off'}`, { static_shapes: v })}
          hint="Write the model for the input shapes of the calibration data only: ONNX Runtime folds shape tests and If branches, and the model refuses other shapes"
        />
        <Toggle
          id="g-speed"
          label="Speed check"
          checked={recipe.speed_check ?? g?.speed_check ?? true}
          onChange={(v) => setGlobal(`speed check ${v ? 'on' : 'off'}`, { speed_check: v })}
          hint="Measure int8 against fp32 per op on this CPU and keep slower ops in fp32"
        />
      </div>
    </section>
  );
}
