import { onnx } from './proto/onnx';
import { OctetError } from '../../shared/errors';
import { DT, makeTensor, num } from './tensor';
import { makeAttribute, makeNode, type AttrValue } from './graph';

/**
 * Raises a model's default-domain opset import, rewriting every node whose signature
 * changed on the way, like ONNX's version converter (onnx/version_converter/adapters).
 *
 * Why: QuantizeLinear/DequantizeLinear need opset 10 and per-axis Q/DQ needs 13, while
 * real models arrive at 7..12. Raising the import alone silently changes the meaning of
 * Slice, Softmax, Squeeze, Clip, ... so each schema change between the model's opset and
 * the target is either a known-compatible step, an adapter below, or a refusal.
 */
export const TARGET_OPSET = 13;
const MIN_OPSET = 7;

type Node = onnx.NodeProto.$Properties;
type Graph = onnx.GraphProto.$Properties;
type Attr = onnx.AttributeProto.$Properties;
type Tensor = onnx.TensorProto.$Properties;
type ValueInfo = onnx.ValueInfoProto.$Properties;
type Long = { low: number; high: number };

const AT = onnx.AttributeProto.AttributeType;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * Every `since_version` <= 13 of every default-domain operator (ONNX's operator changelog).
 * A node at opset `v` follows the latest schema <= v; each later entry <= target is a step.
 */
const SINCE_TABLE = `
Abs:1,6,13 Acos:7 Acosh:9 Add:1,6,7,13 And:1,7 ArgMax:1,11,12,13 ArgMin:1,11,12,13 Asin:7 Asinh:9 Atan:7 Atanh:9 AveragePool:1,7,10,11
BatchNormalization:1,6,7,9 BitShift:11 Cast:1,6,9,13 Ceil:1,6,13 Celu:12 Clip:1,6,11,12,13 Compress:9,11 Concat:1,4,11,13 ConcatFromSequence:11
Constant:1,9,11,12,13 ConstantOfShape:9 Conv:1,11 ConvInteger:10 ConvTranspose:1,11 Cos:7 Cosh:9 CumSum:11 DepthToSpace:1,11,13 DequantizeLinear:10,13
Det:11 Div:1,6,7,13 Dropout:1,6,7,10,12,13 DynamicQuantizeLinear:11 Einsum:12 Elu:1,6 Equal:1,7,11,13 Erf:9,13 Exp:1,6,13 Expand:8,13 EyeLike:9
Flatten:1,9,11,13 Floor:1,6,13 GRU:1,3,7 Gather:1,11,13 GatherElements:11,13 GatherND:11,12,13 Gemm:1,6,7,9,11,13 GlobalAveragePool:1 GlobalLpPool:1,2
GlobalMaxPool:1 Greater:1,7,9,13 GreaterOrEqual:12 HardSigmoid:1,6 Hardmax:1,11,13 Identity:1,13 If:1,11,13 InstanceNormalization:1,6 IsInf:10
IsNaN:9,13 LRN:1,13 LSTM:1,7 LeakyRelu:1,6 Less:1,7,9,13 LessOrEqual:12 Log:1,6,13 LogSoftmax:1,11,13 Loop:1,11,13 LpNormalization:1 LpPool:1,2,11
MatMul:1,9,13 MatMulInteger:10 Max:1,6,8,12,13 MaxPool:1,8,10,11,12 MaxRoiPool:1 MaxUnpool:9,11 Mean:1,6,8,13 MeanVarianceNormalization:9,13
Min:1,6,8,12,13 Mod:10,13 Mul:1,6,7,13 Multinomial:7 Neg:1,6,13 NegativeLogLikelihoodLoss:12,13 NonMaxSuppression:10,11 NonZero:9,13 Not:1 OneHot:9,11
Or:1,7 PRelu:1,6,7,9 Pad:1,2,11,13 Pow:1,7,12,13 QLinearConv:10 QLinearMatMul:10 QuantizeLinear:10,13 RNN:1,7 RandomNormal:1 RandomNormalLike:1
RandomUniform:1 RandomUniformLike:1 Range:11 Reciprocal:1,6,13 ReduceL1:1,11,13 ReduceL2:1,11,13 ReduceLogSum:1,11,13 ReduceLogSumExp:1,11,13
ReduceMax:1,11,12,13 ReduceMean:1,11,13 ReduceMin:1,11,12,13 ReduceProd:1,11,13 ReduceSum:1,11,13 ReduceSumSquare:1,11,13 Relu:1,6,13 Reshape:1,5,13
Resize:10,11,13 ReverseSequence:10 RoiAlign:10 Round:11 Scan:8,9,11 Scatter:9,11 ScatterElements:11,13 ScatterND:11,13 Selu:1,6 SequenceAt:11
SequenceConstruct:11 SequenceEmpty:11 SequenceErase:11 SequenceInsert:11 SequenceLength:11 Shape:1,13 Shrink:9 Sigmoid:1,6,13 Sign:9,13 Sin:7 Sinh:9
Size:1,13 Slice:1,10,11,13 Softmax:1,11,13 SoftmaxCrossEntropyLoss:12,13 Softplus:1 Softsign:1 SpaceToDepth:1,13 Split:1,2,11,13 SplitToSequence:11
Sqrt:1,6,13 Squeeze:1,11,13 StringNormalizer:10 Sub:1,6,7,13 Sum:1,6,8,13 Tan:7 Tanh:1,6,13 TfIdfVectorizer:9 ThresholdedRelu:10 Tile:1,6,13
TopK:1,10,11 Transpose:1,13 Unique:11 Unsqueeze:1,11,13 Upsample:1,7,9,10 Where:9 Xor:1,7`;

const SINCE = new Map<string, number[]>(
  SINCE_TABLE.trim()
    .split(/\s+/)
    .map((e) => {
      const [op, v] = e.split(':');
      return [op, v.split(',').map(Number)] as const;
    }),
);

/**
 * Steps (op@version, 7 < version <= 13) where the new schema accepts the old node unchanged:
 * new types, negative axes, new attributes or inputs whose defaults keep the old behaviour.
 * Same list as ONNX's CompatibleAdapter registrations. A step that is neither here nor in
 * ADAPTERS is refused rather than guessed.
 */
const COMPATIBLE = new Set(
  `Abs@13 Add@13 ArgMax@11 ArgMax@12 ArgMax@13 ArgMin@11 ArgMin@12 ArgMin@13 AveragePool@10 AveragePool@11 Cast@9 Cast@13 Ceil@13
Clip@12 Clip@13 Compress@11 Concat@11 Concat@13 Constant@9 Constant@11 Constant@12 Constant@13 Conv@11 ConvTranspose@11 DepthToSpace@11
DepthToSpace@13 DequantizeLinear@13 Div@13 Dropout@13 Equal@11 Equal@13 Erf@13 Exp@13 Expand@13 Flatten@9 Flatten@11 Flatten@13 Floor@13
Gather@11 Gather@13 GatherElements@13 GatherND@12 GatherND@13 Gemm@9 Gemm@11 Gemm@13 Greater@9 Greater@13 Hardmax@11 Identity@13 If@11 If@13
IsNaN@13 LRN@13 Less@9 Less@13 Log@13 LogSoftmax@11 Loop@11 Loop@13 LpPool@11 MatMul@9 MatMul@13 Max@8 Max@12 Max@13 MaxPool@8 MaxPool@10
MaxPool@11 MaxPool@12 MaxUnpool@11 Mean@8 Mean@13 MeanVarianceNormalization@13 Min@8 Min@12 Min@13 Mod@13 Mul@13 Neg@13
NegativeLogLikelihoodLoss@13 NonMaxSuppression@11 NonZero@13 OneHot@11 PRelu@9 Pad@13 Pow@12 Pow@13 QuantizeLinear@13 Reciprocal@13
ReduceL1@11 ReduceL1@13 ReduceL2@11 ReduceL2@13 ReduceLogSum@11 ReduceLogSum@13 ReduceLogSumExp@11 ReduceLogSumExp@13 ReduceMax@11 ReduceMax@12
ReduceMax@13 ReduceMean@11 ReduceMean@13 ReduceMin@11 ReduceMin@12 ReduceMin@13 ReduceProd@11 ReduceProd@13 ReduceSum@11 ReduceSumSquare@11
ReduceSumSquare@13 Relu@13 Reshape@13 Resize@13 Scan@11 ScatterElements@13 ScatterND@13 Shape@13 Sigmoid@13 Sign@13 Size@13 Slice@11 Slice@13
Softmax@11 SoftmaxCrossEntropyLoss@13 SpaceToDepth@13 Split@11 Sqrt@13 Squeeze@11 Sub@13 Sum@8 Sum@13 Tanh@13 Tile@13 TopK@11 Transpose@13
Unsqueeze@11`.split(/\s+/),
);

/** The IR version each opset first shipped with (ONNX's versioning table). */
const IR_FOR_OPSET: Record<number, number> = { 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7 };

/** Upgrades the default ('' / 'ai.onnx') domain in place to `target` (>= current). Returns what it changed, for the report. Models already >= target are left alone (return []). Opset < 7 → OctetError MODEL_UNSUPPORTED. Ensures ir_version >= 7. */
export function upgradeOpset(model: onnx.ModelProto, target: number = TARGET_OPSET): string[] {
  if (!Number.isInteger(target) || target < MIN_OPSET || target > TARGET_OPSET) {
    throw new OctetError('BAD_USAGE', `Octet upgrades the ONNX opset to a version between ${MIN_OPSET} and ${TARGET_OPSET}, not ${target}`);
  }
  const graph = model.graph;
  if (!graph) throw new OctetError('MODEL_UNREADABLE', 'The model has no graph');
  const imports = model.opsetImport ?? [];
  const entry = imports.find((o) => isDefaultDomain(o.domain));
  const from = entry ? num(entry.version) : 0;
  if (entry && from >= target) return [];
  if (!entry) {
    // No default-domain import: legal only while no node uses that domain.
    if (anyDefaultNode(graph)) throw new OctetError('MODEL_UNSUPPORTED', 'The model uses ONNX operators but declares no ai.onnx opset import');
  } else if (from < MIN_OPSET) {
    throw new OctetError('MODEL_UNSUPPORTED', `The model uses ONNX opset ${from}; Octet can upgrade models from opset ${MIN_OPSET} or newer (re-export it with a newer exporter)`);
  }

  const up = new Upgrader(model, entry ? from : target, target);
  try {
    up.upgradeGraph(graph, undefined);
  } catch (e) {
    up.rollback(); // a refused node leaves the model exactly as it came
    throw e;
  }

  const changes: string[] = [];
  if (entry) {
    entry.version = target;
    changes.push(`ONNX opset (ai.onnx) ${from} → ${target}`);
  } else {
    model.opsetImport = [...imports, onnx.OperatorSetIdProto.create({ domain: '', version: target })];
    changes.push(`added the ONNX opset import (ai.onnx ${target})`);
  }
  const ir = num(model.irVersion);
  const needIr = IR_FOR_OPSET[target];
  if (ir < needIr) {
    model.irVersion = needIr;
    changes.push(`IR version ${ir} → ${needIr}`);
    if (ir < 4) {
      // Before IR 4 every initializer had to be a graph input too; from IR 4 on such an input is
      // an overridable default that ONNX Runtime no longer constant-folds. Keep them constants.
      const inits = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
      const inputs = graph.input ?? [];
      const kept = inputs.filter((i) => !inits.has(i.name ?? ''));
      if (kept.length !== inputs.length) {
        graph.input = kept;
        changes.push(`removed ${inputs.length - kept.length} initializer(s) from the graph inputs (required before IR 4, overridable inputs after)`);
      }
    }
  }
  return [...changes, ...up.summary()];
}

const isDefaultDomain = (d: string | null | undefined): boolean => !d || d === 'ai.onnx';

function anyDefaultNode(g: Graph): boolean {
  return (g.node ?? []).some((n) => isDefaultDomain(n.domain) || subgraphs(n).some(anyDefaultNode));
}

function subgraphs(n: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of n.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

// ---------------------------------------------------------------- attributes and values

/** int64 values exactly: attribute ints arrive as Long (or number) and INT64_MAX is common in Slice. */
function toBig(x: number | Long | null | undefined): bigint {
  if (x == null) return 0n;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) return x > 0 ? INT64_MAX : INT64_MIN;
    const b = BigInt(Math.trunc(x));
    return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
  }
  return BigInt.asIntN(64, (BigInt(x.high >>> 0) << 32n) | BigInt(x.low >>> 0));
}

