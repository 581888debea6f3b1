/**
 * A zoo of synthetic ONNX models for tests and benchmarks. Each is deterministic (seeded
 * weights), shaped like a real export (BatchNorm left unfolded, Gelu written as a formula,
 * old-opset node forms), and scaled so activations stay O(1): He-initialised weights, BN
 * running statistics close to what the conv actually produces, residual branches damped.
 */
import type { onnx } from '../../src/main/onnx/proto/onnx';
import { ModelBuilder, rng, randn } from '../../src/main/onnx/builder';
import { float } from '../../src/main/onnx/graph';

export type Dim = number | string;

export interface TensorMeta {
  name: string;
  /** Static sizes; a string is a symbolic dimension (e.g. the batch 'N'). */
  dims: Dim[];
}

export interface SyntheticModel {
  name: string;
  model: onnx.ModelProto;
  inputs: TensorMeta[];
  outputs: TensorMeta[];
  opset: number;
  description: string;
}

/** Weight and shape helpers shared by the model factories. */
class Net {
  readonly b: ModelBuilder;
  readonly rand: () => number;

  constructor(name: string, opset: number, seed: number) {
    this.b = new ModelBuilder(name, opset);
    this.rand = rng(seed);
  }

  uniform(n: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.rand();
    return out;
  }

  f32(base: string, data: Float32Array | number[], dims: number[]): string {
    return this.b.init(base, data instanceof Float32Array ? data : Float32Array.from(data), dims);
  }

  scalar(base: string, v: number): string {
    return this.b.init(base, new Float32Array([v]), []);
  }

  i64(base: string, values: number[], dims: number[] = [values.length]): string {
    return this.b.init(
      base,
      BigInt64Array.from(values, (v) => BigInt(v)),
      dims,
    );
  }

  /** Conv with He-normal weights (fan_in = cin/group·k·k); bias optional, as exports before BN omit it. */
  conv(x: string, cin: number, cout: number, k: number, o: { stride?: number; pad?: number; group?: number; bias?: boolean; gain?: number } = {}): string {
    const { stride = 1, group = 1, bias = true, gain = 1 } = o;
    const pad = o.pad ?? Math.floor(k / 2);
    const fanIn = (cin / group) * k * k;
    const w = this.f32('conv_w', randn(cout * (cin / group) * k * k, gain * Math.sqrt(2 / fanIn), this.rand), [cout, cin / group, k, k]);
    const inputs = [x, w];
    if (bias) inputs.push(this.f32('conv_b', randn(cout, 0.05, this.rand), [cout]));
    return this.b.op('Conv', inputs, {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      dilations: [1, 1],
      group,
    });
  }

  /**
   * Inference-mode BatchNormalization with non-trivial statistics. `expectedVar` is roughly
   * the variance the preceding conv produces, so the running variance is a plausible
   * estimate of it (jittered per channel) and the output lands near N(beta, gamma²).
   */
  bn(x: string, c: number, o: { expectedVar?: number; gamma?: [number, number]; attrs?: Record<string, number> } = {}): string {
    const { expectedVar = 1, gamma = [0.7, 1.3], attrs = {} } = o;
    const scale = this.f32('bn_gamma', this.uniform(c, gamma[0], gamma[1]), [c]);
    const beta = this.f32('bn_beta', randn(c, 0.1, this.rand), [c]);
    const mean = this.f32('bn_mean', randn(c, 0.15 * Math.sqrt(expectedVar), this.rand), [c]);
    const v = this.uniform(c, 0.6 * expectedVar, 1.6 * expectedVar);
    const variance = this.f32('bn_var', v, [c]);
    return this.b.op('BatchNormalization', [x, scale, beta, mean, variance], { epsilon: float(1e-5), momentum: float(0.9), ...attrs });
  }

  relu(x: string): string {
    return this.b.op('Relu', [x]);
  }

