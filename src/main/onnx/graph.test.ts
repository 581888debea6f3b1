import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from './proto/onnx';
import { GraphView, makeNode, makeValueInfo } from './graph';
import { DT } from './tensor';

const chain = (n: number) => Array.from({ length: n }, (_, i) => makeNode('Relu', [i === 0 ? 'x' : `t${i - 1}`], [`t${i}`], {}, `r${i}`));
const graph = (node: onnx.NodeProto[]) =>
  onnx.GraphProto.create({ name: 'g', node, input: [makeValueInfo('x', DT.FLOAT, [1])], output: [makeValueInfo(`t${node.length - 1}`, DT.FLOAT, [1])] });

test('topoSort keeps a sorted graph as it is and sorts a reversed one', () => {
  const sorted = graph(chain(5));
  new GraphView(sorted).topoSort();
  assert.deepEqual(
    sorted.node.map((n) => n.name),
    ['r0', 'r1', 'r2', 'r3', 'r4'],
  );
  const reversed = graph(chain(5).reverse());
  new GraphView(reversed).topoSort();
  assert.deepEqual(
    reversed.node.map((n) => n.name),
    ['r0', 'r1', 'r2', 'r3', 'r4'],
  );
});

test('topoSort is linear: 200,000 nodes in reverse order sort in well under the time a quadratic pass needs', () => {
  const g = graph(chain(200_000).reverse());
  const started = performance.now();
  new GraphView(g).topoSort();
  const ms = performance.now() - started;
  assert.equal(g.node[0].name, 'r0');
  assert.equal(g.node.at(-1)!.name, 'r199999');
  // The pass-until-stable sort needed 200,000 passes here (hours); linear work is about a second.
  assert.ok(ms < 30_000, `${ms} ms`);
});

test('topoSort leaves a cycle in place after the sortable nodes', () => {
  const g = graph([makeNode('Add', ['x', 'b'], ['a'], {}, 'p'), makeNode('Relu', ['a'], ['b'], {}, 'q'), makeNode('Relu', ['x'], ['t0'], {}, 'free')]);
  new GraphView(g).topoSort();
  assert.deepEqual(
    g.node.map((n) => n.name),
    ['free', 'p', 'q'],
  );
});