const attrOf = (n: Node, name: string): Attr | undefined => (n.attribute ?? []).find((a) => a.name === name);
const hasAttr = (n: Node, name: string): boolean => attrOf(n, name) !== undefined;
const attrInt = (n: Node, name: string, dflt: number): number => {
  const a = attrOf(n, name);
  return a ? num(a.i) : dflt;
};
const attrFloat = (n: Node, name: string, dflt: number): number => {
  const a = attrOf(n, name);
  return a ? (a.type === AT.INT ? num(a.i) : (a.f ?? 0)) : dflt;
};
const attrStr = (n: Node, name: string, dflt: string): string => {
  const a = attrOf(n, name);
  return a?.s ? new TextDecoder().decode(a.s) : dflt;
};
const attrBigs = (n: Node, name: string): bigint[] | undefined => {
  const a = attrOf(n, name);
  return a ? (a.ints ?? []).map(toBig) : undefined;
};
const attrFloats = (n: Node, name: string): number[] | undefined => {
  const a = attrOf(n, name);
  return a ? [...(a.floats ?? [])] : undefined;
};
function removeAttrs(n: Node, ...names: string[]): void {
  n.attribute = (n.attribute ?? []).filter((a) => !names.includes(a.name ?? ''));
}
function setAttr(n: Node, name: string, v: AttrValue): void {
  n.attribute = [...(n.attribute ?? []).filter((a) => a.name !== name), makeAttribute(name, v)];
}
const inputsOf = (n: Node): string[] => [...(n.input ?? [])];
const outputsOf = (n: Node): string[] => [...(n.output ?? [])];

