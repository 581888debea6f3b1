import { cloneModel, encodeModel, type ModelProto } from '../onnx/model';
import { GraphView, attrInt, makeValueInfo, type NodeProto } from '../onnx/graph';
import { DT, dimsOf, sizeOf } from '../onnx/tensor';
import type { Feed } from '../data/types';
import { openSession, run } from './session';

/** From this many multiply-accumulates per sample, compute outweighs Quantize/Dequantize and per-op overhead. */
export const COMPUTE_BOUND_MACS = 50e6;

export interface ComputeCost {
  /** Multiply-accumulates of the main graph's Conv, ConvTranspose, MatMul and Gemm for one sample. */
  macs: number;
  byNode: Map<string, number>;
}

const COST_OPS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
/** Tensors fetched per run: the shapes are what is wanted, and a few dozen activations stay small. */
const FETCH_GROUP = 32;

/**
 * Counts the multiply-accumulates of one sample by running the model once and reading the
 * shapes of the compute ops' inputs and outputs: exporters leave most intermediate shapes out,
 * and ONNX Runtime's optimized graph does not always write them back.
 */
export async function computeCost(model: ModelProto, feeds: Record<string, Feed>): Promise<ComputeCost> {
  const g = new GraphView(model.graph!);
  const nodes = model.graph!.node.filter((n) => COST_OPS.has(n.opType) && (!n.domain || n.domain === 'ai.onnx'));
  const wanted = new Set<string>();
  for (const n of nodes) {
    if (n.opType === 'Conv') wanted.add(n.output[0]);
    else wanted.add(n.input[0]);
    if (n.opType !== 'ConvTranspose' && n.opType !== 'Conv') wanted.add(n.output[0]);
  }
  const dims = new Map<string, number[]>();
  for (const v of [...model.graph!.input]) if (wanted.has(v.name)) wanted.delete(v.name); // fed: known from the feeds
  for (const [name, f] of Object.entries(feeds)) dims.set(name, f.dims);
  const names = [...wanted].filter((n) => !g.initializers.has(n));
  for (let i = 0; i < names.length; i += FETCH_GROUP) {
    const group = names.slice(i, i + FETCH_GROUP);
    const m = cloneModel(model);
    const existing = new Set(m.graph!.output.map((o) => o.name));
    for (const name of group) if (!existing.has(name)) m.graph!.output.push(makeValueInfo(name, DT.FLOAT, undefined));
    const session = await openSession(encodeModel(m), { threads: 1, level: 'disabled' });
    try {
      const out = await run(session, feeds, group);
      for (const name of group) dims.set(name, [...out[name].dims]);
    } finally {
      await session.release();
    }
  }
  const shape = (name: string) => dims.get(name) ?? (g.constantTensor(name) ? dimsOf(g.constantTensor(name)!) : undefined);
  const byNode = new Map<string, number>();
  for (const n of nodes) {
    const macs = nodeMacs(n, shape);
    if (macs !== undefined) byNode.set(n.name || n.output[0], macs);
  }
  return { macs: [...byNode.values()].reduce((a, b) => a + b, 0), byNode };
}

function nodeMacs(n: NodeProto, shape: (name: string) => number[] | undefined): number | undefined {
  const w = shape(n.input[1]);
  switch (n.opType) {
    case 'Conv': {
      // Each output element sums Cin/group × kernel products: the weight's size per output channel.
      const out = shape(n.output[0]);
      return out && w ? sizeOf(out) * (sizeOf(w) / w[0]) : undefined;
    }
    case 'ConvTranspose': {
      const x = shape(n.input[0]);
      return x && w ? sizeOf(x) * (sizeOf(w) / w[0]) : undefined;
    }
    case 'MatMul': {
      const [a, out] = [shape(n.input[0]), shape(n.output[0])];
      return a && out ? sizeOf(out) * a[a.length - 1] : undefined;
    }
    case 'Gemm': {
      const [a, out] = [shape(n.input[0]), shape(n.output[0])];
      return a && out ? sizeOf(out) * a[attrInt(n, 'transA', 0) ? 0 : 1] : undefined;
    }
  }
  return undefined;
}
