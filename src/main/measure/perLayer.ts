// Per-layer error: each quantized activation of the int8 model against the same tensor of the
// fp32 model, on a few samples, ranked worst SQNR first.
//
// Which tensors: (1) every DequantizeLinear output whose name is also a float tensor of the fp32
// model (Octet's QDQ models keep the original name on the DQ output; other tools' models may
// too); (2) every node-produced `<name>_quantized` tensor whose `<name>` is a float tensor of the
// fp32 model (Octet's QDQ graph inputs and QOperator models), read as int8/uint8 and
// dequantized with the scale and zero point of the Q/DQ or QLinear op next to it.
// Both models get those tensors as extra graph outputs (clones; the files are untouched).
// SQNR, cosine, max |err| and MSE come from the native fidelity() over all samples together.
// The error is cumulative (what reaches that tensor); dropDb is the part added since the
// nearest compared tensors upstream.
import type { ModelProto } from '../onnx/model';
import { cloneModel, encodeModel } from '../onnx/model';
import { GraphView, makeValueInfo, type NodeProto } from '../onnx/graph';
import { DT, tensorValues, type TensorProto } from '../onnx/tensor';
import { openSession, run } from '../runtime/session';
import { basicOptimize } from '../runtime/optimize';
import { fidelity } from '../../../native';
import { concatFloats } from './metrics';
import { OctetError } from '../../shared/errors';
import type { LayerError } from '../../shared/bench';
import type { Sample } from '../data/types';
import type * as ort from 'onnxruntime-node';

interface Target {
  /** fp32 tensor name. */
  tensor: string;
  /** int8 tensor fetched. */
  fetch: string;
  via: 'dequantized' | 'quantized';
  scale?: number;
  zeroPoint?: number;
}

export interface PerLayerResult {
  layers: LayerError[];
  skipped: number;
}

/** Scale and zero point for a quantized tensor, from the op that reads or writes it. */
/**
 * Where an int8 kernel (QLinearConv, QGemm…) takes its output scale; its output zero point is the
 * next input. The op handlers know (quant/ops/registry.ts's `outputScaleInput`); callers pass it
 * in, since measure/ sits below quant/.
 */
export type OutputScaleOf = (opType: string) => number | undefined;

function qparamsOf(name: string, g: GraphView, outputScaleOf: OutputScaleOf): { scale: number; zeroPoint: number } | undefined {
  const scalar = (n: string | undefined): number | undefined => {
    if (!n) return undefined;
    const t: TensorProto | undefined = g.constantTensor(n);
    if (!t) return undefined;
    const v = tensorValues(t);
    return v.length === 1 ? Number(v[0]) : undefined;
  };
  const from = (scaleName: string | undefined, zpName: string | undefined) => {
    const scale = scalar(scaleName);
    if (scale === undefined) return undefined;
    return { scale, zeroPoint: zpName ? (scalar(zpName) ?? 0) : 0 };
  };
  const p = g.producer.get(name);
  if (p?.opType === 'QuantizeLinear') return from(p.input[1], p.input[2]);
  for (const c of g.consumers.get(name) ?? []) {
    const i = c.input.indexOf(name);
    if (c.opType === 'MatMulIntegerToFloat') {
      const r = i === 0 ? from(c.input[2], c.input[4]) : i === 1 ? from(c.input[3], c.input[5]) : undefined;
      if (r) return r;
      continue;
    }
    if (c.opType === 'DequantizeLinear' || /^QLinear|^QGemm$/.test(c.opType)) {
      const r = from(c.input[i + 1], c.input[i + 2]);
      if (r) return r;
    }
  }
  // QLinear* producers: y_scale and y_zero_point where the op handlers say each kernel takes them.
  const yScale = p && outputScaleOf(p.opType);
  if (p && yScale !== undefined) return from(p.input[yScale], p.input[yScale + 1]);
  return undefined;
}