function label(n: Node): string {
  return n.name ? `'${n.name}'` : `(output '${(n.output ?? [])[0] ?? '?'}')`;
}

/** float32 → IEEE half bits, round to nearest even. */
function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** A float-family tensor of `elemType` (float, double or float16) holding `values`. */
function floatTensor(name: string, values: number[], dims: number[], elemType: number): onnx.TensorProto {
  if (elemType === DT.DOUBLE) return makeTensor(name, Float64Array.from(values), dims);
  if (elemType === DT.FLOAT16) return makeTensor(name, Uint16Array.from(values, f32ToF16), dims, DT.FLOAT16);
  return makeTensor(name, Float32Array.from(values), dims);
}

/** Values of a float or double tensor (raw or typed storage); undefined for other types. */
function floatValues(t: Tensor): number[] | undefined {
  const dims = (t.dims ?? []).map(num);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? new Uint8Array(t.rawData) : undefined;
  if (t.dataType === DT.FLOAT) {
    if (raw) return raw.length === n * 4 ? Array.from(new Float32Array(raw.buffer, 0, n)) : undefined;
    return (t.floatData ?? []).length === n ? [...(t.floatData ?? [])] : undefined;
  }
  if (t.dataType === DT.DOUBLE) {
    if (raw) return raw.length === n * 8 ? Array.from(new Float64Array(raw.buffer, 0, n)) : undefined;
    return (t.doubleData ?? []).length === n ? [...(t.doubleData ?? [])] : undefined;
  }
  return undefined;
}