  /** Linear layer as exporters write it for 2-D inputs: Gemm with W stored [out, in] (transB). */
  gemm(x: string, nin: number, nout: number, std = Math.sqrt(1 / nin)): string {
    const w = this.f32('fc_w', randn(nout * nin, std, this.rand), [nout, nin]);
    const bias = this.f32('fc_b', randn(nout, 0.05, this.rand), [nout]);
    return this.b.op('Gemm', [x, w, bias], { alpha: float(1), beta: float(1), transB: 1 });
  }

  /** Linear layer as exporters write it for N-D inputs: MatMul by W [in, out], then Add bias. */
  linear(x: string, nin: number, nout: number, std: number, biasStd = 0.02): string {
    const w = this.f32('mm_w', randn(nin * nout, std, this.rand), [nin, nout]);
    const y = this.b.op('MatMul', [x, w]);
    return this.b.op('Add', [y, this.f32('mm_b', randn(nout, biasStd, this.rand), [nout])]);
  }

  finish(inputs: TensorMeta[], outputs: TensorMeta[], description: string): SyntheticModel {
    for (const i of inputs) this.b.input(i.name, i.dims);
    for (const o of outputs) this.b.output(o.name, o.dims);
    return { name: this.b.name, model: this.b.build(), inputs, outputs, opset: this.b.opset, description };
  }
}

/** 6-layer MLP, 512 → 1024 ×5 → 10: ~4.7 M weights, so a batch-1 run is a memory-bound GEMV chain. */
export function mlp(): SyntheticModel {
  const n = new Net('mlp', 13, 101);
  const widths = [512, 1024, 1024, 1024, 1024, 1024, 10];
  let x = 'input';
  for (let i = 0; i < widths.length - 1; i++) {
    const last = i === widths.length - 2;
    const y = n.linear(x, widths[i], widths[i + 1], Math.sqrt((last ? 1 : 2) / widths[i]), 0.02);
    x = last ? n.b.op('Identity', [y], {}, 'logits') : n.relu(y);
  }
  return n.finish([{ name: 'input', dims: [1, 512] }], [{ name: 'logits', dims: [1, 10] }], '6-layer MLP (MatMul+Add+Relu), 512→1024×5→10, ~4.7M params');
}

/** ResNet-style CNN with unfolded BatchNorm: stem, three residual stages 32→64→128, GAP, Gemm. */
export function resnetCnn(): SyntheticModel {
  const n = new Net('resnetCnn', 13, 202);
  let x = n.relu(n.bn(n.conv('input', 3, 32, 3, { stride: 2, bias: false }), 32, { expectedVar: 2 }));
  let c = 32;
  for (const cout of [32, 64, 128]) {
    const stride = cout === c ? 1 : 2;
    const a = n.relu(n.bn(n.conv(x, c, cout, 3, { stride, bias: false }), cout, { expectedVar: 1.5 }));
    // Last BN of the branch starts small, as zero-/small-gamma init does, so the sum stays O(1).
    const r = n.bn(n.conv(a, cout, cout, 3, { bias: false }), cout, { expectedVar: 1.5, gamma: [0.3, 0.6] });
    const skip = stride === 1 ? x : n.bn(n.conv(x, c, cout, 1, { stride, pad: 0, bias: false }), cout, { expectedVar: 1.5 });
    x = n.relu(n.b.op('Add', [r, skip]));
    c = cout;
  }
  const g = n.b.op('GlobalAveragePool', [x]);
  const f = n.b.op('Flatten', [g], { axis: 1 });
  // Post-ReLU features share a large positive mean; zero-sum rows keep that common part from
  // deciding the argmax for every input.
  const w = randn(10 * c, Math.sqrt(2 / c), n.rand);
  for (let k = 0; k < 10; k++) {
    const row = w.subarray(k * c, (k + 1) * c);
    const mean = row.reduce((a, v) => a + v, 0) / c;
    for (let j = 0; j < c; j++) row[j] -= mean;
  }
  n.b.op('Gemm', [f, n.f32('fc_w', w, [10, c]), n.f32('fc_b', randn(10, 0.05, n.rand), [10])], { alpha: float(1), beta: float(1), transB: 1 }, 'logits');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 64, 64] }],
    [{ name: 'logits', dims: [1, 10] }],
    'ResNet-style CNN, unfolded BatchNorm, 3 residual stages 32→64→128 with 1×1 stride-2 projections',
  );
}