/** Tensors to compare, in fp32 graph order, and how many quantized tensors had no fp32 match. */
export function layerTargets(
  fp32: ModelProto,
  int8: ModelProto,
  outputScaleOf: OutputScaleOf,
): { targets: Target[]; skipped: number; order: Map<string, { node: NodeProto | undefined; order: number }> } {
  const fg = new GraphView(fp32.graph!);
  const order = new Map<string, { node: NodeProto | undefined; order: number }>();
  for (const v of fg.feedInputs) order.set(v.name, { node: undefined, order: 0 });
  fp32.graph!.node.forEach((n, i) => {
    for (const o of n.output) if (o && !fg.initializers.has(o)) order.set(o, { node: n, order: i + 1 });
  });
  const qg = new GraphView(int8.graph!);
  const targets = new Map<string, Target>();
  let skipped = 0;
  for (const n of int8.graph!.node) {
    if (n.opType !== 'DequantizeLinear' || qg.initializers.has(n.input[0])) continue;
    const out = n.output[0];
    if (order.has(out)) targets.set(out, { tensor: out, fetch: out, via: 'dequantized' });
  }
  for (const n of int8.graph!.node) {
    for (const o of n.output) {
      if (!o.endsWith('_quantized')) continue;
      const base = o.slice(0, -'_quantized'.length);
      if (!order.has(base)) {
        skipped++;
        continue;
      }
      if (targets.has(base)) continue;
      const qp = qparamsOf(o, qg, outputScaleOf);
      if (!qp) {
        skipped++;
        continue;
      }
      targets.set(base, { tensor: base, fetch: o, via: 'quantized', ...qp });
    }
  }
  const list = [...targets.values()].sort((a, b) => order.get(a.tensor)!.order - order.get(b.tensor)!.order);
  return { targets: list, skipped, order };
}

function withOutputs(model: ModelProto, names: string[]): Uint8Array {
  const m = cloneModel(model);
  const existing = new Set(m.graph!.output.map((o) => o.name));
  for (const name of names) if (!existing.has(name)) m.graph!.output.push(makeValueInfo(name, DT.FLOAT, undefined));
  return encodeModel(m);
}

function withRawOutputs(model: ModelProto, targets: Target[]): Uint8Array {
  const m = cloneModel(model);
  const g = new GraphView(m.graph!);
  const existing = new Set(m.graph!.output.map((o) => o.name));
  for (const t of targets) {
    if (existing.has(t.fetch)) continue;
    // The element type of a `_quantized` tensor is its zero point's (uint8 when absent).
    let type: number = DT.FLOAT;
    if (t.via === 'quantized') {
      const p = g.producer.get(t.fetch);
      const zpName = p?.opType === 'QuantizeLinear' ? p.input[2] : undefined;
      type = (zpName && g.constantTensor(zpName)?.dataType) || DT.UINT8;
    }
    m.graph!.output.push(makeValueInfo(t.fetch, type, undefined));
  }
  return encodeModel(m);
}

function toFloat(t: ort.Tensor, target: Target): Float32Array {
  const d = t.data;
  if (target.via === 'dequantized' || (d instanceof Float32Array && target.scale === undefined)) {
    if (d instanceof Float32Array) return d;
    return Float32Array.from(d as ArrayLike<number>);
  }
  if (d instanceof Float32Array) return d; // a float tensor after all: compare as is
  const src = d as Int8Array | Uint8Array;
  const out = new Float32Array(src.length);
  const s = target.scale!;
  const z = target.zeroPoint ?? 0;
  for (let i = 0; i < src.length; i++) out[i] = (src[i] - z) * s;
  return out;
}

/** Worst SQNR among the nearest compared tensors upstream of `name` in the fp32 graph. */
function upstreamSqnr(name: string, fg: GraphView, sqnr: Map<string, number>): number | undefined {
  const seen = new Set<string>([name]);
  const stack = [...(fg.producer.get(name)?.input ?? [])];
  let worst: number | undefined;
  while (stack.length) {
    const x = stack.pop()!;
    if (!x || seen.has(x)) continue;
    seen.add(x);
    const s = sqnr.get(x);
    if (s !== undefined) {
      worst = worst === undefined ? s : Math.min(worst, s);
      continue;
    }
    const p = fg.producer.get(x);
    if (p) stack.push(...p.input);
  }
  return worst;
}

/**
 * Runs both models on `samples` with the compared tensors as extra outputs, grouped so that
 * what is held at once stays under `budgetBytes`.
 */
