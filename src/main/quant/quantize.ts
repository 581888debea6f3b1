import { unlink } from 'node:fs/promises';
import { loadModel, opsetOf, saveModel, cloneModel, encodeModel, type ModelProto } from '../onnx/model';
import { GraphView, nameNodes, type GraphProto } from '../onnx/graph';
import { allGraphs, countOps } from '../onnx/scope';
import { upgradeOpset, TARGET_OPSET } from '../onnx/opset';
import { assertValidGraph } from '../onnx/checkGraph';
import { foldBatchNorm } from '../onnx/bnFold';
import { constantsSecond } from '../onnx/constantsSecond';
import { fuseGelu } from '../onnx/geluFusion';
import { fixInputDims, staticShapeReads } from '../onnx/shapeReads';
import { divByConstantToMul } from './divToMul';
import { classScoreOutputs } from './classScores';
import { macCountFor } from './ops/registry';
import { basicOptimize } from '../runtime/optimize';
import { openDataSource } from '../data';
import { embeddingLimits, modelInputs, staticInputs } from '../data/modelInputs';
import type { Feed, InputSpec } from '../data/types';
import { openSession } from '../runtime/session';
import { computeCost, COMPUTE_BOUND_MACS } from '../runtime/computeCost';
import { checkOutputPath, lockOutput, realTarget, writeFileAtomic } from '../io/atomicWrite';
import { resolve } from 'node:path';
import { planQuantization, type MeasuredChoices, type QuantPlan } from './plan';
import { calibrate, withPassthroughRanges, type TensorRange } from './calibrate';
import { outputFidelity, type Converted } from './measured';
import { worstRounding } from './roundingError';
import { runMeasuredSteps, sqnrSamples, type Choices } from './measuredSteps';
import { smoothGroups } from './smoothQuant';
import { insertQdq } from './qdq';
import { toQOperator } from './qoperator';
import { fusionReport } from './fusionReport';
import { OctetError } from '../../shared/errors';
import { parseRecipe, type Recipe, type RecipeInput } from '../../shared/recipe';
import { FAITHFUL_AGREEMENT, FAITHFUL_COSINE, lowestOutput, type QuantizeReport, type SpeedCheck } from '../../shared/report';
import type { JobHooks, ProgressEvent } from '../../shared/jobs';
import { OCTET_VERSION } from '../../shared/version';
import { isQuantizedOpType } from '../../shared/opTypes';

export interface QuantizeRequest {
  model: string;
  output: string;
  data: string;
  recipe?: RecipeInput | Recipe;
  /** Fixes dynamic input dims: input name → full dims. */
  shapes?: Record<string, number[]>;
  reportPath?: string;
}

/** The hooks of every job, plus the two tuning uses (quant/tune.ts). */
export interface JobContext extends JobHooks {
  /** Tuning (quant/tune.ts): calibration that reuses the ranges earlier trials measured. */
  calibrate?: typeof calibrate;
  /** Tuning: the prepared fp32 model and the plan of the model written, for per-layer sensitivity. */
  onConverted?: (prepared: ModelProto, plan: QuantPlan) => void;
}

/** prepare → calibrate → convert, as in INC; the input file is only ever read. */
export async function quantizeModel(req: QuantizeRequest, ctx: JobContext = {}): Promise<QuantizeReport> {
  const started = performance.now();
  const recipe = toRecipe(req.recipe);
  ctx.onProgress?.({ phase: 'load', done: 0, total: 1 });
  // The data spec may be a file (.npy); an output must never replace any input.
  const inputs = [req.model, req.data];
  await checkOutputPath(req.output, inputs);
  if (req.reportPath) {
    if ((await realTarget(req.reportPath)) === (await realTarget(req.output))) {
      throw new OctetError('BAD_USAGE', `The report and the model output are the same file (${resolve(req.output)}); give --report another path`);
    }
    await checkOutputPath(req.reportPath, [...inputs, req.output]);
  }
  const unlock = [await lockOutput(req.output)];
  try {
    if (req.reportPath) unlock.push(await lockOutput(req.reportPath));
    return await quantizeLocked(req, recipe, ctx, started);
  } finally {
    await Promise.all(unlock.map((u) => u()));
  }
}

