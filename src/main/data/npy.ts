// .npy files as calibration data: a strict reader for NumPy's format (versions 1.0, 2.0, 3.0).
//
// The header is a Python dict literal; we parse the tiny subset np.save writes instead of
// evaluating anything. The first axis indexes samples. Samples are read on demand through a
// file handle, so a large file is never held in memory as a whole.
// Typed arrays are created over the file bytes directly, which assumes a little-endian host
// (every platform Node and onnxruntime-node ship for).
import { open, type FileHandle } from 'node:fs/promises';
import { OctetError } from '../../shared/errors';
import { readExactly as readBytes } from '../io/readExactly';
import { formatDims, fsError } from './checks';
import type { ElemType, InputSpec, TypedData } from './types';
import { floatToHalf, halfToFloat } from '../onnx/tensor';

export type NpyDtype = 'f2' | 'f4' | 'f8' | 'u1' | 'i1' | 'i4' | 'i8' | 'b1';

export interface NpyHeader {
  version: string; // "1.0", "2.0" or "3.0"
  descr: string; // as written in the file, e.g. "<f4"
  dtype: NpyDtype;
  itemSize: number;
  shape: number[];
  /** Byte offset of the first data byte. */
  dataOffset: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
/** numpy's own np.load refuses larger headers (max_header_size) unless told otherwise. */
const MAX_HEADER_BYTES = 10_000;
const MAX_RANK = 32;
const PREFIX_BYTES = 12; // magic + version + header length (v2/v3)

export const DTYPE_INFO: Record<NpyDtype, { size: number; name: ElemType }> = {
  f2: { size: 2, name: 'float16' },
  f4: { size: 4, name: 'float32' },
  f8: { size: 8, name: 'float64' },
  u1: { size: 1, name: 'uint8' },
  i1: { size: 1, name: 'int8' },
  i4: { size: 4, name: 'int32' },
  i8: { size: 8, name: 'int64' },
  b1: { size: 1, name: 'bool' },
};

/** Friendly names for dtypes people commonly save but we do not read, to make the error obvious. */
const OTHER_DTYPES: Record<string, string> = {
  c8: 'complex64',
  c16: 'complex128',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  u8: 'uint64',
  f16: 'float128',
  O: 'Python objects',
};

const SUPPORTED = 'float16, float32, float64, uint8, int8, int32, int64, bool';

function bad(file: string, what: string): OctetError {
  return new OctetError('DATA_UNREADABLE', `${file} ${what}`);
}

function describeDescr(descr: string): string {
  const kind = descr.replace(/^[<>=|]/, '');
  const known = OTHER_DTYPES[kind];
  if (known) return `'${descr}' (${known})`;
  if (/^[US]\d+$/.test(kind)) return `'${descr}' (text)`;
  if (/^[mM]8/.test(kind)) return `'${descr}' (dates/times)`;
  return `'${descr}'`;
}

function dtypeFromDescr(file: string, descr: string): NpyDtype {
  const m = /^([<>=|])([a-zA-Z]\d+)$/.exec(descr);
  const order = m?.[1];
  const kind = m?.[2] as NpyDtype | undefined;
  if (order && kind && kind in DTYPE_INFO) {
    const size = DTYPE_INFO[kind].size;
    if (size === 1) return kind; // byte order is meaningless for single bytes
    if (order === '<') return kind;
    if (order === '>') {
      throw bad(file, `holds big-endian data ('${descr}'), which Octet does not read; re-save it little-endian, e.g. np.save(path, a.astype('<${kind}'))`);
    }
  }
  throw bad(
    file,
    `holds dtype ${describeDescr(descr)}, which Octet does not read (supported: ${SUPPORTED}); convert it first, e.g. np.save(path, a.astype(np.float32))`,
  );
}

type PyValue = string | boolean | number[] | { unsupported: string };

/** Parses the dict literal np.save writes, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
function parseHeaderDict(file: string, text: string): Map<string, PyValue> {
  let p = 0;
  const malformed = (why: string): OctetError => {
    const shown = JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
    return bad(file, `is not a valid .npy file: malformed header (${why} at character ${p}) in ${shown}`);
  };
  const ws = (): void => {
    while (p < text.length && (text[p] === ' ' || text[p] === '\t' || text[p] === '\n' || text[p] === '\r')) p++;
  };
  const expect = (ch: string): void => {
    ws();
    if (text[p] !== ch) throw malformed(`expected '${ch}'`);
    p++;
  };
  const str = (): string => {
    ws();
    const q = text[p];
    if (q !== "'" && q !== '"') throw malformed('expected a quoted string');
    const end = text.indexOf(q, p + 1);
    if (end < 0) throw malformed('unterminated string');
    const s = text.slice(p + 1, end);
    if (s.includes('\\')) throw malformed('escape sequences are not allowed');
    p = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^(\d+)L?/.exec(text.slice(p, p + 40)); // Python 2 numpy wrote longs as 3L
    if (!m) throw malformed('expected a whole number ≥ 0');
    p += m[0].length;
    const n = Number(m[1]);
    if (!Number.isSafeInteger(n)) throw bad(file, `has an absurd shape: dimension ${m[1]} is too large; the file is corrupt`);
    return n;
  };
  const tuple = (): number[] => {
    expect('(');
    const dims: number[] = [];
    ws();
    if (text[p] === ')') {
      p++;
      return dims;
    }
    for (;;) {
      dims.push(int());
      ws();
      if (text[p] === ')') {
        p++;
        return dims;
      }
      expect(',');
      ws();
      if (text[p] === ')') {
        p++;
        return dims;
      }
      if (dims.length > MAX_RANK) throw bad(file, `has an absurd shape with more than ${MAX_RANK} dimensions; the file is corrupt`);
    }
  };
  const value = (): PyValue => {
    ws();
    const c = text[p];
    if (c === "'" || c === '"') return str();
    if (c === '(') return tuple();
    if (text.startsWith('True', p)) {
      p += 4;
      return true;
    }
    if (text.startsWith('False', p)) {
      p += 5;
      return false;
    }
    if (c === '[' || c === '{') {
      // A structured dtype: a list of fields. Skip to its matching bracket so we can name the problem.
      let depth = 0;
      const start = p;
      for (; p < text.length; p++) {
        if (text[p] === '[' || text[p] === '{' || text[p] === '(') depth++;
        else if (text[p] === ']' || text[p] === '}' || text[p] === ')') {
          depth--;
          if (depth === 0) {
            p++;
            break;
          }
        }
      }
      return { unsupported: text.slice(start, p) };
    }
    throw malformed('expected a string, True, False or a tuple');
  };

  const dict = new Map<string, PyValue>();
  expect('{');
  ws();
  if (text[p] !== '}') {
    for (;;) {
      const key = str();
      expect(':');
      const v = value();
      if (dict.has(key)) throw malformed(`duplicate key '${key}'`);
      dict.set(key, v);
      ws();
      if (text[p] === '}') break;
      expect(',');
      ws();
      if (text[p] === '}') break;
    }
  }
  p++; // '}'
  ws();
  if (p !== text.length) throw malformed('unexpected text after the dict');
  return dict;
}

interface NpyPrefix {
  major: number;
  version: string;
  start: number;
  headerLen: number;
}

/** Checks the fixed prefix (magic, version, header length) before anything is allocated for the header. */
export function parseNpyPrefix(file: string, prefix: Uint8Array, fileSize: number): NpyPrefix {
  if (fileSize < 10 || prefix.length < 10) throw bad(file, `is too short (${fileSize} bytes) to be a .npy file`);
  const buf = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (!buf.subarray(0, 6).equals(MAGIC)) {
    throw bad(file, 'is not a .npy file (its first bytes are not \\x93NUMPY); save arrays with np.save');
  }
  const major = buf[6];
  const minor = buf[7];
  const version = `${major}.${minor}`;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw bad(file, `has .npy format version ${version}, which Octet does not read (supported: 1.0, 2.0, 3.0)`);
  }
  if (major > 1 && (fileSize < 12 || buf.length < 12)) throw bad(file, `is truncated inside its header (${fileSize} bytes)`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (headerLen > MAX_HEADER_BYTES) {
    throw bad(file, `has a ${headerLen}-byte header, more than the ${MAX_HEADER_BYTES} numpy itself accepts; the file is corrupt or not a plain array`);
  }
  if (start + headerLen > fileSize) throw bad(file, `is truncated inside its header (header needs ${start + headerLen} bytes, file has ${fileSize})`);
  return { major, version, start, headerLen };
}

/** Parses and checks a whole .npy header. `head` holds the file's first bytes, at least through the header. */
export function parseNpyHeader(file: string, head: Uint8Array, fileSize: number): NpyHeader {
  const { major, version, start, headerLen } = parseNpyPrefix(file, head, fileSize);
  if (head.length < start + headerLen)
    throw new OctetError('INTERNAL', `parseNpyHeader(${file}): got ${head.length} bytes, the header needs ${start + headerLen}`);
  const headerBytes = head.subarray(start, start + headerLen);
  const text = Buffer.from(headerBytes.buffer, headerBytes.byteOffset, headerBytes.byteLength).toString(major === 3 ? 'utf8' : 'latin1');

  const dict = parseHeaderDict(file, text);
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw bad(file, `is not a valid .npy file: header keys are {${keys}}, expected exactly descr, fortran_order, shape`);
  }
  const descr = dict.get('descr');
  if (typeof descr !== 'string') {
    const shown = typeof descr === 'object' && !Array.isArray(descr) ? descr.unsupported : String(descr);
    throw bad(file, `holds a structured dtype (${shown.slice(0, 60)}), which Octet does not read; save one plain array (${SUPPORTED})`);
  }
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw bad(file, 'is not a valid .npy file: fortran_order must be True or False');
  const shape = dict.get('shape');
  if (!Array.isArray(shape)) throw bad(file, 'is not a valid .npy file: shape must be a tuple of whole numbers');
  const dtype = dtypeFromDescr(file, descr);
  if (fortran) {
    throw bad(file, 'is stored in Fortran (column-major) order, which Octet does not read; re-save it with np.save(path, np.ascontiguousarray(a))');
  }
  if (shape.length === 0) throw bad(file, 'holds a single scalar (shape ()); its first axis must index samples, e.g. shape [N,3,224,224]');
  if (shape.length > MAX_RANK) throw bad(file, `has an absurd shape with ${shape.length} dimensions; the file is corrupt`);

