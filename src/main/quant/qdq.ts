import { Histogram, computeQParams, mseRange, quantizeBias, quantizeLinear, quantizeWeights, type QuantizedTensor } from '../../../native';
import { GraphView, makeNode, type GraphProto, type NodeProto } from '../onnx/graph';
import { makeTensor, tensorFloat32, dimsOf, DT } from '../onnx/tensor';
import { namesRead } from '../onnx/scope';
import { activationParams, type QParams } from './qparams';
import type { QuantPlan, NodeDecision } from './plan';
import { opFactsFor } from './ops/registry';
import { isFusedActivation } from './ops/activation';
import type { TensorRange } from './calibrate';

export interface TensorParamRefs {
  params: QParams;
  scale: string;
  zeroPoint: string;
}

export interface QdqResult {
  /** Activation tensor → its quantization parameters and their initializer names. */
  activations: Map<string, TensorParamRefs>;
  weightsQuantized: number;
  pairsInserted: number;
}

/**
 * Rewrites the graph in place into QDQ form: int8 weights and int32 biases behind
 * DequantizeLinear, and a QuantizeLinear → DequantizeLinear pair on each planned activation,
 * placed where ONNX Runtime's CPU provider fuses them into int8 kernels.
 */
export function insertQdq(graph: GraphProto, plan: QuantPlan, ranges: Map<string, TensorRange>, reduceRange: boolean): QdqResult {
  const g = new GraphView(graph);
  const activations = new Map<string, TensorParamRefs>();

  // 1. Activation parameters: roots first, then tensors that share a root's scale.
  const entries = [...plan.tensors.values()];
  for (const t of entries.filter((e) => !e.sharesWith)) {
    const r = t.fixedRange ? { lo: t.fixedRange[0], hi: t.fixedRange[1] } : ranges.get(t.name);
    if (!r) throw new Error(`internal: no range for ${t.name}`);
    const params = activationParams(r.lo, r.hi, t.dtype, t.symmetric, t.startsAtZero, t.within);
    activations.set(t.name, { params, ...paramInitializers(g, t.name, params) });
  }
  for (const t of entries.filter((e) => e.sharesWith)) activations.set(t.name, activations.get(t.sharesWith!)!);

  // 2. Weights, biases and constant operands of int8 nodes (before activations are renamed).
  let weightsQuantized = 0;
  const weightCache = new Map<string, { name: string; scales: Float32Array }>();
  for (const d of plan.decisions) {
    if (!d.int8 || !d.handler) continue;
    const wScales = new Map<number, Float32Array>();
    const bias = d.handler.bias?.(d.node, g);
    for (const w of d.handler.weights?.(d.node, g) ?? []) {
      const act = bias?.weightIndex === w.index ? activations.get(d.node.input[bias.activationIndex]) : undefined;
      const minScales = act && bias ? biasScaleFloor(g, d.node.input[bias.index], act.params.scale) : undefined;
      const res = quantizeWeight(g, d, w.index, w.axis, reduceRange, weightCache, minScales);
      wScales.set(w.index, res.scales);
      weightsQuantized++;
    }
    if (bias && wScales.has(bias.weightIndex)) {
      const act = activations.get(d.node.input[bias.activationIndex]);
      if (act) quantizeBiasInput(g, d.node, bias.index, act.params.scale, wScales.get(bias.weightIndex)!);
    }
    for (const i of d.handler.constantInputs?.(d.node, g) ?? []) quantizeConstantOperand(g, d.node, i);
  }

  // 3. Q → DQ on each activation. The producer's output is renamed so every reader, graph
  //    outputs included, reads the DQ output under the original name.
  let pairsInserted = 0;
  const feedNames = new Set(graph.input.map((i) => i.name));
  for (const [name, refs] of activations) {
    const q = g.uniqueName(`${name}_quantized`);
    const producer = g.producer.get(name);
    let source = name;
    let dqOut = name;
    if (producer) {
      source = g.uniqueName(`${name}_float`);
      producer.output = producer.output.map((o) => (o === name ? source : o));
    } else if (feedNames.has(name)) {
      dqOut = g.uniqueName(`${name}_dequantized`);
      for (const c of g.consumers.get(name) ?? []) c.input = c.input.map((i) => (i === name ? dqOut : i));
    } else continue;
    if (producer && feedsKeptFloatOp(producer, g, plan)) {
      // ORT's WeightBiasQuantization re-quantizes a float Conv/Gemm that sits between a DQ and a
      // Q, and its QDQ propagation moves a Q back across Reshape-like ops. Flatten is not one of
      // those, so a zero-copy Flatten → Reshape(original shape) in front of the Q keeps the op
      // that the rules (or the speed check) left in fp32.
      const shape = g.uniqueName(`${name}_shape`);
      const flat = g.uniqueName(`${name}_flat`);
      const guarded = g.uniqueName(`${name}_kept_float`);
      graph.node.push(makeNode('Shape', [source], [shape], {}, g.uniqueName(`${name}_KeepFloat_Shape`)));
      graph.node.push(makeNode('Flatten', [source], [flat], { axis: 1 }, g.uniqueName(`${name}_KeepFloat_Flatten`)));
      graph.node.push(makeNode('Reshape', [flat, shape], [guarded], {}, g.uniqueName(`${name}_KeepFloat_Reshape`)));
      source = guarded;
    }
    graph.node.push(makeNode('QuantizeLinear', [source, refs.scale, refs.zeroPoint], [q], {}, g.uniqueName(`${name}_QuantizeLinear`)));
    graph.node.push(makeNode('DequantizeLinear', [q, refs.scale, refs.zeroPoint], [dqOut], {}, g.uniqueName(`${name}_DequantizeLinear`)));
    pairsInserted++;
  }

  dropUnusedInitializers(graph);
  new GraphView(graph).topoSort();
  return { activations, weightsQuantized, pairsInserted };
}