async function quantizeLocked(req: QuantizeRequest, recipe: Recipe, ctx: JobContext, started: number): Promise<QuantizeReport> {
  const progress = (phase: ProgressEvent['phase'], done: number, total: number) => ctx.onProgress?.({ phase, done, total });
  const log = (line: string) => ctx.onLog?.(line);
  const loaded = await loadModel(req.model);
  const quantizedOp = loaded.model.graph!.node.find((n) => isQuantizedOpType(n.opType));
  if (quantizedOp)
    throw new OctetError('MODEL_ALREADY_QUANTIZED', `${loaded.path} is already quantized (it contains ${quantizedOp.opType}); start from the fp32 model`);
  await (await openSession(loaded.path, { threads: 1, level: 'disabled' })).release();
  const inputOpset = opsetOf(loaded.model);
  // Symbolic dims stay open here: the data fixes them per input (a [N,32,1024] array feeds
  // x:[batch,1024] batches of 32); the written model keeps them symbolic.
  const specs = modelInputs(loaded.model, req.shapes ?? {});
  const source = await openDataSource(req.data, specs, {
    preprocess: recipe.preprocess,
    split: 'calibration',
    limit: recipe.calib_samples,
    idLimits: embeddingLimits(loaded.model),
  });
  log(`data: ${source.description}`);
  for (const note of source.notes ?? []) log(`data: ${note}`);
  // Every calibration sample is decoded and checked (NaN/Inf, shape, unreadable image) before
  // the long run, so bad data fails in seconds with the file and sample named.
  await source.validate?.((done, total) => progress('load', done, total));

  progress('prepare', 0, 1);
  const upgraded = cloneModel(loaded.model);
  // ORT accepts nodes in any order; the rewrites below (and ONNX itself) expect them sorted.
  for (const body of allGraphs(upgraded.graph!)) new GraphView(body as GraphProto).topoSort();
  const opsetChanges = inputOpset < TARGET_OPSET ? upgradeOpset(upgraded, TARGET_OPSET) : [];
  const folded = recipe.fold_bn ? foldBatchNorm(upgraded.graph!) : [];
  const commuted = constantsSecond(upgraded.graph!);
  const shapeReads = staticShapeReads(upgraded.graph!);
  if (shapeReads.length)
    log(`prepare: ${shapeReads.length} read(s) of static input dims made constant (${shapeReads.slice(0, 3).join(', ')}${shapeReads.length > 3 ? ', …' : ''})`);
  const fed = await fedShapes(source);
  const specialized = recipe.static_shapes ? fixInputDims(upgraded.graph!, fed) : [];
  assertValidGraph(upgraded.graph!, 'prepared fp32 model (opset upgrade, BatchNorm folding)');
  const model = await basicOptimize(upgraded);
  const gelus = fuseGelu(model);
  if (gelus.length) log(`prepare: ${gelus.length} GELU subgraph(s) written as one Gelu node each`);
  const shapeNote = await controlFlowNote(upgraded, model, fed, specialized, recipe.static_shapes);
  if (shapeNote) log(`prepare: ${shapeNote}`);
  nameNodes(model.graph!);
  const divisions = divByConstantToMul(model.graph!);
  const plan = planQuantization(model.graph!, recipe);
  const warnings: string[] = plan.unusedOverrides.map((k) => `Rule "${k}" in local matches no node`);
  if (shapeNote) warnings.push(shapeNote);
  const macs = (await computeCost(model, (await source.read(0)).feeds, macCountFor)).macs;
  log(`plan: ${plan.decisions.filter((d) => d.int8).length} of ${plan.decisions.length} nodes in int8, ${plan.observed.length} tensors to calibrate`);

  // With the gates in fp32 (a measured choice), the MatMuls they feed become SmoothQuant's to
  // smooth (BERT's FC2 after GELU): their inputs' channel statistics are collected as well.
  const gates = new Map(plan.decisions.filter((d) => d.floatInputs).map((d) => [d.node.name, 'gate'] as const));
  const sqPlans = gates.size ? [plan, planQuantization(model.graph!, recipe, { keepFloat: gates })] : [plan];
  const sqGroups = recipe.smooth_quant === false ? [] : sqPlans.flatMap((p) => smoothGroups(p, new GraphView(model.graph!)));
  const calOpts = { samples: recipe.calib_samples, bins: recipe.calib_bins, percentile: recipe.percentile, signal: ctx.signal };
  const cal = await (ctx.calibrate ?? calibrate)(
    model,
    plan.observed.map((n) => plan.tensors.get(n)!),
    source,
    {
      ...calOpts,
      channelStats: [...new Set(sqGroups.map((gr) => gr.input))],
      onProgress: (done, total) => progress('calibrate', done, total),
    },
  );
  warnings.push(...cal.warnings);
  if (ctx.signal?.aborted) throw new OctetError('CANCELLED', 'The job was cancelled');

  progress('convert', 0, 1);
  // The measured choices (quant/measuredSteps.ts), in order, each converting and measuring
  // variants of the prepared model on this CPU.
  const choices: Choices = {
    recipe,
    model,
    fp32Bytes: encodeModel(model),
    source,
    cal,
    calOpts,
    sqGroups,
    convertModel: (m, r, reduceRange, measured) => convertModel(m, recipe, r, reduceRange, measured),
    log,
    progress: (done, total) => progress('convert', done, total),
    prepared: model,
    ranges: cal.ranges,
    smoothKeep: new Map(),
    reduceRange: recipe.reduce_range === true,
    keepFloat: new Map(),
    report: {
      weightBits: { reduceRange: recipe.reduce_range === true, reason: recipe.reduce_range ? 'set by the recipe' : 'set by the recipe (8-bit weights)' },
    },
  };
  const converted = await runMeasuredSteps(choices);
  const { ranges } = choices;
  // The speed check reports 1–3 of its 4 stages as it goes.
  if (choices.report.speedCheck) progress('convert', 1, 1);
  const { speedCheck, smoothQuant, weightBits, weightGranularity, rangeChoice } = choices.report;
  const { model: quantized, plan: finalPlan } = converted;
  const rounding = cal.histograms
    ? worstRounding(cal.histograms, new Map(finalPlan.observed.flatMap((t) => (ranges.has(t) ? [[t, ranges.get(t)!] as const] : []))), 3)
    : [];
  const fidelity = await checkFidelity(choices.fp32Bytes, encodeModel(quantized), await sqnrSamples(choices), classScoreOutputs(model.graph!), rounding);
  if (fidelity.note) log(`fidelity: ${fidelity.note}`);
  ctx.onConverted?.(model, finalPlan);
  quantized.producerName = 'octet';
  quantized.producerVersion = OCTET_VERSION;

  progress('save', 0, 1);
  const sizeBytes = await saveModel(quantized, req.output);
  progress('verify', 0, 1);
  let fusion;
  try {
    fusion = await fusionReport(req.output, finalPlan);
  } catch (e) {
    await unlink(req.output).catch(() => undefined); // never leave an int8 model ORT cannot load
    throw e;
  }
  warnings.push(...fusion.warnings);

  const report: QuantizeReport = {
    octetVersion: OCTET_VERSION,
    createdAt: new Date().toISOString(),
    input: { path: loaded.path, sha256: loaded.sha256, opset: inputOpset, sizeBytes: loaded.sizeBytes },
    output: { path: req.output, sizeBytes, opset: opsetOf(quantized), format: recipe.format },
    recipe,
    preparation: {
      opsetUpgradedFrom: opsetChanges.length || inputOpset < TARGET_OPSET ? inputOpset : undefined,
      opsetChanges,
      foldedBatchNorms: folded.length,
      divisionsAsMul: divisions.length,
      constantsSecond: commuted.length,
      geluFused: gelus.length,
      shapes: fed,
    },
    compute: computeVerdict(macs, speedCheck),
    calibration: {
      samples: cal.samples,
      // act_algo auto resolved by its measured step (calibration itself ran minmax's histograms).
      algo: choices.recipe.act_algo === 'auto' ? 'minmax' : choices.recipe.act_algo,
      seconds: round(cal.seconds),
      tensors: plan.observed.length,
      passes: cal.passes,
      data: source.description,
      notes: source.notes?.length ? [...source.notes] : undefined,
      choice: rangeChoice,
    },
    outputFidelity: fidelity,
    fusion,
    speedCheck,
    smoothQuant,
    weightBits,
    weightGranularity,
    nodes: {
      total: finalPlan.decisions.length,
      int8: finalPlan.decisions.filter((d) => d.int8).length,
      excluded: finalPlan.decisions.filter((d) => d.reason && d.handler).map((d) => ({ node: d.node.name, opType: d.node.opType, reason: d.reason! })),
    },
    warnings,
    seconds: round((performance.now() - started) / 1000),
  };
  if (report.compute?.note) report.warnings.push(report.compute.note);
  if (fidelity.note) report.warnings.push(fidelity.note);
  if (req.reportPath) await writeFileAtomic(req.reportPath, JSON.stringify(report, null, 2) + '\n');
  progress('verify', 1, 1);
  return report;
}