/** One pre-LN transformer encoder block (opset 17 LayerNormalization), seq 64, d 256, 4 heads, FFN 1024. */
export function transformerBlock(): SyntheticModel {
  const S = 64;
  const D = 256;
  const H = 4;
  const Dh = D / H;
  const F = 1024;
  const n = new Net('transformerBlock', 17, 303);
  const ln = (x: string): string =>
    n.b.op('LayerNormalization', [x, n.f32('ln_g', n.uniform(D, 0.8, 1.2), [D]), n.f32('ln_b', randn(D, 0.05, n.rand), [D])], {
      axis: -1,
      epsilon: float(1e-5),
    });
  const heads = (x: string, perm: number[]): string => n.b.op('Transpose', [n.b.op('Reshape', [x, n.i64('heads_shape', [1, S, H, Dh])])], { perm });

  const x0 = 'input';
  const h = ln(x0);
  const std = Math.sqrt(1 / D);
  const q = heads(n.linear(h, D, D, std), [0, 2, 1, 3]); // [1,H,S,Dh]
  const kT = heads(n.linear(h, D, D, std), [0, 2, 3, 1]); // [1,H,Dh,S]
  const v = heads(n.linear(h, D, D, std), [0, 2, 1, 3]);
  const scores = n.b.op('Mul', [n.b.op('MatMul', [q, kT]), n.scalar('inv_sqrt_dh', 1 / Math.sqrt(Dh))]);
  const attn = n.b.op('Softmax', [scores], { axis: -1 });
  const ctx = n.b.op('MatMul', [attn, v]); // [1,H,S,Dh]
  const merged = n.b.op('Reshape', [n.b.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), n.i64('merge_shape', [1, S, D])]);
  const x1 = n.b.op('Add', [x0, n.linear(merged, D, D, 0.5 * std)]);

  const h2 = ln(x1);
  const u = n.linear(h2, D, F, std);
  // GELU as PyTorch exports it: x · 0.5 · (1 + erf(x / √2)).
  const erf = n.b.op('Erf', [n.b.op('Div', [u, n.scalar('sqrt2', Math.SQRT2)])]);
  const gelu = n.b.op('Mul', [n.b.op('Mul', [u, n.b.op('Add', [erf, n.scalar('one', 1)])]), n.scalar('half', 0.5)]);
  const ffn = n.linear(gelu, F, D, 0.5 * Math.sqrt(1 / F));
  n.b.op('Add', [x1, ffn], {}, 'output');
  return n.finish(
    [{ name: 'input', dims: [1, S, D] }],
    [{ name: 'output', dims: [1, S, D] }],
    'pre-LN transformer encoder block: LayerNormalization, 4-head attention, erf-GELU FFN, opset 17',
  );
}

