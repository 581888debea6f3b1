import { readFile, stat, realpath, open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, resolve, sep, isAbsolute } from 'node:path';
import { onnx } from './proto/onnx';
import { OctetError } from '../../shared/errors';
import { writeFileAtomic } from '../io/atomicWrite';
import { num, heldValues } from './tensor';

export type ModelProto = onnx.ModelProto;

export interface LoadedModel {
  model: ModelProto;
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** Largest tensor or file Octet will read; protobuf itself caps a model at 2 GiB. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

export async function loadModel(path: string): Promise<LoadedModel> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new OctetError('MODEL_NOT_FOUND', `Model not found: ${abs}`);
  if (!st.isFile()) throw new OctetError('MODEL_UNREADABLE', `Not a file: ${abs}`);
  if (st.size > MAX_MODEL_BYTES) throw new OctetError('MODEL_UNSUPPORTED', `${abs} is larger than 2 GiB; save it with external data first`);
  const bytes = await readFile(abs);
  const model = decodeModel(bytes, abs);
  await resolveExternalData(model, dirname(abs));
  return { model, path: abs, sizeBytes: st.size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function decodeModel(bytes: Uint8Array, name = 'model'): ModelProto {
  if (bytes.length === 0) throw new OctetError('MODEL_UNREADABLE', `${name} is empty (0 bytes), not an ONNX model`);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OctetError('MODEL_UNREADABLE', `${name} is not a valid ONNX model (truncated or corrupt protobuf: ${(e as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || num(model.irVersion) <= 0 || model.opsetImport.length === 0) {
    throw new OctetError('MODEL_UNREADABLE', `${name} is not an ONNX model (no graph, IR version or opset import)`);
  }
  if (graph.node.length === 0) throw new OctetError('MODEL_UNREADABLE', `${name} has an empty graph`);
  const inits = new Set(graph.initializer.map((t) => t.name));
  if (graph.input.filter((i) => !inits.has(i.name)).length === 0) throw new OctetError('MODEL_UNSUPPORTED', `${name} has no inputs to feed`);
  if (graph.output.length === 0) throw new OctetError('MODEL_UNSUPPORTED', `${name} has no outputs`);
  for (const t of graph.initializer) checkTensorSize(t, name);
  return model;
}

/**
 * An initializer's dims must match the data it holds: a few bytes that claim 2^40 elements must
 * not make Octet (or a report) believe in, or allocate, a terabyte.
 */
function checkTensorSize(t: onnx.TensorProto, name: string): void {
  let n = 1;
  for (const d of t.dims) {
    const v = num(d);
    if (!Number.isSafeInteger(v) || v < 0) throw new OctetError('MODEL_UNREADABLE', `${name}: initializer '${t.name}' has an invalid dimension ${String(d)}`);
    n *= v;
  }
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return; // checked when the data is read
  const held = heldValues(t);
  if (held !== undefined && held !== n) {
    throw new OctetError('MODEL_UNREADABLE', `${name}: initializer '${t.name}' has dims [${t.dims.join(',')}] (${n} values) but holds ${held}`);
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export async function saveModel(model: ModelProto, path: string): Promise<number> {
  const bytes = encodeModel(model);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

/** Inlines external-data tensors, refusing any location that leaves the model's folder. */
async function resolveExternalData(model: ModelProto, dir: string): Promise<void> {
  const tensors = model.graph!.initializer.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  if (tensors.length === 0) return;
  const root = await realpath(dir);
  for (const t of tensors) {
    const kv = new Map(t.externalData.map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw new OctetError('EXTERNAL_DATA', `Tensor '${t.name}' is external but names no location`);
    // Containment is checked on the path as written first, so a location outside the folder is
    // refused without revealing whether it exists; realpath then catches symlinks leading out.
    const outside = () => new OctetError('EXTERNAL_DATA', `Tensor '${t.name}' points outside the model folder (${location})`);
    if (isAbsolute(location) || !resolve(root, location).startsWith(root + sep)) throw outside();
    const file = await realpath(resolve(root, location)).catch(() => {
      throw new OctetError('EXTERNAL_DATA', `External data file for tensor '${t.name}' not found: ${resolve(root, location)}`);
    });
    if (!file.startsWith(root + sep)) throw outside();
    const st = await stat(file);
    if (!st.isFile()) throw new OctetError('EXTERNAL_DATA', `External data for tensor '${t.name}' is not a file: ${location}`);
    const offset = Number(kv.get('offset') ?? 0);
    const size = st.size;
    const length = kv.has('length') ? Number(kv.get('length')) : size - offset;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
      throw new OctetError('EXTERNAL_DATA', `Tensor '${t.name}': offset/length ${offset}/${length} exceed ${location} (${size} bytes)`);
    }
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, offset);
      t.rawData = buf;
    } finally {
      await fh.close();
    }
    t.externalData = [];
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    checkTensorSize(t, `tensor '${t.name}'`);
  }
}

export function opsetOf(model: ModelProto, domain = ''): number {
  const entry = model.opsetImport.find((o) => (o.domain ?? '') === domain || (domain === '' && o.domain === 'ai.onnx'));
  return entry ? num(entry.version) : 0;
}

/** A deep copy, so conversion never mutates the caller's (input) model. */
export function cloneModel(model: ModelProto): ModelProto {
  return onnx.ModelProto.decode(encodeModel(model));
}
