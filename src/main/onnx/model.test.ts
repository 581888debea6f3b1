import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, loadModel, saveModel } from './model';
import { makeAttribute } from './graph';
import { ModelBuilder } from './builder';
import { onnx } from './proto/onnx';
import { SHARED_MODELS } from '../../../test/util/fixtures';
import { OctetError } from '../../shared/errors';

test('int64 sentinels (INT64_MAX, INT64_MIN) survive decode → encode', () => {
  const a = makeAttribute('ends', [0]);
  a.ints = [Number('9223372036854775807'), -(2 ** 63), 2 ** 40]; // INT64_MAX as JS reads it, INT64_MIN
  const back = onnx.AttributeProto.decode(onnx.AttributeProto.encode(a).finish());
  const again = onnx.AttributeProto.decode(onnx.AttributeProto.encode(back).finish());
  assert.deepEqual(again.ints, back.ints);
  assert.ok(back.ints[0] > 9e18 && back.ints[1] < -9e18 && back.ints[2] === 2 ** 40);
});

test(
  'a real model re-encoded gives bit-identical outputs',
  { skip: !existsSync(join(SHARED_MODELS, 'ultraface-rfb-320.onnx')) && 'shared models absent' },
  async () => {
    const path = join(SHARED_MODELS, 'ultraface-rfb-320.onnx');
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 3 * 240 * 320 }, (_, i) => Math.sin(i)),
      [1, 3, 240, 320],
    );
    const a = await ort.InferenceSession.create(readFileSync(path));
    const b = await ort.InferenceSession.create(encodeModel((await loadModel(path)).model));
    const [ra, rb] = [await a.run({ input: x }), await b.run({ input: x })];
    for (const k of a.outputNames) assert.deepEqual(rb[k].data, ra[k].data);
  },
);

test('corrupt, truncated and empty files are MODEL_UNREADABLE with one-line messages', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-model-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const b = new ModelBuilder('m');
  b.op('Relu', [b.input('x', [1, 4])], {}, 'y');
  b.output('y', [1, 4]);
  const bytes = encodeModel(b.build());
  const files: [string, Uint8Array][] = [
    ['empty.onnx', new Uint8Array()],
    ['random.onnx', Uint8Array.from({ length: 500 }, (_, i) => (i * 7919) % 251)],
    ['half.onnx', bytes.slice(0, Math.floor(bytes.length / 2))],
    ['text.onnx', new TextEncoder().encode('hello world, not a model')],
  ];
  for (const [name, data] of files) {
    writeFileSync(join(dir, name), data);
    await assert.rejects(
      loadModel(join(dir, name)),
      (e: unknown) => e instanceof OctetError && e.code === 'MODEL_UNREADABLE' && !e.message.includes('\n'),
      name,
    );
  }
});

test('external data: loaded when inside the folder, refused when it escapes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-ext-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const make = (location: string) => {
    const b = new ModelBuilder('ext');
    const x = b.input('x', [1, 2]);
    const w = b.init('w', new Float32Array([1, 2]), [1, 2]);
    b.op('Add', [x, w], {}, 'y');
    b.output('y', [1, 2]);
    const m = b.build();
    const t0 = m.graph!.initializer[0];
    t0.rawData = new Uint8Array();
    t0.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t0.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: location }),
      onnx.StringStringEntryProto.create({ key: 'length', value: '8' }),
    ];
    return encodeModel(m);
  };
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(new Float32Array([3, 4]).buffer));
  writeFileSync(join(dir, 'ok.onnx'), make('weights.bin'));
  const loaded = await loadModel(join(dir, 'ok.onnx'));
  assert.deepEqual(Array.from(new Float32Array(new Uint8Array(loaded.model.graph!.initializer[0].rawData).buffer)), [3, 4]);
  writeFileSync(join(dir, 'escape.onnx'), make('../../etc/passwd'));
  await assert.rejects(loadModel(join(dir, 'escape.onnx')), (e: unknown) => e instanceof OctetError && e.code === 'EXTERNAL_DATA');
});

test('saveModel writes atomically and leaves no temp file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-save-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const b = new ModelBuilder('m');
  b.op('Relu', [b.input('x', [1])], {}, 'y');
  b.output('y', [1]);
  const out = join(dir, 'm.onnx');
  await saveModel(b.build(), out);
  assert.equal(decodeModel(readFileSync(out)).graph!.node[0].opType, 'Relu');
  assert.deepEqual(readdirSync(dir), ['m.onnx']);
});
