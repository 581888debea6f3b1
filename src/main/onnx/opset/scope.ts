// One graph being upgraded (the main graph or an If/Loop/Scan body): its constants, producers
// and readers (a GraphView), and the ranks and element types it can tell for certain, which the
// adapters need to keep a node's meaning (Softmax's axis, Clip's bound types …).
import { GraphView, attrInt, attrInt64s, getAttr, hasAttr, type GraphProto, type NodeProto } from '../graph';
import { DT, floatTensor, makeTensor, num, tensorFloats, tensorInt64s, type TensorProto } from '../tensor';
import type { onnx } from '../proto/onnx';
import { isDefaultDomain } from './versions';

/** What a graph's scope needs from the model-wide upgrade: fresh names, notes and refusals. */
export interface Upgrade {
  readonly target: number;
  fresh(base: string): string;
  note(n: NodeProto, what: string): void;
  reject(n: NodeProto, why: string): never;
}

/** Nodes an adapter puts before and after the node it rewrites. */
export interface Rewrite {
  before: NodeProto[];
  after: NodeProto[];
}

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
const SAME_TYPE_EXTRA = new Set(
  'Add Sub Mul Div Pow Max Min Sum Mean Mod MatMul Gemm Transpose Reshape Flatten Squeeze Unsqueeze Expand Concat Gather GatherElements ReduceMax ReduceMin ReduceMean ReduceSum ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare'.split(
    ' ',
  ),
);
const REDUCE = new Set('ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare'.split(' '));

export class Scope {
  /** Producers, readers (outer-scope reads from bodies included) and initializers of the graph as it came. */
  private readonly view: GraphView;
  private readonly infos = new Map<string, onnx.ValueInfoProto>();
  /** Constants created while rewriting, written by flush() (so a rollback only restores arrays). */
  private readonly added: TensorProto[] = [];
  private readonly ranks = new Map<string, number | undefined>();
  private readonly types = new Map<string, number>();
  private inferred = false;

