import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuFeatures } from '../../../native';
import { decodeModel } from '../onnx/model';
import { openSession } from '../runtime/session';
import type { QuantPlan } from './plan';
import type { FusionReport, FusionDetail } from '../../shared/report';
import type { onnx } from '../onnx/proto/onnx';
import { FP32_COMPUTE_KERNELS as FP32_COMPUTE, INT8_COMPUTE_KERNELS as INT8_COMPUTE, INT8_OTHER_KERNELS as INT8_OTHER } from './ops/registry';

/**
 * Loads the int8 model the way ORT will run it and reads the optimized graph back: the only
 * honest answer to "what runs in int8".
 */
export async function fusionReport(modelPath: string, plan?: QuantPlan): Promise<FusionReport> {
  const dir = await mkdtemp(join(tmpdir(), 'octet-fusion-'));
  try {
    const optimized = join(dir, 'optimized.onnx');
    const session = await openSession(modelPath, { threads: 1, optimizedModelFilePath: optimized, level: 'all' });
    await session.release();
    const model = decodeModel(await readFile(optimized), 'optimized model');
    const nodes = model.graph!.node;
    const bodies = bodyNodes(model.graph!);
    const reasons = new Map<string, string>();
    // ORT keeps unfused nodes' names, but names NCHWc kernels after their output tensor.
    for (const d of plan?.decisions ?? []) {
      if (!d.reason) continue;
      for (const key of [d.node.name, d.output, ...d.node.output]) if (key) reasons.set(key, d.reason);
    }

    const int8Ops: Record<string, number> = {};
    const fp32Ops: Record<string, number> = {};
    const details: FusionDetail[] = [];
    let int8Compute = 0;
    let fp32Compute = 0;
    let quantizeOps = 0;
    let dequantizeOps = 0;
    for (const n of nodes) {
      const t = n.opType;
      if (INT8_COMPUTE.has(t) || INT8_OTHER.has(t)) {
        int8Ops[t] = (int8Ops[t] ?? 0) + 1;
        if (INT8_COMPUTE.has(t)) int8Compute++;
      } else if (FP32_COMPUTE.has(t)) {
        fp32Compute++;
        fp32Ops[t] = (fp32Ops[t] ?? 0) + 1;
        const original = originalName(n.name);
        const reason = reasons.get(original) ?? reasons.get(originalName(n.output[0] ?? '')) ?? guessReason(n, nodes);

        details.push({ node: original, opType: t, reason });
      } else if (t === 'QuantizeLinear' || t === 'DynamicQuantizeLinear') quantizeOps++;
      else if (t === 'DequantizeLinear') dequantizeOps++;
    }
    // Compute inside If/Loop/Scan bodies: calibration observes only the main graph's values.
    for (const { node: n, where } of bodies) {
      const t = n.opType;
      if (INT8_COMPUTE.has(t)) {
        int8Ops[t] = (int8Ops[t] ?? 0) + 1;
        int8Compute++;
      } else if (FP32_COMPUTE.has(t)) {
        fp32Compute++;
        fp32Ops[t] = (fp32Ops[t] ?? 0) + 1;
        details.push({
          node: `${where}/${originalName(n.name || n.output[0] || t)}`,
          opType: t,
          reason: `inside the ${where} body: Octet calibrates only the main graph's values, so compute in If/Loop/Scan bodies stays fp32`,
        });
      }
    }
    const bodyCompute = bodies.filter((b) => FP32_COMPUTE.has(b.node.opType)).length;
    const cpu = cpuFeatures();
    const warnings: string[] = [];
    if (bodyCompute) warnings.push(`${bodyCompute} compute op(s) inside If/Loop/Scan bodies left fp32: Octet calibrates only the main graph's values`);
    const int8Weights = (plan?.decisions ?? []).some((d) => d.int8 && d.handler?.kind === 'compute' && d.rule.w_dtype === 'int8');
    if (!cpu.avx512vnni && !cpu.avxvnni) {
      warnings.push(
        int8Weights
          ? // ORT keeps u8s8 unless the session sets session.x64quantprecision=1 (kOrtSessionOptionsAvx2PrecisionMode).
            'This CPU has no VNNI instructions: ONNX Runtime\'s u8s8 int8 kernels add pairs of products in 16 bits here, so speed-ups are smaller than on VNNI CPUs and full-range 8-bit weights can saturate (recipe option reduce_range: 7-bit weights cannot saturate, and its default "auto" measures both; w_dtype uint8 runs exact u8u8 kernels, slower).'
          : "This CPU has no VNNI instructions: ONNX Runtime's int8 kernels gain less here than on VNNI CPUs.",
      );
    }
    return { int8Ops: int8Compute, fp32ComputeOps: fp32Compute, int8OpsByType: int8Ops, fp32OpsByType: fp32Ops, quantizeOps, dequantizeOps, details, warnings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * ORT keeps an unfused node's name, NCHWc rewrites add a suffix, and fusions append
 * `/<Name>Fusion/` (MatMul_24/MatMulScaleFusion/); `_float` is our renamed output.
 */
function originalName(name: string): string {
  return name
    .replace(/(\/\w+Fusion\/?)+$/, '')
    .replace(/_nchwc$/, '')
    .replace(/_float$/, '');
}

function guessReason(n: { opType: string; input: string[] }, nodes: { opType: string; output: string[] }[]): string {
  const fromDq = n.input.some((i) => nodes.find((p) => p.output.includes(i))?.opType === 'DequantizeLinear');
  return fromDq ? 'ORT did not fuse the Q/DQ around it' : 'not quantized';
}

/** Nodes of every If/Loop/Scan body, each with the path of bodies it sits in ("If_3.then_branch"). */
function bodyNodes(graph: onnx.GraphProto, prefix = ''): { node: onnx.NodeProto; where: string }[] {
  const out: { node: onnx.NodeProto; where: string }[] = [];
  for (const n of graph.node) {
    for (const a of n.attribute) {
      const graphs = a.g ? [a.g] : a.graphs;
      graphs.forEach((g, k) => {
        const where = `${prefix}${n.name || n.opType}.${a.name}${a.g ? '' : `[${k}]`}`;
        for (const node of g.node) out.push({ node: node as onnx.NodeProto, where });
        out.push(...bodyNodes(g as onnx.GraphProto, `${where} > `));
      });
    }
  }
  return out;
}