function paramInitializers(g: GraphView, base: string, p: QParams): { scale: string; zeroPoint: string } {
  const scale = g.addInitializer(makeTensor(g.uniqueName(`${base}_scale`), new Float32Array([p.scale]), []));
  const zp = p.dtype === 'uint8' ? new Uint8Array([p.zeroPoint]) : new Int8Array([p.zeroPoint]);
  const zeroPoint = g.addInitializer(makeTensor(g.uniqueName(`${base}_zero_point`), zp, []));
  return { scale, zeroPoint };
}

export interface WeightOpts {
  /** uint8 weights (zero point 128 when symmetric) run on ORT's u8u8 kernels, which never saturate. */
  dtype: 'int8' | 'uint8';
  symmetric: boolean;
  /** Per channel along this axis; per tensor when undefined. */
  axis?: number;
  /** 7-bit int8 weights; uint8 weights ignore it (they need no protection from saturation). */
  reduceRange: boolean;
}

/** 8-bit weights as Octet writes them. */
export function quantizeWeightTensor(data: Float32Array, dims: number[], opts: WeightOpts): QuantizedTensor {
  const o = { ...opts, reduceRange: opts.reduceRange && opts.dtype === 'int8' };
  return o.axis === undefined ? quantizePerTensor(data, dims, o) : quantizeWeights(data, dims, o);
}

/**
 * Per-tensor weights with the clipping range that minimizes the quantization error (native
 * MSE search over a histogram) instead of max |w|: one scale serves every channel, so the largest
 * weight would otherwise set a coarse step for all of them (the MLP of bench/peers: weight SQNR
 * 38.6 → 40.5 dB, per-channel 42.7). Values past the range saturate to the rule's qmin/qmax.
 */
