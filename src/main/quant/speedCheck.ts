import type { NodeProfile } from '../runtime/profile';
import type { QuantPlan } from './plan';
import type { TensorParamRefs } from './qdq';
import type { OpSpeed } from '../../shared/report';
import { FP32_COMPUTE_KERNELS, INT8_COMPUTE_KERNELS } from './ops/registry';

/**
 * Per planned int8 compute op: its kernel time in the fp32 model and in the int8 model, matched
 * through the tensor it produces (ORT renames fused nodes, but the int8 kernel still names its
 * output scale, and the fp32 kernel its output, possibly with an `_nchwc` suffix).
 */
export function opSpeeds(plan: QuantPlan, activations: Map<string, TensorParamRefs>, fp32: NodeProfile, int8: NodeProfile): OpSpeed[] {
  const tensorOfScale = new Map<string, string>();
  for (const [tensor, refs] of activations) if (!plan.tensors.get(tensor)?.sharesWith) tensorOfScale.set(refs.scale, tensor);

  const int8ByTensor = new Map<string, number>();
  for (const n of int8.optimized.graph!.node) {
    const us = int8.kernelUs.get(n.name);
    if (us === undefined) continue;
    // An int8 kernel names its output scale (the tensor it produces), or writes the float result itself.
    const kernel = INT8_COMPUTE_KERNELS.get(n.opType);
    const yScale = kernel?.yScale;
    const tensor = yScale !== undefined && n.input[yScale] ? tensorOfScale.get(n.input[yScale]) : kernel?.floatOutput ? n.output[0] : undefined;
    if (tensor) int8ByTensor.set(tensor, (int8ByTensor.get(tensor) ?? 0) + us);
  }
  const fp32ByTensor = new Map<string, number>();
  for (const n of fp32.optimized.graph!.node) {
    const us = fp32.kernelUs.get(n.name);
    if (us === undefined || !FP32_COMPUTE_KERNELS.has(n.opType)) continue;
    for (const key of new Set([n.output[0], n.name].map((s) => s.replace(/_nchwc$/, '')))) fp32ByTensor.set(key, (fp32ByTensor.get(key) ?? 0) + us);
  }

  const speeds: OpSpeed[] = [];
  for (const d of plan.decisions) {
    if (!d.int8 || d.handler?.kind !== 'compute') continue;
    const tensor = d.output;
    if (!tensor) continue;
    const fp32Us = fp32ByTensor.get(tensor);
    const int8Us = int8ByTensor.get(tensor);
    if (fp32Us !== undefined && int8Us !== undefined) speeds.push({ node: d.node.name, opType: d.node.opType, fp32Us: round(fp32Us), int8Us: round(int8Us) });
  }
  return speeds;
}

/**
 * The leading run of compute ops (in graph order) that is cheapest to keep in fp32. Early,
 * high-resolution layers with few channels are where int8 kernels tend to lose; a prefix has a
 * single fp32 → int8 boundary, whereas excluding scattered ops adds Q/DQ (and layout
 * transposes) at every boundary, which measured slower than all-int8.
 */
export function slowPrefix(speeds: OpSpeed[], minGainFraction = 0.03, maxFloatFraction = 0.5): { nodes: string[]; gainUs: number } {
  const totalInt8 = speeds.reduce((s, x) => s + x.int8Us, 0);
  const totalFp32 = speeds.reduce((s, x) => s + x.fp32Us, 0);
  let cum = 0;
  let floatUs = 0;
  let best = 0;
  let bestK = 0;
  for (let i = 0; i < speeds.length; i++) {
    // The user asked for an int8 model: the kept prefix may take at most half the fp32 compute.
    floatUs += speeds[i].fp32Us;
    if (floatUs > maxFloatFraction * totalFp32) break;
    cum += speeds[i].int8Us - speeds[i].fp32Us;
    if (cum > best) {
      best = cum;
      bestK = i + 1;
    }
  }
  if (best < minGainFraction * totalInt8) return { nodes: [], gainUs: 0 };
  return { nodes: speeds.slice(0, bestK).map((s) => s.node), gainUs: round(best) };
}

const round = (x: number) => Math.round(x * 10) / 10;
