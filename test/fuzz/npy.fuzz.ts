// Fuzzing the .npy reader: parseNpyHeader on mutated and generated headers, and openNpy (with
// validate() and read()) on mutated files. A header either parses into something consistent
// with the file (shape × item size = data bytes) or is refused with DATA_UNREADABLE; opening a
// file fails only with the data codes, and every sample read has the input's type and size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OctetError } from '../../src/shared/errors';
import { parseNpyHeader } from '../../src/main/data/npy';
import { openNpy } from '../../src/main/data/arrays';
import type { ElemType, InputSpec } from '../../src/main/data/types';
import { npyBytes } from '../util/fixtures';
import { Tally, assertOctet, bounded, boundedAsync, mutate, params, type Mutation } from './common';

const ITEM: Record<string, number> = { f4: 4, f8: 8, u1: 1, i1: 1, i4: 4, i8: 8, b1: 1 };
const DESCRS = ['<f4', '<f8', '|u1', '|i1', '<i4', '<i8', '|b1', '<u1', '>f4', '<c8', '<f2', '|O', '<U3', '<M8[ns]', 'f4', '<f16', '<i2', '=f4'];

const base = fc.record({
  descr: fc.constantFrom('<f4', '<f8', '|u1', '|i1', '<i4', '<i8', '|b1'),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
  version: fc.constantFrom(1 as const, 2 as const, 3 as const),
  seed: fc.integer({ min: 0, max: 255 }),
});

function validFile(b: { descr: string; shape: number[]; version: 1 | 2 | 3; seed: number }): Buffer {
  const n = b.shape.reduce((a, d) => a * d, 1) * (ITEM[b.descr.slice(1)] ?? 4);
  const data = new Uint8Array(n).map((_, i) => (i * 31 + b.seed) & 0xff);
  return npyBytes({ descr: b.descr, shape: b.shape, version: b.version, data });
}

const pos = fc.integer({ min: 0, max: 999_999 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: pos }),
  fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: pos, len: fc.integer({ min: 1, max: 16 }) }),
);
/** Text edits inside the header dict: the characters a Python literal is made of. */
const textEdit = fc.record({
  at: fc.integer({ min: 0, max: 999_999 }),
  del: fc.integer({ min: 0, max: 4 }),
  ins: fc.string({ unit: fc.constantFrom(...`{}()[]'",:. -0123456789LTrueFalsedescrshapefortran_order<>|=\\\n\t`.split('')), maxLength: 6 }),
});

/** What a parsed header must satisfy for the file it came from. */
function checkHeader(h: ReturnType<typeof parseNpyHeader>, fileSize: number): void {
  assert.ok(['1.0', '2.0', '3.0'].includes(h.version), `version ${h.version}`);
  assert.ok(h.itemSize === ITEM[h.dtype], `item size ${h.itemSize} for ${h.dtype}`);
  assert.ok(h.shape.length >= 1 && h.shape.length <= 32, `rank ${h.shape.length}`);
  for (const d of h.shape) assert.ok(Number.isSafeInteger(d) && d >= 0, `dim ${d}`);
  assert.ok(h.dataOffset >= 10 && h.dataOffset <= fileSize, `data offset ${h.dataOffset} of ${fileSize}`);
  const need = h.shape.reduce((a, d) => a * BigInt(d), BigInt(h.itemSize));
  assert.equal(need, BigInt(fileSize - h.dataOffset), 'shape × item size must equal the data bytes');
}

function headerProperty(bytes: Uint8Array): void {
  const r = bounded('parseNpyHeader', () => parseNpyHeader('fuzz.npy', bytes, bytes.length));
  if (r.error) assertOctet(r.error, ['DATA_UNREADABLE'], 'parseNpyHeader');
  else checkHeader(r.value!, bytes.length);
}

test('parseNpyHeader on mutated .npy files', () => {
  const tally = new Tally();
  fc.assert(
    fc.property(
      base,
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      tally.wrap((b, ms) => headerProperty(ms.reduce((x, m) => mutate(x, m), validFile(b) as Uint8Array))),
    ),
    params(2000),
  );
  tally.finish();
});

