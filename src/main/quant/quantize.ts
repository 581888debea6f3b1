import { unlink } from 'node:fs/promises';
import { loadModel, opsetOf, saveModel, cloneModel, type ModelProto } from '../onnx/model';
import { GraphView, nameNodes, valueDims, valueElemType } from '../onnx/graph';
import { elemTypeName } from '../onnx/tensor';
import { upgradeOpset, TARGET_OPSET } from '../onnx/opset';
import { foldBatchNorm } from '../onnx/bnFold';
import { basicOptimize } from '../onnx/optimize';
import { openDataSource } from '../data';
import type { ElemType, InputSpec } from '../data/types';
import { openSession } from '../runtime/session';
import { checkOutputPath, writeFileAtomic } from '../io/atomicWrite';
import { planQuantization } from './plan';
import { calibrate } from './calibrate';
import { insertQdq } from './qdq';
import { toQOperator } from './qoperator';
import { fusionReport } from './fusionReport';
import { OctetError } from '../../shared/errors';
import { parseRecipe, RecipeError, type Recipe, type RecipeInput } from '../../shared/recipe';
import type { QuantizeReport } from '../../shared/report';
import type { ProgressEvent } from '../../shared/jobs';
import { OCTET_VERSION } from '../../shared/version';

export interface QuantizeRequest {
  model: string;
  output: string;
  data: string;
  recipe?: RecipeInput | Recipe;
  /** Fixes dynamic input dims: input name → full dims. */
  shapes?: Record<string, number[]>;
  reportPath?: string;
}

