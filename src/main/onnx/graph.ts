import { onnx } from './proto/onnx';
import { num, dimsOf, int64Of, type TensorProto } from './tensor';
import { implicitInputs } from './scope';

export type NodeProto = onnx.NodeProto;
export type GraphProto = onnx.GraphProto;
const AT = onnx.AttributeProto.AttributeType;

/** Forces a float attribute where a JS number would otherwise be written as an int. */
export class Float {
  constructor(readonly values: number | number[]) {}
}
export const float = (v: number | number[]): Float => new Float(v);
export type AttrValue = number | number[] | string | string[] | Float | TensorProto;

export function makeAttribute(name: string, value: AttrValue): onnx.AttributeProto {
  if (value instanceof Float) {
    return Array.isArray(value.values)
      ? onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: value.values })
      : onnx.AttributeProto.create({ name, type: AT.FLOAT, f: value.values });
  }
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: AT.INT, i: value })
      : onnx.AttributeProto.create({ name, type: AT.FLOAT, f: value });
  }
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string'))
      return onnx.AttributeProto.create({ name, type: AT.STRINGS, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) });
    const nums = value as number[];
    return nums.every(Number.isInteger)
      ? onnx.AttributeProto.create({ name, type: AT.INTS, ints: nums })
      : onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: nums });
  }
  return onnx.AttributeProto.create({ name, type: AT.TENSOR, t: value });
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue | undefined> = {},
  name = '',
  domain = '',
): NodeProto {
  const attribute = Object.entries(attrs)
    .filter((e): e is [string, AttrValue] => e[1] !== undefined)
    .map(([k, v]) => makeAttribute(k, v));
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name, domain, attribute });
}

export function getAttr(node: NodeProto, name: string): onnx.AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}
export function hasAttr(node: NodeProto, name: string): boolean {
  return getAttr(node, name) !== undefined;
}
export function attrInt(node: NodeProto, name: string, dflt: number): number {
  const a = getAttr(node, name);
  return a ? num(a.i) : dflt;
}
/** A float attribute; one written as an int (old exporters: `alpha: 1`) reads as its value. */
export function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = getAttr(node, name);
  return a ? (a.type === AT.INT ? num(a.i) : a.f) : dflt;
}
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? a.ints.map(num) : undefined;
}
/** An ints attribute exactly, as bigints: INT64_MAX ("to the end") is common in Slice. */
export function attrInt64s(node: NodeProto, name: string): bigint[] | undefined {
  const a = getAttr(node, name);
  return a ? a.ints.map(int64Of) : undefined;
}
export function attrFloats(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? [...a.floats] : undefined;
}
export function attrString(node: NodeProto, name: string): string | undefined {
  const a = getAttr(node, name);
  return a ? new TextDecoder().decode(a.s) : undefined;
}
export function setAttr(node: NodeProto, name: string, value: AttrValue): void {
  node.attribute = node.attribute.filter((a) => a.name !== name);
  node.attribute.push(makeAttribute(name, value));
}
/** Replaces the attribute list (never mutates it), so a saved reference still holds the old one. */
export function removeAttr(node: NodeProto, ...names: string[]): void {
  node.attribute = node.attribute.filter((a) => !names.includes(a.name));
}

/**
 * Index over a graph: who produces and who consumes each tensor. Cheap to rebuild, so
 * rewrites mutate `graph.node` and call `refresh()` rather than keeping the maps in sync.
 */
export class GraphView {
  readonly initializers = new Map<string, TensorProto>();
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  private readonly names = new Set<string>();

  constructor(readonly graph: GraphProto) {
    this.refresh();
  }

  refresh(): void {
    this.initializers.clear();
    this.producer.clear();
    this.consumers.clear();
    for (const t of this.graph.initializer) this.initializers.set(t.name, t);
    for (const n of this.graph.node) {
      for (const o of n.output) if (o) this.producer.set(o, n);
      // A node whose If/Loop/Scan body reads an outer value is one of its consumers too.
      for (const i of new Set([...n.input, ...implicitInputs(n)])) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
      for (const s of [...n.input, ...n.output, n.name]) if (s) this.names.add(s);
    }
    for (const v of [...this.graph.input, ...this.graph.output, ...this.graph.valueInfo]) this.names.add(v.name);
    for (const t of this.graph.initializer) this.names.add(t.name);
  }

  /** Graph inputs that the caller feeds (initializers listed as inputs are constants). */
  get feedInputs(): onnx.ValueInfoProto[] {
    return this.graph.input.filter((i) => !this.initializers.has(i.name));
  }