/** Values of an integer tensor as bigint (int64/int32 in raw or typed storage). */
function intValues(t: Tensor): bigint[] | undefined {
  const dims = (t.dims ?? []).map(num);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? new Uint8Array(t.rawData) : undefined;
  if (t.dataType === DT.INT64) {
    if (raw) return raw.length === n * 8 ? Array.from(new BigInt64Array(raw.buffer, 0, n)) : undefined;
    return (t.int64Data ?? []).length === n ? (t.int64Data ?? []).map(toBig) : undefined;
  }
  if (t.dataType === DT.INT32) {
    if (raw) return raw.length === n * 4 ? Array.from(new Int32Array(raw.buffer, 0, n), (v) => BigInt(v)) : undefined;
    return (t.int32Data ?? []).length === n ? (t.int32Data ?? []).map((v) => BigInt(v)) : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------- rank and type inference

/** Ops whose first output has the rank (and element type) of their first input. */
const SAME_RANK = new Set(
  `Abs Acos Acosh Asin Asinh Atan Atanh AveragePool BatchNormalization Ceil Celu Clip Conv ConvTranspose Cos Cosh CumSum DepthToSpace Dropout Elu
Erf Exp Floor GlobalAveragePool GlobalLpPool GlobalMaxPool HardSigmoid Hardmax Identity ImageScaler InstanceNormalization LRN LeakyRelu Log LogSoftmax
LpNormalization LpPool MaxPool MeanVarianceNormalization Neg PRelu Pad Reciprocal Relu Resize Round Scatter ScatterElements ScatterND Selu Shrink
Sigmoid Sign Sin Sinh Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt Tan Tanh ThresholdedRelu Tile TopK Upsample Scale Affine ScaledTanh
ParametricSoftplus Crop DynamicSlice Cast Not IsNaN IsInf`.split(/\s+/),
);
/** Of the SAME_RANK ops, those whose every output (not just the first) has the input's rank. */
const ALL_OUTPUTS_SAME_RANK = new Set(['Split', 'TopK', 'MaxPool', 'Dropout']);
const BROADCAST = new Set('Add Sub Mul Div Pow Max Min Sum Mean Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Where Mod BitShift'.split(' '));
const SAME_TYPE_EXTRA = new Set('Add Sub Mul Div Pow Max Min Sum Mean Mod MatMul Gemm Transpose Reshape Flatten Squeeze Unsqueeze Expand Concat Gather GatherElements ReduceMax ReduceMin ReduceMean ReduceSum ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare'.split(' '));
const REDUCE = new Set('ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare'.split(' '));

// ---------------------------------------------------------------- the upgrader

interface Rewrite {
  before: Node[];
  after: Node[];
}

class Upgrader {
  private readonly names = new Set<string>();
  private readonly notes = new Map<string, string[]>();
  /** Undo steps: adapters replace fields and arrays (never mutate them), so saving references suffices. */
  private readonly journal: (() => void)[] = [];

  constructor(
    readonly model: onnx.ModelProto,
    readonly from: number,
    readonly target: number,
  ) {
    const visit = (g: Graph): void => {
      for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) if (v.name) this.names.add(v.name);
      for (const t of g.initializer ?? []) if (t.name) this.names.add(t.name);
      for (const n of g.node ?? []) {
        for (const s of [...(n.input ?? []), ...(n.output ?? []), n.name ?? '']) if (s) this.names.add(s);
        subgraphs(n).forEach(visit);
      }
    };
    visit(model.graph!);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  note(n: Node, what: string): void {
    const list = this.notes.get(what);
    const l = n.name || (n.output ?? [])[0] || '?';
    if (list) list.push(l);
    else this.notes.set(what, [l]);
  }

  summary(): string[] {
    return [...this.notes].map(([what, nodes]) => {
      const shown = nodes.slice(0, 4).join(', ') + (nodes.length > 4 ? `, … (+${nodes.length - 4})` : '');
      return `${what}: ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${shown})`;
    });
  }

  reject(n: Node, why: string): never {
    throw new OctetError(
      'MODEL_UNSUPPORTED',
      `Cannot upgrade ${n.opType} node ${label(n)} from opset ${this.from} to ${this.target}: ${why}`,
    );
  }

  rollback(): void {
    for (let i = this.journal.length - 1; i >= 0; i--) this.journal[i]();
  }

  upgradeGraph(graph: Graph, parent: Scope | undefined): void {
    const { node, initializer, valueInfo } = graph;
    this.journal.push(() => Object.assign(graph, { node, initializer, valueInfo }));
    const scope = new Scope(this, graph, parent);
    const out: Node[] = [];
    for (const node of graph.node ?? []) {
      if (!isDefaultDomain(node.domain)) {
        for (const g of subgraphs(node)) this.upgradeGraph(g, scope);
        out.push(node);
        continue;
      }
      const r = this.upgradeNode(node, scope);
      out.push(...r);
      for (const n of r) for (const g of subgraphs(n)) this.upgradeGraph(g, scope);
    }
    graph.node = out as onnx.NodeProto[]; // nodes as decoded or made by makeNode: full messages
    scope.flush();
  }

  /** Runs every schema step of one node; returns the nodes that replace it, in order. */
  private upgradeNode(node: Node, scope: Scope): Node[] {
    const { opType, input, output, attribute } = node;
    this.journal.push(() => Object.assign(node, { opType, input, output, attribute }));
    const rw: Rewrite = { before: [], after: [] };
    this.dropLegacyAttributes(node, scope);
    const op0 = node.opType ?? '';
    let versions = SINCE.get(op0) ?? [];
    let cur = this.from;
    if (!versions.length || versions[0] > this.from) {
      const exp = EXPERIMENTAL[op0];
      if (exp) {
        const next = exp(node, scope, rw);
        if (next === null) return [...rw.before, ...rw.after];
        cur = next;
      } else if (!versions.length) {
        this.reject(node, `'${op0}' is not an ONNX operator up to opset ${TARGET_OPSET} (a custom op must use its own domain)`);
      } else {
        cur = versions[0]; // an op newer than the model's opset (e.g. DequantizeLinear in an opset-9 model): read it at its first schema
      }
      versions = SINCE.get(node.opType ?? '') ?? [];
    }
    for (;;) {
      const first = versions[0];
      const step = versions.find((v) => v > cur && v <= this.target && v !== first);
      if (step === undefined) break;
      const key = `${node.opType}@${step}`;
      const adapter = ADAPTERS[key];
      if (adapter) adapter(node, scope, rw);
      else if (!COMPATIBLE.has(key)) this.reject(node, `its schema changed at opset ${step} in a way Octet cannot adapt`);
      cur = step;
      versions = SINCE.get(node.opType ?? '') ?? [];
    }
    return [...rw.before, node, ...rw.after];
  }

  /** Attributes removed from schemas before opset 7 that old exporters still wrote. */
  private dropLegacyAttributes(node: Node, scope: Scope): void {
    const op = node.opType ?? '';
    if (hasAttr(node, 'consumed_inputs')) {
      removeAttrs(node, 'consumed_inputs');
      this.note(node, `${op}: dropped the legacy 'consumed_inputs' attribute`);
    }
    if ((op === 'BatchNormalization' || op === 'Dropout') && hasAttr(node, 'is_test')) {
      removeAttrs(node, 'is_test');
      this.note(node, `${op}: dropped the legacy 'is_test' attribute (removed at opset 7)`);
    }
    if (op === 'Reshape' && hasAttr(node, 'shape') && inputsOf(node).length < 2) {
      const shape = attrBigs(node, 'shape') ?? [];
      node.input = [inputsOf(node)[0], scope.int64Const(node, 'shape', shape)];
      removeAttrs(node, 'shape');
      this.note(node, "Reshape: 'shape' attribute (opset < 5) → input");
    }
  }
}

/** One graph being rewritten: its constants, producers, and what it can tell about ranks and types. */
class Scope {
  private readonly inits = new Map<string, Tensor>();
  private readonly producer = new Map<string, Node>();
  private readonly infos = new Map<string, ValueInfo>();
  private readonly consumers = new Map<string, number>();
  private readonly outputs: Set<string>;
  private readonly added: onnx.TensorProto[] = [];
  private readonly ranks = new Map<string, number | undefined>();
  private readonly types = new Map<string, number>();
  private inferred = false;

  constructor(
    readonly up: Upgrader,
    readonly graph: Graph,
    readonly parent: Scope | undefined,
  ) {
    for (const t of graph.initializer ?? []) if (t.name) this.inits.set(t.name, t);
    for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) if (v.name) this.infos.set(v.name, v);
    this.outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
    const count = (g: Graph): void => {
      for (const n of g.node ?? []) {
        for (const i of n.input ?? []) if (i) this.consumers.set(i, (this.consumers.get(i) ?? 0) + 1);
        subgraphs(n).forEach(count); // outer-scope uses inside subgraphs
      }
    };
    for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) this.producer.set(o, n);
    count(graph);
    this.infer();
  }

  get target(): number {
    return this.up.target;
  }

  /** Whether anything reads `name`: a node (here or in a subgraph) or the graph's outputs. */
  isUsed(name: string): boolean {
    return (this.consumers.get(name) ?? 0) > 0 || this.outputs.has(name);
  }

  private addConst(t: onnx.TensorProto): string {
    this.added.push(t);
    this.inits.set(t.name, t);
    return t.name;
  }

  int64Const(n: Node, what: string, values: bigint[], dims: number[] = [values.length]): string {
    const name = this.up.fresh(`${n.name || n.opType}_${what}`);
    return this.addConst(makeTensor(name, BigInt64Array.from(values), dims));
  }

  floatConst(n: Node, what: string, values: number[], dims: number[], elemType: number): string {
    const name = this.up.fresh(`${n.name || n.opType}_${what}`);
    return this.addConst(floatTensor(name, values, dims, elemType));
  }

  /** Resize's roi: optional from opset 13, a required (ignored unless tf_crop_and_resize) input before. */
  emptyRoi(n: Node): string {
    return this.target >= 13 ? '' : this.floatConst(n, 'roi', [], [0], DT.FLOAT);
  }

  freshName(base: string): string {
    return this.up.fresh(base);
  }

  /** Writes the constants created while rewriting this graph. */
  flush(): void {
    if (this.added.length) this.graph.initializer = [...(this.graph.initializer ?? []), ...this.added];
  }

  removeValueInfo(name: string): void {
    const vi = this.graph.valueInfo ?? [];
    if (vi.some((v) => v.name === name)) this.graph.valueInfo = vi.filter((v) => v.name !== name);
  }

  constTensor(name: string): Tensor | undefined {
    if (!name) return undefined;
    const t = this.inits.get(name);
    if (t) return t;
    const p = this.producer.get(name);
    if (p) {
      if (p.opType === 'Constant' && isDefaultDomain(p.domain)) return attrOf(p, 'value')?.t ?? undefined;
      return undefined;
    }
    return this.parent?.constTensor(name);
  }

  constInts(name: string): bigint[] | undefined {
    const t = this.constTensor(name);
    return t ? intValues(t) : undefined;
  }

  constFloats(name: string): number[] | undefined {
    const t = this.constTensor(name);
    return t ? floatValues(t) : undefined;
  }

  private info(name: string): ValueInfo | undefined {
    return this.infos.get(name) ?? (this.producer.has(name) || this.inits.has(name) ? undefined : this.parent?.info(name));
  }

  /** Element type of a value when it can be told; 0 when not. */
  elemType(name: string): number {
    this.infer();
    const known = this.info(name)?.type?.tensorType?.elemType;
    if (known) return known;
    const t = this.inits.get(name);
    if (t) return t.dataType ?? 0;
    if (this.types.has(name)) return this.types.get(name)!;
    return this.producer.has(name) ? 0 : (this.parent?.elemType(name) ?? 0);
  }

  /** Rank of a value when it can be told for certain; undefined when not. */
  rank(name: string): number | undefined {
    if (!name) return undefined;
    this.infer();
    const shape = this.info(name)?.type?.tensorType?.shape;
    if (shape) return (shape.dim ?? []).length;
    const t = this.inits.get(name);
    if (t) return (t.dims ?? []).length;
    if (this.ranks.has(name)) return this.ranks.get(name);
    return this.producer.has(name) ? undefined : this.parent?.rank(name);
  }

  /**
   * One forward pass over the graph as it came (run before any rewrite in it), in node order:
   * ranks and element types of node outputs, where certain. Unsorted graphs just know less.
   */
  private infer(): void {
    if (this.inferred) return;
    this.inferred = true;
    for (const p of this.graph.node ?? []) {
      const outs = outputsOf(p);
      if (!isDefaultDomain(p.domain)) continue;
      const op = p.opType ?? '';
      const ins = inputsOf(p);
      const r0 = this.outputRank(p, op, ins);
      const t0 = this.outputType(p, op, ins);
      outs.forEach((o, i) => {
        if (!o) return;
        const same = i === 0 || ALL_OUTPUTS_SAME_RANK.has(op);
        this.ranks.set(o, same ? r0 : undefined);
        this.types.set(o, i === 0 || op === 'Split' ? t0 : 0);
      });
    }
  }

  private outputType(p: Node, op: string, ins: string[]): number {
    if (op === 'Constant') return attrOf(p, 'value')?.t?.dataType ?? 0;
    if (op === 'Cast') return attrInt(p, 'to', 0);
    if (op === 'Where') return this.elemType(ins[1] ?? '');
    if ((SAME_RANK.has(op) && op !== 'Cast' && op !== 'Not' && op !== 'IsNaN' && op !== 'IsInf') || SAME_TYPE_EXTRA.has(op)) return this.elemType(ins[0] ?? '');
    return 0;
  }

  private outputRank(p: Node, op: string, ins: string[]): number | undefined {
    const r = (i: number): number | undefined => this.rank(ins[i] ?? '');
    if (op === 'Constant') {
      const v = attrOf(p, 'value');
      if (v?.t) return (v.t.dims ?? []).length;
      if (hasAttr(p, 'value_float') || hasAttr(p, 'value_int') || hasAttr(p, 'value_string')) return 0;
      if (hasAttr(p, 'value_floats') || hasAttr(p, 'value_ints') || hasAttr(p, 'value_strings')) return 1;
      return undefined;
    }
    if (SAME_RANK.has(op)) return r(0);
    if (op === 'Concat') {
      for (let i = 0; i < ins.length; i++) {
        const x = r(i);
        if (x !== undefined) return x;
      }
      return undefined;
    }
    if (BROADCAST.has(op)) {
      let m = 0;
      for (let i = 0; i < ins.length; i++) {
        const x = r(i);
        if (x === undefined) return undefined;
        m = Math.max(m, x);
      }
      return m;
    }
    switch (op) {
      case 'Transpose': {
        const perm = attrBigs(p, 'perm');
        return perm ? perm.length : r(0);
      }
      case 'Reshape': {
        const s = attrBigs(p, 'shape') ?? this.constInts(ins[1] ?? '');
        if (s) return s.length;
        const d = this.info(ins[1] ?? '')?.type?.tensorType?.shape?.dim?.[0];
        return d?.dimValue != null && Object.prototype.hasOwnProperty.call(d, 'dimValue') ? num(d.dimValue) : undefined;
      }
      case 'Flatten':
      case 'Gemm':
      case 'NonZero':
        return 2;
      case 'Shape':
        return 1;
      case 'Size':
        return 0;
      case 'MatMul': {
        const a = r(0);
        const b = r(1);
        if (a === undefined || b === undefined) return undefined;
        if (a === 1 && b === 1) return 0;
        if (a === 1) return b - 1;
        if (b === 1) return a - 1;
        return Math.max(a, b);
      }
      case 'Squeeze':
      case 'Unsqueeze': {
        const axes = attrBigs(p, 'axes') ?? (ins[1] ? this.constInts(ins[1]) : undefined);
        const x = r(0);
        if (!axes || x === undefined) return undefined;
        return op === 'Squeeze' ? x - axes.length : x + axes.length;
      }
      case 'ArgMax':
      case 'ArgMin': {
        const x = r(0);
        return x === undefined ? undefined : attrInt(p, 'keepdims', 1) ? x : x - 1;
      }
      case 'Gather': {
        const x = r(0);
        const q = r(1);
        return x === undefined || q === undefined ? undefined : x + q - 1;
      }
      case 'GatherElements':
        return r(1);
      case 'Expand': {
        const x = r(0);
        const s = this.constInts(ins[1] ?? '');
        return x === undefined || !s ? undefined : Math.max(x, s.length);
      }
      default:
        if (REDUCE.has(op)) {
          const x = r(0);
          if (x === undefined) return undefined;
          if (attrInt(p, 'keepdims', 1)) return x;
          const axes = attrBigs(p, 'axes') ?? (ins[1] ? this.constInts(ins[1]) : undefined);
          if (!axes) return ins[1] ? undefined : attrInt(p, 'noop_with_empty_axes', 0) ? x : 0;
          return x - new Set(axes.map((a) => (a < 0n ? Number(a) + x : Number(a)))).size;
        }
        return undefined;
    }
  }
}

