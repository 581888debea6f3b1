import { GraphView, attrFloat, attrInt, type GraphProto } from './graph';
import { makeTensor, tensorFloat32, dimsOf, DT } from './tensor';
import { namesRead } from './scope';

/**
 * Folds BatchNormalization into the Conv before it (inference form): one int8 Conv instead of
 * an int8 Conv plus a float BatchNorm with Q/DQ around it. Returns the names of folded BN nodes.
 */
export function foldBatchNorm(graph: GraphProto): string[] {
  const g = new GraphView(graph);
  const folded: string[] = [];
  const outputs = g.outputNames;
  for (const bn of [...graph.node]) {
    if (bn.opType !== 'BatchNormalization' || (bn.domain && bn.domain !== 'ai.onnx')) continue;
    if (bn.output.filter(Boolean).length > 1 || attrInt(bn, 'training_mode', 0)) continue;
    const conv = g.producer.get(bn.input[0]);
    if (!conv || conv.opType !== 'Conv' || (conv.domain && conv.domain !== 'ai.onnx')) continue;
    if ((g.consumers.get(conv.output[0]) ?? []).length !== 1 || outputs.has(conv.output[0])) continue;
    const [scaleT, biasT, meanT, varT] = bn.input.slice(1, 5).map((n) => g.constantTensor(n));
    const wT = g.constantTensor(conv.input[1]);
    const cbT = conv.input[2] ? g.constantTensor(conv.input[2]) : undefined;
    if (!scaleT || !biasT || !meanT || !varT || !wT || (conv.input[2] && !cbT) || wT.dataType !== DT.FLOAT) continue;
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const gamma = tensorFloat32(scaleT);
    const beta = tensorFloat32(biasT);
    const mean = tensorFloat32(meanT);
    const variance = tensorFloat32(varT);
    const wDims = dimsOf(wT);
    const cout = wDims[0];
    if (gamma.length !== cout) continue;
    const w = tensorFloat32(wT);
    const perOut = w.length / cout;
    const newW = new Float32Array(w.length);
    const newB = new Float32Array(cout);
    const oldB = cbT ? tensorFloat32(cbT) : new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const k = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let i = 0; i < perOut; i++) newW[c * perOut + i] = w[c * perOut + i] * k;
      newB[c] = (oldB[c] - mean[c]) * k + beta[c];
    }
    // New initializers (the originals may be shared with other nodes).
    const wName = g.addInitializer(makeTensor(g.uniqueName(`${conv.input[1]}_bnfolded`), newW, wDims));
    const bName = g.addInitializer(makeTensor(g.uniqueName(`${conv.name || 'conv'}_bias_bnfolded`), newB, [cout]));
    conv.input = [conv.input[0], wName, bName];
    conv.output = [bn.output[0]];
    graph.node = graph.node.filter((n) => n !== bn);
    folded.push(bn.name || bn.output[0]);
    g.refresh();
  }
  if (folded.length) {
    const used = namesRead(graph);
    const dropped = new Set(graph.initializer.filter((t) => !used.has(t.name)).map((t) => t.name));
    graph.initializer = graph.initializer.filter((t) => !dropped.has(t.name));
    graph.input = graph.input.filter((i) => !dropped.has(i.name));
  }
  return folded;
}
