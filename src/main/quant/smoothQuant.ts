// SmoothQuant (Xiao et al. 2023; INC's `smooth_quant` recipe): X·W = (X·diag(1/s))·(diag(s)·W).
// Transformer activations carry a few input channels hundreds of times larger than the rest
// (MiniLM's LayerNorm outputs), so one per-tensor activation scale wastes most of its levels on
// them; weights are quantized per output channel and absorb s along their input rows with little
// loss. s_j = max|x_j|^alpha / max|w_j|^(1-alpha).
import { cloneModel, type ModelProto } from '../onnx/model';
import { GraphView, makeNode, type NodeProto } from '../onnx/graph';
import { dimsOf, makeTensor, tensorFloat32, DT } from '../onnx/tensor';
import type { ChannelStats, TensorRange } from './calibrate';
import type { QuantPlan } from './plan';
import { handlerFor } from './ops/registry';
import { isFusedActivation } from './ops/activation';
import type { SmoothQuantReport } from '../../shared/report';

/** MatMul/Gemm nodes planned in int8 that read one activation through constant 2-D float weights. */
export interface SmoothGroup {
  input: string;
  nodes: { name: string; weightIndex: number; /** Input channels run along this weight axis. */ kAxis: number }[];
}

export interface Smoothed {
  model: ModelProto;
  /** Node name of each inserted Mul → why it stays fp32 (it runs before the Quantize). */
  keepFloat: Map<string, string>;
  /** The smoothed activations' min/max, from the channel extremes: what minmax calibration would measure. */
  ranges: Map<string, TensorRange>;
}

const MIN_SCALE = 1e-5;

/**
 * The int8 MatMul/Gemm nodes SmoothQuant can serve, grouped by their activation input. An input
 * that an int8 op produces (through Reshape-like ops or a Relu) is left alone: the float Mul would
 * sit between that op and its Quantize and cost it its fused int8 kernel.
 */
export function smoothGroups(plan: QuantPlan, g: GraphView): SmoothGroup[] {
  const byInput = new Map<string, SmoothGroup>();
  for (const d of plan.decisions) {
    if (!d.int8) continue;
    const n = d.node;
    const slot = weightSlot(n, g);
    if (!slot || producedInInt8(n.input[0], plan, g)) continue;
    const group = byInput.get(n.input[0]) ?? { input: n.input[0], nodes: [] };
    group.nodes.push({ name: n.name, ...slot });
    byInput.set(n.input[0], group);
  }
  return [...byInput.values()];
}

function producedInInt8(tensor: string, plan: QuantPlan, g: GraphView): boolean {
  let p = g.producer.get(tensor);
  for (let hops = 0; p && hops < 16; hops++) {
    const d = plan.byNode.get(p);
    const through = d?.handler?.kind === 'passthrough' || isFusedActivation(p);
    if (!through) return !!d?.int8;
    p = g.producer.get(p.input[0]);
  }
  return false;
}

/** The node's constant 2-D float weight SmoothQuant may scale, as its handler names it (MatMul, Gemm). */
function weightSlot(n: NodeProto, g: GraphView): { weightIndex: number; kAxis: number } | undefined {
  const slot = handlerFor(n)?.smoothQuantWeight?.(n);
  if (!slot || g.isConstant(n.input[0])) return undefined;
  const w = g.constantTensor(n.input[slot.weightIndex]);
  if (!w || w.dataType !== DT.FLOAT || dimsOf(w).length !== 2) return undefined;
  return slot;
}

/**
 * Inserts one Mul by 1/s in front of each group (shared by the group's nodes, which keep one
 * activation scale) and scales each weight's input rows by s. Groups whose readers are not all
 * smoothed keep the original tensor for the others: the Mul feeds only the group.
 */