type Adapter = (n: Node, s: Scope, rw: Rewrite) => void;

/** Turns an ints attribute into a trailing int64 input (Slice 10, Squeeze/Unsqueeze/ReduceSum/Split 13). */
function attrsToInputs(n: Node, s: Scope, names: string[], optional: boolean[]): boolean {
  const ins = inputsOf(n);
  const values = names.map((a) => attrBigs(n, a));
  let last = -1;
  values.forEach((v, i) => {
    if (v !== undefined) last = i;
    else if (!optional[i]) s.up.reject(n, `the required '${names[i]}' attribute is missing`);
  });
  if (last < 0) return false;
  const extra = values.slice(0, last + 1).map((v, i) => (v === undefined ? '' : s.int64Const(n, names[i], v)));
  n.input = [...ins, ...extra];
  removeAttrs(n, ...names);
  return true;
}

/** Softmax/LogSoftmax/Hardmax 13: one axis instead of "coerce to 2D at axis". */
const softmaxFamily13: Adapter = (n, s, rw) => {
  const op = n.opType ?? '';
  const x = inputsOf(n)[0] ?? '';
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
  const y = outputsOf(n)[0];
  const y2 = s.freshName(`${y}_2d`);
  rw.before.push(makeNode('Shape', [x], [shape], {}, s.freshName(`${base}_Shape`)));
  rw.before.push(makeNode('Flatten', [x], [flat], { axis }, s.freshName(`${base}_Flatten`)));
  n.input = [flat, ...inputsOf(n).slice(1)];
  n.output = [y2, ...outputsOf(n).slice(1)];
  setAttr(n, 'axis', -1);
  rw.after.unshift(makeNode('Reshape', [y2, shape], [y], {}, s.freshName(`${base}_Reshape`)));
  s.up.note(n, `${op}: kept the opset-<13 "flatten to 2D at axis" meaning with Flatten/${op}/Reshape (axis ${axis}${rank === undefined ? ', input rank unknown' : ` of rank ${rank}`}) [opset 13]`);
};

