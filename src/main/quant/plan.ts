import { GraphView, type NodeProto, type GraphProto } from '../onnx/graph';
import { isHandler, opFactsFor } from './ops/registry';
import { absorbableActivation, clipBounds, startsAtZero } from './ops/activation';
import type { OpHandler } from './ops/types';
import { resolveNodeRule, isExcluded, type NodeRule, type Recipe, type ActAlgo } from '../../shared/recipe';

export interface NodeDecision {
  node: NodeProto;
  handler?: OpHandler;
  rule: NodeRule;
  /** The rule's weight granularity with `auto` resolved (per-channel unless `perTensor` names the node). */
  wGranularity: 'per_channel' | 'per_tensor';
  int8: boolean;
  /** Why the node stays fp32 (only for nodes that have an int8 form). */
  reason?: string;
  /** A Relu/Clip folded into this node's output range (ORT removes it before a Q with zp = qmin). */
  absorbed?: NodeProto;
  /** The tensor a compute node's result is read from (after a Relu/Clip ORT fuses), named as planned. */
  output?: string;
  /** fp32 inputs an int8 elementwise op quantizes itself: gates computed from int8 tensors. */
  floatInputs?: string[];
}

export interface TensorQuant {
  name: string;
  dtype: 'uint8' | 'int8';
  symmetric: boolean;
  algo: ActAlgo;
  /** Passthrough outputs reuse their input's scale so ORT can drop the Q/DQ around them. */
  sharesWith?: string;
  fixedRange?: [number, number];
  /** After an absorbed Relu the range must start at the type's minimum for ORT to drop the Relu. */
  startsAtZero?: boolean;
  /** Bounds of an absorbed Clip: the Q range must fit inside them for ORT to drop the Clip. */
  within?: [number, number];
}

export interface QuantPlan {
  decisions: NodeDecision[];
  byNode: Map<NodeProto, NodeDecision>;
  /** Activation tensors that get a QuantizeLinear/DequantizeLinear pair. */
  tensors: Map<string, TensorQuant>;
  /** Tensors whose range calibration must measure. */
  observed: string[];
  /** Override keys that matched no node: probably a typo in the recipe. */
  unusedOverrides: string[];
}

/** Choices made outside the rules, by measurement on this CPU (quant/speedCheck.ts). */
export interface MeasuredChoices {
  /** Node name → why it stays fp32. */
  keepFloat?: ReadonlyMap<string, string>;
  /** Nodes whose `auto` weight granularity resolves to per-tensor. */
  perTensor?: ReadonlySet<string>;
}