/**
 * If nodes whose condition tests input dims the model leaves dynamic run as subgraphs on every
 * call (PyTorch's `if x.shape[-1] == 1: x = x.squeeze(-1)`, an LSTM behind a batch test). Fixed
 * to the shapes calibration fed, ONNX Runtime folds those tests and inlines the taken branches,
 * as ORT's own quantization pre-processing does for a model with fixed dims; but the model then
 * accepts only those shapes, so Octet does it only when asked (`static_shapes`, `--static-shapes`) and says so,
 * and otherwise says what it would fold.
 */
async function controlFlowNote(
  upgraded: ModelProto,
  prepared: ModelProto,
  fed: Record<string, number[]>,
  specialized: string[],
  asked: boolean,
): Promise<string | undefined> {
  const shapesText = Object.entries(fed)
    .map(([k, d]) => `${k} [${d.join(', ')}]`)
    .join(', ');
  if (asked) {
    if (!specialized.length) return undefined;
    const before = countOps(upgraded.graph!, 'If');
    const folded = before - countOps(prepared.graph!, 'If');
    return `written for the shapes calibration fed only (static_shapes): ${specialized.join('; ')}; ONNX Runtime refuses any other shape${folded > 0 ? `. ${folded} of ${before} If nodes were decided by those shapes and inlined` : ''}`;
  }
  const left = countOps(prepared.graph!, 'If');
  if (!left) return undefined;
  const fixed = cloneModel(upgraded);
  if (!fixInputDims(fixed.graph!, fed).length) return undefined;
  const folded = left - countOps((await basicOptimize(fixed)).graph!, 'If');
  if (folded <= 0) return undefined;
  return `${folded} of ${left} If nodes test input dims the model leaves dynamic and run as subgraphs on every call (their compute stays fp32); for the shapes calibration fed (${shapesText}) their branches are known: the recipe's static_shapes (--static-shapes, "Static input shapes" in the wizard) writes the model for those shapes only, with the taken branches inlined`;
}

