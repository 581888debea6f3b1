import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from './proto/onnx';
import { ModelBuilder } from './builder';
import { makeNode, makeValueInfo, GraphView } from './graph';
import { DT, tensorInts } from './tensor';
import { staticShapeReads } from './shapeReads';
import { countOps } from './scope';
import { basicOptimize } from '../runtime/optimize';
import { openSession, run } from '../runtime/session';
import { encodeModel } from './model';

const graphAttr = (name: string, g: onnx.GraphProto) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g });
const branch = (name: string, node: onnx.NodeProto, out: string) =>
  onnx.GraphProto.create({ name, node: [node], output: [makeValueInfo(out, DT.FLOAT, null as unknown as undefined)] });

/**
 * PyTorch's LSTM export, in small: `if state.shape[0] != 0` on `state: [2, batch, 4]` (dim 0 is
 * fixed by the model) picks the branch, and `state.shape[1] == 1` (the symbolic batch) a second one.
 */
function ifOnShape(): onnx.ModelProto {
  const b = new ModelBuilder('if-on-shape', 15);
  const s = b.input('state', [2, 'batch', 4]);
  const shape = b.op('Shape', [s]);
  const dim0 = b.op('Gather', [shape, b.init('zero', BigInt64Array.of(0n), [1])]);
  const cond = b.op('Cast', [b.op('Squeeze', [dim0, b.init('ax', BigInt64Array.of(0n), [1])])], { to: DT.BOOL });
  const batch = b.op('Gather', [shape, b.init('one', BigInt64Array.of(1n), [])]);
  const cond2 = b.op('Equal', [batch, b.init('one_v', BigInt64Array.of(1n), [])]);
  const tail = b.op('Shape', [s], { start: -1 });
  const m = b.build();
  const g = m.graph!;
  const ifNode = (name: string, c: string, out: string, then: onnx.NodeProto, els: onnx.NodeProto) => {
    const n = makeNode('If', [c], [out], {}, name);
    n.attribute.push(
      graphAttr('then_branch', branch(`${name}_then`, then, then.output[0])),
      graphAttr('else_branch', branch(`${name}_else`, els, els.output[0])),
    );
    return n;
  };
  g.node.push(ifNode('if_static', cond, 'y', makeNode('Relu', [s], ['t1'], {}, 'relu'), makeNode('Neg', [s], ['e1'], {}, 'neg')));
  g.node.push(ifNode('if_batch', cond2, 'z', makeNode('Sigmoid', ['y'], ['t2'], {}, 'sig'), makeNode('Identity', ['y'], ['e2'], {}, 'id')));
  g.output.push(makeValueInfo('z', DT.FLOAT, [2, 'batch', 4]), makeValueInfo(tail, DT.INT64, [1]));
  return m;
}

test('staticShapeReads: reads of static dims become constants, the symbolic batch stays a run-time read', () => {
  const m = ifOnShape();
  const replaced = staticShapeReads(m.graph!);
  assert.deepEqual(replaced, ['Gather_2', 'Shape_10']);
  const g = new GraphView(m.graph!);
  const dim0 = g.constantTensor('gather_2')!;
  assert.deepEqual([tensorInts(dim0), dim0.dims.map(Number)], [[2], [1]]);
  assert.deepEqual(tensorInts(g.constantTensor('shape_10')!), [4]);
  // The batch read still needs the Shape node; a second pass finds nothing more.
  assert.equal(g.producer.get('gather_7')?.opType, 'Gather');
  assert.equal(g.producer.get('shape_0')?.opType, 'Shape');
  assert.deepEqual(staticShapeReads(m.graph!), []);
});

test('staticShapeReads: ORT then inlines the If the model decides, and the model answers as before for every batch', async () => {
  const original = ifOnShape();
  const m = ifOnShape();
  staticShapeReads(m.graph!);
  const optimized = await basicOptimize(m);
  assert.equal(countOps((await basicOptimize(original)).graph!, 'If'), 2);
  assert.equal(countOps(optimized.graph!, 'If'), 1, 'only the If on the symbolic batch is left');
  const [a, b] = [await openSession(encodeModel(original)), await openSession(encodeModel(optimized))];
  try {
    for (const batch of [1, 3]) {
      const data = Float32Array.from({ length: 8 * batch }, (_, i) => Math.sin(i) * 2);
      const feeds = { state: { type: 'float32' as const, data, dims: [2, batch, 4] } };
      const [ra, rb] = [await run(a, feeds), await run(b, feeds)];
      assert.deepEqual(Array.from(rb.z.data as Float32Array), Array.from(ra.z.data as Float32Array), `batch ${batch}`);
    }
  } finally {
    await Promise.all([a.release(), b.release()]);
  }
});