/** MobileNetV3 inverted-residual pieces: depthwise conv, Relu6 (Clip), HardSwish, HardSigmoid squeeze-excite. */
export function mobilenetBlock(): SyntheticModel {
  const n = new Net('mobilenetBlock', 14, 404);
  const clip6 = (x: string): string => n.b.op('Clip', [x, n.scalar('clip_min', 0), n.scalar('clip_max', 6)]);
  const hardSigmoid = (x: string): string => n.b.op('HardSigmoid', [x], { alpha: float(1 / 6), beta: float(0.5) });

  const stem = n.b.op('HardSwish', [n.bn(n.conv('input', 3, 16, 3, { stride: 2, bias: false }), 16, { expectedVar: 2 })]);
  let x = stem;
  for (const [i, useSE] of [
    [0, true],
    [1, false],
  ] as const) {
    const e = 64;
    const expand = clip6(n.bn(n.conv(x, 16, e, 1, { pad: 0, bias: false }), e, { expectedVar: 1 }));
    const dwBn = n.bn(n.conv(expand, e, e, 3, { group: e, bias: false }), e, { expectedVar: 2 });
    // The second block writes hard-swish the opset-13 way, x · HardSigmoid(x).
    let dw = i === 0 ? n.b.op('HardSwish', [dwBn]) : n.b.op('Mul', [dwBn, hardSigmoid(dwBn)]);
    if (useSE) {
      const s = n.b.op('GlobalAveragePool', [dw]);
      const z = n.relu(n.conv(s, e, 16, 1, { pad: 0 }));
      const gate = hardSigmoid(n.conv(z, 16, e, 1, { pad: 0, gain: 4 }));
      dw = n.b.op('Mul', [dw, gate]);
    }
    const proj = n.bn(n.conv(dw, e, 16, 1, { pad: 0, bias: false }), 16, { expectedVar: 1, gamma: [0.4, 0.8] });
    x = n.b.op('Add', [x, proj]);
  }
  const head = clip6(n.conv(x, 16, 64, 1, { pad: 0 }));
  const f = n.b.op('Flatten', [n.b.op('GlobalAveragePool', [head])], { axis: 1 });
  n.b.op('Identity', [n.gemm(f, 64, 10)], {}, 'logits');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 32, 32] }],
    [{ name: 'logits', dims: [1, 10] }],
    'MobileNetV3-style blocks: depthwise conv, Clip(0,6), HardSwish (op and HardSigmoid·Mul), squeeze-excite; opset 14',
  );
}

/** Encoder–decoder with skips: MaxPool down, Resize (nearest, linear) and ConvTranspose up, Concat. */
export function unetLike(): SyntheticModel {
  const n = new Net('unetLike', 13, 505);
  const pool = (x: string): string => n.b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const up2 = n.f32('up_scales', [1, 1, 2, 2], [4]);
  const e1 = n.relu(n.conv('input', 3, 16, 3)); // [16,32,32]
  const e2 = n.relu(n.conv(pool(e1), 16, 32, 3)); // [32,16,16]
  const mid = n.relu(n.conv(pool(e2), 32, 64, 3)); // [64,8,8]
  const upNearest = n.b.op('Resize', [mid, '', up2], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }); // [64,16,16]
  const d1 = n.relu(n.conv(n.b.op('Concat', [n.conv(upNearest, 64, 32, 1, { pad: 0 }), e2], { axis: 1 }), 64, 32, 3)); // [32,16,16]
  const wT = n.f32('convT_w', randn(32 * 16 * 2 * 2, Math.sqrt(2 / (32 * 4)) * 2, n.rand), [32, 16, 2, 2]);
  const upT = n.b.op('ConvTranspose', [d1, wT, n.f32('convT_b', randn(16, 0.05, n.rand), [16])], { kernel_shape: [2, 2], strides: [2, 2] }); // [16,32,32]
  const d2 = n.relu(n.conv(n.b.op('Concat', [upT, e1], { axis: 1 }), 32, 16, 3)); // [16,32,32]
  const upLinear = n.b.op('Resize', [d1, '', up2], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }); // [32,32,32]
  const side = n.conv(upLinear, 32, 16, 1, { pad: 0, gain: 0.5 });
  n.b.op('Identity', [n.conv(n.b.op('Add', [d2, side]), 16, 2, 1, { pad: 0, gain: 0.7 })], {}, 'mask');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 32, 32] }],
    [{ name: 'mask', dims: [1, 2, 32, 32] }],
    'U-Net-like: MaxPool, Resize nearest+linear, ConvTranspose stride 2, Concat skips; opset 13',
  );
}