/** One conversion of the prepared fp32 model (left untouched, so variants can be compared). */
function convertModel(prepared: ModelProto, recipe: Recipe, ranges: Map<string, TensorRange>, reduceRange: boolean, measured?: MeasuredChoices): Converted {
  const model = cloneModel(prepared);
  const plan = planQuantization(model.graph!, recipe, measured);
  const qdq = insertQdq(model.graph!, plan, withPassthroughRanges(model.graph!, plan, ranges), reduceRange);
  if (recipe.format === 'qoperator') toQOperator(model, plan);
  // Every variant, measured or saved, is checked: ORT's load error would blame the user's model.
  assertValidGraph(model.graph!, 'int8 model');
  return { model, plan, qdq };
}

/**
 * The written model against fp32. A low figure is said with its likely cause, told apart by
 * each tensor's own rounding error (quant/roundingError.ts), and with what to do about it.
 */
async function checkFidelity(
  fp32: Uint8Array,
  int8: Uint8Array,
  samples: Record<string, Feed>[],
  classScores: ReadonlySet<string>,
  rounding: { tensor: string; sqnrDb: number }[],
): Promise<NonNullable<QuantizeReport['outputFidelity']>> {
  const [f] = await outputFidelity(fp32, [int8], samples, classScores);
  const cos = (x: number) => Math.round(x * 1e5) / 1e5;
  const outputs = f.outputs.map((o) => ({ ...o, cosine: cos(o.cosine), maxAbsError: sig3(o.maxAbsError), maxAbs: sig3(o.maxAbs) }));
  const r = { samples: samples.length, sqnrDb: round1(f.sqnrDb), medianSampleSqnrDb: round1(f.medianSampleSqnrDb), cosine: cos(f.cosine), outputs };
  // Judged by the lowest output, as the zoo does: a small output (a probability next to a large
  // state) can be far off while all outputs together look faithful. Class scores also by their
  // top class, which can flip while the scores keep a high cosine.
  const worst = lowestOutput(outputs);
  const flipped = outputs.find((o) => o.argmaxAgreement !== undefined && o.argmaxAgreement < FAITHFUL_AGREEMENT);
  const lowCosine = Math.min(f.cosine, worst?.cosine ?? 1) < FAITHFUL_COSINE;
  if (!lowCosine && !flipped) return r;
  const db = (x: number) => `${x.toFixed(1)} dB`;
  const on = `against fp32 on ${r.samples} calibration samples`;
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (flipped && !lowCosine)
    return {
      ...r,
      note: `not faithful: the top class of output '${flipped.name}' (on every row) is fp32's on ${percent(flipped.argmaxAgreement!)} of the calibration samples, below ${percent(FAITHFUL_AGREEMENT)}, though its scores keep cosine ${flipped.cosine.toFixed(4)} ${on}: it flips where two classes score within the int8 error. \`octet tune --tolerable-loss\` keeps the most sensitive ops in fp32 until the loss fits`,
    };
  const detail = worst
    ? `; ${outputs.length > 1 ? `output '${worst.name}': cosine ${worst.cosine.toFixed(4)}, ` : ''}max |error| ${worst.maxAbsError} on values up to ${worst.maxAbs}`
    : '';
  // A tensor that alone keeps less than 10 dB above the output's SQNR is a large part of its error.
  const ruled = rounding.filter((t) => t.sqnrDb < r.sqnrDb + 10);
  const cause = ruled.length
    ? `the ranges of ${ruled.length === 1 ? 'one tensor are' : `${ruled.length} tensors are`} ruled by rare large values: alone, its int8 rounding keeps about ${ruled.map((t) => `${db(t.sqnrDb)} (${t.tensor})`).join(', ')}`
    : rounding.length
      ? `every activation's own int8 rounding keeps at least about ${db(rounding[0].sqnrDb)}, yet the output keeps ${db(r.sqnrDb)}: the network amplifies small rounding errors from layer to layer`
      : 'per-tensor int8 activations lose too much here';
  const top = flipped ? `; the top class of '${flipped.name}' is fp32's on ${percent(flipped.argmaxAgreement!)} of them` : '';
  return {
    ...r,
    note: `not faithful: int8 outputs have cosine ${r.cosine.toFixed(4)} (SQNR ${db(r.sqnrDb)})${detail} ${on}, below ${FAITHFUL_COSINE}${top}; ${cause}. \`octet bench --layers N\` shows where the error builds up, and \`octet tune --tolerable-loss\` keeps the most sensitive ops in fp32 until the loss fits`,
  };
}

