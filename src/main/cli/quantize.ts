// `octet quantize MODEL -o OUT --data SPEC ...` and `octet inspect MODEL`: one job each in a worker.
import { FORMATS } from '../../shared/recipe';
import { GLOBAL_ACT_ALGO_NAMES, actAlgoChoices, describeActAlgos } from '../../shared/rangeAlgorithms';
import type { QuantizeParams } from '../../shared/jobs';
import { runInWorker } from '../jobs/host';
import { formatQuantizeReport, formatSummary } from './format';
import { oneOf, parseShapes, positiveInt, readRecipeFile, usageError } from './args';
import { defineCommand, EXIT } from './command';

const QUANTIZE_SYNOPSIS = `  octet quantize MODEL -o OUT --data SPEC [--recipe FILE] [--calib-samples N]
                 [--act-algo ${actAlgoChoices()}] [--format qdq|qoperator]
                 [--shape NAME=d0,d1,...] [--static-shapes] [--report FILE]`;

export const quantizeCommand = defineCommand({
  name: 'quantize',
  synopsis: QUANTIZE_SYNOPSIS,
  usage: `Usage:
${QUANTIZE_SYNOPSIS}

  Calibrates MODEL on SPEC and writes the static int8 model to OUT. The recipe (INC's
  StaticQuantConfig fields, README "Recipe") gives every setting; the flags override its
  calib_samples, act_algo, format and static_shapes. --report writes the quantization report as JSON.

  The written model keeps the input dims the model leaves dynamic. --static-shapes (the
  recipe's static_shapes) writes it for the shapes calibration fed (--shape, or the data's)
  instead: ONNX Runtime then folds the shape computations and inlines the If branches they
  decide, and the model accepts only those shapes. The report says when If nodes test such dims.

  --act-algo chooses how activation ranges are set from the calibration data:
${describeActAlgos('    ')}

  Ctrl-C cancels (exit ${EXIT.CANCELLED}, nothing written). Bad usage exits ${EXIT.USAGE}, a failure ${EXIT.FAILED}.`,
  flags: {
    output: { type: 'string', short: 'o' },
    recipe: { type: 'string' },
    data: { type: 'string' },
    'calib-samples': { type: 'string' },
    'act-algo': { type: 'string' },
    format: { type: 'string' },
    shape: { type: 'string', multiple: true },
    'static-shapes': { type: 'boolean' },
    report: { type: 'string' },
  },

  async parse(v, positionals): Promise<QuantizeParams> {
    if (positionals.length !== 1) throw usageError('quantize takes one MODEL');
    if (!v.output) throw usageError('quantize needs -o OUT');
    if (!v.data)
      throw usageError(
        'quantize needs --data SPEC: a .npz (one array per input name), a .npy file or a folder of them (first axis = samples), a folder of images, or mnist (built-in digits)',
      );
    const recipe: Record<string, unknown> = v.recipe ? await readRecipeFile(v.recipe) : {};
    if (v['calib-samples'] !== undefined) recipe.calib_samples = positiveInt(v['calib-samples'], '--calib-samples');
    if (v['act-algo'] !== undefined) recipe.act_algo = oneOf(v['act-algo'], GLOBAL_ACT_ALGO_NAMES, '--act-algo');
    if (v.format !== undefined) recipe.format = oneOf(v.format, FORMATS, '--format');
    if (v['static-shapes']) recipe.static_shapes = true;
    return {
      model: positionals[0],
      output: v.output,
      data: v.data,
      recipe,
      shapes: parseShapes(v.shape ?? []),
      reportPath: v.report,
    };
  },

  async run(params, { signal, progress }) {
    const report = await runInWorker({ kind: 'quantize', params }, { onProgress: progress.update, onLog: progress.log, signal });
    progress.done();
    console.log(formatQuantizeReport(report));
    return EXIT.OK;
  },

  cancelled: () => 'the quantization was cancelled; the worker was stopped and nothing was written',
});

export const inspectCommand = defineCommand({
  name: 'inspect',
  synopsis: '  octet inspect MODEL [--json]',
  usage: `Usage:
  octet inspect MODEL [--json]

  Inputs, outputs, opset, size, parameters and op counts of an ONNX model (--json: as JSON).`,
  flags: { json: { type: 'boolean' } },
  parse(v, positionals) {
    if (positionals.length !== 1) throw usageError('inspect takes one MODEL');
    return { model: positionals[0], json: !!v.json };
  },
  async run({ model, json }, { signal }) {
    const summary = await runInWorker({ kind: 'inspect', params: { model } }, { signal });
    console.log(json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return EXIT.OK;
  },
});