export function applySmoothQuant(prepared: ModelProto, groups: SmoothGroup[], stats: Map<string, ChannelStats>, alpha: number): Smoothed {
  const model = cloneModel(prepared);
  const g = new GraphView(model.graph!);
  const byName = new Map(model.graph!.node.map((n) => [n.name, n]));
  const keepFloat = new Map<string, string>();
  const ranges = new Map<string, TensorRange>();
  for (const group of groups) {
    const st = stats.get(group.input);
    const nodes = group.nodes.map((x) => ({ ...x, node: byName.get(x.name)! }));
    const weights = nodes.map((x) => ({ ...x, tensor: g.constantTensor(x.node.input[x.weightIndex])! }));
    const k = st?.max.length ?? 0;
    if (!st || k < 2 || weights.some((w) => dimsOf(w.tensor)[w.kAxis] !== k)) continue;
    const wMax = new Float32Array(k);
    for (const w of weights) eachWeight(w.tensor, w.kAxis, (v, row) => (wMax[row] = Math.max(wMax[row], Math.abs(v))));
    const s = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      const xMax = Math.max(Math.abs(st.min[j]), Math.abs(st.max[j]), MIN_SCALE);
      s[j] = Math.max(MIN_SCALE, xMax ** alpha / Math.max(wMax[j], MIN_SCALE) ** (1 - alpha));
    }
    const inv = g.addInitializer(
      makeTensor(
        g.uniqueName(`${group.input}_smooth_scale`),
        s.map((v) => 1 / v),
        [k],
      ),
    );
    const smoothed = g.uniqueName(`${group.input}_smoothed`);
    const mulName = g.uniqueName(`${group.input}_SmoothQuant`);
    model.graph!.node.push(makeNode('Mul', [group.input, inv], [smoothed], {}, mulName));
    keepFloat.set(mulName, `SmoothQuant's per-channel division (alpha ${alpha}): float, ahead of the Quantize it makes finer`);
    for (const w of weights) {
      const dims = dimsOf(w.tensor);
      const scaled = new Float32Array(tensorFloat32(w.tensor));
      eachWeight(w.tensor, w.kAxis, (v, row, i) => (scaled[i] = v * s[row]));
      w.node.input[w.weightIndex] = g.addInitializer(makeTensor(g.uniqueName(`${w.node.input[w.weightIndex]}_smoothed`), scaled, dims));
      w.node.input[0] = smoothed;
    }
    let lo = 0;
    let hi = 0;
    for (let j = 0; j < k; j++) {
      lo = Math.min(lo, st.min[j] / s[j]);
      hi = Math.max(hi, st.max[j] / s[j]);
    }
    ranges.set(smoothed, { lo, hi, min: lo, max: hi });
  }
  g.refresh();
  g.topoSort();
  return { model, keepFloat, ranges };
}

/** Visits a 2-D weight's values with the index of their input-channel row (along `kAxis`). */
function eachWeight(t: Parameters<typeof tensorFloat32>[0], kAxis: number, fn: (v: number, row: number, i: number) => void): void {
  const [d0, d1] = dimsOf(t);
  const w = tensorFloat32(t);
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) fn(w[a * d1 + b], kAxis === 0 ? a : b, a * d1 + b);
}

export interface SmoothQuantChoice {
  /** The smoothed prepared model, its fp32 Muls, and every range it needs (the original ones included). */
  smoothed?: Smoothed;
  report: SmoothQuantReport;
}

export const AUTO_ALPHAS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
/** `auto` applies SmoothQuant only when it gains at least this much output SQNR: below, calibration-sample noise could pick it. */
const AUTO_GAIN_DB = 1;

