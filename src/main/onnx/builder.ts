import { onnx } from './proto/onnx';
import { makeNode, makeValueInfo, type AttrValue } from './graph';
import { makeTensor, DT, type NumericArray } from './tensor';
import { mulberry32 } from '../../shared/random';

/**
 * A small ONNX writer: the demo model's exporter and the synthetic test models use it.
 * Names are generated so callers chain nodes without inventing tensor names.
 */
export class ModelBuilder {
  private readonly nodes: onnx.NodeProto[] = [];
  private readonly inits: onnx.TensorProto[] = [];
  private readonly inputs: onnx.ValueInfoProto[] = [];
  private readonly outputs: onnx.ValueInfoProto[] = [];
  private counter = 0;

  constructor(
    readonly name: string,
    readonly opset = 13,
    readonly extraOpsets: Record<string, number> = {},
  ) {}

  input(name: string, dims: (number | string)[], elemType: number = DT.FLOAT): string {
    this.inputs.push(makeValueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims?: (number | string | null)[], elemType: number = DT.FLOAT): string {
    this.outputs.push(makeValueInfo(name, elemType, dims));
    return name;
  }

  init(base: string, data: NumericArray, dims: readonly number[]): string {
    const name = `${base}_${this.counter++}`;
    this.inits.push(makeTensor(name, data, dims));
    return name;
  }

  /** Adds a node and returns its output names (one unless `outputs` says more). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, outputs: number | string[] = 1, domain = ''): string[] {
    const id = this.counter++;
    const outs =
      typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${id}${outputs > 1 ? `_${i}` : ''}`) : outputs;
    this.nodes.push(makeNode(opType, inputs, outs, attrs, `${opType}_${id}`, domain));
    return outs;
  }

  /** Convenience for single-output nodes. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, output?: string): string {
    return this.node(opType, inputs, attrs, output ? [output] : 1)[0];
  }

  build(): onnx.ModelProto {
    const opsetImport = [{ domain: '', version: this.opset }, ...Object.entries(this.extraOpsets).map(([domain, version]) => ({ domain, version }))].map((o) =>
      onnx.OperatorSetIdProto.create(o),
    );
    return onnx.ModelProto.create({
      irVersion: this.opset >= 13 ? 7 : this.opset >= 9 ? 4 : 3,
      producerName: 'octet',
      opsetImport,
      graph: onnx.GraphProto.create({ name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs }),
    });
  }
}

/** Deterministic pseudo-random numbers, so generated models are reproducible. */
export const rng = mulberry32;

/** Normal(0, std) samples from a seeded generator. */
export function randn(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