test('parseNpyHeader on text edits of the header dict', () => {
  const tally = new Tally();
  fc.assert(
    fc.property(
      base,
      fc.array(textEdit, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      tally.wrap((b, edits, fixLen) => {
        const file = validFile(b);
        const start = b.version === 1 ? 10 : 12;
        const hlen = b.version === 1 ? file.readUInt16LE(8) : file.readUInt32LE(8);
        let text = file.subarray(start, start + hlen).toString('latin1');
        for (const e of edits) {
          const at = Math.floor((e.at / 1e6) * text.length);
          text = text.slice(0, at) + e.ins + text.slice(at + e.del);
        }
        const header = Buffer.from(text, 'latin1');
        const prefix = Buffer.from(file.subarray(0, start));
        // Either keep the recorded header length (now wrong) or fix it up to the edited text.
        if (fixLen) {
          if (b.version === 1) prefix.writeUInt16LE(Math.min(header.length, 0xffff), 8);
          else prefix.writeUInt32LE(header.length, 8);
        }
        headerProperty(Buffer.concat([prefix, header, file.subarray(start + hlen)]));
      }),
    ),
    params(2000),
  );
  tally.finish();
});

const dimText = fc.oneof(
  fc.integer({ min: 0, max: 6 }).map(String),
  fc.constantFrom('0', '1', '3L', '-1', '2.0', '1e3', '0x10', '9007199254740993', '1099511627776', '18446744073709551616', "'3'", 'None', ''),
);
const genHeader = fc.record({
  descr: fc.oneof(fc.constantFrom(...DESCRS), fc.string({ maxLength: 5 })),
  descrQuote: fc.constantFrom("'", '"'),
  fortran: fc.constantFrom('False', 'True', 'false', '0', "'False'", 'None'),
  dims: fc.array(dimText, { maxLength: 34 }),
  trailingComma: fc.boolean(),
  extraKey: fc.option(fc.constantFrom("'descr': '<f4'", "'x': 1", "'shape': (1,)", "'fortran_order': False"), { nil: undefined }),
  order: fc.constantFrom(0, 1, 2),
  dataBytes: fc.integer({ min: 0, max: 300 }),
  version: fc.constantFrom(1 as const, 2 as const, 3 as const),
});

test('parseNpyHeader on generated header dicts (odd dtypes, shapes, keys, quoting)', () => {
  const tally = new Tally();
  fc.assert(
    fc.property(
      genHeader,
      tally.wrap((g) => {
        const shape = g.dims.length === 1 && g.trailingComma ? `(${g.dims[0]},)` : `(${g.dims.join(', ')}${g.trailingComma && g.dims.length ? ',' : ''})`;
        const parts = [`${g.descrQuote}descr${g.descrQuote}: ${g.descrQuote}${g.descr}${g.descrQuote}`, `'fortran_order': ${g.fortran}`, `'shape': ${shape}`];
        const ordered = [...parts.slice(g.order), ...parts.slice(0, g.order)];
        if (g.extraKey) ordered.push(g.extraKey);
        const header = `{${ordered.join(', ')}, }`;
        const bytes = npyBytes({ descr: '', shape: [], version: g.version, header, data: new Uint8Array(g.dataBytes) });
        headerProperty(bytes);
      }),
    ),
    params(2000),
  );
  tally.finish();
});

const INPUTS: InputSpec[] = [
  { name: 'x', type: 'float32', dims: [1, 2, 2] },
  { name: 'x', type: 'float32', dims: [1, 4] },
  { name: 'x', type: 'int64', dims: [1, 3] },
  { name: 'x', type: 'uint8', dims: [1, 2, 2] },
  { name: 'x', type: 'bool', dims: [1, 4] },
  { name: 'x', type: 'int8', dims: [2, 2] },
];
const OPEN_CODES = ['DATA_UNREADABLE', 'DATA_EMPTY', 'SHAPE_MISMATCH', 'DATA_NOT_FINITE'] as const;
const CTOR: Record<ElemType, new (n: number) => ArrayLike<number | bigint>> = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

test('openNpy, validate and read on mutated files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-fuzz-npy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'data.npy');
  const fileArb = fc.record({
    descr: fc.constantFrom('<f4', '<f8', '|u1', '|i1', '<i4', '<i8', '|b1'),
    count: fc.integer({ min: 0, max: 5 }),
    sample: fc.constantFrom([2, 2], [1, 2, 2], [4], [1, 4], [3], [1, 3], [2, 3]),
    version: fc.constantFrom(1 as const, 2 as const, 3 as const),
    fill: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  });
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(
      fileArb,
      fc.array(mutation, { maxLength: 2 }),
      fc.integer({ min: 0, max: INPUTS.length - 1 }),
      fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      tally.wrapAsync(async (f, ms, which, limit) => {
        const shape = [f.count, ...f.sample];
        const n = shape.reduce((a, d) => a * d, 1) * ITEM[f.descr.slice(1)];
        const data = new Uint8Array(n).map((_, i) => f.fill[i % f.fill.length]);
        const bytes = ms.reduce((x, m) => mutate(x, m), npyBytes({ descr: f.descr, shape, version: f.version, data }) as Uint8Array);
        writeFileSync(file, bytes);
        const input = INPUTS[which];
        const r = await boundedAsync('openNpy', async () => {
          const src = await openNpy(file, [input], { limit });
          await src.validate?.();
          const samples = [];
          for (let i = 0; i < src.count; i++) samples.push(await src.read(i));
          return { src, samples };
        });
        if (r.error) {
          assertOctet(r.error, OPEN_CODES, `openNpy(${JSON.stringify({ ...f, fill: undefined })}, input ${JSON.stringify(input)})`);
          return;
        }
        const { src, samples } = r.value!;
        assert.ok(src.count >= 1 && (limit === undefined || src.count <= limit), `count ${src.count}`);
        for (const s of samples) {
          const feed = s.feeds[input.name];
          assert.ok(feed, 'the sample feeds the input');
          assert.equal(feed.type, input.type);
          assert.deepEqual(feed.dims, input.dims);
          assert.ok(feed.data instanceof CTOR[input.type], `data is a ${feed.data.constructor.name} for ${input.type}`);
          assert.equal(
            feed.data.length,
            input.dims.reduce((a, d) => a * d, 1),
          );
          if (feed.data instanceof Float32Array) for (const v of feed.data) assert.ok(Number.isFinite(v), 'float feeds are finite');
          if (input.type === 'bool') for (const v of feed.data as Uint8Array) assert.ok(v <= 1, 'bool feeds hold 0 or 1');
        }
      }),
    ),
    params(400),
  );
  tally.finish();
});

test('the OctetError contract holds for the header reader even on a short read buffer', () => {
  // parseNpyHeader given fewer bytes than the header needs is a caller bug: INTERNAL, never a crash.
  const file = npyBytes({ descr: '<f4', shape: [2, 2], data: new Float32Array(4) });
  const r = bounded('parseNpyHeader', () => parseNpyHeader('short.npy', file.subarray(0, 20), file.length));
  assert.ok(r.error instanceof OctetError && r.error.code === 'INTERNAL');
});
