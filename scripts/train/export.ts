/** Writes the trained CNN as an opset-13 ONNX model: input `input` [1,1,28,28], output `logits` [1,10]. */
import type { onnx } from '../../src/main/onnx/proto/onnx';
import { ModelBuilder } from '../../src/main/onnx/builder';
import { float } from '../../src/main/onnx/graph';
import { CLASSES, SIDE, type CnnParams } from './cnn';

export function exportCnn(p: CnnParams, name = 'octet-digits'): onnx.ModelProto {
  const b = new ModelBuilder(name, 13);
  const [w1, b1, w2, b2, w3, b3] = p.tensors.map((t, i) => b.init(['conv1_w', 'conv1_b', 'conv2_w', 'conv2_b', 'fc_w', 'fc_b'][i], t, p.dims[i]));
  const conv = (x: string, w: string, bias: string, k: number): string => {
    const pad = (k - 1) >> 1;
    return b.op('Conv', [x, w, bias], { kernel_shape: [k, k], strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], group: 1 });
  };
  const pool = (x: string): string => b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  // A symbolic batch, so benchmarks of the demo can show throughput at batch > 1.
  const input = b.input('input', ['N', 1, SIDE, SIDE]);
  const h1 = pool(b.op('Relu', [conv(input, w1, b1, p.cfg.k1)]));
  const h2 = pool(b.op('Relu', [conv(h1, w2, b2, p.cfg.k2)]));
  const flat = b.op('Flatten', [h2], { axis: 1 });
  b.op('Gemm', [flat, w3, b3], { alpha: float(1), beta: float(1), transB: 1 }, 'logits');
  b.output('logits', ['N', CLASSES]);
  return b.build();
}