export function planQuantization(graph: GraphProto, recipe: Recipe, measured: MeasuredChoices = {}): QuantPlan {
  const keepFloat = measured.keepFloat ?? new Map<string, string>();
  const g = new GraphView(graph);
  g.topoSort();
  const outputs = g.outputNames;
  const decisions: NodeDecision[] = [];
  const byNode = new Map<NodeProto, NodeDecision>();
  const usedKeys = new Set<string>();
  const absorbedNodes = new Set<NodeProto>();
  /** Tensors that will carry int8 data → the tensor whose scale they use. */
  const int8Tensors = new Map<string, string>();
  /** fp32 tensors computed from int8 ones: gates such as HardSigmoid(…) and tanh(softplus(…)). */
  const fromInt8 = new Set<string>();

  for (const node of graph.node) {
    const d = decide(node);
    if (!d.int8 && node.input.some((t) => int8Tensors.has(t) || fromInt8.has(t))) for (const o of node.output) if (o) fromInt8.add(o);
  }

  function decide(node: NodeProto): NodeDecision {
    const rule = resolveNodeRule(recipe, { name: node.name, opType: node.opType });
    rule.matchedBy.forEach((k) => usedKeys.add(k));
    const facts = opFactsFor(node);
    const handler = facts && isHandler(facts) ? facts : undefined;
    const wGranularity = rule.w_granularity === 'auto' ? (measured.perTensor?.has(node.name) ? 'per_tensor' : 'per_channel') : rule.w_granularity;
    const d: NodeDecision = { node, handler, rule, wGranularity, int8: false };
    // Where ORT's fused kernel (Conv+Relu and the like) puts its result, int8 or not, for reports.
    if (facts?.kind === 'compute') d.output = absorbableActivation(node, g, outputs)?.output[0] ?? node.output[0];
    decisions.push(d);
    byNode.set(node, d);
    if (absorbedNodes.has(node)) return d;
    if (!handler) {
      if (facts && !isHandler(facts)) d.reason = facts.fp32Reason;
      return d;
    }
    if (isExcluded(rule)) {
      d.reason = `excluded by rule ${rule.matchedBy.map((k) => `"${k}"`).join(', ') || '(global fp32)'}`;
      return d;
    }
    // Any entry keeps the node, whatever its reason says: a variant measured with '' as the
    // reason was once converted all-int8 and compared with itself.
    const kept = keepFloat.get(node.name);
    if (kept !== undefined) {
      d.reason = kept || 'kept fp32 by a measured choice';
      return d;
    }
    const blocker = handler.blocker?.(node, g);
    if (blocker) {
      d.reason = blocker;
      return d;
    }
    const acts = handler.activationInputs(node, g).map((i) => node.input[i]);
    if (handler.kind === 'compute') {
      d.int8 = true;
    } else if (acts.length > 0 && acts.every((t) => int8Tensors.has(t))) {
      // Elementwise and passthrough ops pay only when their inputs already arrive in int8;
      // quantizing float data just to run them in int8 costs more than it saves.
      d.int8 = true;
    } else if (handler.kind === 'elementwise' && acts.some((t) => int8Tensors.has(t)) && acts.every((t) => int8Tensors.has(t) || fromInt8.has(t))) {
      // A gate: x · HardSigmoid(SE(x)), x · tanh(softplus(x)). In fp32 the op needs x dequantized
      // and its result quantized again, both on the full tensor; in int8 only the gate, often
      // one value per channel, is quantized (ORT's quantizer does the same). Measured by the
      // speed check (checkGates in quant/measured.ts). Inputs from outside the int8 stream, such as an attention
      // mask with its -1e4 or -3.4e38 entries, are never quantized this way.
      d.int8 = true;
      d.floatInputs = acts.filter((t) => !int8Tensors.has(t));
    } else {
      d.reason = 'inputs arrive in fp32, so int8 would only add Quantize/Dequantize';
      return d;
    }
    if (handler.kind === 'passthrough') {
      const root = int8Tensors.get(acts[0])!;
      for (const o of node.output) if (o) int8Tensors.set(o, root);
      return d;
    }
    const out = node.output[0];
    const act = absorbableActivation(node, g, outputs);
    d.output = out;
    if (act && !isExcluded(resolveNodeRule(recipe, act))) {
      d.absorbed = act;
      d.output = act.output[0];
      absorbedNodes.add(act);
      int8Tensors.set(act.output[0], act.output[0]);
    } else {
      int8Tensors.set(out, out);
    }
    return d;
  }

  // A passthrough or elementwise op whose output no int8 op reads gains nothing: its int8 kernel
  // would end in a Quantize → Dequantize that adds error and time. Residual Adds before a
  // LayerNorm are the case that matters: quantized, the residual stream of a transformer takes
  // the range of its outliers (MiniLM: [-3, 195]) and the model collapses. Backwards, so chains
  // of such ops fall back together.
  for (let i = decisions.length - 1; i >= 0; i--) {
    const d = decisions[i];
    if (!d.int8 || (d.handler?.kind !== 'passthrough' && d.handler?.kind !== 'elementwise')) continue;
    const out = d.output ?? d.node.output[0];
    const feedsInt8 = [...d.node.output, out].some((o) => o && !outputs.has(o) && (g.consumers.get(o) ?? []).some((c) => byNode.get(c)?.int8));
    if (!feedsInt8) {
      d.int8 = false;
      d.reason = 'its output goes to fp32 ops';
      d.absorbed = undefined;
      d.floatInputs = undefined;
      for (const o of [...d.node.output, out]) int8Tensors.delete(o);
    }
  }

  // Tensors to quantize: every activation input of an int8 node, and each int8 node's output
  // unless ORT has a float-output form and nothing int8 reads it.
  const tensors = new Map<string, TensorQuant>();
  const add = (name: string, d: NodeDecision, extra: Partial<TensorQuant> = {}) => {
    if (tensors.has(name)) return;
    const dtype = d.rule.act_dtype === 'int8' ? 'int8' : 'uint8';
    tensors.set(name, { name, dtype, symmetric: d.rule.act_sym, algo: d.rule.act_algo, ...extra });
  };
  for (const d of decisions) {
    if (!d.int8 || !d.handler) continue;
    const h = d.handler;
    const node = d.node;
    const effectiveOut = d.output ?? node.output[0];
    if (h.kind === 'passthrough') {
      for (const o of node.output) if (o) add(o, d, { sharesWith: int8Tensors.get(o) });
    } else {
      const readByInt8 = (g.consumers.get(effectiveOut) ?? []).some((c) => byNode.get(c)?.int8);
      // With a Relu/Clip after it and no Quantize, ORT fuses the op and the activation in fp32
      // (FusedGemm) and dequantizes the int8 weights on every run: the Q keeps it int8.
      if (h.outputQuantizedForFusion || readByInt8 || d.absorbed) {
        add(effectiveOut, d, {
          fixedRange: h.fixedOutputRange,
          startsAtZero: d.absorbed ? startsAtZero(d.absorbed, g) : undefined,
          within: d.absorbed ? clipBounds(d.absorbed, g) : undefined,
        });
      }
    }
  }
  for (const d of decisions) {
    if (!d.int8 || !d.handler) continue;
    for (const i of d.handler.activationInputs(d.node, g)) {
      const t = d.node.input[i];
      const root = int8Tensors.get(t);
      if (root && root !== t) add(t, d, { sharesWith: root });
      else add(t, d);
    }
  }
  // A shared scale needs its root quantized too.
  for (const t of [...tensors.values()]) {
    if (t.sharesWith && !tensors.has(t.sharesWith)) tensors.set(t.sharesWith, { ...t, name: t.sharesWith, sharesWith: undefined });
  }
  const observed = [...tensors.values()].filter((t) => !t.sharesWith && !t.fixedRange).map((t) => t.name);
  const unusedOverrides = Object.keys(recipe.local).filter((k) => !usedKeys.has(k));
  return { decisions, byNode, tensors, observed, unusedOverrides };
}
