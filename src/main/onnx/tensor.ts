import { onnx } from './proto/onnx';
import { OctetError } from '../../shared/errors';

export type TensorProto = onnx.TensorProto;
export const DT = onnx.TensorProto.DataType;

type Long = { toNumber(): number };
/** protobufjs yields int64 fields as Long objects; every caller wants a plain number. */
export function num(x: number | Long | null | undefined): number {
  if (x == null) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/**
 * An int64 value exactly, as a bigint. Decoded int64 fields are numbers (model.ts), so the
 * ±2^63 sentinels Slice uses arrive as ±9223372036854775808: numbers saturate into int64's
 * range; a Long converts bit for bit.
 */
export function int64Of(x: number | { low: number; high: number } | null | undefined): bigint {
  if (x == null) return 0n;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) return x > 0 ? INT64_MAX : INT64_MIN;
    const b = BigInt(Math.trunc(x));
    return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
  }
  return BigInt.asIntN(64, (BigInt(x.high >>> 0) << 32n) | BigInt(x.low >>> 0));
}

export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array;

const CTOR: Partial<Record<number, { new (b: ArrayBuffer, o: number, n: number): NumericArray; BYTES_PER_ELEMENT: number }>> = {
  [DT.FLOAT]: Float32Array,
  [DT.DOUBLE]: Float64Array,
  [DT.INT8]: Int8Array,
  [DT.UINT8]: Uint8Array,
  [DT.BOOL]: Uint8Array,
  [DT.INT16]: Int16Array,
  [DT.UINT16]: Uint16Array,
  [DT.INT32]: Int32Array,
  [DT.INT64]: BigInt64Array,
};

export const dimsOf = (t: TensorProto): number[] => t.dims.map(num);
export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * How many values the tensor actually holds (raw bytes / element size, or the typed list's
 * length); undefined for types whose element size Octet does not know.
 */
export function heldValues(t: TensorProto): number | undefined {
  if (t.rawData && t.rawData.length > 0) {
    const ctor = CTOR[t.dataType];
    return ctor ? t.rawData.length / ctor.BYTES_PER_ELEMENT : undefined;
  }
  switch (t.dataType) {
    case DT.FLOAT:
      return t.floatData.length;
    case DT.DOUBLE:
      return t.doubleData.length;
    case DT.INT64:
      return t.int64Data.length;
    case DT.STRING:
      return t.stringData.length;
    case DT.UINT64:
    case DT.UINT32:
      return t.uint64Data.length;
    default:
      return CTOR[t.dataType] ? t.int32Data.length : undefined;
  }
}

/** The tensor's values in their natural typed array (raw_data copied so it is aligned). */
export function tensorValues(t: TensorProto): NumericArray {
  const ctor = CTOR[t.dataType];
  if (!ctor) throw new OctetError('MODEL_UNSUPPORTED', `Tensor '${t.name}' has unsupported data type ${t.dataType}`);
  const n = sizeOf(dimsOf(t));
  const held = heldValues(t);
  if (held !== n) throw new OctetError('MODEL_UNREADABLE', `Tensor '${t.name}' has dims [${dimsOf(t).join(',')}] but holds ${held ?? 'no'} values`);
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // aligned copy; also detaches from the file buffer
    return new ctor(copy.buffer, 0, n);
  }
  const out = new ctor(new ArrayBuffer(n * ctor.BYTES_PER_ELEMENT), 0, n);
  const src: ArrayLike<number | Long> =
    t.dataType === DT.FLOAT ? t.floatData : t.dataType === DT.DOUBLE ? t.doubleData : t.dataType === DT.INT64 ? t.int64Data : t.int32Data;
  if (out instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = int64Of(src[i] as number | { low: number; high: number });
  else for (let i = 0; i < n; i++) out[i] = num(src[i]);
  return out;
}

export function tensorFloat32(t: TensorProto): Float32Array {
  const v = tensorValues(t);
  if (v instanceof Float32Array) return v;
  if (v instanceof BigInt64Array) return Float32Array.from(v, (x) => Number(x));
  return Float32Array.from(v);
}