  constructor(
    readonly up: Upgrade,
    readonly graph: GraphProto,
    readonly parent: Scope | undefined,
  ) {
    this.view = new GraphView(graph);
    for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) if (v.name) this.infos.set(v.name, v);
    this.infer();
  }

  get target(): number {
    return this.up.target;
  }

  /** Whether anything reads `name`: a node (here or in a body) or the graph's outputs. */
  isUsed(name: string): boolean {
    return this.view.consumers.has(name) || this.view.outputNames.has(name);
  }

  private addConst(t: TensorProto): string {
    this.added.push(t);
    this.view.initializers.set(t.name, t);
    return t.name;
  }

  int64Const(n: NodeProto, what: string, values: bigint[], dims: number[] = [values.length]): string {
    const name = this.up.fresh(`${n.name || n.opType}_${what}`);
    return this.addConst(makeTensor(name, BigInt64Array.from(values), dims));
  }

  floatConst(n: NodeProto, what: string, values: number[], dims: number[], elemType: number): string {
    const name = this.up.fresh(`${n.name || n.opType}_${what}`);
    return this.addConst(floatTensor(name, values, dims, elemType));
  }

  /** Resize's roi: optional from opset 13, a required (ignored unless tf_crop_and_resize) input before. */
  emptyRoi(n: NodeProto): string {
    return this.target >= 13 ? '' : this.floatConst(n, 'roi', [], [0], DT.FLOAT);
  }

  freshName(base: string): string {
    return this.up.fresh(base);
  }

  /** Writes the constants created while rewriting this graph. */
  flush(): void {
    if (this.added.length) this.graph.initializer = [...this.graph.initializer, ...this.added];
  }

  removeValueInfo(name: string): void {
    const vi = this.graph.valueInfo;
    if (vi.some((v) => v.name === name)) this.graph.valueInfo = vi.filter((v) => v.name !== name);
  }

  /** The constant behind a name: an initializer, a default-domain Constant, or the same in the scopes around. */
  constTensor(name: string): TensorProto | undefined {
    if (!name) return undefined;
    const t = this.view.initializers.get(name);
    if (t) return t;
    const p = this.view.producer.get(name);
    if (p) {
      if (p.opType === 'Constant' && isDefaultDomain(p.domain)) return getAttr(p, 'value')?.t ?? undefined;
      return undefined;
    }
    return this.parent?.constTensor(name);
  }

  constInts(name: string): bigint[] | undefined {
    const t = this.constTensor(name);
    return t ? tensorInt64s(t) : undefined;
  }

  constFloats(name: string): number[] | undefined {
    const t = this.constTensor(name);
    return t ? tensorFloats(t) : undefined;
  }

  private defined(name: string): boolean {
    return this.view.producer.has(name) || this.view.initializers.has(name);
  }

  private info(name: string): onnx.ValueInfoProto | undefined {
    return this.infos.get(name) ?? (this.defined(name) ? undefined : this.parent?.info(name));
  }

  /** Element type of a value when it can be told; 0 when not. */
  elemType(name: string): number {
    this.infer();
    const known = this.info(name)?.type?.tensorType?.elemType;
    if (known) return known;
    const t = this.view.initializers.get(name);
    if (t) return t.dataType ?? 0;
    if (this.types.has(name)) return this.types.get(name)!;
    return this.view.producer.has(name) ? 0 : (this.parent?.elemType(name) ?? 0);
  }

  /** Rank of a value when it can be told for certain; undefined when not. */
  rank(name: string): number | undefined {
    if (!name) return undefined;
    this.infer();
    const shape = this.info(name)?.type?.tensorType?.shape;
    if (shape) return shape.dim.length;
    const t = this.view.initializers.get(name);
    if (t) return t.dims.length;
    if (this.ranks.has(name)) return this.ranks.get(name);
    return this.view.producer.has(name) ? undefined : this.parent?.rank(name);
  }

  /**
   * One forward pass over the graph as it came (run before any rewrite in it), in node order:
   * ranks and element types of node outputs, where certain. Unsorted graphs just know less.
   */
  private infer(): void {
    if (this.inferred) return;
    this.inferred = true;
    for (const p of this.graph.node) {
      if (!isDefaultDomain(p.domain)) continue;
      const op = p.opType;
      const ins = [...p.input];
      const r0 = this.outputRank(p, op, ins);
      const t0 = this.outputType(p, op, ins);
      p.output.forEach((o, i) => {
        if (!o) return;
        const same = i === 0 || ALL_OUTPUTS_SAME_RANK.has(op);
        this.ranks.set(o, same ? r0 : undefined);
        this.types.set(o, i === 0 || op === 'Split' ? t0 : 0);
      });
    }
  }

  private outputType(p: NodeProto, op: string, ins: string[]): number {
    if (op === 'Constant') return getAttr(p, 'value')?.t?.dataType ?? 0;
    if (op === 'Cast') return attrInt(p, 'to', 0);
    if (op === 'Where') return this.elemType(ins[1] ?? '');
    if ((SAME_RANK.has(op) && op !== 'Cast' && op !== 'Not' && op !== 'IsNaN' && op !== 'IsInf') || SAME_TYPE_EXTRA.has(op)) return this.elemType(ins[0] ?? '');
    return 0;
  }

  private outputRank(p: NodeProto, op: string, ins: string[]): number | undefined {
    const r = (i: number): number | undefined => this.rank(ins[i] ?? '');
    if (op === 'Constant') {
      const v = getAttr(p, 'value');
      if (v?.t) return v.t.dims.length;
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
        const perm = attrInt64s(p, 'perm');
        return perm ? perm.length : r(0);
      }
      case 'Reshape': {
        const s = attrInt64s(p, 'shape') ?? this.constInts(ins[1] ?? '');
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
        const axes = attrInt64s(p, 'axes') ?? (ins[1] ? this.constInts(ins[1]) : undefined);
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
          const axes = attrInt64s(p, 'axes') ?? (ins[1] ? this.constInts(ins[1]) : undefined);
          if (!axes) return ins[1] ? undefined : attrInt(p, 'noop_with_empty_axes', 0) ? x : 0;
          return x - new Set(axes.map((a) => (a < 0n ? Number(a) + x : Number(a)))).size;
        }
        return undefined;
    }
  }
}