/** Resize 10 (and Upsample) → 11+: roi input, and the asymmetric coordinates opset 10 implied. */
const resize11: Adapter = (n, s, rw) => {
  const [x, scales] = inputsOf(n);
  if (!scales) s.up.reject(n, 'it has no scales input');
  const mode = attrStr(n, 'mode', 'nearest');
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
    const mid = s.freshName(`${outputsOf(n)[0]}_up`);
    const upScales = s.floatConst(n, 'scales_up', sc.map((v) => (v > 1 ? v : 1)), [sc.length], DT.FLOAT);
    const downScales = s.floatConst(n, 'scales_down', sc.map((v) => (v < 1 ? v : 1)), [sc.length], DT.FLOAT);
    const first = makeNode('Resize', [x, s.emptyRoi(n), upScales], [mid], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, s.freshName(`${n.name || 'Resize'}_up`));
    rw.before.push(first);
    n.input = [mid, s.emptyRoi(n), downScales];
    setAttr(n, 'nearest_mode', 'ceil');
    s.up.note(n, 'Resize (opset 10): split into an upscaling (floor) and a downscaling (ceil) nearest Resize, asymmetric [opset 11]');
    return;
  }
  const rounding = down && !fromUpsample ? 'ceil' : 'floor';
  setAttr(n, 'nearest_mode', rounding);
  const caveat = !sc && !fromUpsample ? ' (scales not constant: assumed upscaling)' : '';
  s.up.note(n, `${fromUpsample ? 'Upsample → Resize' : 'Resize (opset 10)'}: roi input, coordinate_transformation_mode=asymmetric, nearest_mode=${rounding}${caveat} [opset 11]`);
};