function quantizePerTensor(data: Float32Array, dims: number[], o: Omit<WeightOpts, 'axis'>): QuantizedTensor {
  const plain = quantizeWeights(data, dims, o); // also rejects NaN/Inf
  const h = new Histogram(2048);
  h.update(data);
  const p = computeQParams(mseRange(h, { symmetric: o.symmetric, levels: o.reduceRange ? 128 : 256 }), o);
  if (!(p.scale < plain.scale[0])) return plain;
  const q = quantizeLinear(data, p.scale, p.zeroPoint, o.dtype);
  for (let i = 0; i < q.length; i++) q[i] = Math.min(p.qmax, Math.max(p.qmin, q[i]));
  const clipped = { data: q, scale: new Float32Array([p.scale]), zeroPoint: o.dtype === 'int8' ? new Int8Array([p.zeroPoint]) : new Uint8Array([p.zeroPoint]) };
  // The histogram search is approximate: keep whichever really has the smaller error.
  return squaredError(data, clipped) < squaredError(data, plain) ? clipped : plain;
}

function squaredError(data: Float32Array, q: QuantizedTensor): number {
  const [s, z] = [q.scale[0], q.zeroPoint[0]];
  let e = 0;
  for (let i = 0; i < data.length; i++) e += (data[i] - (q.data[i] - z) * s) ** 2;
  return e;
}

/**
 * Bias values are int32 at scale = activation scale × weight scale. A weight channel that training
 * left near zero (1e-38 after BatchNorm folding: PP-OCRv5's detector has dozens) gets a scale so
 * small that its bias overflows int32 and the channel's output is lost. So each channel's weight
 * scale is kept at least |bias| / (activation scale × 2^30): its weights round to zero either way,
 * and the bias, with headroom for the accumulated products, survives.
 */
const BIAS_INT_LIMIT = 2 ** 30;

function biasScaleFloor(g: GraphView, biasName: string, actScale: number): Float32Array | undefined {
  const b = biasName ? g.constantTensor(biasName) : undefined;
  if (!b || !(actScale > 0)) return undefined;
  return tensorFloat32(b).map((v) => Math.abs(v) / (actScale * BIAS_INT_LIMIT));
}

/** Raises the scale of every channel below its floor and requantizes that channel's weights with it. */
function raiseScales(q: QuantizedTensor, data: Float32Array, dims: number[], axis: number | undefined, floors: Float32Array): QuantizedTensor {
  const scale = Float32Array.from(q.scale);
  const perTensor = axis === undefined || scale.length === 1;
  const floorOf = (c: number) => (perTensor ? floors.reduce((m, v) => Math.max(m, v), 0) : (floors[c] ?? floors[0]));
  const raised = Array.from(scale, (s, c) => floorOf(c) > s);
  if (!raised.some(Boolean)) return q;
  raised.forEach((r, c) => r && (scale[c] = floorOf(c)));
  const inner = perTensor ? 1 : dims.slice(axis! + 1).reduce((a, b) => a * b, 1);
  const data8 = q.data.slice();
  for (let i = 0; i < data.length; i++) {
    const c = perTensor ? 0 : Math.floor(i / inner) % scale.length;
    if (!raised[c]) continue;
    const zp = q.zeroPoint[q.zeroPoint.length === 1 ? 0 : c];
    // |w / larger scale| ≤ |w / old scale|: the value stays between zp and its old code, inside the type's bounds.
    data8[i] = Math.round(data[i] / scale[c]) + zp;
  }
  return { data: data8, scale, zeroPoint: q.zeroPoint };
}

function quantizeWeight(
  g: GraphView,
  d: NodeDecision,
  index: number,
  axis: number,
  reduceRange: boolean,
  cache: Map<string, { name: string; scales: Float32Array }>,
  minScales?: Float32Array,
): { scales: Float32Array } {
  const name = d.node.input[index];
  const perChannel = d.wGranularity === 'per_channel' && axis >= 0;
  const dtype = d.rule.w_dtype === 'uint8' ? 'uint8' : 'int8';
  const key = `${name}|${perChannel ? axis : 't'}|${d.rule.w_sym}|${reduceRange}|${dtype}`;
  const hit = minScales ? undefined : cache.get(key);
  if (hit) {
    d.node.input[index] = hit.name;
    return hit;
  }
  const w = g.constantTensor(name)!;
  const dims = dimsOf(w);
  const data = tensorFloat32(w);
  const plain = quantizeWeightTensor(data, dims, { dtype, symmetric: d.rule.w_sym, axis: perChannel ? axis : undefined, reduceRange });
  const q = minScales ? raiseScales(plain, data, dims, perChannel ? axis : undefined, minScales) : plain;
  const qName = g.addInitializer(makeTensor(g.uniqueName(`${name}_quantized`), q.data, dims));
  const cdims = perChannel ? [dims[axis]] : [];
  const scale = g.addInitializer(makeTensor(g.uniqueName(`${name}_scale`), q.scale, cdims));
  const zp = g.addInitializer(makeTensor(g.uniqueName(`${name}_zero_point`), q.zeroPoint, cdims));
  const out = g.uniqueName(`${name}_dequantized`);
  g.graph.node.push(makeNode('DequantizeLinear', [qName, scale, zp], [out], perChannel ? { axis } : {}, g.uniqueName(`${name}_DequantizeLinear`)));
  d.node.input[index] = out;
  const res = { name: out, scales: q.scale };
  if (!minScales) cache.set(key, res);
  return res;
}