  const itemSize = DTYPE_INFO[dtype].size;
  const dataOffset = start + headerLen;
  const need = shape.reduce((a, d) => a * BigInt(d), BigInt(itemSize));
  const have = BigInt(fileSize - dataOffset);
  if (need !== have) {
    const what = `shape ${formatDims(shape)} of ${DTYPE_INFO[dtype].name} needs ${need} bytes of data but the file holds ${have}`;
    if (need > have) throw bad(file, `is truncated or its header is corrupt: ${what}; re-save it with np.save`);
    throw bad(file, `has trailing bytes: ${what}; the file is corrupt or not written by np.save`);
  }
  return { version, descr, dtype, itemSize, shape, dataOffset };
}

/** Bytes of a .npy (or a stored .npz member) in a fresh, aligned buffer; a short file is DATA_UNREADABLE. */
export function readExactly(fh: FileHandle, file: string, length: number, position: number): Promise<Uint8Array> {
  return readBytes(fh, length, position, (at) => bad(file, `ended early while reading data at byte ${at}; was it changed while Octet was reading it?`));
}

export async function readHeader(file: string): Promise<{ header: NpyHeader; fileSize: number }> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw fsError(file, e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw bad(file, 'is not a regular file');
    const fileSize = st.size;
    const prefix = await readExactly(fh, file, Math.min(fileSize, PREFIX_BYTES), 0);
    const { start, headerLen } = parseNpyPrefix(file, prefix, fileSize);
    const head = await readExactly(fh, file, start + headerLen, 0);
    return { header: parseNpyHeader(file, head, fileSize), fileSize };
  } finally {
    await fh.close();
  }
}