/**
 * Whether int8 can be expected to pay. The count of multiply-accumulates alone cannot say: a
 * Gemm-heavy model at batch 1 gains from weights 4x smaller even with little compute (the demo
 * MLP: 1.3 M MACs, 2x faster). So "too small" is said only when the speed check's per-op profile
 * measured the int8 compute no faster than fp32.
 */
function computeVerdict(macs: number, speed: SpeedCheck | undefined): NonNullable<QuantizeReport['compute']> {
  const computeBound = macs >= COMPUTE_BOUND_MACS;
  const fp32Us = speed?.ops.reduce((a, o) => a + o.fp32Us, 0) ?? 0;
  const int8Us = speed?.ops.reduce((a, o) => a + o.int8Us, 0) ?? 0;
  const m = (x: number) => `${(x / 1e6).toFixed(x < 10e6 ? 2 : 0)} M`;
  const slower = fp32Us > 0 && int8Us >= fp32Us;
  return {
    macsPerSample: macs,
    computeBound,
    note: slower
      ? `${computeBound ? 'int8 does not pay here' : 'Too small for int8 to pay'}: the int8 compute ops measured ${(int8Us / fp32Us).toFixed(2)}x the time of their fp32 forms in ONNX Runtime's profile on this CPU${computeBound ? '' : ` (${m(macs)} multiply-accumulates per sample; Quantize/Dequantize and per-op overhead exceed the compute int8 saves)`}`
      : undefined,
  };
}

function toRecipe(input: RecipeInput | Recipe | undefined): Recipe {
  return parseRecipe(input ?? {}); // a bad recipe throws RecipeError, an OctetError (RECIPE_INVALID)
}

/** The model's feed inputs with every dim static: --shape wins, a symbolic batch dim becomes 1 (for callers without data). */
export function inputSpecs(model: ModelProto, shapes: Record<string, number[]>): InputSpec[] {
  return staticInputs(model, shapes);
}

/** The shapes calibration fed each input (from the data; the written model keeps its symbolic dims). */
async function fedShapes(source: Awaited<ReturnType<typeof openDataSource>>): Promise<Record<string, number[]>> {
  if (source.feeds) return Object.fromEntries(source.feeds.map((f) => [f.name, f.dims]));
  const s = await source.read(0);
  return Object.fromEntries(Object.entries(s.feeds).map(([k, f]) => [k, f.dims]));
}

const round = (x: number) => Math.round(x * 1000) / 1000;

const round1 = (x: number) => Math.round(x * 10) / 10;
const sig3 = (x: number) => Number(x.toPrecision(3));
