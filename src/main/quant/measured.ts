// Choices made by measuring candidate int8 models on this CPU, not by rule: 7- or 8-bit weights,
// a leading run of ops kept in fp32, and per-tensor weights where they are faster. Each converts
// variants of the prepared model, compares them, and says why it chose what it chose.
import { encodeModel, type ModelProto } from '../onnx/model';
import { openSession, run } from '../runtime/session';
import { profileNodes } from '../runtime/profile';
import { interleavedLatency, quantile } from '../measure/latency';
import { concatFloats } from '../measure/metrics';
import { fidelity, type QuantizedTensor } from '../../../native';
import { GraphView } from '../onnx/graph';
import { dimsOf, tensorFloat32 } from '../onnx/tensor';
import { opSpeeds, slowPrefix } from './speedCheck';
import { handlerFor } from './ops/registry';
import type { MeasuredChoices, QuantPlan } from './plan';
import { quantizeWeightTensor, type QdqResult } from './qdq';
import type { Feed } from '../data/types';
import type { GranularityOp, GroupCheck, SpeedCheck, WeightGranularity } from '../../shared/report';

export interface Converted {
  model: ModelProto;
  plan: QuantPlan;
  qdq: QdqResult;
}

/** The reason a variant's fp32 nodes carry while it is measured (the plan keeps only nodes with a reason). */
const VARIANT = 'measured variant';
/** A variant must be this much faster (median interleaved ratio) to replace the model it varies. */
const FASTER = 0.98;
/** Output SQNR a per-tensor variant may give up for its speed: 1 dB is 26% more error power. */
const OUTPUT_SQNR_LOSS_DB = 1;
/**
 * Weight SQNR an op may lose per-tensor and still be tried that way. Gaussian-like weights lose
 * 3–5 dB (the MLP and transformer of bench/peers) yet cost under 1 dB at the output; a few
 * outlier columns, as in large language models, lose far more.
 */
const WEIGHT_SQNR_LOSS_DB = 6;

/** Output SQNR (dB) of each int8 model against fp32, over all outputs of the given samples together. */
export async function outputSqnr(fp32: Uint8Array, int8: Uint8Array[], samples: Record<string, Feed>[]): Promise<number[]> {
  return (await outputFidelity(fp32, int8, samples)).map((f) => f.sqnrDb);
}

/**
 * Median over samples of each int8 model's output SQNR (dB) on that sample: what a typical
 * input keeps. The SQNR of all samples together is ruled by the few with the largest error; on
 * PP-OCRv6's detector one calibration page of 24 decided it for percentile ranges, and on the
 * held-out pages those ranges did worst (one page at 8.8 dB) while mse's, best by the median,
 * did best.
 */
export async function medianSampleSqnr(fp32: Uint8Array, int8: Uint8Array[], samples: Record<string, Feed>[]): Promise<number[]> {
  return (await outputFidelity(fp32, int8, samples)).map((f) => f.medianSampleSqnrDb);
}

/** How one output of an int8 model compares with fp32 over the samples. */
export interface OutputMatch {
  name: string;
  cosine: number;
  maxAbsError: number;
  /** The largest |value| of the fp32 output: what the error compares with. */
  maxAbs: number;
  /** Class scores (quant/classScores.ts): share of samples whose top class, on every row, is fp32's. */
  argmaxAgreement?: number;
}

/**
 * Output SQNR (dB) and cosine of each int8 model against fp32, over all outputs of the samples
 * together; the median SQNR per sample; and each output on its own.
 */