/**
 * CNN at opset 9: BatchNormalization-9 (epsilon/momentum; `spatial` was removed in 9 and ORT
 * rejects it there), Upsample-9 with a scales input, Gemm-9 with its required C, Concat.
 */
export function oldOpset9(): SyntheticModel {
  const n = new Net('oldOpset9', 9, 606);
  const a = n.relu(n.bn(n.conv('input', 3, 16, 3), 16, { expectedVar: 2 })); // [16,32,32]
  const p = n.b.op('MaxPool', [a], { kernel_shape: [2, 2], strides: [2, 2] }); // [16,16,16]
  const b2 = n.relu(n.bn(n.conv(p, 16, 32, 3, { stride: 2 }), 32, { expectedVar: 1.5 })); // [32,8,8]
  const up = n.b.op('Upsample', [b2, n.f32('up_scales', [1, 1, 2, 2], [4])], { mode: 'nearest' }); // [32,16,16]
  const cat = n.b.op('Concat', [up, p], { axis: 1 }); // [48,16,16]
  const c = n.relu(n.bn(n.conv(cat, 48, 32, 3, { stride: 2 }), 32, { expectedVar: 1.5 })); // [32,8,8]
  const f = n.b.op('Flatten', [n.b.op('GlobalAveragePool', [c])], { axis: 1 });
  n.b.op('Identity', [n.gemm(f, 32, 10, Math.sqrt(2 / 32))], {}, 'logits');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 32, 32] }],
    [{ name: 'logits', dims: [1, 10] }],
    'opset-9 CNN: BatchNormalization-9, Upsample-9 (scales input), Concat, Gemm-9',
  );
}

/** CNN at opset 8, where BatchNormalization still has `spatial` and Upsample takes `scales` as an attribute. */
export function oldOpset8(): SyntheticModel {
  const n = new Net('oldOpset8', 8, 707);
  const a = n.relu(n.bn(n.conv('input', 3, 16, 3), 16, { expectedVar: 2, attrs: { spatial: 1 } }));
  const p = n.b.op('MaxPool', [a], { kernel_shape: [2, 2], strides: [2, 2] }); // [16,16,16]
  const b2 = n.relu(n.bn(n.conv(p, 16, 32, 3, { stride: 2 }), 32, { expectedVar: 1.5, attrs: { spatial: 1 } })); // [32,8,8]
  const up = n.b.op('Upsample', [b2], { mode: 'nearest', scales: float([1, 1, 2, 2]) }); // [32,16,16]
  const s = n.b.op('Add', [n.conv(up, 32, 16, 1, { pad: 0 }), p]); // [16,16,16]
  const q = n.b.op('MaxPool', [n.relu(s)], { kernel_shape: [2, 2], strides: [2, 2] }); // [16,8,8]
  // mnist-8 style flatten: Reshape with a constant shape.
  const r = n.b.op('Reshape', [q, n.i64('flat_shape', [1, 16 * 8 * 8])]);
  n.b.op('Identity', [n.gemm(r, 16 * 8 * 8, 10, Math.sqrt(1 / 1024))], {}, 'logits');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 32, 32] }],
    [{ name: 'logits', dims: [1, 10] }],
    'opset-8 CNN: BatchNormalization-7 with spatial=1, Upsample-7 (scales attribute), Reshape, Gemm',
  );
}