export type SourceArray = Float32Array | Float64Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Uint16Array;

export function viewOf(dtype: NpyDtype, bytes: Uint8Array, offset: number, length: number): SourceArray {
  const ab = bytes.buffer;
  const at = bytes.byteOffset + offset;
  switch (dtype) {
    case 'f2':
      return new Uint16Array(ab, at, length);
    case 'f4':
      return new Float32Array(ab, at, length);
    case 'f8':
      return new Float64Array(ab, at, length);
    case 'u1':
    case 'b1':
      return new Uint8Array(ab, at, length);
    case 'i1':
      return new Int8Array(ab, at, length);
    case 'i4':
      return new Int32Array(ab, at, length);
    case 'i8':
      return new BigInt64Array(ab, at, length);
  }
}

const INT_RANGE: Record<'int32' | 'int8' | 'uint8' | 'bool', [number, number]> = {
  int32: [-2147483648, 2147483647],
  int8: [-128, 127],
  uint8: [0, 255],
  bool: [0, 1],
};
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export interface Where {
  file: string;
  sample: number;
  input: Pick<InputSpec, 'name' | 'type'>;
}

function firstNonFinite(a: Float32Array | Float64Array): number {
  for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) return k;
  return -1;
}

function notFinite(w: Where, k: number, v: number, extra = ''): OctetError {
  return new OctetError(
    'DATA_NOT_FINITE',
    `${w.file} sample ${w.sample} holds ${v} at element ${k}${extra}; clean the data (e.g. np.nan_to_num) or drop that sample`,
  );
}

