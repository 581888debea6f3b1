// Fuzzing the ONNX loader: decodeModel/loadModel on mutated, truncated and random bytes of real
// small models, and on generated models with hostile fields. The loader must throw an
// OctetError (MODEL_UNREADABLE, MODEL_UNSUPPORTED, EXTERNAL_DATA) or return a model that the
// next steps (inspect's summary, input specs, tensor values, cloning) handle with OctetErrors
// only. Never another exception type, never a hang, never an absurd allocation.
//
//   npm run test:fuzz        (all fuzz files, with the closing `N passed, M failed` line)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { onnx } from '../../src/main/onnx/proto/onnx';
import { cloneModel, decodeModel, encodeModel, loadModel, type ModelProto } from '../../src/main/onnx/model';
import { summarize } from '../../src/main/onnx/inspect';
import { tensorValues } from '../../src/main/onnx/tensor';
import { inputSpecs } from '../../src/main/quant/quantize';
import { buildSynthetic } from '../models/synthetic';
import { dynamicModel, externalModel, tinyModel } from '../fixtures/bad/make';
import { Tally, assertOctet, bounded, boundedAsync, mutate, params, type Mutation } from './common';

const LOAD_CODES = ['MODEL_UNREADABLE', 'MODEL_UNSUPPORTED', 'EXTERNAL_DATA'] as const;
const DECODE_CODES = ['MODEL_UNREADABLE', 'MODEL_UNSUPPORTED'] as const;

/** Real small models: the corpus's tiny and dynamic models and the smaller synthetic zoo. */
const SEEDS: Uint8Array[] = [
  encodeModel(tinyModel()),
  encodeModel(dynamicModel()),
  ...['mobilenetBlock', 'transformerBlock', 'unetLike', 'oldOpset8', 'oldOpset9', 'dynamicBatch', 'opset11Pads'].map((n) =>
    encodeModel(buildSynthetic(n).model),
  ),
];

const pos = fc.integer({ min: 0, max: 999_999 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: pos }),
  fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: pos, len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('bigvarint' as const), at: pos }),
);

/** What the engine does next with a loaded model; each step may only fail with an OctetError. */
function downstream(model: ModelProto, name: string): void {
  const s = bounded('summarize', () => summarize({ model, path: name, sizeBytes: 0, sha256: '' }));
  if (s.error) assertOctet(s.error, DECODE_CODES, 'summarize (octet inspect)');
  const specs = bounded('inputSpecs', () => inputSpecs(model, {}));
  if (specs.error) assertOctet(specs.error, ['DYNAMIC_SHAPE', 'MODEL_UNSUPPORTED', 'SHAPE_MISMATCH'], 'inputSpecs');
  for (const t of model.graph!.initializer) {
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const v = bounded(`tensorValues(${t.name})`, () => tensorValues(t));
    if (v.error) assertOctet(v.error, DECODE_CODES, `tensorValues of initializer '${t.name}' (dims [${t.dims.join(',')}])`);
  }
  const c = bounded('cloneModel', () => cloneModel(model));
  if (c.error) assertOctet(c.error, DECODE_CODES, 'cloneModel');
}

function decodeProperty(bytes: Uint8Array): void {
  const r = bounded('decodeModel', () => decodeModel(bytes, 'fuzz.onnx'));
  if (r.error) assertOctet(r.error, DECODE_CODES, 'decodeModel');
  else downstream(r.value!, 'fuzz.onnx');
}

test('decodeModel on mutated real models', () => {
  const tally = new Tally();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: SEEDS.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      tally.wrap((i, ms) => {
        decodeProperty(ms.reduce((b, m) => mutate(b, m), SEEDS[i]));
      }),
    ),
    params(1500),
  );
  tally.finish();
});

test('decodeModel on random bytes and random bytes behind a valid prefix', () => {
  const tally = new Tally();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: SEEDS.length }),
      fc.integer({ min: 0, max: 200 }),
      fc.uint8Array({ maxLength: 4096 }),
      tally.wrap((i, keep, tail) => {
        const prefix = i < SEEDS.length ? SEEDS[i].subarray(0, keep) : new Uint8Array(0);
        decodeProperty(Buffer.concat([prefix, tail]));
      }),
    ),
    params(1500),
  );
  tally.finish();
});

// --- generated models with hostile fields ---
const dim = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(-1, -(2 ** 31), 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 52, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 62));
const dataType = fc.oneof(fc.constantFrom(1, 2, 3, 6, 7, 9, 10, 11), fc.integer({ min: -3, max: 40 }));
const tensor = fc.record({
  name: fc.constantFrom('w', 'b', 'input', 'x', ''),
  dims: fc.array(dim, { maxLength: 4 }),
  dataType,
  rawData: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
  floatData: fc.array(fc.float({ noNaN: false }), { maxLength: 8 }),
  int64Data: fc.array(fc.integer(), { maxLength: 4 }),
  external: fc.boolean(),
});
const valueInfo = fc.record({
  name: fc.constantFrom('input', 'x', 'w', 'out', ''),
  elemType: fc.option(dataType, { nil: undefined }),
  dims: fc.option(
    fc.array(
      fc.oneof(
        dim.map((d) => ({ dimValue: d })),
        fc.constant({ dimParam: 'N' }),
        fc.constant({}),
      ),
      { maxLength: 5 },
    ),
    { nil: undefined },
  ),
});
const node = fc.record({
  opType: fc.constantFrom('Conv', 'MatMul', 'Gemm', 'Relu', 'QuantizeLinear', 'Frobnicate', ''),
  input: fc.array(fc.constantFrom('input', 'x', 'w', 'b', ''), { maxLength: 3 }),
  output: fc.array(fc.constantFrom('out', 'x', ''), { maxLength: 2 }),
  domain: fc.constantFrom('', 'ai.onnx', 'com.microsoft', 'com.example'),
});
const generatedModel = fc.record({
  irVersion: fc.oneof(fc.constantFrom(0, -1, 3, 7, 10), fc.integer()),
  opsets: fc.array(fc.record({ domain: fc.constantFrom('', 'ai.onnx', 'com.example'), version: fc.integer({ min: -2, max: 30 }) }), { maxLength: 3 }),
  graph: fc.option(
    fc.record({
      node: fc.array(node, { maxLength: 4 }),
      initializer: fc.array(tensor, { maxLength: 3 }),
      input: fc.array(valueInfo, { maxLength: 3 }),
      output: fc.array(valueInfo, { maxLength: 2 }),
    }),
    { nil: undefined },
  ),
});