/** CNN with a symbolic batch dim 'N', including the Shape→Gather→Unsqueeze→Concat→Reshape idiom of dynamic exports. */
export function dynamicBatch(): SyntheticModel {
  const n = new Net('dynamicBatch', 13, 808);
  const a = n.relu(n.bn(n.conv('input', 3, 16, 3, { bias: false }), 16, { expectedVar: 2 }));
  const p = n.b.op('MaxPool', [a], { kernel_shape: [2, 2], strides: [2, 2] });
  const c = n.relu(n.conv(p, 16, 32, 3, { stride: 2 }));
  const g = n.b.op('GlobalAveragePool', [c]); // [N,32,1,1]
  const batch = n.b.op('Gather', [n.b.op('Shape', ['input']), n.i64('batch_index', [0], [])], { axis: 0 });
  const shape = n.b.op('Concat', [n.b.op('Unsqueeze', [batch, n.i64('unsq_axes', [0])]), n.i64('minus_one', [-1])], { axis: 0 });
  const flat = n.b.op('Reshape', [g, shape]); // [N,32]
  n.b.op('Identity', [n.gemm(flat, 32, 10, Math.sqrt(2 / 32))], {}, 'logits');
  return n.finish(
    [{ name: 'input', dims: ['N', 3, 32, 32] }],
    [{ name: 'logits', dims: ['N', 10] }],
    'CNN with symbolic batch N; Shape/Gather/Unsqueeze/Concat/Reshape flatten',
  );
}

/** Opset-11 input forms: Pad (pads and value as inputs, reflect and constant), Clip (min/max inputs), Slice with steps, Squeeze-11 axes attribute. */
export function opset11Pads(): SyntheticModel {
  const n = new Net('opset11Pads', 11, 909);
  const clip = (x: string, lo: number, hi: number): string => n.b.op('Clip', [x, n.scalar('clip_min', lo), n.scalar('clip_max', hi)]);
  const reflect = n.b.op('Pad', ['input', n.i64('pads', [0, 0, 1, 1, 0, 0, 1, 1])], { mode: 'reflect' }); // [3,34,34]
  const a = clip(n.conv(reflect, 3, 16, 3, { pad: 0 }), 0, 6); // [16,32,32]
  const s = n.b.op('Slice', [a, n.i64('starts', [2, 2]), n.i64('ends', [-2, -2]), n.i64('axes', [2, 3]), n.i64('steps', [1, 1])]); // [16,28,28]
  const padded = n.b.op('Pad', [s, n.i64('pads', [0, 0, 2, 2, 0, 0, 2, 2]), n.scalar('pad_value', 0)], { mode: 'constant' }); // [16,32,32]
  const b2 = clip(n.conv(padded, 16, 32, 3, { stride: 2, pad: 1 }), 0, 6); // [32,16,16]
  const every2 = n.b.op('Slice', [b2, n.i64('starts', [0]), n.i64('ends', [32]), n.i64('axes', [1]), n.i64('steps', [2])]); // [16,16,16]
  const c = clip(n.conv(every2, 16, 32, 3, { stride: 2 }), -4, 4); // [32,8,8]
  const g = n.b.op('Squeeze', [n.b.op('GlobalAveragePool', [c])], { axes: [2, 3] }); // [1,32]
  n.b.op('Identity', [n.gemm(g, 32, 10, Math.sqrt(2 / 32))], {}, 'logits');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 32, 32] }],
    [{ name: 'logits', dims: [1, 10] }],
    'opset-11 forms: Pad (inputs; reflect+constant), Clip (min/max inputs), Slice with axes/steps, Squeeze-11',
  );
}

/**
 * A detector-sized CNN (about 5 MB of weights) at 480×640: a strided backbone with BatchNorm and
 * three box/score heads, like a small SSD. Used by the calibration memory benchmark.
 */
