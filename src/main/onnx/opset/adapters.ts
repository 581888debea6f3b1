// Adapters for the schema steps that change a node's meaning between opset 7 and 13, one per
// `op@version`, like ONNX's version converter (onnx/version_converter/adapters). Each rewrites
// the node in place (replacing arrays, never mutating them, so that a refusal can roll back) and
// may add nodes before or after it.
import {
  attrFloat,
  attrFloats,
  attrInt,
  attrInt64s,
  attrString,
  getAttr,
  hasAttr,
  makeAttribute,
  makeNode,
  removeAttr,
  setAttr,
  type NodeProto,
} from '../graph';
import { DT, dimsOf, int64Of, tensorFloats } from '../tensor';
import type { Rewrite, Scope } from './scope';

export type Adapter = (n: NodeProto, s: Scope, rw: Rewrite) => void;

/** Turns an ints attribute into a trailing int64 input (Slice 10, Squeeze/Unsqueeze/ReduceSum/Split 13). */
function attrsToInputs(n: NodeProto, s: Scope, names: string[], optional: boolean[]): boolean {
  const ins = [...n.input];
  const values = names.map((a) => attrInt64s(n, a));
  let last = -1;
  values.forEach((v, i) => {
    if (v !== undefined) last = i;
    else if (!optional[i]) s.up.reject(n, `the required '${names[i]}' attribute is missing`);
  });
  if (last < 0) return false;
  const extra = values.slice(0, last + 1).map((v, i) => (v === undefined ? '' : s.int64Const(n, names[i], v)));
  n.input = [...ins, ...extra];
  removeAttr(n, ...names);
  return true;
}

/** Softmax/LogSoftmax/Hardmax 13: one axis instead of "coerce to 2D at axis". */
const softmaxFamily13: Adapter = (n, s, rw) => {
  const op = n.opType;
  const x = n.input[0] ?? '';
  const axis = attrInt(n, 'axis', 1);
  const rank = s.rank(x);
  const norm = axis < 0 && rank !== undefined ? axis + rank : axis;
  if (axis === -1 || (rank !== undefined && norm === rank - 1)) {
    setAttr(n, 'axis', axis); // the last axis: 2D coercion and single-axis agree; explicit since the default moved from 1 to -1
    return;
  }
  // Keep the old meaning: flatten to 2D at `axis`, normalize the last axis, restore the shape.
  const base = n.name || op;
  const shape = s.freshName(`${base}_shape`);
  const flat = s.freshName(`${base}_2d`);
  const y = n.output[0];
  const y2 = s.freshName(`${y}_2d`);
  rw.before.push(makeNode('Shape', [x], [shape], {}, s.freshName(`${base}_Shape`)));
  rw.before.push(makeNode('Flatten', [x], [flat], { axis }, s.freshName(`${base}_Flatten`)));
  n.input = [flat, ...n.input.slice(1)];
  n.output = [y2, ...n.output.slice(1)];
  setAttr(n, 'axis', -1);
  rw.after.unshift(makeNode('Reshape', [y2, shape], [y], {}, s.freshName(`${base}_Reshape`)));
  s.up.note(
    n,
    `${op}: kept the opset-<13 "flatten to 2D at axis" meaning with Flatten/${op}/Reshape (axis ${axis}${rank === undefined ? ', input rank unknown' : ` of rank ${rank}`}) [opset 13]`,
  );
};

