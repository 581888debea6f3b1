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
  if (out instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = BigInt(num(src[i]));
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

export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  return makeTensor(name, BigInt64Array.from(values, (v) => BigInt(v)), dims);
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
