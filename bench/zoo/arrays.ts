// The zoo's sample sets: one array per model input, first axis = samples, each sample with the
// input's full dims (batch 1 included). Written as .npy (one input) or .npz (one array per input
// name, stored uncompressed as np.savez does), the two forms Octet's --data and the Python side
// read; read back here for the fidelity and latency checks.
import { readFileSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import type { ElemType, Feed, TypedData } from '../../src/main/data/types';
import { npyBytes } from '../../test/util/fixtures';
import { crc32 } from '../../src/main/data/zip';

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

function fromNpy(buf: Buffer, name: string): NamedArray {
  const headerLen = buf[6] === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = buf[6] === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr': '([^']+)'/.exec(header)?.[1] ?? '';
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const type = FROM_DESCR[descr];
  if (!type) throw new Error(`${name}: dtype ${descr} not handled`);
  const bytes = buf.subarray(start + headerLen);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const ctor = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array, float64: Float64Array }[type as 'float32'];
  return { name, type, count: shape[0], dims: shape.slice(1), data: new ctor(copy.buffer) as TypedData };
}


/** A stored (uncompressed) zip, as np.savez writes. */
function zip(files: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, f.data);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(f.data.length, 20);
    c.writeUInt32LE(f.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + f.data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
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
  writeFileSync(`${base}.npz`, zip(arrays.map((a) => ({ name: `${a.name}.npy`, data: toNpy(a) }))));
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
