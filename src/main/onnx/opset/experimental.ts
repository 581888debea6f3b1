import { attrFloat, attrFloats, attrInt, attrInt64s, makeNode, removeAttr, setAttr, type NodeProto } from '../graph';
import { DT, INT64_MAX } from '../tensor';
import type { Rewrite, Scope } from './scope';

/**
 * Experimental ops of opsets 1..9, never part of a released opset (or later redefined). Each
 * rewrites the node into standard ops and returns the opset its result follows, or null when
 * the node itself was replaced by the nodes in `rw`.
 */
export type Experimental = (n: NodeProto, s: Scope, rw: Rewrite) => number | null;

/** y = x * alpha (+ beta) with constants of x's type; `post` wraps the product. */
function elementwise(n: NodeProto, s: Scope, rw: Rewrite, what: string, steps: { op: string; value?: number | number[]; dims?: number[] }[]): null {
  const x = n.input[0];
  const type = s.elemType(x) || DT.FLOAT;
  const base = n.name || n.opType || 'op';
  let cur = x;
  steps.forEach((st, i) => {
    const last = i === steps.length - 1;
    const out = last ? n.output[0] : s.freshName(`${base}_${st.op.toLowerCase()}`);
    const ins = [cur];
    if (st.value !== undefined) {
      const v = Array.isArray(st.value) ? st.value : [st.value];
      ins.push(s.floatConst(n, st.op.toLowerCase(), v, st.dims ?? [], type));
    }
    rw.before.push(makeNode(st.op, ins, [out], {}, s.freshName(`${base}_${st.op}`)));
    cur = out;
  });
  s.up.note(n, what);
  return null;
}

export const EXPERIMENTAL: Record<string, Experimental> = {
  ImageScaler: (n, s, rw) => {
    const bias = attrFloats(n, 'bias') ?? [];
    const steps: { op: string; value?: number | number[]; dims?: number[] }[] = [{ op: 'Mul', value: attrFloat(n, 'scale', 1) }];
    if (bias.length) steps.push({ op: 'Add', value: bias, dims: [bias.length, 1, 1] });
    return elementwise(n, s, rw, 'ImageScaler (experimental) → Mul/Add', steps);
  },
  Scale: (n, s, rw) => elementwise(n, s, rw, 'Scale (experimental) → Mul', [{ op: 'Mul', value: attrFloat(n, 'scale', 1) }]),
  Affine: (n, s, rw) =>
    elementwise(n, s, rw, 'Affine (experimental) → Mul/Add', [
      { op: 'Mul', value: attrFloat(n, 'alpha', 1) },
      { op: 'Add', value: attrFloat(n, 'beta', 0) },
    ]),
  ScaledTanh: (n, s, rw) =>
    elementwise(n, s, rw, 'ScaledTanh (experimental) → Mul/Tanh/Mul', [
      { op: 'Mul', value: attrFloat(n, 'beta', 1) },
      { op: 'Tanh' },
      { op: 'Mul', value: attrFloat(n, 'alpha', 1) },
    ]),
  ParametricSoftplus: (n, s, rw) =>
    elementwise(n, s, rw, 'ParametricSoftplus (experimental) → Mul/Softplus/Mul', [
      { op: 'Mul', value: attrFloat(n, 'beta', 1) },
      { op: 'Softplus' },
      { op: 'Mul', value: attrFloat(n, 'alpha', 1) },
    ]),
  ThresholdedRelu: (n, s) => {
    s.up.note(n, 'ThresholdedRelu: experimental op read as the standard opset-10 op (same alpha semantics)');
    return 10;
  },
  MeanVarianceNormalization: (n, s, rw) => {
    const across = attrInt(n, 'across_channels', 0);
    const normalize = attrInt(n, 'normalize_variance', 1);
    const axes = across ? [0, 1, 2, 3] : [0, 2, 3];
    removeAttr(n, 'across_channels', 'normalize_variance');
    if (normalize) {
      setAttr(n, 'axes', axes);
      s.up.note(n, 'MeanVarianceNormalization (experimental): across_channels → axes');
      return 9;
    }
    // Mean subtraction only: x - ReduceMean(x).
    const x = n.input[0];
    const mean = s.freshName(`${n.name || 'MVN'}_mean`);
    rw.before.push(makeNode('ReduceMean', [x], [mean], { axes, keepdims: 1 }, s.freshName(`${n.name || 'MVN'}_ReduceMean`)));
    rw.before.push(makeNode('Sub', [x, mean], [...n.output], {}, s.freshName(`${n.name || 'MVN'}_Sub`)));
    s.up.note(n, 'MeanVarianceNormalization (experimental, normalize_variance=0) → ReduceMean/Sub');
    return null;
  },
  DynamicSlice: (n, s) => {
    if (s.target < 10) s.up.reject(n, 'DynamicSlice becomes Slice with inputs, which needs opset 10');
    n.opType = 'Slice'; // same inputs (data, starts, ends, axes) as Slice-10
    s.up.note(n, 'DynamicSlice (experimental) → Slice');
    return 10;
  },
  Crop: (n, s) => {
    if (s.target < 10) s.up.reject(n, 'Crop becomes Slice with inputs, which needs opset 10');
    const border = (attrInt64s(n, 'border') ?? []).map(Number);
    if (border.length !== 4) s.up.reject(n, "its 'border' attribute needs 4 values");
    const [left, top, right, bottom] = border;
    const scale = attrInt64s(n, 'scale');
    const ends = scale ? [BigInt(top) + scale[0], BigInt(left) + scale[1]] : [bottom ? BigInt(-bottom) : INT64_MAX, right ? BigInt(-right) : INT64_MAX];
    n.opType = 'Slice';
    n.input = [n.input[0], s.int64Const(n, 'starts', [BigInt(top), BigInt(left)]), s.int64Const(n, 'ends', ends), s.int64Const(n, 'axes', [2n, 3n])];
    n.attribute = [];
    s.up.note(n, 'Crop (experimental) → Slice');
    return 10;
  },
};