export function detector(): SyntheticModel {
  const n = new Net('detector', 13, 77);
  const stage = (x: string, cin: number, cout: number, stride: number) =>
    n.relu(n.bn(n.conv(x, cin, cout, 3, { stride, bias: false }), cout, { expectedVar: 2 }));
  let x = stage('input', 3, 16, 2); // 240×320
  x = stage(x, 16, 32, 2); // 120×160
  x = stage(x, 32, 32, 1);
  x = stage(x, 32, 64, 2); // 60×80
  const c3 = stage(x, 64, 64, 1);
  x = stage(c3, 64, 128, 2); // 30×40
  const c4 = stage(stage(x, 128, 128, 1), 128, 128, 1);
  x = stage(c4, 128, 192, 2); // 15×20
  const c5 = stage(stage(x, 192, 192, 1), 192, 192, 1);
  const head = (f: string, c: number, cells: number) => {
    const y = n.conv(f, c, 6 * 2, 3, { gain: 0.5 }); // 2 anchors × (2 scores + 4 box)
    const t = n.b.op('Transpose', [y], { perm: [0, 2, 3, 1] });
    return n.b.op('Reshape', [t, n.i64('shape', [1, cells * 2, 6])]);
  };
  n.b.op('Concat', [head(c3, 64, 60 * 80), head(c4, 128, 30 * 40), head(c5, 192, 15 * 20)], { axis: 1 }, 'detections');
  return n.finish(
    [{ name: 'input', dims: [1, 3, 480, 640] }],
    [{ name: 'detections', dims: [1, (60 * 80 + 30 * 40 + 15 * 20) * 2, 6] }],
    'Detector-sized CNN at 480×640 (~5 MB), three heads',
  );
}

export interface SyntheticEntry {
  name: string;
  build: () => SyntheticModel;
}

/** Every model, built on demand (the MLP alone is ~19 MB of weights). */
export const SYNTHETIC_MODELS: readonly SyntheticEntry[] = [
  { name: 'mlp', build: mlp },
  { name: 'resnetCnn', build: resnetCnn },
  { name: 'transformerBlock', build: transformerBlock },
  { name: 'mobilenetBlock', build: mobilenetBlock },
  { name: 'unetLike', build: unetLike },
  { name: 'oldOpset9', build: oldOpset9 },
  { name: 'oldOpset8', build: oldOpset8 },
  { name: 'dynamicBatch', build: dynamicBatch },
  { name: 'opset11Pads', build: opset11Pads },
  { name: 'detector', build: detector },
];

export function buildSynthetic(name: string): SyntheticModel {
  const entry = SYNTHETIC_MODELS.find((e) => e.name === name);
  if (!entry) throw new Error(`No synthetic model '${name}' (have: ${SYNTHETIC_MODELS.map((e) => e.name).join(', ')})`);
  return entry.build();
}

/** Resolves symbolic dims (e.g. 'N') to `batch`. */
export function concreteDims(dims: readonly Dim[], batch = 1): number[] {
  return dims.map((d) => (typeof d === 'number' ? d : batch));
}

/**
 * Deterministic data for each input. Rank-4 (NCHW) inputs get image-like content (per-channel
 * offset, smooth waves, a blob, mild noise; roughly zero-mean, unit-scale, like normalised
 * images), since i.i.d. noise averages out under pooling. Other inputs get N(0,1).
 */
export function syntheticInputs(m: SyntheticModel, seed = 1, batch = 1): { name: string; dims: number[]; data: Float32Array }[] {
  const rand = rng(seed);
  return m.inputs.map((i) => {
    const dims = concreteDims(i.dims, batch);
    return {
      name: i.name,
      dims,
      data:
        dims.length === 4
          ? imageLike(dims, rand)
          : randn(
              dims.reduce((a, b) => a * b, 1),
              1,
              rand,
            ),
    };
  });
}

function imageLike([n, c, h, w]: number[], rand: () => number): Float32Array {
  const out = randn(n * c * h * w, 0.3, rand);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const offset = (rand() - 0.5) * 2;
      const [a1, a2] = [rand() * 1.5, rand() * 1.5];
      const [f1, f2] = [0.05 + rand() * 0.4, 0.05 + rand() * 0.4];
      const [p1, p2] = [rand() * 2 * Math.PI, rand() * 2 * Math.PI];
      const [cy, cx, radius, blob] = [rand() * h, rand() * w, 2 + (rand() * h) / 3, (rand() - 0.5) * 4];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const g = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * radius * radius));
          out[((b * c + ch) * h + y) * w + x] += offset + a1 * Math.sin(f1 * y + p1) + a2 * Math.cos(f2 * x + p2) + blob * g;
        }
      }
    }
  }
  return out;
}
