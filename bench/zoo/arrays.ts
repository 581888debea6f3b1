// The zoo's sample sets: one array per model input, first axis = samples, each sample with the
// input's full dims (batch 1 included). Written as .npy (one input) or .npz (one array per input
// name, stored uncompressed as np.savez does), the two forms Octet's --data and the Python side
// read (written with the test fixtures' npyBytes/npzBytes); read back here for the fidelity and
// latency checks (headers by Octet's parser; the zip directory by a small synchronous reader).
import { readFileSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import type { ElemType, Feed, TypedData } from '../../src/main/data/types';
import { npyBytes } from '../../test/util/fixtures';
import { npzBytes } from '../../test/util/npz';
import { parseNpyHeader } from '../../src/main/data/npy';

export interface NamedArray {
  name: string;
  type: ElemType;
  /** Per-sample dims (the input's full dims). */
  dims: number[];
  count: number;
  data: TypedData;
}

const DESCR: Partial<Record<ElemType, string>> = { float32: '<f4', int64: '<i8', int32: '<i4', uint8: '|u1', int8: '|i1', float64: '<f8' };
const FROM_DESCR: Record<string, ElemType> = { '<f4': 'float32', '<i8': 'int64', '<i4': 'int32', '|u1': 'uint8', '|i1': 'int8', '<f8': 'float64' };

function toNpy(a: NamedArray): Buffer {
  const descr = DESCR[a.type];
  if (!descr) throw new Error(`no .npy dtype for ${a.type}`);
  return npyBytes({ descr, shape: [a.count, ...a.dims], data: a.data });
}

/** One .npy's bytes as a NamedArray; the header is read and checked by Octet's own parser (src/main/data/npy.ts). */
function fromNpy(buf: Buffer, name: string): NamedArray {
  const h = parseNpyHeader(name, buf, buf.length);
  const type = FROM_DESCR[h.descr];
  if (!type) throw new Error(`${name}: dtype ${h.descr} not handled`);
  const copy = new Uint8Array(buf.length - h.dataOffset);
  copy.set(buf.subarray(h.dataOffset));
  const ctor = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array, float64: Float64Array }[type as 'float32'];
  return { name, type, count: h.shape[0], dims: h.shape.slice(1), data: new ctor(copy.buffer) as TypedData };
}

function unzip(buf: Buffer): { name: string; data: Buffer }[] {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + csize);
    out.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Writes .npy for one array, .npz for several; returns the path written. */
export function writeArrays(base: string, arrays: NamedArray[]): string {
  if (arrays.length === 1) {
    writeFileSync(`${base}.npy`, toNpy(arrays[0]));
    return `${base}.npy`;
  }
  writeFileSync(`${base}.npz`, npzBytes(Object.fromEntries(arrays.map((a) => [a.name, toNpy(a)]))));
  return `${base}.npz`;
}

/** Reads what writeArrays wrote (or any .npy/.npz of supported dtypes); a .npy is named `single`. */
export function readArrays(path: string, single = 'x'): NamedArray[] {
  const buf = readFileSync(path);
  if (path.endsWith('.npy')) return [fromNpy(buf, single)];
  return unzip(buf).map((f) => fromNpy(f.data, f.name.replace(/\.npy$/, '')));
}

export function sliceArray(a: NamedArray, from: number, count: number): NamedArray {
  const per = a.dims.reduce((x, y) => x * y, 1);
  const n = Math.min(count, a.count - from);
  return { ...a, count: n, data: a.data.slice(from * per, (from + n) * per) as TypedData };
}

/** Sample i as ORT feeds. Arrays stored one rank lower than `inputDims` get a batch dim of 1. */
export function sampleFeeds(arrays: NamedArray[], i: number, inputDims?: Record<string, number[]>): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  for (const a of arrays) {
    const per = a.dims.reduce((x, y) => x * y, 1);
    let dims = a.dims;
    const want = inputDims?.[a.name];
    if (want && want.length === dims.length + 1) dims = [1, ...dims];
    feeds[a.name] = { type: a.type, dims, data: a.data.slice(i * per, (i + 1) * per) as TypedData };
  }
  return feeds;
}
