import { GraphView, valueDims, valueElemType } from './graph';
import { elemTypeName, sizeOf, dimsOf } from './tensor';
import { opsetOf, type LoadedModel } from './model';
import { allGraphs } from './scope';
import type { ModelSummary, TensorSummary } from '../../shared/model';
import { isQuantizedOpType } from '../../shared/opTypes';
import type { onnx } from './proto/onnx';

export function summarize(loaded: LoadedModel): ModelSummary {
  const { model } = loaded;
  const graph = model.graph!;
  const g = new GraphView(graph);
  const hist: Record<string, number> = {};
  let nodes = 0;
  for (const body of allGraphs(graph)) {
    for (const n of body.node ?? []) {
      nodes++;
      const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
      hist[key] = (hist[key] ?? 0) + 1;
    }
  }
  const tensor = (v: onnx.ValueInfoProto): TensorSummary => {
    const shape = v.type?.tensorType?.shape;
    return {
      name: v.name,
      type: elemTypeName(valueElemType(v)),
      dims: shape ? shape.dim.map((d, i) => valueDims(v)![i] ?? (d.dimParam || null)) : null,
    };
  };
  return {
    path: loaded.path,
    sizeBytes: loaded.sizeBytes,
    sha256: loaded.sha256,
    irVersion: model.irVersion,
    opset: opsetOf(model),
    opsets: Object.fromEntries(model.opsetImport.map((o) => [o.domain || 'ai.onnx', o.version])),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs: g.feedInputs.map(tensor),
    outputs: graph.output.map(tensor),
    nodes,
    subgraphNodes: nodes - graph.node.length,
    opHistogram: Object.fromEntries(Object.entries(hist).sort((a, b) => b[1] - a[1])),
    parameters: [...allGraphs(graph)].reduce((a, body) => a + (body.initializer ?? []).reduce((b, t) => b + sizeOf(dimsOf(t as onnx.TensorProto)), 0), 0),
    quantized: Object.keys(hist).some((t) => isQuantizedOpType(t.slice(t.indexOf(':') + 1))),
  };
}