export async function perLayerError(
  fp32: ModelProto,
  int8: ModelProto,
  samples: Sample[],
  opts: { outputScaleOf: OutputScaleOf; threads?: number; budgetBytes?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<PerLayerResult> {
  let picked = layerTargets(fp32, int8, opts.outputScaleOf);
  if (picked.skipped > 0) {
    // Octet quantizes ORT's basic-level rewrite of the model (MatMul+Add → Gemm and the like), so
    // some of its tensors exist only there; those rewrites keep values, so it is as good a reference.
    const basic = await basicOptimize(fp32).catch(() => undefined);
    const viaBasic = basic && layerTargets(basic, int8, opts.outputScaleOf);
    if (viaBasic && viaBasic.targets.length > picked.targets.length) {
      picked = viaBasic;
      fp32 = basic;
    }
  }
  const { targets, skipped, order } = picked;
  if (targets.length === 0 || samples.length === 0) return { layers: [], skipped };
  const budget = opts.budgetBytes ?? 256 * 2 ** 20;
  const check = () => {
    if (opts.signal?.aborted) throw new OctetError('CANCELLED', 'The benchmark was cancelled');
  };
  const a = await openSession(
    withOutputs(
      fp32,
      targets.map((t) => t.tensor),
    ),
    { threads: opts.threads ?? 1 },
  );
  let b: ort.InferenceSession;
  try {
    b = await openSession(withRawOutputs(int8, targets), { threads: opts.threads ?? 1 });
  } catch (e) {
    await a.release();
    throw e;
  }
  const results = new Map<string, { cosine: number; sqnrDb: number; maxAbs: number; mse: number }>();
  try {
    // Sizes from sample 0 (fp32 side) decide the groups.
    check();
    const probe = await run(
      a,
      samples[0].feeds,
      targets.map((t) => t.tensor),
    );
    const bytes = new Map(targets.map((t) => [t.tensor, (probe[t.tensor]?.data as { byteLength?: number } | undefined)?.byteLength ?? 0]));
    const groups: Target[][] = [];
    let cur: Target[] = [];
    let held = 0;
    for (const t of targets) {
      const size = bytes.get(t.tensor)! * 2 * samples.length;
      if (cur.length && held + size > budget) {
        groups.push(cur);
        cur = [];
        held = 0;
      }
      cur.push(t);
      held += size;
    }
    if (cur.length) groups.push(cur);
    const total = groups.length * samples.length;
    let done = 0;
    for (const group of groups) {
      const refs = new Map<string, Float32Array[]>(group.map((t) => [t.tensor, []]));
      const tests = new Map<string, Float32Array[]>(group.map((t) => [t.tensor, []]));
      for (const s of samples) {
        check();
        const ra = await run(
          a,
          s.feeds,
          group.map((t) => t.tensor),
        );
        const rb = await run(
          b,
          s.feeds,
          group.map((t) => t.fetch),
        );
        for (const t of group) {
          const ref = ra[t.tensor];
          if (!(ref.data instanceof Float32Array)) continue; // not a float tensor in fp32
          refs.get(t.tensor)!.push(ref.data);
          tests.get(t.tensor)!.push(toFloat(rb[t.fetch], t));
        }
        opts.onProgress?.(++done, total);
      }
      for (const t of group) {
        const r = refs.get(t.tensor)!;
        const q = tests.get(t.tensor)!;
        if (r.length === 0) continue;
        const ref = concatFloats(r);
        const test = concatFloats(q);
        if (ref.length !== test.length) continue; // shapes differ (layout change): not comparable
        const f = fidelity(ref, test);
        results.set(t.tensor, { cosine: f.cosine, sqnrDb: f.sqnrDb, maxAbs: f.maxAbs, mse: f.mse });
      }
    }
  } finally {
    await a.release();
    await b.release();
  }
  const fg = new GraphView(fp32.graph!);
  const sqnr = new Map([...results].map(([k, v]) => [k, v.sqnrDb]));
  const layers: LayerError[] = targets
    .filter((t) => results.has(t.tensor))
    .map((t) => {
      const r = results.get(t.tensor)!;
      const o = order.get(t.tensor)!;
      const up = upstreamSqnr(t.tensor, fg, sqnr);
      const layer: LayerError = { tensor: t.tensor, node: o.node?.name ?? '', op: o.node?.opType ?? 'input', order: o.order, ...r, via: t.via };
      if (up !== undefined && Number.isFinite(up) && Number.isFinite(r.sqnrDb)) layer.dropDb = up - r.sqnrDb;
      return layer;
    });
  layers.sort((x, y) => x.sqnrDb - y.sqnrDb || x.order - y.order);
  return { layers, skipped: skipped + (targets.length - layers.length) };
}
