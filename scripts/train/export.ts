/** Writes the trained MLP as an opset-13 ONNX model: input `input` [N,1,28,28], output `logits` [N,10]. */
import type { onnx } from '../../src/main/onnx/proto/onnx';
import { ModelBuilder } from '../../src/main/onnx/builder';
import { float } from '../../src/main/onnx/graph';
import { CLASSES, SIDE, widths, type MlpParams } from './mlp';

/** [K, N] → [N, K]. */
function transpose(w: Float32Array, K: number, N: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) t[n * K + k] = w[k * N + n];
  return t;
}

export function exportMlp(p: MlpParams, name = 'octet-digits'): onnx.ModelProto {
  const b = new ModelBuilder(name, 13);
  const w = widths(p.cfg);
  const L = w.length - 1;
  // A symbolic batch, so benchmarks of the demo can show throughput at batch > 1.
  const input = b.input('input', ['N', 1, SIDE, SIDE]);
  let x = b.op('Flatten', [input], { axis: 1 });
  for (let l = 0; l < L; l++) {
    const last = l + 1 === L;
    const tag = last ? 'fc_out' : `fc${l + 1}`;
    // Gemm weights as [out, in] with transB=1, the usual layout of exported Linear layers.
    const W = b.init(`${tag}_w`, transpose(p.tensors[2 * l], w[l], w[l + 1]), [w[l + 1], w[l]]);
    const B = b.init(`${tag}_b`, p.tensors[2 * l + 1], [w[l + 1]]);
    const y = b.op('Gemm', [x, W, B], { alpha: float(1), beta: float(1), transB: 1 }, last ? 'logits' : undefined);
    x = last ? y : b.op('Relu', [y]);
  }
  b.output('logits', ['N', CLASSES]);
  const model = b.build();
  // Readable node names for rules and reports: flatten, fc1, relu1, fc2, relu2, …, head.
  let fc = 0;
  let relu = 0;
  for (const n of model.graph!.node!) {
    if (n.opType === 'Flatten') n.name = 'flatten';
    else if (n.opType === 'Relu') n.name = `relu${++relu}`;
    else n.name = ++fc === L ? 'head' : `fc${fc}`;
  }
  return model;
}