export function tensorInts(t: TensorProto): number[] {
  const v = tensorValues(t);
  return v instanceof BigInt64Array ? Array.from(v, (x) => Number(x)) : Array.from(v);
}

/** A float or double tensor's values; undefined for other types or when the values do not fill the dims. */
export function tensorFloats(t: TensorProto): number[] | undefined {
  if (t.dataType !== DT.FLOAT && t.dataType !== DT.DOUBLE) return undefined;
  return heldValues(t) === sizeOf(dimsOf(t)) ? Array.from(tensorValues(t) as Float32Array | Float64Array) : undefined;
}

/** An int64 or int32 tensor's values, exactly; undefined for other types or when the values do not fill the dims. */
export function tensorInt64s(t: TensorProto): bigint[] | undefined {
  if (t.dataType !== DT.INT64 && t.dataType !== DT.INT32) return undefined;
  if (heldValues(t) !== sizeOf(dimsOf(t))) return undefined;
  const v = tensorValues(t);
  return v instanceof BigInt64Array ? Array.from(v) : Array.from(v, (x) => BigInt(x));
}

const DTYPE_OF = new Map<NumericArray['constructor'], number>([
  [Float32Array, DT.FLOAT],
  [Float64Array, DT.DOUBLE],
  [Int8Array, DT.INT8],
  [Uint8Array, DT.UINT8],
  [Int16Array, DT.INT16],
  [Uint16Array, DT.UINT16],
  [Int32Array, DT.INT32],
  [BigInt64Array, DT.INT64],
]);

export function makeTensor(name: string, data: NumericArray, dims: readonly number[], dataType?: number): TensorProto {
  const type = dataType ?? DTYPE_OF.get(data.constructor);
  if (type === undefined) throw new Error(`makeTensor: unsupported array type`);
  if (sizeOf(dims) !== data.length) throw new Error(`makeTensor(${name}): ${data.length} values for dims [${dims}]`);
  return onnx.TensorProto.create({
    name,
    dataType: type,
    dims: [...dims],
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  });
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE half (as its 16 bits) to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** A number to IEEE half bits, rounding to nearest even; overflow gives ±Inf. */
export function floatToHalf(v: number): number {
  F32[0] = v;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  let m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  let he = e - 127 + 15;
  if (he >= 31) return sign | 0x7c00;
  if (he <= 0) {
    if (he < -10) return sign;
    m |= 0x800000;
    const shift = 14 - he;
    let hm = m >> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && hm & 1)) hm++;
    return sign | hm;
  }
  let hm = m >> 13;
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && hm & 1)) {
    hm++;
    if (hm === 0x400) {
      hm = 0;
      he++;
      if (he >= 31) return sign | 0x7c00;
    }
  }
  return sign | (he << 10) | hm;
}

/** A float-family tensor of `elemType` (float, double or float16) holding `values`. */
export function floatTensor(name: string, values: readonly number[], dims: readonly number[], elemType: number): TensorProto {
  if (elemType === DT.DOUBLE) return makeTensor(name, Float64Array.from(values), dims);
  if (elemType === DT.FLOAT16) return makeTensor(name, Uint16Array.from(values, floatToHalf), dims, DT.FLOAT16);
  return makeTensor(name, Float32Array.from(values), dims);
}

export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  return makeTensor(
    name,
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

const ELEM_NAMES: Record<number, string> = {
  [DT.FLOAT]: 'float32',
  [DT.DOUBLE]: 'float64',
  [DT.INT8]: 'int8',
  [DT.UINT8]: 'uint8',
  [DT.INT16]: 'int16',
  [DT.UINT16]: 'uint16',
  [DT.INT32]: 'int32',
  [DT.INT64]: 'int64',
  [DT.BOOL]: 'bool',
  [DT.FLOAT16]: 'float16',
  [DT.STRING]: 'string',
};
export const elemTypeName = (t: number): string => ELEM_NAMES[t] ?? `type${t}`;