/** Resize 10 (and Upsample) → 11+: roi input, and the asymmetric coordinates opset 10 implied. */
const resize11: Adapter = (n, s, rw) => {
  const [x, scales] = [...n.input];
  if (!scales) s.up.reject(n, 'it has no scales input');
  const mode = attrString(n, 'mode') ?? 'nearest';
  const fromUpsample = FROM_UPSAMPLE.has(n);
  n.input = [x, s.emptyRoi(n), scales];
  setAttr(n, 'coordinate_transformation_mode', 'asymmetric');
  if (mode !== 'nearest') {
    s.up.note(n, `${fromUpsample ? 'Upsample → Resize' : 'Resize (opset 10)'}: roi input, coordinate_transformation_mode=asymmetric (${mode}) [opset 11]`);
    return;
  }
  // ONNX Runtime's opset-10 nearest rounds x/scale down when upscaling and up when
  // downscaling an axis: floor and ceil are one attribute from opset 11 on.
  const sc = s.constFloats(scales);
  const up = sc?.some((v) => v > 1);
  const down = sc?.some((v) => v < 1);
  if (sc && up && down) {
    // Nearest resizing is separable per axis: upscale axes first (floor), then downscale axes (ceil).
    const mid = s.freshName(`${n.output[0]}_up`);
    const upScales = s.floatConst(
      n,
      'scales_up',
      sc.map((v) => (v > 1 ? v : 1)),
      [sc.length],
      DT.FLOAT,
    );
    const downScales = s.floatConst(
      n,
      'scales_down',
      sc.map((v) => (v < 1 ? v : 1)),
      [sc.length],
      DT.FLOAT,
    );
    const first = makeNode(
      'Resize',
      [x, s.emptyRoi(n), upScales],
      [mid],
      { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      s.freshName(`${n.name || 'Resize'}_up`),
    );
    rw.before.push(first);
    n.input = [mid, s.emptyRoi(n), downScales];
    setAttr(n, 'nearest_mode', 'ceil');
    s.up.note(n, 'Resize (opset 10): split into an upscaling (floor) and a downscaling (ceil) nearest Resize, asymmetric [opset 11]');
    return;
  }
  const rounding = down && !fromUpsample ? 'ceil' : 'floor';
  setAttr(n, 'nearest_mode', rounding);
  const caveat = !sc && !fromUpsample ? ' (scales not constant: assumed upscaling)' : '';
  s.up.note(
    n,
    `${fromUpsample ? 'Upsample → Resize' : 'Resize (opset 10)'}: roi input, coordinate_transformation_mode=asymmetric, nearest_mode=${rounding}${caveat} [opset 11]`,
  );
};

/** Nodes that were Upsample: ONNX Runtime requires Upsample scales >= 1, so nearest is floor. */
const FROM_UPSAMPLE = new WeakSet<NodeProto>();

/** Steps whose schema change alters a node's meaning, by `op@version`; a step neither here nor in COMPATIBLE is refused. */
export const ADAPTERS: Record<string, Adapter> = {
  'BatchNormalization@9': (n, s, rw) => {
    // Extra outputs mean training mode: Y uses the batch's own statistics. ONNX Runtime keeps
    // that meaning across opsets only while the statistics outputs are read; with all of them
    // dangling its opset-9+ kernel computes a different Y than at opset 7/8.
    const extra = n.output.slice(1).filter((o) => o);
    if (extra.length && !extra.some((o) => s.isUsed(o))) {
      s.up.reject(n, 'it is in training mode (normalizes with batch statistics, the statistics outputs unused); export the model in eval mode');
    }
    const had = hasAttr(n, 'spatial');
    const spatial = attrInt(n, 'spatial', 1);
    removeAttr(n, 'spatial');
    if (spatial === 1) {
      if (had) s.up.note(n, "BatchNormalization: dropped 'spatial=1' [opset 9]");
      return;
    }
    const [x, ...params] = [...n.input];
    const ts = params.map((p) => s.constTensor(p));
    if (ts.every((t) => t && t.dims.length <= 1)) {
      s.up.note(n, "BatchNormalization: dropped 'spatial=0' (per-channel parameters, same result) [opset 9]");
      return;
    }
    // Per-activation statistics have no opset-9 form: fold them into x * a + b.
    const vals = ts.map((t) => (t && t.dataType === DT.FLOAT ? tensorFloats(t) : undefined));
    if (vals.some((v) => !v) || n.output.slice(1).some((o) => o && s.isUsed(o))) {
      s.up.reject(n, "'spatial=0' (per-activation statistics) needs constant float parameters and no training outputs");
    }
    const [scale, bias, mean, variance] = vals as number[][];
    const eps = attrFloat(n, 'epsilon', 1e-5);
    const dims = dimsOf(ts[0]!);
    const a = scale.map((g, i) => g / Math.sqrt(variance[i] + eps));
    const b = bias.map((bb, i) => bb - mean[i] * a[i]);
    const y = n.output[0];
    const mid = s.freshName(`${y}_scaled`);
    n.opType = 'Mul';
    n.input = [x, s.floatConst(n, 'a', a, dims, DT.FLOAT)];
    n.output = [mid];
    n.attribute = [];
    rw.after.unshift(makeNode('Add', [mid, s.floatConst(n, 'b', b, dims, DT.FLOAT)], [y], {}, s.freshName(`${n.name || 'BatchNormalization'}_Add`)));
    s.up.note(n, "BatchNormalization: 'spatial=0' folded into Mul/Add with per-activation constants [opset 9]");
  },

  'Dropout@10': (n, s) => {
    // The mask output became bool at 10; an inference graph does not read it.
    const outs = [...n.output];
    if (outs.length < 2 || !outs[1]) return;
    if (s.isUsed(outs[1])) s.up.reject(n, 'its mask output is used, and the mask type changed from the data type to bool at opset 10');
    n.output = [outs[0]];
    s.removeValueInfo(outs[1]);
    s.up.note(n, 'Dropout: dropped the unused mask output (its type became bool) [opset 10]');
  },

  'Dropout@12': (n, s) => {
    const ratio = attrFloat(n, 'ratio', 0.5);
    const had = hasAttr(n, 'ratio');
    removeAttr(n, 'ratio');
    if (had) {
      n.input = [n.input[0], s.floatConst(n, 'ratio', [ratio], [], DT.FLOAT)];
      s.up.note(n, "Dropout: 'ratio' attribute → input (inference: identity) [opset 12]");
    }
  },

  'Slice@10': (n, s) => {
    attrsToInputs(n, s, ['starts', 'ends', 'axes'], [false, false, true]);
    s.up.note(n, 'Slice: starts/ends/axes attributes → int64 inputs [opset 10]');
  },

  'TopK@10': (n, s) => {
    if (!hasAttr(n, 'k')) s.up.reject(n, "the required 'k' attribute is missing");
    n.input = [n.input[0], s.int64Const(n, 'k', [int64Of(getAttr(n, 'k')!.i)], [1])];
    removeAttr(n, 'k');
    s.up.note(n, "TopK: 'k' attribute → input [opset 10]");
  },

  'Upsample@9': (n, s) => {
    const scales = attrFloats(n, 'scales');
    if (!scales) return; // already an input
    n.input = [n.input[0], s.floatConst(n, 'scales', scales, [scales.length], DT.FLOAT)];
    removeAttr(n, 'scales');
    if (s.target < 10) s.up.note(n, "Upsample: 'scales' attribute → input [opset 9]");
  },

  'Upsample@10': (n, s) => {
    // Deprecated at 10: Resize-10 with the same inputs and mode is the same operator.
    const mode = attrString(n, 'mode') ?? 'nearest';
    if (n.input.length < 2) s.up.reject(n, 'it has no scales');
    n.opType = 'Resize';
    n.attribute = [makeAttribute('mode', mode === 'bilinear' ? 'linear' : mode)];
    FROM_UPSAMPLE.add(n);
    if (s.target < 11) s.up.note(n, 'Upsample → Resize [opset 10]');
  },

  'Resize@11': resize11,

  'Clip@11': (n, s) => {
    const hasMin = hasAttr(n, 'min');
    const hasMax = hasAttr(n, 'max');
    const x = n.input[0];
    const type = s.elemType(x) || DT.FLOAT;
    const ins = [x];
    if (hasMin || hasMax) ins.push(hasMin ? s.floatConst(n, 'min', [attrFloat(n, 'min', 0)], [], type) : '');
    if (hasMax) ins.push(s.floatConst(n, 'max', [attrFloat(n, 'max', 0)], [], type));
    n.input = ins;
    removeAttr(n, 'min', 'max');
    s.up.note(n, 'Clip: min/max attributes → inputs [opset 11]');
  },

  'Pad@11': (n, s) => {
    const pads = attrInt64s(n, 'pads');
    if (!pads) return s.up.reject(n, "the required 'pads' attribute is missing");
    const mode = attrString(n, 'mode') ?? 'constant';
    const x = n.input[0];
    const ins = [x, s.int64Const(n, 'pads', pads)];
    if (mode === 'constant' && hasAttr(n, 'value')) ins.push(s.floatConst(n, 'value', [attrFloat(n, 'value', 0)], [], s.elemType(x) || DT.FLOAT));
    n.input = ins;
    removeAttr(n, 'pads', 'value');
    s.up.note(n, 'Pad: pads/value attributes → inputs [opset 11]');
  },

  'Scatter@11': (n, s) => {
    n.opType = 'ScatterElements'; // Scatter was deprecated at 11 in favour of this identical op
    s.up.note(n, 'Scatter → ScatterElements [opset 11]');
  },

  'Scan@9': (n, s) => {
    s.up.reject(n, 'Scan-8 iterates over a batch axis that Scan-9 and later no longer have; re-export the model at opset 9 or newer');
  },

  'Squeeze@13': (n, s) => {
    if (attrsToInputs(n, s, ['axes'], [true])) s.up.note(n, "Squeeze: 'axes' attribute → input [opset 13]");
  },
  'Unsqueeze@13': (n, s) => {
    if (attrsToInputs(n, s, ['axes'], [false])) s.up.note(n, "Unsqueeze: 'axes' attribute → input [opset 13]");
  },
  'ReduceSum@13': (n, s) => {
    if (attrsToInputs(n, s, ['axes'], [true])) s.up.note(n, "ReduceSum: 'axes' attribute → input [opset 13]");
  },
  'Split@13': (n, s) => {
    if (attrsToInputs(n, s, ['split'], [true])) s.up.note(n, "Split: 'split' attribute → input [opset 13]");
  },

  'Softmax@13': softmaxFamily13,
  'LogSoftmax@13': softmaxFamily13,
  'Hardmax@13': softmaxFamily13,
};