function build(g: typeof generatedModel extends fc.Arbitrary<infer T> ? T : never): Uint8Array {
  const vi = (v: { name: string; elemType?: number; dims?: object[] }) =>
    onnx.ValueInfoProto.create({
      name: v.name,
      type: v.elemType === undefined ? undefined : { tensorType: { elemType: v.elemType, shape: v.dims ? { dim: v.dims } : undefined } },
    });
  const model = onnx.ModelProto.create({
    irVersion: g.irVersion,
    opsetImport: g.opsets.map((o) => onnx.OperatorSetIdProto.create(o)),
    graph: g.graph
      ? onnx.GraphProto.create({
          name: 'fuzz',
          node: g.graph.node.map((n) => onnx.NodeProto.create(n)),
          initializer: g.graph.initializer.map((t) =>
            onnx.TensorProto.create({
              name: t.name,
              dims: t.dims,
              dataType: t.dataType,
              rawData: t.rawData,
              floatData: t.floatData,
              int64Data: t.int64Data,
              dataLocation: t.external ? onnx.TensorProto.DataLocation.EXTERNAL : undefined,
              externalData: t.external ? [onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' })] : [],
            }),
          ),
          input: g.graph.input.map(vi),
          output: g.graph.output.map(vi),
        })
      : undefined,
  });
  return encodeModel(model);
}

test('decodeModel on generated models with hostile dims, types, lengths and shapes', () => {
  const tally = new Tally();
  fc.assert(
    fc.property(
      generatedModel,
      tally.wrap((g) => {
        let bytes: Uint8Array;
        try {
          bytes = build(g);
        } catch {
          return; // protobufjs refused to encode it: nothing reaches the loader
        }
        decodeProperty(bytes);
      }),
    ),
    params(1000),
  );
  tally.finish();
});

// --- loadModel on files, with external data ---
test('loadModel on (mutated) models whose external data points anywhere', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'octet-fuzz-load-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.bin'), Buffer.alloc(128, 7));
  const dir = join(root, 'model');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(128, 1));
  writeFileSync(join(dir, 'sub', 'w.bin'), Buffer.alloc(32, 2));
  symlinkSync(join(outside, 'secret.bin'), join(dir, 'escape.bin'));
  symlinkSync(join(dir, 'weights.bin'), join(dir, 'inside-link.bin'));
  symlinkSync(join(dir, 'nowhere.bin'), join(dir, 'dangling.bin'));
  const location = fc.oneof(
    fc.constantFrom(
      'weights.bin',
      'sub/w.bin',
      './weights.bin',
      'sub/../weights.bin',
      'sub',
      '.',
      '',
      '..',
      '../outside/secret.bin',
      '/etc/passwd',
      '/dev/zero',
      'escape.bin',
      'inside-link.bin',
      'dangling.bin',
      'missing.bin',
      'a\0b',
      'x'.repeat(300),
      `${'../'.repeat(30)}etc/passwd`,
      'sub/',
    ),
    fc.string({ maxLength: 20 }),
  );
  const num = fc.oneof(
    fc.constantFrom('0', '16', '128', '129', '-1', '1e3', '0x10', 'abc', '', ' 8', String(2 ** 31), String(2 ** 53 + 1), 'Infinity'),
    fc.nat({ max: 200 }).map(String),
  );
  const extra = fc.record({ offset: fc.option(num, { nil: undefined }), length: fc.option(num, { nil: undefined }) });
  let n = 0;
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(
      location,
      extra,
      fc.option(mutation, { nil: undefined }),
      tally.wrapAsync(async (loc, ex, m) => {
        const kv: Record<string, string> = {};
        if (ex.offset !== undefined) kv.offset = ex.offset;
        if (ex.length !== undefined) kv.length = ex.length;
        let bytes: Uint8Array = externalModel(loc, kv);
        if (m) bytes = mutate(bytes, m);
        const file = join(dir, `m${n++}.onnx`);
        writeFileSync(file, bytes);
        const r = await boundedAsync('loadModel', () => loadModel(file));
        rmSync(file);
        if (r.error) assertOctet(r.error, LOAD_CODES, `loadModel (location ${JSON.stringify(loc)}, ${JSON.stringify(kv)})`);
        else {
          // Whatever was inlined came from inside the model's folder.
          for (const t of r.value!.model.graph!.initializer) {
            if (t.rawData?.length)
              assert.ok(
                !Buffer.from(t.rawData).equals(Buffer.alloc(t.rawData.length, 7)) || t.rawData.length === 0,
                `data from outside the folder was inlined (location ${JSON.stringify(loc)})`,
              );
          }
          downstream(r.value!.model, file);
        }
      }),
    ),
    params(300),
  );
  tally.finish();
});