export interface JobContext {
  onProgress?: (p: ProgressEvent) => void;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

const QUANTIZED_OPS = /^(QuantizeLinear|DequantizeLinear|DynamicQuantizeLinear|QLinear.*|ConvInteger|MatMulInteger|MatMulIntegerToFloat|QGemm|QAttention)$/;

/** prepare → calibrate → convert, as in INC; the input file is only ever read. */
export async function quantizeModel(req: QuantizeRequest, ctx: JobContext = {}): Promise<QuantizeReport> {
  const started = performance.now();
  const recipe = toRecipe(req.recipe);
  const progress = (phase: ProgressEvent['phase'], done: number, total: number) => ctx.onProgress?.({ phase, done, total });
  const log = (line: string) => ctx.onLog?.(line);

  progress('load', 0, 1);
  await checkOutputPath(req.output, [req.model]);
  if (req.reportPath) await checkOutputPath(req.reportPath, [req.model, req.output]);
  const loaded = await loadModel(req.model);
  const quantizedOp = loaded.model.graph!.node.find((n) => QUANTIZED_OPS.test(n.opType));
  if (quantizedOp) throw new OctetError('MODEL_ALREADY_QUANTIZED', `${loaded.path} is already quantized (it contains ${quantizedOp.opType}); start from the fp32 model`);
  await (await openSession(loaded.path, { threads: 1, level: 'disabled' })).release();
  const inputOpset = opsetOf(loaded.model);
  const specs = inputSpecs(loaded.model, req.shapes ?? {});
  const source = await openDataSource(req.data, specs, { preprocess: recipe.preprocess, split: 'calibration' });
  log(`data: ${source.description}`);

  progress('prepare', 0, 1);
  const upgraded = cloneModel(loaded.model);
  const opsetChanges = inputOpset < TARGET_OPSET ? upgradeOpset(upgraded, TARGET_OPSET) : [];
  const folded = recipe.fold_bn ? foldBatchNorm(upgraded.graph!) : [];
  const model = await basicOptimize(upgraded);
  nameNodes(model.graph!);
  const plan = planQuantization(model.graph!, recipe);
  const warnings: string[] = plan.unusedOverrides.map((k) => `Rule "${k}" in local matches no node`);
  log(`plan: ${plan.decisions.filter((d) => d.int8).length} of ${plan.decisions.length} nodes in int8, ${plan.observed.length} tensors to calibrate`);

  const cal = await calibrate(model, plan.observed.map((n) => plan.tensors.get(n)!), source, {
    samples: recipe.calib_samples,
    bins: recipe.calib_bins,
    percentile: recipe.percentile,
    signal: ctx.signal,
    onProgress: (done, total) => progress('calibrate', done, total),
  });
  warnings.push(...cal.warnings);
  if (ctx.signal?.aborted) throw new OctetError('CANCELLED', 'The job was cancelled');

  progress('convert', 0, 1);
  insertQdq(model.graph!, plan, cal.ranges, recipe);
  if (recipe.format === 'qoperator') toQOperator(model, plan);
  model.producerName = 'octet';
  model.producerVersion = OCTET_VERSION;

  progress('save', 0, 1);
  const sizeBytes = await saveModel(model, req.output);
  progress('verify', 0, 1);
  let fusion;
  try {
    fusion = await fusionReport(req.output, plan);
  } catch (e) {
    await unlink(req.output).catch(() => undefined); // never leave an int8 model ORT cannot load
    throw e;
  }
  warnings.push(...fusion.warnings);

  const report: QuantizeReport = {
    octetVersion: OCTET_VERSION,
    createdAt: new Date().toISOString(),
    input: { path: loaded.path, sha256: loaded.sha256, opset: inputOpset, sizeBytes: loaded.sizeBytes },
    output: { path: req.output, sizeBytes, opset: opsetOf(model), format: recipe.format },
    recipe,
    preparation: {
      opsetUpgradedFrom: opsetChanges.length || inputOpset < TARGET_OPSET ? inputOpset : undefined,
      opsetChanges,
      foldedBatchNorms: folded.length,
      shapes: Object.fromEntries(specs.map((s) => [s.name, s.dims])),
    },
    calibration: { samples: cal.samples, algo: recipe.act_algo, seconds: round(cal.seconds), tensors: plan.observed.length, passes: cal.passes, data: source.description },
    fusion,
    nodes: {
      total: plan.decisions.length,
      int8: plan.decisions.filter((d) => d.int8).length,
      excluded: plan.decisions.filter((d) => d.reason && d.handler).map((d) => ({ node: d.node.name, opType: d.node.opType, reason: d.reason! })),
    },
    warnings,
    seconds: round((performance.now() - started) / 1000),
  };
  if (req.reportPath) await writeFileAtomic(req.reportPath, JSON.stringify(report, null, 2) + '\n');
  progress('verify', 1, 1);
  return report;
}

function toRecipe(input: RecipeInput | Recipe | undefined): Recipe {
  try {
    return parseRecipe(input ?? {});
  } catch (e) {
    if (e instanceof RecipeError) throw new OctetError('RECIPE_INVALID', e.message);
    throw e;
  }
}

const ELEM_TYPES = new Set<string>(['float32', 'float64', 'int64', 'int32', 'int8', 'uint8', 'bool']);

/** The model's feed inputs with every dim static: --shape wins, a symbolic batch dim becomes 1. */
export function inputSpecs(model: ModelProto, shapes: Record<string, number[]>): InputSpec[] {
  const g = new GraphView(model.graph!);
  const feeds = g.feedInputs;
  for (const name of Object.keys(shapes)) {
    if (!feeds.some((f) => f.name === name)) throw new OctetError('BAD_USAGE', `--shape names '${name}', which is not a model input (inputs: ${feeds.map((f) => f.name).join(', ')})`);
  }
  return feeds.map((v) => {
    const type = elemTypeName(valueElemType(v));
    if (!ELEM_TYPES.has(type)) throw new OctetError('MODEL_UNSUPPORTED', `Input '${v.name}' has element type ${type}, which Octet cannot feed`);
    const declared = valueDims(v);
    const given = shapes[v.name];
    if (given) {
      if (declared && declared.length !== given.length) throw new OctetError('SHAPE_MISMATCH', `--shape ${v.name} has ${given.length} dims, the model input has ${declared.length}`);
      declared?.forEach((d, i) => {
        if (d !== null && d !== given[i]) throw new OctetError('SHAPE_MISMATCH', `--shape ${v.name}: dim ${i} is ${given[i]} but the model fixes it at ${d}`);
      });
      return { name: v.name, type: type as ElemType, dims: given };
    }
    if (!declared) throw new OctetError('DYNAMIC_SHAPE', `Input '${v.name}' has no declared shape; pass --shape ${v.name}=d0,d1,...`);
    const dims = declared.map((d, i) => (d === null && i === 0 ? 1 : d));
    const dyn = dims.findIndex((d) => d === null || d <= 0);
    if (dyn >= 0) {
      throw new OctetError('DYNAMIC_SHAPE', `Input '${v.name}' has a dynamic dim ${dyn} ([${declared.map((d) => d ?? '?').join(',')}]); pass --shape ${v.name}=${dims.map((d) => d ?? 'N').join(',')}`);
    }
    return { name: v.name, type: type as ElemType, dims: dims as number[] };
  });
}

const round = (x: number) => Math.round(x * 1000) / 1000;
