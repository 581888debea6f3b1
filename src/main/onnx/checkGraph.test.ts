import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from './proto/onnx';
import { makeNode, makeValueInfo } from './graph';
import { makeTensor, DT } from './tensor';
import { assertValidGraph, graphViolations, type GraphViolation } from './checkGraph';
import { OctetError } from '../../shared/errors';

const v = (name: string) => makeValueInfo(name, DT.FLOAT, [1]);
const graph = (p: Partial<onnx.IGraphProto>) => onnx.GraphProto.create({ name: 'g', input: [v('x')], output: [v('y')], ...p });
const body = (node: onnx.NodeProto[], output: string) => onnx.GraphProto.create({ name: 'body', node, output: [v(output)] });
const withBody = (n: onnx.NodeProto, name: string, g: onnx.GraphProto) => {
  n.attribute.push(onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g }));
  return n;
};
const invariants = (g: onnx.GraphProto) => graphViolations(g).map((x: GraphViolation) => x.invariant);

test('a valid graph with an initializer that is also an input, and a body reading the outer scope', () => {
  const g = graph({
    input: [v('x'), v('w')],
    initializer: [makeTensor('w', new Float32Array([2]), [1])],
    node: [
      makeNode('Mul', ['x', 'w'], ['m'], {}, 'mul'),
      makeNode('Greater', ['m', 'w'], ['c'], {}, 'gt'),
      withBody(
        withBody(makeNode('If', ['c'], ['y'], {}, 'if'), 'then_branch', body([makeNode('Add', ['m', 'w'], ['t'], {}, 'add')], 't')),
        'else_branch',
        body([], 'm'),
      ),
    ],
  });
  assert.deepEqual(graphViolations(g), []);
});

test('two nodes with one name', () => {
  const g = graph({ node: [makeNode('Relu', ['x'], ['a'], {}, 'n'), makeNode('Relu', ['a'], ['y'], {}, 'n')] });
  assert.deepEqual(invariants(g), ['unique-node-name']);
});

test('one value with two producers', () => {
  const g = graph({ node: [makeNode('Relu', ['x'], ['y'], {}, 'a'), makeNode('Neg', ['x'], ['y'], {}, 'b')] });
  assert.deepEqual(invariants(g), ['single-producer']);
});

test('a node before the producer of its input (not topologically sorted)', () => {
  const g = graph({ node: [makeNode('Relu', ['a'], ['y'], {}, 'second'), makeNode('Neg', ['x'], ['a'], {}, 'first')] });
  assert.deepEqual(invariants(g), ['defined-before-use']);
});

test('an input that nothing defines', () => {
  const g = graph({ node: [makeNode('Add', ['x', 'gone'], ['y'], {}, 'add')] });
  assert.deepEqual(invariants(g), ['defined-before-use']);
});

test('a body reading an outer value that is defined only after the If', () => {
  const g = graph({
    node: [
      makeNode('Cast', ['x'], ['c'], { to: DT.BOOL }, 'cast'),
      withBody(
        withBody(makeNode('If', ['c'], ['y'], {}, 'if'), 'then_branch', body([makeNode('Relu', ['late'], ['t'], {}, 'r')], 't')),
        'else_branch',
        body([], 'x'),
      ),
      makeNode('Neg', ['x'], ['late'], {}, 'late'),
    ],
  });
  const found = graphViolations(g);
  assert.ok(
    found.some((f) => f.invariant === 'defined-before-use' && f.graph === 'main graph' && /outer scope/.test(f.message)),
    JSON.stringify(found),
  );
  assert.ok(
    found.some((f) => f.graph === 'if.then_branch'),
    'the body itself names the missing value',
  );
});

test('a body reading an outer initializer that a rewrite dropped', () => {
  const g = graph({
    node: [
      makeNode('Cast', ['x'], ['c'], { to: DT.BOOL }, 'cast'),
      withBody(
        withBody(makeNode('If', ['c'], ['y'], {}, 'if'), 'then_branch', body([makeNode('Mul', ['x', 'w'], ['t'], {}, 'mul')], 't')),
        'else_branch',
        body([], 'x'),
      ),
    ],
  });
  assert.ok(invariants(g).includes('defined-before-use'));
});

test('a graph output that nothing defines', () => {
  const g = graph({ node: [makeNode('Relu', ['x'], ['a'], {}, 'r')] });
  assert.deepEqual(invariants(g), ['output-defined']);
});

test('an initializer listed twice', () => {
  const t = () => makeTensor('w', new Float32Array([1]), [1]);
  const g = graph({ initializer: [t(), t()], node: [makeNode('Add', ['x', 'w'], ['y'], {}, 'add')] });
  assert.deepEqual(invariants(g), ['unique-initializer']);
});

test('assertValidGraph: INTERNAL_INVALID_GRAPH names the invariant and the place', () => {
  const g = graph({ node: [makeNode('Relu', ['x'], ['a'], {}, 'n'), makeNode('Relu', ['a'], ['y'], {}, 'n')] });
  assert.throws(
    () => assertValidGraph(g, 'int8 model'),
    (e) => e instanceof OctetError && e.code === 'INTERNAL_INVALID_GRAPH' && /unique-node-name in the main graph: two nodes are named 'n'/.test(e.message),
  );
});