export interface SmoothQuantInputs {
  prepared: ModelProto;
  groups: SmoothGroup[];
  stats: Map<string, ChannelStats>;
  setting: boolean | 'auto';
  alpha: number | 'auto';
  /** Ranges that the smoothed model's plan observes but minmax over channel extremes cannot give (other act_algo). */
  needsRecalibration: boolean;
  /** Converts a (smoothed) prepared model with these ranges and fp32 nodes; returns its bytes and the tensors its plan observes. */
  convert(model: ModelProto, ranges: Map<string, TensorRange>, keepFloat: Map<string, string>): { bytes: Uint8Array; observed: string[] };
  calibrate(model: ModelProto, tensors: string[]): Promise<Map<string, TensorRange>>;
  /** Output SQNR (dB) of each int8 model against fp32 on calibration samples. */
  sqnr(models: Uint8Array[]): Promise<number[]>;
  ranges: Map<string, TensorRange>;
}

/**
 * Converts the model without SmoothQuant and with each candidate alpha, and keeps the one with
 * the best output SQNR on calibration samples (`auto`: only when it gains ≥ 1 dB over none).
 */
export async function chooseSmoothQuant(x: SmoothQuantInputs): Promise<SmoothQuantChoice> {
  const groups = x.groups.filter((gr) => (x.stats.get(gr.input)?.max.length ?? 0) > 1);
  if (groups.length === 0) return { report: { applied: false, groups: 0, reason: 'no int8 MatMul/Gemm reads an activation through constant 2-D weights' } };
  const alphas = x.alpha === 'auto' ? AUTO_ALPHAS : [x.alpha];
  const variants: { alpha: number; smoothed: Smoothed; bytes: Uint8Array }[] = [];
  // Alphas are ranked with the smoothed inputs' minmax ranges (from the channel extremes): for
  // another act_algo, calibrating every candidate again cost a full run each (7 on a PaddleOCR
  // recognizer: 4 minutes). Only the winner is calibrated with the recipe's algorithm.
  for (const alpha of alphas) {
    const smoothed = applySmoothQuant(x.prepared, groups, x.stats, alpha);
    variants.push({ alpha, smoothed, bytes: x.convert(smoothed.model, new Map([...x.ranges, ...smoothed.ranges]), smoothed.keepFloat).bytes });
  }
  const base = x.convert(x.prepared, x.ranges, new Map()).bytes;
  const [off, ...sqnr] = await x.sqnr([base, ...variants.map((v) => v.bytes)]);
  const best = sqnr.indexOf(Math.max(...sqnr));
  if (x.needsRecalibration) {
    const { smoothed } = variants[best];
    const observed = x.convert(smoothed.model, new Map([...x.ranges, ...smoothed.ranges]), smoothed.keepFloat).observed;
    const fresh = await x.calibrate(
      smoothed.model,
      observed.filter((t) => smoothed.ranges.has(t)),
    );
    for (const [k, r] of fresh) smoothed.ranges.set(k, r);
    [sqnr[best]] = await x.sqnr([x.convert(smoothed.model, new Map([...x.ranges, ...smoothed.ranges]), smoothed.keepFloat).bytes]);
  }
  const byAlpha = Object.fromEntries(variants.map((v, i) => [String(v.alpha), round(sqnr[i])]));
  const sqnrDb = { off: round(off), byAlpha };
  const chosen = variants[best];
  const measured = `output SQNR ${sqnr[best].toFixed(1)} dB with alpha ${chosen.alpha} vs ${off.toFixed(1)} dB without, on calibration samples`;
  if (x.setting === 'auto' && !(sqnr[best] >= off + AUTO_GAIN_DB)) {
    return { report: { applied: false, groups: groups.length, reason: `auto: not applied (${measured})`, sqnrDb } };
  }
  return {
    smoothed: { ...chosen.smoothed, ranges: new Map([...x.ranges, ...chosen.smoothed.ranges]) },
    report: {
      applied: true,
      alpha: chosen.alpha,
      groups: groups.length,
      reason: `${x.setting === 'auto' ? 'auto: ' : ''}${groups.length} MatMul/Gemm input(s) smoothed (${measured})`,
      sqnrDb,
    },
  };
}

const round = (v: number) => Math.round(v * 100) / 100;