function unfit(w: Where, k: number, v: number | bigint): OctetError {
  return new OctetError(
    'DATA_UNREADABLE',
    `${w.file} sample ${w.sample} element ${k} is ${v}, which input '${w.input.name}' of type ${w.input.type} cannot hold; convert the data to ${w.input.type} before saving`,
  );
}

/**
 * Converts one sample to the input's element type. Float data is checked for NaN/Inf; integer and
 * bool targets accept only whole numbers in range (no silent rounding or wrapping).
 */
export function convertSample(src: SourceArray, dtype: NpyDtype, w: Where): TypedData {
  if (src instanceof Float32Array || src instanceof Float64Array) {
    const k = firstNonFinite(src);
    if (k >= 0) throw notFinite(w, k, src[k]);
  }
  const target = w.input.type;
  if (dtype === 'f2') {
    const bits = src as Uint16Array;
    for (let k = 0; k < bits.length; k++) if ((bits[k] & 0x7c00) === 0x7c00) throw notFinite(w, k, halfToFloat(bits[k]));
    if (target === 'float16') return bits;
    if (target !== 'float32' && target !== 'float64') throw unfit(w, 0, halfToFloat(bits[0]));
    const out = target === 'float32' ? new Float32Array(bits.length) : new Float64Array(bits.length);
    for (let k = 0; k < bits.length; k++) out[k] = halfToFloat(bits[k]);
    return out;
  }
  if (target === 'float16') {
    const out = new Uint16Array(src.length);
    for (let k = 0; k < src.length; k++) {
      const v = Number(src[k]);
      out[k] = floatToHalf(v);
      if ((out[k] & 0x7c00) === 0x7c00) throw notFinite(w, k, v, ` (${v} overflows float16)`);
    }
    return out;
  }
  const n = src.length;
  if (DTYPE_INFO[dtype].name === target) {
    if (dtype === 'b1') for (let k = 0; k < n; k++) if ((src[k] as number) > 1) throw unfit(w, k, src[k]);
    return src;
  }
  switch (target) {
    case 'float32': {
      const out = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const v = Number(src[k]);
        out[k] = v;
        if (!Number.isFinite(out[k])) throw notFinite(w, k, v, ` (${v} overflows float32)`);
      }
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let k = 0; k < n; k++) out[k] = Number(src[k]);
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let k = 0; k < n; k++) {
        const v = src[k];
        if (typeof v === 'bigint') {
          out[k] = v;
          continue;
        }
        if (!Number.isInteger(v)) throw unfit(w, k, v);
        const b = BigInt(v);
        if (b < I64_MIN || b > I64_MAX) throw unfit(w, k, v);
        out[k] = b;
      }
      return out;
    }
    case 'int32':
    case 'int8':
    case 'uint8':
    case 'bool': {
      const [lo, hi] = INT_RANGE[target];
      const out = target === 'int32' ? new Int32Array(n) : target === 'int8' ? new Int8Array(n) : new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        const v = src[k];
        const x = typeof v === 'bigint' ? (v >= BigInt(lo) && v <= BigInt(hi) ? Number(v) : NaN) : v;
        if (!Number.isInteger(x) || x < lo || x > hi) throw unfit(w, k, v);
        out[k] = x;
      }
      return out;
    }
  }
}