function quantizeBiasInput(g: GraphView, node: NodeProto, index: number, inputScale: number, weightScales: Float32Array): void {
  const name = node.input[index];
  const b = g.constantTensor(name)!;
  const values = tensorFloat32(b);
  const q = quantizeBias(values, inputScale, weightScales);
  const n = values.length;
  const perChannel = q.scale.length > 1;
  const qName = g.addInitializer(makeTensor(g.uniqueName(`${name}_quantized`), q.data, [n]));
  const scale = g.addInitializer(makeTensor(g.uniqueName(`${name}_scale`), q.scale, perChannel ? [n] : []));
  const zp = g.addInitializer(makeTensor(g.uniqueName(`${name}_zero_point`), new Int32Array(perChannel ? n : 1), perChannel ? [n] : []));
  const out = g.uniqueName(`${name}_dequantized`);
  g.graph.node.push(makeNode('DequantizeLinear', [qName, scale, zp], [out], perChannel ? { axis: 0 } : {}, g.uniqueName(`${name}_DequantizeLinear`)));
  node.input[index] = out;
}

/** A constant operand of Add/Mul/Concat, quantized per tensor with its own range. */
function quantizeConstantOperand(g: GraphView, node: NodeProto, index: number): void {
  const name = node.input[index];
  const t = g.constantTensor(name);
  if (!t || t.dataType !== DT.FLOAT) return;
  const dims = dimsOf(t);
  const q = quantizeWeights(tensorFloat32(t), dims, { dtype: 'uint8', symmetric: false });
  const qName = g.addInitializer(makeTensor(g.uniqueName(`${name}_quantized`), q.data, dims));
  const scale = g.addInitializer(makeTensor(g.uniqueName(`${name}_scale`), q.scale, []));
  const zp = g.addInitializer(makeTensor(g.uniqueName(`${name}_zero_point`), q.zeroPoint, []));
  const out = g.uniqueName(`${name}_dequantized`);
  g.graph.node.push(makeNode('DequantizeLinear', [qName, scale, zp], [out], {}, g.uniqueName(`${name}_DequantizeLinear`)));
  node.input[index] = out;
}

/** Float weights that every reader now takes in int8 are dropped (also from old-IR input lists); a subgraph's outer reads keep theirs. */
export function dropUnusedInitializers(graph: GraphProto): void {
  const used = namesRead(graph);
  const keep = graph.initializer.filter((t) => used.has(t.name));
  const dropped = new Set(graph.initializer.filter((t) => !used.has(t.name)).map((t) => t.name));
  graph.initializer = keep;
  graph.input = graph.input.filter((i) => !dropped.has(i.name));
}

/** Whether `producer` is (or is a Relu/Clip right after) an op ORT would re-quantize (Conv, ConvTranspose, Gemm) kept in fp32. */
function feedsKeptFloatOp(producer: NodeProto, g: GraphView, plan: QuantPlan): boolean {
  let op = producer;
  const before = g.producer.get(op.input[0]);
  if (isFusedActivation(op) && before) op = before;
  return !!opFactsFor(op)?.requantizedWhenFloat && !plan.byNode.get(op)?.int8;
}