export async function outputFidelity(
  fp32: Uint8Array,
  int8: Uint8Array[],
  samples: Record<string, Feed>[],
  classScores: ReadonlySet<string> = new Set(),
): Promise<{ sqnrDb: number; cosine: number; medianSampleSqnrDb: number; outputs: OutputMatch[] }[]> {
  const sessions = [await openSession(fp32, { threads: 1 })];
  try {
    for (const m of int8) sessions.push(await openSession(m, { threads: 1 }));
    const outs: Float32Array[][] = sessions.map(() => []);
    /** Per output: the length of its last axis (the classes, for class scores). */
    const rowLength = new Map<string, number>();
    for (const feeds of samples) {
      for (let i = 0; i < sessions.length; i++) {
        const r = await run(sessions[i], feeds);
        for (const name of sessions[0].outputNames) {
          outs[i].push(comparable(r[name].data as Float32Array, r[name].dims, feeds));
          rowLength.set(name, r[name].dims[r[name].dims.length - 1] ?? 1);
        }
      }
    }
    const ref = concatFloats(outs[0]);
    const names = sessions[0].outputNames;
    const sample = (o: Float32Array[], i: number) => concatFloats(o.slice(i * names.length, (i + 1) * names.length));
    const output = (o: Float32Array[], j: number) => concatFloats(o.filter((_, k) => k % names.length === j));
    return outs.slice(1).map((o) => {
      const f = fidelity(ref, concatFloats(o));
      const each = samples.map((_, i) => fidelity(sample(outs[0], i), sample(o, i)).sqnrDb);
      const outputs = names.map((name, j) => {
        const [x, y] = [output(outs[0], j), output(o, j)];
        let maxAbsError = 0;
        let maxAbs = 0;
        for (let k = 0; k < x.length; k++) {
          maxAbsError = Math.max(maxAbsError, Math.abs(x[k] - y[k]));
          maxAbs = Math.max(maxAbs, Math.abs(x[k]));
        }
        const classes = rowLength.get(name) ?? 1;
        const at = (k: number) => k * names.length + j;
        const argmaxAgreement =
          classScores.has(name) && classes > 1
            ? samples.filter((_, k) => sameArgmaxRows(outs[0][at(k)], o[at(k)], classes)).length / samples.length
            : undefined;
        return { name, cosine: fidelity(x, y).cosine, maxAbsError, maxAbs, argmaxAgreement };
      });
      return { sqnrDb: f.sqnrDb, cosine: f.cosine, medianSampleSqnrDb: quantile(each, 0.5), outputs };
    });
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}

/** Whether every row of `classes` scores has the same top class in both. */
function sameArgmaxRows(a: Float32Array, b: Float32Array, classes: number): boolean {
  for (let r = 0; r + classes <= a.length; r += classes) {
    let [ia, ib] = [r, r];
    for (let c = r + 1; c < r + classes; c++) {
      if (a[c] > a[ia]) ia = c;
      if (b[c] > b[ib]) ib = c;
    }
    if (ia !== ib) return false;
  }
  return true;
}

/**
 * A transformer's padding mask (an integer or bool input named like attention_mask, [batch,
 * sequence]): outputs at padded positions are computed but meaningless, often far off, and no
 * reader uses them, so output comparisons leave them out.
 */
function attentionMask(feeds: Record<string, Feed>): Feed | undefined {
  const hits = Object.entries(feeds).filter(([name, f]) => /(^|_)(attention|input)_?mask$|^mask$/i.test(name) && f.type !== 'float32' && f.dims.length === 2);
  return hits.length === 1 ? hits[0][1] : undefined;
}

/** An output's values that comparisons against fp32 should see: a transformer's padded positions left out. */
export function comparable(data: Float32Array, dims: readonly number[], feeds: Record<string, Feed>): Float32Array {
  return unmasked(data, dims, attentionMask(feeds));
}

/** The output's values at unmasked positions, for outputs shaped [batch, sequence, ...] like the mask. */
function unmasked(data: Float32Array, dims: readonly number[], mask: Feed | undefined): Float32Array {
  if (!mask || dims.length < 2 || dims[0] !== mask.dims[0] || dims[1] !== mask.dims[1]) return data;
  const positions = mask.dims[0] * mask.dims[1];
  const per = data.length / positions;
  const keep: number[] = [];
  for (let p = 0; p < positions; p++) if (Number(mask.data[p]) !== 0) keep.push(p);
  if (keep.length === 0 || keep.length === positions) return data;
  const out = new Float32Array(keep.length * per);
  keep.forEach((p, i) => out.set(data.subarray(p * per, (p + 1) * per), i * per));
  return out;
}

/** Median interleaved latency ratio b/a at 1 thread, block minima, over at least a second (see bench/latency.ts). */
async function latencyRatio(a: Uint8Array, b: Uint8Array, feeds: Record<string, Feed>): Promise<number> {
  const [sa, sb] = [await openSession(a, { threads: 1 }), await openSession(b, { threads: 1 })];
  try {
    return round((await interleavedLatency(sa, sb, feeds, 10, { blockStat: 'min', minMs: 1000 })).ratioMedian);
  } finally {
    await Promise.all([sa.release(), sb.release()]);
  }
}

/**
 * Without VNNI, ONNX Runtime's u8s8 kernels sum pairs of products in 16 bits, which saturate on
 * real data with full-range int8 weights (measured: mnist-8 at 15.6 dB SQNR with 8-bit
 * per-channel weights, 38.2 dB with 7-bit). 7-bit weights cannot saturate but are coarser, so the
 * choice is measured: both int8 models against fp32 on a few calibration samples.
 */
export async function chooseWeightBits(
  fp32: Uint8Array,
  full: Uint8Array,
  reduced: Uint8Array,
  samples: Record<string, Feed>[],
): Promise<{ reduceRange: boolean; sqnrDb: { full: number; reduced: number } }> {
  const [f, r] = await outputSqnr(fp32, [full, reduced], samples);
  return { reduceRange: r > f, sqnrDb: { full: f, reduced: r } };
}

/**
 * Profiles fp32 against all-int8 per op; if a leading run of ops is slower in int8, converts a
 * variant that keeps it in fp32 and keeps that variant only if it measures faster end to end.
 */
export async function checkSpeed(
  prepared: ModelProto,
  allInt8: Converted,
  convert: (measured: MeasuredChoices) => Converted,
  feeds: Record<string, Feed>,
  onProgress: (done: number, total: number) => void,
): Promise<{ converted: Converted; keepFloat: Map<string, string>; report: SpeedCheck }> {
  const none = new Map<string, string>();
  const int8Bytes = encodeModel(allInt8.model);
  const fp32 = await profileNodes(encodeModel(prepared), feeds, { runs: 20 });
  onProgress(1, 3);
  const int8 = await profileNodes(int8Bytes, feeds, { runs: 20 });
  onProgress(2, 3);
  const ops = opSpeeds(allInt8.plan, allInt8.qdq.activations, fp32, int8);
  const prefix = slowPrefix(ops);
  if (prefix.nodes.length === 0) return { converted: allInt8, keepFloat: none, report: { keptFloat: [], ops } };
  const why = new Map(
    prefix.nodes.map((n) => {
      const o = ops.find((x) => x.node === n)!;
      return [n, `kept fp32 by the speed check: int8 measured ${o.int8Us} µs vs ${o.fp32Us} µs fp32 on this CPU, in a leading run of such ops`];
    }),
  );
  let variant: Converted;
  try {
    variant = convert({ keepFloat: why });
  } catch {
    return { converted: allInt8, keepFloat: none, report: { keptFloat: [], ops } }; // e.g. a tensor the variant needs was never calibrated
  }
  const ratio = await latencyRatio(int8Bytes, encodeModel(variant.model), feeds);
  onProgress(3, 3);
  return ratio < FASTER
    ? { converted: variant, keepFloat: why, report: { keptFloat: prefix.nodes, variantRatio: ratio, ops } }
    : { converted: allInt8, keepFloat: none, report: { keptFloat: [], variantRatio: ratio, ops } };
}

/**
 * MatMuls of two activations (attention's Q·Kᵀ and P·V) run in int8 only through QLinearMatMul,
 * and take Softmax, Transpose and the scaling Mul into int8 with them. On the transformer of
 * bench/peers (AVX2, no VNNI) keeping them fp32 measured both faster (0.95x) and more faithful
 * (40.6 vs 39.4 dB); elsewhere int8 may win, so the variant is measured and kept only if faster.
 */
export async function checkActivationMatMuls(x: GroupInputs): Promise<GroupChoice<NonNullable<SpeedCheck['activationMatMuls']>> | undefined> {
  const { prepared, base } = x;
  const g = new GraphView(prepared.graph!);
  const byName = new Map(prepared.graph!.node.map((n) => [n.name, n]));
  // Compute ops whose operands are both activations (only MatMul among today's handlers).
  const twoActivations = (name: string) => {
    const n = byName.get(name);
    const h = n && handlerFor(n);
    return !!h && h.kind === 'compute' && h.activationInputs(n, g).length >= 2;
  };
  const nodes = base.plan.decisions.filter((d) => d.int8 && twoActivations(d.node.name)).map((d) => d.node.name);
  // In int8 they must earn it: clearly faster (a tie within the timing noise goes to the more
  // faithful model), and at most 1 dB less faithful. MiniLM: a 0.7% win for int8 had cost its
  // worst sentence-embedding cosine 0.9955 → 0.9898.
  return measureFloatGroup(x, nodes, {
    keep: ({ ratio, int8Db, fp32Db }) => {
      const int8Faster = ratio > 1 / FASTER;
      return ratio < FASTER || (!int8Faster && fp32Db >= int8Db) || (int8Faster && int8Db < fp32Db - OUTPUT_SQNR_LOSS_DB);
    },
    why: 'a MatMul of two activations; with these in fp32',
  });
}

/** The most an fp32 Add/Mul variant may cost in latency for its fidelity (with at least 1 dB more). */
const ELEMENTWISE_SLOWER = 1.03;
/** Add/Mul and gates stay fp32 when clearly faster and at most 1 dB less faithful, or at least 1 dB more faithful and at most 3% slower. */
const elementwiseKeep = ({ ratio, int8Db, fp32Db }: GroupMeasure) =>
  (ratio < FASTER && fp32Db >= int8Db - OUTPUT_SQNR_LOSS_DB) || (fp32Db >= int8Db + OUTPUT_SQNR_LOSS_DB && ratio <= ELEMENTWISE_SLOWER);

/**
 * Add and Mul between int8 ops run as QLinearAdd/QLinearMul, each rounding its output to int8
 * again; in fp32 they sit between a Dequantize and a Quantize. Exporters write chains of them
 * (hard-swish as Add, Clip, Mul, Mul; PP-LCNet's affine steps as Mul then Add), and in int8 a
 * chain rounds at every link: on PP-OCRv4's recognizer that cost 3 dB of output SQNR. Neither
 * is faster everywhere (a requantized int8 op moves a quarter of the bytes; an fp32 chain needs
 * no requantization between links), so both are measured: fp32 is kept when it is clearly
 * faster and at most 1 dB less faithful, or at least 1 dB more faithful and at most 3% slower.
 */
export async function checkElementwise(x: GroupInputs): Promise<GroupChoice<NonNullable<SpeedCheck['elementwise']>> | undefined> {
  const nodes = x.base.plan.decisions
    .filter((d) => d.int8 && (d.node.opType === 'Add' || d.node.opType === 'Mul') && d.handler?.kind === 'elementwise')
    .map((d) => d.node.name);
  return measureFloatGroup(x, nodes, {
    keep: elementwiseKeep,
    why: `Add/Mul between int8 ops; with all ${nodes.length} in fp32`,
  });
}

/**
 * Gates (plan.ts): elementwise ops that quantize an fp32 input computed from the int8 stream,
 * x · HardSigmoid(…) in squeeze-excite blocks, x · tanh(softplus(x)) in Mish. In int8 only the
 * gate is quantized; in fp32 the full tensor x is dequantized and the result quantized again.
 * Gates of one kind behave alike and kinds differ (a squeeze-excite gate holds one value per
 * channel, Mish's is full size), so each kind, named by the op that computes the gate, is
 * measured as a group, with the rule of the Add/Mul check. PP-OCRv6's detector: 13
 * squeeze-excite gates (its GELUs are one Gelu node each by then, onnx/geluFusion.ts).
 */
export async function checkGates(x: GroupInputs): Promise<GroupChoice<NonNullable<SpeedCheck['gates']>> | undefined> {
  const g = new GraphView(x.prepared.graph!);
  const kinds = new Map<string, string[]>();
  for (const d of x.base.plan.decisions) {
    if (!d.int8 || !d.floatInputs?.length) continue;
    const gate = g.producer.get(d.floatInputs[0])?.opType ?? 'an input';
    kinds.set(gate, [...(kinds.get(gate) ?? []), d.node.name]);
  }
  let chosen: Omit<GroupChoice<unknown>, 'report'> = { converted: x.base, keepFloat: x.keepFloat };
  const report: NonNullable<SpeedCheck['gates']> = [];
  for (const [gate, nodes] of kinds) {
    const c = await measureFloatGroup({ ...x, ...chosen, base: chosen.converted }, nodes, {
      keep: elementwiseKeep,
      why: `an op gated by ${gate}(…) in fp32; with all ${nodes.length} in fp32`,
    });
    if (!c) continue;
    chosen = c;
    report.push({ gate, ...c.report });
  }
  return report.length ? { ...chosen, report } : undefined;
}

/** What a group-in-fp32 check measures: the conversion so far, how to convert a variant, the timed sample and the SQNR samples. */
export interface GroupInputs {
  prepared: ModelProto;
  base: Converted;
  keepFloat: ReadonlyMap<string, string>;
  convert: (measured: MeasuredChoices) => Converted;
  feeds: Record<string, Feed>;
  samples: Record<string, Feed>[];
}

/** What a group check measured: variant latency / base latency, and both models' output SQNR. */
interface GroupMeasure {
  ratio: number;
  int8Db: number;
  fp32Db: number;
}

/** The conversion a group check leaves (the base, or the group kept fp32) and what it reports. */
export interface GroupChoice<R> {
  converted: Converted;
  keepFloat: ReadonlyMap<string, string>;
  report: R;
}

/**
 * A group of int8 ops tried in fp32 as a whole: the variant's latency against the base
 * (interleaved) and both models' output SQNR; `keep` decides, and the conversion returned has
 * the group kept fp32 (each op with `why` and the figures as its reason) or is the base.
 */
async function measureFloatGroup(
  x: GroupInputs,
  nodes: string[],
  rule: { keep: (m: GroupMeasure) => boolean; why: string },
): Promise<GroupChoice<GroupCheck> | undefined> {
  if (!nodes.length) return undefined;
  let variant: Converted;
  try {
    variant = x.convert({ keepFloat: new Map([...x.keepFloat, ...nodes.map((n) => [n, VARIANT] as const)]) });
  } catch {
    return undefined; // e.g. a tensor the variant needs was never calibrated
  }
  const [baseBytes, variantBytes] = [encodeModel(x.base.model), encodeModel(variant.model)];
  const ratio = await latencyRatio(baseBytes, variantBytes, x.feeds);
  const [int8Db, fp32Db] = (await outputSqnr(encodeModel(x.prepared), [baseBytes, variantBytes], x.samples)).map(round);
  const keptFloat = rule.keep({ ratio, int8Db, fp32Db });
  const report = { nodes, keptFloat, variantRatio: ratio, sqnrDb: { int8: int8Db, fp32: fp32Db } };
  if (!keptFloat) return { converted: x.base, keepFloat: x.keepFloat, report };
  const why = `kept fp32 by the speed check: ${rule.why} the model measured ${ratio.toFixed(2)}x the latency at ${fp32Db.toFixed(1)} dB output SQNR (int8: ${int8Db.toFixed(1)} dB) on this CPU`;
  const withThese = new Map([...x.keepFloat, ...nodes.map((n) => [n, why] as const)]);
  return { converted: x.convert({ keepFloat: withThese }), keepFloat: withThese, report };
}

/**
 * Resolves w_granularity `auto` for MatMul/Gemm. ORT's QGemm runs 10–15% faster per op with a
 * per-tensor weight scale than with per-channel scales (200-run profiles of the MLP in
 * bench/peers), but per-tensor weights are coarser where channel ranges differ. So: ops whose
 * weights lose at most 6 dB of SQNR per-tensor are candidates, and the variant giving them
 * per-tensor weights is kept only if it measures faster end to end and loses at most 1 dB of
 * output SQNR on calibration samples. Undefined when no such op is planned in int8.
 */
export async function checkGranularity(
  prepared: ModelProto,
  base: Converted,
  keepFloat: ReadonlyMap<string, string>,
  convert: (measured: MeasuredChoices) => Converted,
  reduceRange: boolean,
  feeds: Record<string, Feed>,
  samples: Record<string, Feed>[],
): Promise<{ converted: Converted; report: WeightGranularity } | undefined> {
  const g = new GraphView(prepared.graph!);
  const byName = new Map(prepared.graph!.node.map((n) => [n.name, n]));
  const ops: GranularityOp[] = [];
  for (const d of base.plan.decisions) {
    if (!d.int8 || d.rule.w_granularity !== 'auto' || !d.handler?.autoGranularity) continue;
    const node = byName.get(d.node.name);
    const w = node && d.handler?.weights?.(node, g)[0];
    const t = w && w.axis >= 0 ? g.constantTensor(node.input[w.index]) : undefined;
    if (!w || !t) continue;
    const data = tensorFloat32(t);
    const dims = dimsOf(t);
    const sqnr = (axis?: number) =>
      fidelity(
        data,
        dequantize(
          quantizeWeightTensor(data, dims, { dtype: d.rule.w_dtype === 'uint8' ? 'uint8' : 'int8', symmetric: d.rule.w_sym, axis, reduceRange }),
          dims,
          axis,
        ),
      ).sqnrDb;
    ops.push({ node: d.node.name, opType: d.node.opType, weightSqnrDb: { perChannel: round1(sqnr(w.axis)), perTensor: round1(sqnr()) } });
  }
  if (!ops.length) return undefined;
  const picked = ops.filter((o) => o.weightSqnrDb.perTensor >= o.weightSqnrDb.perChannel - WEIGHT_SQNR_LOSS_DB).map((o) => o.node);
  const of = `${picked.length} of ${ops.length} MatMul/Gemm`;
  if (!picked.length)
    return {
      converted: base,
      report: {
        perTensor: [],
        reason: `auto: per-channel (per-tensor weights lose more than ${WEIGHT_SQNR_LOSS_DB} dB of weight SQNR on every MatMul/Gemm)`,
        ops,
      },
    };
  const variant = convert({ keepFloat, perTensor: new Set(picked) });
  const [baseBytes, variantBytes] = [encodeModel(base.model), encodeModel(variant.model)];
  const [sqnrPc, sqnrVariant] = await outputSqnr(encodeModel(prepared), [baseBytes, variantBytes], samples);
  const ratio = await latencyRatio(baseBytes, variantBytes, feeds);
  const sqnrDb = { perChannel: round1(sqnrPc), variant: round1(sqnrVariant) };
  const measured = `${ratio.toFixed(2)}x the per-channel latency, output SQNR ${sqnrDb.variant} vs ${sqnrDb.perChannel} dB on ${samples.length} calibration samples`;
  return ratio < FASTER && sqnrVariant >= sqnrPc - OUTPUT_SQNR_LOSS_DB
    ? { converted: variant, report: { perTensor: picked, reason: `auto: per-tensor for ${of} (${measured})`, ops, sqnrDb, variantRatio: ratio } }
    : { converted: base, report: { perTensor: [], reason: `auto: per-channel (per-tensor for ${of} measured ${measured})`, ops, sqnrDb, variantRatio: ratio } };
}

/** Float values of int8 weights, per tensor or along `axis`. */
function dequantize(q: QuantizedTensor, dims: number[], axis?: number): Float32Array {
  const out = new Float32Array(q.data.length);
  const inner = axis === undefined ? q.data.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = axis === undefined ? 1 : dims[axis];
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = (q.data[i] - q.zeroPoint[c]) * q.scale[c];
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const round1 = (x: number) => Math.round(x * 10) / 10;