  get outputNames(): Set<string> {
    return new Set(this.graph.output.map((o) => o.name));
  }

  isConstant(name: string): boolean {
    return this.initializers.has(name) || this.producer.get(name)?.opType === 'Constant';
  }

  /** The initializer behind a name, looking through a Constant node. */
  constantTensor(name: string): TensorProto | undefined {
    const init = this.initializers.get(name);
    if (init) return init;
    const p = this.producer.get(name);
    if (p?.opType === 'Constant') {
      const a = getAttr(p, 'value');
      if (a?.t) return a.t as TensorProto;
    }
    return undefined;
  }

  /** Next suffix to try per base: names are never freed, so the search resumes where it stopped (linear overall). */
  private readonly nextSuffix = new Map<string, number>();

  uniqueName(base: string): string {
    return freshName(base, this.names, this.nextSuffix);
  }

  addInitializer(t: TensorProto): string {
    this.graph.initializer.push(t);
    this.initializers.set(t.name, t);
    this.names.add(t.name);
    return t.name;
  }

  /** Nodes in an order where every input is produced before it is consumed. */
  topoSort(): void {
    // Kahn's algorithm, always taking the ready node that came first: a sorted graph keeps its
    // order exactly, and the work is linear (a pass-until-stable loop was quadratic on hostile models).
    const nodes = this.graph.node;
    const waiting = new Map<string, number[]>();
    const missing = new Int32Array(nodes.length);
    nodes.forEach((n, i) => {
      for (const x of new Set([...n.input, ...implicitInputs(n)])) {
        const p = x ? this.producer.get(x) : undefined;
        if (!p || p === n) continue; // graph input, initializer, outer scope, or a self-loop left as it is
        missing[i]++;
        const list = waiting.get(x);
        if (list) list.push(i);
        else waiting.set(x, [i]);
      }
    });
    const heap = new MinHeap();
    missing.forEach((m, i) => m === 0 && heap.push(i));
    const done = new Uint8Array(nodes.length);
    const sorted: NodeProto[] = [];
    for (let i = heap.pop(); i !== undefined; i = heap.pop()) {
      sorted.push(nodes[i]);
      done[i] = 1;
      for (const o of nodes[i].output) for (const j of waiting.get(o) ?? []) if (--missing[j] === 0) heap.push(j);
    }
    // A cycle: keep the rest as it was, so the checker (or ORT) can name it.
    nodes.forEach((n, i) => done[i] || sorted.push(n));
    this.graph.node = sorted;
  }
}

/** A binary min-heap of node indices. */
class MinHeap {
  private readonly a: number[] = [];
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1] < a[l] ? l + 1 : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Static dims of a value (graph input/output or value_info); null for symbolic/unknown dims. */
export function valueDims(v: onnx.ValueInfoProto): (number | null)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return shape.dim.map((d) => (d.dimValue != null && Object.prototype.hasOwnProperty.call(d, 'dimValue') ? num(d.dimValue) : null));
}

export function valueElemType(v: onnx.ValueInfoProto): number {
  return v.type?.tensorType?.elemType ?? 0;
}

export function makeValueInfo(name: string, elemType: number, dims: (number | string | null)[] | undefined): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) } : undefined,
      },
    },
  });
}

export { dimsOf };

/**
 * `base`, or else `base_1`, `base_2`, … : the first one not in `taken`, which it joins. `next`
 * remembers where the search for each base stopped; since names are only ever added, every
 * candidate before that is still taken, so the result is what a search from 1 would give while
 * each taken name is skipped at most once (a name `b_<i>` has one base `b`). Linear in all, where
 * searching from 1 every time was quadratic: 20k nodes of one op type with no name took 17 s.
 */
function freshName(base: string, taken: Set<string>, next: Map<string, number>): string {
  let name = base;
  if (taken.has(name)) {
    let i = next.get(base) ?? 1;
    for (name = `${base}_${i}`; taken.has(name);) name = `${base}_${++i}`;
    next.set(base, i + 1);
  }
  taken.add(name);
  return name;
}

/**
 * Gives every unnamed node a stable name from its op type and first output, so rules and
 * reports can name it (exporters often leave names empty). Linear in the node count.
 */
export function nameNodes(graph: GraphProto): void {
  const taken = new Set<string>();
  for (const n of graph.node) if (n.name) taken.add(n.name);
  const next = new Map<string, number>();
  for (const n of graph.node) {
    if (n.name) continue;
    n.name = freshName(`${n.opType}_${n.output[0] ?? 'node'}`, taken, next);
  }
}
