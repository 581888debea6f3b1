import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { onnx } from '../onnx/proto/onnx';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { makeNode, makeValueInfo, valueDims } from '../onnx/graph';
import { DT } from '../onnx/tensor';
import { countOps } from '../onnx/scope';
import { encodeModel, loadModel } from '../onnx/model';
import { basicOptimize } from '../runtime/optimize';
import { tempDir, writeNpy } from '../../../test/util/fixtures';
import { quantizeModel } from './quantize';

const branch = (name: string, node: onnx.NodeProto) =>
  onnx.GraphProto.create({ name, node: [node], output: [makeValueInfo(node.output[0], DT.FLOAT, null as unknown as undefined)] });

/** PyTorch's `if x.shape[1] == 1` in small: a MatMul, then an If on the symbolic length. */
function ifOnLength(): onnx.ModelProto {
  const b = new ModelBuilder('if-on-length', 15);
  const x = b.input('x', [1, 'len', 16]);
  const y = b.op('MatMul', [x, b.init('w', randn(256, 0.3, rng(2)), [16, 16])]);
  const len = b.op('Gather', [b.op('Shape', [x]), b.init('one', BigInt64Array.of(1n), [])]);
  const cond = b.op('Equal', [len, b.init('one_v', BigInt64Array.of(1n), [])]);
  const m = b.build();
  const n = makeNode('If', [cond], ['z'], {}, 'if_len');
  n.attribute.push(
    onnx.AttributeProto.create({
      name: 'then_branch',
      type: onnx.AttributeProto.AttributeType.GRAPH,
      g: branch('then', makeNode('Relu', [y], ['t'], {}, 'relu')),
    }),
    onnx.AttributeProto.create({
      name: 'else_branch',
      type: onnx.AttributeProto.AttributeType.GRAPH,
      g: branch('else', makeNode('Neg', [y], ['e'], {}, 'neg')),
    }),
  );
  m.graph!.node.push(n);
  m.graph!.output.push(makeValueInfo('z', DT.FLOAT, [1, 'len', 16]));
  return m;
}

test('static_shapes: the model written for the fed shapes loses the If its shapes decide, says so, and keeps symbolic dims when off', async (t) => {
  const dir = tempDir(t, 'octet-static-');
  const src = join(dir, 'm.onnx');
  writeFileSync(src, encodeModel(ifOnLength()));
  const data = writeNpy(dir, 'x.npy', { descr: '<f4', shape: [8, 1, 3, 16], data: randn(8 * 48, 1, rng(4)) });
  const quantize = (static_shapes: boolean) =>
    quantizeModel({ model: src, output: join(dir, `${static_shapes}.onnx`), data, recipe: { static_shapes, speed_check: false } });

  const off = await quantize(false);
  assert.ok(
    off.warnings.some((w) => /1 of 1 If nodes test input dims the model leaves dynamic/.test(w)),
    off.warnings.join('\n'),
  );
  const kept = (await loadModel(join(dir, 'false.onnx'))).model;
  assert.deepEqual(valueDims(kept.graph!.input[0]), [1, null, 16]);

  const on = await quantize(true);
  assert.ok(
    on.warnings.some((w) => /written for the shapes calibration fed only .*x \[1, len, 16\] → \[1, 3, 16\].*1 of 1 If nodes were decided/.test(w)),
    on.warnings.join('\n'),
  );
  const fixed = (await loadModel(join(dir, 'true.onnx'))).model;
  assert.deepEqual(valueDims(fixed.graph!.input[0]), [1, 3, 16]);
  assert.equal(countOps((await basicOptimize(fixed)).graph!, 'If'), 0, 'ONNX Runtime inlines the branch');
  assert.equal(on.nodes.int8, off.nodes.int8);
});
