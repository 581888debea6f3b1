// Hostile models built with the repo's builder: what they declare (node counts, external-data
// regions, tensors in odd places, input sizes) is the attack. Used by test/hostile/model.test.ts
// and the robustness corpus (test/robustness/cases.ts).
import { onnx } from '../../src/main/onnx/proto/onnx';
import { ModelBuilder } from '../../src/main/onnx/builder';
import { makeNode } from '../../src/main/onnx/graph';
import { makeTensor } from '../../src/main/onnx/tensor';
import { encodeModel } from '../../src/main/onnx/model';

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/**
 * A valid model (input x [1,4] → Relu → y) followed by `extra` unnamed, empty nodes: two bytes
 * each on the wire, so a million of them make a 2 MB file, as in issue 10.
 */
export function manyUnnamedNodes(extra: number): Uint8Array {
  const b = new ModelBuilder('many');
  b.op('Relu', [b.input('x', [1, 4])], {}, 'y');
  b.output('y', [1, 4]);
  const m = b.build();
  const graph = onnx.GraphProto.encode(m.graph!).finish();
  m.graph = null;
  const head = encodeModel(m);
  const nodes = Buffer.alloc(extra * 2);
  for (let i = 0; i < extra; i++) nodes[i * 2] = 0x0a; // field 1 (node), length 0
  const graphLen = graph.length + nodes.length;
  return Buffer.concat([head, Buffer.from([0x3a, ...varint(graphLen)]), graph, nodes]); // field 7 (graph)
}

/**
 * x + w0 + w1 + … for `count` external float weights of `values` each (declared dims only: the
 * data is external), weight i at `region(i)` of `location`.
 */
export function externalWeightsModel(count: number, values: number, location: string, region: (i: number) => { offset: number; length?: number }): Uint8Array {
  const b = new ModelBuilder('ext');
  let x = b.input('x', [values]);
  for (let i = 0; i < count; i++) x = b.op('Add', [x, b.init(`w${i}`, new Float32Array(1), [1])]);
  b.output(x, [values]);
  const m = b.build();
  m.graph!.initializer.forEach((t, i) => {
    const r = region(i);
    t.dims = [values];
    t.rawData = new Uint8Array();
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = Object.entries({ location, offset: String(r.offset), ...(r.length !== undefined ? { length: String(r.length) } : {}) }).map(
      ([key, value]) => onnx.StringStringEntryProto.create({ key, value }),
    );
  });
  return encodeModel(m);
}

/** An external float tensor of `values` values at the start of `location`. */
export function externalTensor(name: string, location: string, values = 2): onnx.TensorProto {
  const t = makeTensor(name, new Float32Array(values), [values]);
  t.rawData = new Uint8Array();
  t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  t.externalData = [
    onnx.StringStringEntryProto.create({ key: 'location', value: location }),
    onnx.StringStringEntryProto.create({ key: 'length', value: String(values * 4) }),
  ];
  return t;
}

/** y = x + c, where c is a Constant node whose `value` tensor is external at `location`. */
export function externalConstantModel(location: string): Uint8Array {
  const b = new ModelBuilder('constant');
  const x = b.input('x', [2]);
  b.output('y', [2]);
  const m = b.build();
  m.graph!.node.push(makeNode('Constant', [], ['c'], { value: externalTensor('c', location) }, 'const'), makeNode('Add', [x, 'c'], ['y'], {}, 'add'));
  return encodeModel(m);
}

/** y = If(cond) then <an initializer of the then-branch, external at `location`> else x. */
export function externalSubgraphModel(location: string): Uint8Array {
  const b = new ModelBuilder('subgraph');
  const cond = b.input('cond', [], onnx.TensorProto.DataType.BOOL);
  const x = b.input('x', [2]);
  const branch = (name: string, out: string, init?: onnx.TensorProto) =>
    onnx.GraphProto.create({
      name,
      node: [makeNode('Identity', [init ? init.name : x], [out], {}, `${name}_id`)],
      initializer: init ? [init] : [],
      output: [onnx.ValueInfoProto.create({ name: out, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } })],
    });
  b.output('y', [2]);
  const m = b.build();
  const ifNode = makeNode('If', [cond], ['y'], {}, 'if');
  ifNode.attribute.push(
    onnx.AttributeProto.create({
      name: 'then_branch',
      type: onnx.AttributeProto.AttributeType.GRAPH,
      g: branch('then', 't', externalTensor('w_then', location)),
    }),
    onnx.AttributeProto.create({ name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('else', 'e') }),
  );
  m.graph!.node.push(ifNode);
  return encodeModel(m);
}

/** y = Relu(x) with an input of the given dims (declared only: nothing is allocated). */
export function declaredInputModel(dims: number[], input = 'x'): Uint8Array {
  const b = new ModelBuilder('image');
  b.op('Relu', [b.input(input, dims)], {}, 'y');
  b.output('y', dims);
  return encodeModel(b.build());
}
