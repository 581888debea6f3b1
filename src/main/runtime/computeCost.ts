import { cloneModel, encodeModel, type ModelProto } from '../onnx/model';
import { GraphView, makeValueInfo, type NodeProto } from '../onnx/graph';
import { DT, dimsOf } from '../onnx/tensor';
import type { Feed } from '../data/types';
import { openSession, run } from './session';

/** From this many multiply-accumulates per sample, compute outweighs Quantize/Dequantize and per-op overhead. */
export const COMPUTE_BOUND_MACS = 50e6;

export interface ComputeCost {
  /** Multiply-accumulates of the main graph's compute ops (Conv, ConvTranspose, MatMul, Gemm) for one sample. */
  macs: number;
  byNode: Map<string, number>;
}

/**
 * How to count one node's multiply-accumulates: the op handlers say (quant/ops/registry.ts's
 * `macCountFor`, passed in so that this layer does not depend on quant/).
 */
export interface MacCounter {
  /** Tensors whose run-time shapes `count` reads (a constant's dims are known without running). */
  shapes(node: NodeProto): string[];
  count(node: NodeProto, shape: (name: string) => number[] | undefined): number | undefined;
}

/** Tensors fetched per run: the shapes are what is wanted, and a few dozen activations stay small. */
const FETCH_GROUP = 32;

/**
 * Counts the multiply-accumulates of one sample by running the model once and reading the
 * shapes of the compute ops' inputs and outputs: exporters leave most intermediate shapes out,
 * and ONNX Runtime's optimized graph does not always write them back.
 */
export async function computeCost(
  model: ModelProto,
  feeds: Record<string, Feed>,
  counterFor: (node: NodeProto) => MacCounter | undefined,
): Promise<ComputeCost> {
  const g = new GraphView(model.graph!);
  const nodes = model.graph!.node.flatMap((node) => {
    const counter = counterFor(node);
    return counter ? [{ node, counter }] : [];
  });
  const wanted = new Set<string>();
  for (const { node, counter } of nodes) for (const name of counter.shapes(node)) wanted.add(name);
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
  for (const { node: n, counter } of nodes) {
    const macs = counter.count(n, shape);
    if (macs !== undefined) byNode.set(n.name || n.output[0], macs);
  }
  return { macs: [...byNode.values()].reduce((a, b) => a + b, 0), byNode };
}