/** Nodes that were Upsample: ONNX Runtime requires Upsample scales >= 1, so nearest is floor. */
const FROM_UPSAMPLE = new WeakSet<Node>();

const ADAPTERS: Record<string, Adapter> = {
  'BatchNormalization@9': (n, s, rw) => {
    // Extra outputs mean training mode: Y uses the batch's own statistics. ONNX Runtime keeps
    // that meaning across opsets only while the statistics outputs are read; with all of them
    // dangling its opset-9+ kernel computes a different Y than at opset 7/8.
    const extra = outputsOf(n).slice(1).filter((o) => o);
    if (extra.length && !extra.some((o) => s.isUsed(o))) {
      s.up.reject(n, 'it is in training mode (normalizes with batch statistics, the statistics outputs unused); export the model in eval mode');
    }
    const had = hasAttr(n, 'spatial');
    const spatial = attrInt(n, 'spatial', 1);
    removeAttrs(n, 'spatial');
    if (spatial === 1) {
      if (had) s.up.note(n, "BatchNormalization: dropped 'spatial=1' [opset 9]");
      return;
    }
    const [x, ...params] = inputsOf(n);
    const ts = params.map((p) => s.constTensor(p));
    if (ts.every((t) => t && (t.dims ?? []).length <= 1)) {
      s.up.note(n, "BatchNormalization: dropped 'spatial=0' (per-channel parameters, same result) [opset 9]");
      return;
    }
    // Per-activation statistics have no opset-9 form: fold them into x * a + b.
    const vals = ts.map((t) => (t && t.dataType === DT.FLOAT ? floatValues(t) : undefined));
    if (vals.some((v) => !v) || outputsOf(n).slice(1).some((o) => o && s.isUsed(o))) {
      s.up.reject(n, "'spatial=0' (per-activation statistics) needs constant float parameters and no training outputs");
    }
    const [scale, bias, mean, variance] = vals as number[][];
    const eps = attrFloat(n, 'epsilon', 1e-5);
    const dims = (ts[0]!.dims ?? []).map(num);
    const a = scale.map((g, i) => g / Math.sqrt(variance[i] + eps));
    const b = bias.map((bb, i) => bb - mean[i] * a[i]);
    const y = outputsOf(n)[0];
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
    const outs = outputsOf(n);
    if (outs.length < 2 || !outs[1]) return;
    if (s.isUsed(outs[1])) s.up.reject(n, 'its mask output is used, and the mask type changed from the data type to bool at opset 10');
    n.output = [outs[0]];
    s.removeValueInfo(outs[1]);
    s.up.note(n, 'Dropout: dropped the unused mask output (its type became bool) [opset 10]');
  },

  'Dropout@12': (n, s) => {
    const ratio = attrFloat(n, 'ratio', 0.5);
    const had = hasAttr(n, 'ratio');
    removeAttrs(n, 'ratio');
    if (had) {
      n.input = [inputsOf(n)[0], s.floatConst(n, 'ratio', [ratio], [], DT.FLOAT)];
      s.up.note(n, "Dropout: 'ratio' attribute → input (inference: identity) [opset 12]");
    }
  },

  'Slice@10': (n, s) => {
    attrsToInputs(n, s, ['starts', 'ends', 'axes'], [false, false, true]);
    s.up.note(n, 'Slice: starts/ends/axes attributes → int64 inputs [opset 10]');
  },

  'TopK@10': (n, s) => {
    if (!hasAttr(n, 'k')) s.up.reject(n, "the required 'k' attribute is missing");
    n.input = [inputsOf(n)[0], s.int64Const(n, 'k', [toBig(attrOf(n, 'k')!.i)], [1])];
    removeAttrs(n, 'k');
    s.up.note(n, "TopK: 'k' attribute → input [opset 10]");
  },

  'Upsample@9': (n, s) => {
    const scales = attrFloats(n, 'scales');
    if (!scales) return; // already an input
    n.input = [inputsOf(n)[0], s.floatConst(n, 'scales', scales, [scales.length], DT.FLOAT)];
    removeAttrs(n, 'scales');
    if (s.target < 10) s.up.note(n, "Upsample: 'scales' attribute → input [opset 9]");
  },

  'Upsample@10': (n, s) => {
    // Deprecated at 10: Resize-10 with the same inputs and mode is the same operator.
    const mode = attrStr(n, 'mode', 'nearest');
    if (inputsOf(n).length < 2) s.up.reject(n, 'it has no scales');
    n.opType = 'Resize';
    n.attribute = [makeAttribute('mode', mode === 'bilinear' ? 'linear' : mode)];
    FROM_UPSAMPLE.add(n);
    if (s.target < 11) s.up.note(n, 'Upsample → Resize [opset 10]');
  },

  'Resize@11': resize11,

  'Clip@11': (n, s) => {
    const hasMin = hasAttr(n, 'min');
    const hasMax = hasAttr(n, 'max');
    const x = inputsOf(n)[0];
    const type = s.elemType(x) || DT.FLOAT;
    const ins = [x];
    if (hasMin || hasMax) ins.push(hasMin ? s.floatConst(n, 'min', [attrFloat(n, 'min', 0)], [], type) : '');
    if (hasMax) ins.push(s.floatConst(n, 'max', [attrFloat(n, 'max', 0)], [], type));
    n.input = ins;
    removeAttrs(n, 'min', 'max');
    s.up.note(n, 'Clip: min/max attributes → inputs [opset 11]');
  },

  'Pad@11': (n, s) => {
    const pads = attrBigs(n, 'pads');
    if (!pads) return s.up.reject(n, "the required 'pads' attribute is missing");
    const mode = attrStr(n, 'mode', 'constant');
    const x = inputsOf(n)[0];
    const ins = [x, s.int64Const(n, 'pads', pads)];
    if (mode === 'constant' && hasAttr(n, 'value')) ins.push(s.floatConst(n, 'value', [attrFloat(n, 'value', 0)], [], s.elemType(x) || DT.FLOAT));
    n.input = ins;
    removeAttrs(n, 'pads', 'value');
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

/**
 * Experimental ops of opsets 1..9, never part of a released opset (or later redefined). Each
 * rewrites the node into standard ops and returns the opset its result follows, or null when
 * the node itself was replaced by the nodes in `rw`.
 */
type Experimental = (n: Node, s: Scope, rw: Rewrite) => number | null;

/** y = x * alpha (+ beta) with constants of x's type; `post` wraps the product. */
function elementwise(n: Node, s: Scope, rw: Rewrite, what: string, steps: { op: string; value?: number | number[]; dims?: number[] }[]): null {
  const x = inputsOf(n)[0];
  const type = s.elemType(x) || DT.FLOAT;
  const base = n.name || n.opType || 'op';
  let cur = x;
  steps.forEach((st, i) => {
    const last = i === steps.length - 1;
    const out = last ? outputsOf(n)[0] : s.freshName(`${base}_${st.op.toLowerCase()}`);
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

const EXPERIMENTAL: Record<string, Experimental> = {
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
    removeAttrs(n, 'across_channels', 'normalize_variance');
    if (normalize) {
      setAttr(n, 'axes', axes);
      s.up.note(n, 'MeanVarianceNormalization (experimental): across_channels → axes');
      return 9;
    }
    // Mean subtraction only: x - ReduceMean(x).
    const x = inputsOf(n)[0];
    const mean = s.freshName(`${n.name || 'MVN'}_mean`);
    rw.before.push(makeNode('ReduceMean', [x], [mean], { axes, keepdims: 1 }, s.freshName(`${n.name || 'MVN'}_ReduceMean`)));
    rw.before.push(makeNode('Sub', [x, mean], outputsOf(n), {}, s.freshName(`${n.name || 'MVN'}_Sub`)));
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
    const border = (attrBigs(n, 'border') ?? []).map(Number);
    if (border.length !== 4) s.up.reject(n, "its 'border' attribute needs 4 values");
    const [left, top, right, bottom] = border;
    const scale = attrBigs(n, 'scale');
    const ends = scale ? [BigInt(top) + scale[0], BigInt(left) + scale[1]] : [bottom ? BigInt(-bottom) : INT64_MAX, right ? BigInt(-right) : INT64_MAX];
    n.opType = 'Slice';
    n.input = [inputsOf(n)[0], s.int64Const(n, 'starts', [BigInt(top), BigInt(left)]), s.int64Const(n, 'ends', ends), s.int64Const(n, 'axes', [2n, 3n])];
    n.attribute = [];
    s.up.note(n, 'Crop (experimental) → Slice');
    return 10;
  },
};

