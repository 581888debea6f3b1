// The registry is the one list of op facts: these checks are what a new handler must satisfy
// (docs/architecture.md, "How to add a compute op").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, type NodeProto } from '../../onnx/graph';
import { OP_TYPES, INT8_COMPUTE_OP_TYPES, isQuantizedOpType, opTypesOf, type OpType } from '../../../shared/opTypes';
import {
  REGISTRY,
  isHandler,
  handlerFor,
  opFactsFor,
  FP32_COMPUTE_KERNELS,
  INT8_COMPUTE_KERNELS,
  INT8_OTHER_KERNELS,
  int8Kernel,
  macCountFor,
} from './registry';
import type { QTensor } from './types';
import { isFusedActivation } from './activation';

const name = (op: { opTypes: readonly string[] }) => op.opTypes.join('/');

test('src/shared/opTypes.ts (the UI list) and the registry name the same op types, kinds and int8 forms', () => {
  const fromRegistry = Object.fromEntries(REGISTRY.flatMap((op) => op.opTypes.map((t) => [t, { kind: op.kind, int8: isHandler(op) }])));
  assert.deepEqual(fromRegistry, OP_TYPES, 'add the new op type to OP_TYPES in src/shared/opTypes.ts with its kind (or remove the stale entry)');
  assert.deepEqual(
    [...INT8_COMPUTE_OP_TYPES].sort(),
    REGISTRY.filter((op) => op.kind === 'compute' && isHandler(op))
      .flatMap((op) => op.opTypes)
      .sort(),
  );
  for (const t of Object.keys(OP_TYPES) as OpType[]) {
    assert.equal(opFactsFor({ opType: t, domain: '' })?.kind, OP_TYPES[t].kind);
    assert.equal(!!handlerFor({ opType: t, domain: '' }), OP_TYPES[t].int8, t);
    assert.equal(handlerFor({ opType: t, domain: 'com.microsoft' }), undefined, 'only the default domain');
  }
  assert.ok(opTypesOf('compute', false).includes('ConvTranspose'));
});

test('every op names its ORT kernels; compute ops name float and int8 ones and count their multiply-accumulates', () => {
  const seen = new Map<string, string>();
  for (const op of REGISTRY) {
    const kernels = [...op.kernels.fp32, ...Object.keys(op.kernels.int8)];
    for (const k of kernels) {
      assert.ok(!seen.has(k), `${k} is claimed by ${seen.get(k)} and ${name(op)}`);
      seen.set(k, name(op));
    }
    for (const k of Object.keys(op.kernels.int8))
      assert.ok(isQuantizedOpType(k), `${k}: a model with it must count as already quantized (src/shared/opTypes.ts)`);
    for (const k of op.kernels.fp32) assert.ok(!isQuantizedOpType(k), k);
    if (op.kind === 'compute') {
      assert.ok(op.kernels.fp32.length > 0, `${name(op)}: float kernels (the fusion report counts them as fp32 compute)`);
      const int8 = Object.values(op.kernels.int8);
      assert.ok(
        int8.some((k) => k.yScale !== undefined || k.floatOutput),
        `${name(op)}: an int8 kernel the speed check can match (yScale or floatOutput)`,
      );
      assert.ok(op.macs, `${name(op)}: a MAC count`);
      for (const t of op.opTypes) assert.equal(macCountFor({ opType: t, domain: '' }), op.macs);
    } else {
      assert.equal(op.macs, undefined, `${name(op)}: only compute ops count multiply-accumulates`);
      assert.equal(op.kernels.fp32.length, 0, `${name(op)}: the fusion report's fp32 kernels are compute kernels`);
    }
    if (op.kind === 'elementwise') assert.ok(Object.keys(op.kernels.int8).length > 0, `${name(op)}: its int8 kernel`);
  }
  for (const [k, v] of [...INT8_COMPUTE_KERNELS, ...INT8_OTHER_KERNELS]) assert.equal(int8Kernel(k), v);
  assert.ok(FP32_COMPUTE_KERNELS.has('ConvTranspose') && INT8_COMPUTE_KERNELS.has('QLinearConv') && INT8_OTHER_KERNELS.has('QLinearAdd'));
});

test("every int8 op has a QOperator emitter (or says it has none), and it writes one of the op's own kernels", () => {
  const t = (base: string): QTensor => ({ q: `${base}_q`, scale: `${base}_scale`, zeroPoint: `${base}_zp` });
  for (const op of REGISTRY) {
    if (!isHandler(op)) continue;
    assert.notEqual(op.qlinear, undefined, `${name(op)}: qlinear is an emitter, or null for "no QLinear form"`);
    if (!op.qlinear) continue;
    for (const opType of op.opTypes) {
      const node = makeNode(opType, ['a', 'b', 'c'], ['out'], {}, 'n');
      const ins = node.input.map(t);
      const withQ: NodeProto | undefined = op.qlinear(node, { ins, y: t('out'), name: 'n_quant' });
      assert.ok(withQ, `${opType}: emits a node when every input and the output are int8`);
      if (op.kind === 'passthrough') assert.equal(withQ.opType, opType);
      else assert.ok(withQ.opType in op.kernels.int8, `${opType} → ${withQ.opType}, not one of its kernels`);
      assert.deepEqual(withQ.output, ['out_q']);
      const noQ: NodeProto | undefined = op.qlinear(node, { ins, name: 'n_quant' });
      if (noQ) assert.ok(op.kernels.int8[noQ.opType]?.floatOutput, `${opType} → ${noQ.opType} without a Q must be a float-output kernel`);
      assert.equal(op.qlinear(node, { ins: [undefined, ...ins.slice(1)], y: t('out'), name: 'n_quant' }), undefined, `${opType}: needs an int8 first input`);
    }
  }
});

test('QDQ placement: compute ops take weights, and every int8 op names its activation inputs', () => {
  for (const op of REGISTRY) {
    if (!isHandler(op)) continue;
    assert.equal(typeof op.activationInputs, 'function', name(op));
    if (op.kind === 'compute') assert.equal(typeof op.weights, 'function', `${name(op)}: weights (per-channel axis)`);
  }
});

test('Relu and Clip are the activations ORT folds into a Quantize (plan, qdq, SmoothQuant and layerDetail ask one place)', () => {
  assert.ok(isFusedActivation({ opType: 'Relu', domain: '' }) && isFusedActivation({ opType: 'Clip', domain: 'ai.onnx' }));
  assert.ok(!isFusedActivation({ opType: 'Relu', domain: 'com.microsoft' }) && !isFusedActivation({ opType: 'LeakyRelu', domain: '' }));
});
