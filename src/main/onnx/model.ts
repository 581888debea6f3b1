import { readFile, stat, realpath, open, type FileHandle } from 'node:fs/promises';
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

/**
 * What a model's external data may make Octet allocate. A tensor's bytes become one protobuf
 * `bytes` field, which cannot exceed 2 GiB; in all, fp32 weights of 8 GiB give an int8 model of
 * about 2 GiB, the most one ONNX file holds. Both are checked before anything is allocated.
 */
export const EXTERNAL_DATA_LIMITS = { perTensorBytes: 2 ** 31 - 1, totalBytes: 8 * 2 ** 30 };
export type ExternalDataLimits = typeof EXTERNAL_DATA_LIMITS;

export interface LoadOptions {
  /**
   * 'inline' (the default) reads every external tensor into the model, within `limits`.
   * 'skip' leaves external tensors as references: for callers that only need the graph (node
   * names, inputs), so a model cannot make them read weights at all.
   */
  externalData?: 'inline' | 'skip';
  limits?: Partial<ExternalDataLimits>;
}

export async function loadModel(path: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new OctetError('MODEL_NOT_FOUND', `Model not found: ${abs}`);
  if (!st.isFile()) throw new OctetError('MODEL_UNREADABLE', `Not a file: ${abs}`);
  if (st.size > MAX_MODEL_BYTES) throw new OctetError('MODEL_UNSUPPORTED', `${abs} is larger than 2 GiB; save it with external data first`);
  const bytes = await readFile(abs);
  const model = decodeModel(bytes, abs);
  if (opts.externalData !== 'skip') await resolveExternalData(model, dirname(abs), { ...EXTERNAL_DATA_LIMITS, ...opts.limits });
  return { model, path: abs, sizeBytes: st.size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Every TensorProto in the model, wherever it sits: graph initializers, sparse initializers,
 * tensor attributes (Constant's `value`, …), and the same inside every subgraph (If, Loop, Scan
 * bodies), function bodies and training graphs. Iterative, so a deeply nested model cannot
 * overflow the stack.
 */
export function allTensors(model: ModelProto): onnx.TensorProto[] {
  const out: onnx.TensorProto[] = [];
  const graphs: onnx.GraphProto[] = [];
  const nodes: onnx.NodeProto[] = [];
  const sparse = (s: onnx.SparseTensorProto | null | undefined) => {
    if (s?.values) out.push(s.values as onnx.TensorProto);
    if (s?.indices) out.push(s.indices as onnx.TensorProto);
  };
  if (model.graph) graphs.push(model.graph);
  for (const f of model.functions ?? []) nodes.push(...(f.node ?? []));
  for (const ti of model.trainingInfo ?? []) {
    if (ti.initialization) graphs.push(ti.initialization as onnx.GraphProto);
    if (ti.algorithm) graphs.push(ti.algorithm as onnx.GraphProto);
  }
  while (graphs.length || nodes.length) {
    const g = graphs.pop();
    if (g) {
      out.push(...(g.initializer ?? []));
      for (const s of g.sparseInitializer ?? []) sparse(s as onnx.SparseTensorProto);
      for (const n of g.node ?? []) nodes.push(n);
      continue;
    }
    const n = nodes.pop()!;
    for (const a of n.attribute ?? []) {
      if (a.t) out.push(a.t as onnx.TensorProto);
      for (const t of a.tensors ?? []) out.push(t as onnx.TensorProto);
      sparse(a.sparseTensor as onnx.SparseTensorProto | null);
      for (const s of a.sparseTensors ?? []) sparse(s as onnx.SparseTensorProto);
      if (a.g) graphs.push(a.g as onnx.GraphProto);
      for (const g2 of a.graphs ?? []) graphs.push(g2 as onnx.GraphProto);
    }
  }
  return out;
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
  for (const t of allTensors(model)) checkTensorSize(t, name);
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
    if (!Number.isSafeInteger(v) || v < 0) throw new OctetError('MODEL_UNREADABLE', `${name}: tensor '${t.name}' has an invalid dimension ${String(d)}`);
    n *= v;
  }
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return; // checked when the data is read
  const held = heldValues(t);
  if (held !== undefined && held !== n) {
    throw new OctetError('MODEL_UNREADABLE', `${name}: tensor '${t.name}' has dims [${t.dims.join(',')}] (${n} values) but holds ${held}`);
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

/** Bytes per element of each ONNX data type with a fixed size; 4-bit types are packed two per byte. */
const ELEMENT_BITS: Partial<Record<number, number>> = {
  1: 32,
  2: 8,
  3: 8,
  4: 16,
  5: 16,
  6: 32,
  7: 64,
  9: 8,
  10: 16,
  11: 64,
  12: 32,
  13: 64,
  14: 64,
  15: 128,
  16: 16,
  17: 8,
  18: 8,
  19: 8,
  20: 8,
  21: 4,
  22: 4,
  23: 4,
};

const DECIMAL = /^[0-9]{1,16}$/;

interface ExternalRef {
  t: onnx.TensorProto;
  location: string;
  file: string;
  offset: number;
  length: number;
}

/**
 * Inlines external-data tensors (every TensorProto in the model, not only graph initializers),
 * refusing any location that leaves the model's folder. Everything is checked before a byte is
 * allocated: each region must lie inside its file, match the tensor's dims, stay under the
 * per-tensor cap, not overlap another tensor's region (25 tensors naming one 8 MB file would
 * otherwise cost 200 MB), and all of them together must stay under the total cap.
 */
async function resolveExternalData(model: ModelProto, dir: string, limits: ExternalDataLimits): Promise<void> {
  const tensors = allTensors(model).filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  if (tensors.length === 0) return;
  const root = await realpath(dir);
  const sizes = new Map<string, number>();
  const refs: ExternalRef[] = [];
  for (const t of tensors) {
    const kv = new Map<string, string>();
    for (const e of t.externalData) kv.set(e.key ?? '', e.value ?? '');
    const location = kv.get('location');
    if (!location) throw new OctetError('EXTERNAL_DATA', `Tensor '${t.name}' is external but names no location`);
    // Containment is checked on the path as written first, so a location outside the folder is
    // refused without revealing whether it exists; realpath then catches symlinks leading out.
    const outside = () => new OctetError('EXTERNAL_DATA', `Tensor '${t.name}' points outside the model folder (${location})`);
    if (location.includes('\0') || isAbsolute(location) || !resolve(root, location).startsWith(root + sep)) throw outside();
    const file = await realpath(resolve(root, location)).catch(() => {
      throw new OctetError('EXTERNAL_DATA', `External data file for tensor '${t.name}' not found: ${resolve(root, location)}`);
    });
    if (!file.startsWith(root + sep)) throw outside();
    let size = sizes.get(file);
    if (size === undefined) {
      const st = await stat(file);
      if (!st.isFile()) throw new OctetError('EXTERNAL_DATA', `External data for tensor '${t.name}' is not a file: ${location}`);
      size = st.size;
      sizes.set(file, size);
    }
    const field = (key: string, dflt: number): number => {
      const v = kv.get(key);
      if (v === undefined) return dflt;
      if (!DECIMAL.test(v) || !Number.isSafeInteger(Number(v)))
        throw new OctetError('EXTERNAL_DATA', `Tensor '${t.name}': external-data ${key} ${JSON.stringify(v.slice(0, 40))} is not a whole number of bytes`);
      return Number(v);
    };
    const offset = field('offset', 0);
    const length = field('length', Math.max(0, size - offset));
    if (offset + length > size) {
      throw new OctetError(
        'EXTERNAL_DATA',
        `Tensor '${t.name}': external-data offset/length ${offset}/${length} exceed ${location} (${size} bytes); the region must lie inside the file`,
      );
    }
    const bits = ELEMENT_BITS[t.dataType];
    const count = t.dims.reduce((a: number, d) => a * num(d), 1);
    if (bits !== undefined && Number.isSafeInteger(count) && Math.ceil((count * bits) / 8) !== length) {
      throw new OctetError(
        'EXTERNAL_DATA',
        `Tensor '${t.name}' has dims [${t.dims.join(',')}] (${Math.ceil((count * bits) / 8)} bytes) but its external data in ${location} is ${length} bytes`,
      );
    }
    if (length > limits.perTensorBytes) {
      throw new OctetError(
        'EXTERNAL_DATA',
        `Tensor '${t.name}' has ${length} bytes of external data; Octet reads at most ${limits.perTensorBytes} bytes per tensor`,
      );
    }
    refs.push({ t, location, file, offset, length });
  }
  const total = refs.reduce((a, r) => a + r.length, 0);
  if (total > limits.totalBytes) {
    throw new OctetError(
      'EXTERNAL_DATA',
      `The model's external data adds up to ${total} bytes over ${refs.length} tensors; Octet reads at most ${limits.totalBytes} bytes in all`,
    );
  }
  const byFile = [...refs].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset));
  for (let i = 1; i < byFile.length; i++) {
    const [a, b] = [byFile[i - 1], byFile[i]];
    if (a.file === b.file && b.offset < a.offset + a.length && b.length > 0) {
      throw new OctetError(
        'EXTERNAL_DATA',
        `Tensors '${a.t.name}' and '${b.t.name}' share bytes ${b.offset}..${Math.min(a.offset + a.length, b.offset + b.length)} of ${a.location}; each external tensor must have its own region`,
      );
    }
  }
  for (const r of refs) {
    const fh = await open(r.file, 'r');
    try {
      r.t.rawData = await readFully(fh, r.offset, r.length, r.location);
    } finally {
      await fh.close();
    }
    r.t.externalData = [];
    r.t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    checkTensorSize(r.t, `tensor '${r.t.name}'`);
  }
}

/** One read may return fewer bytes than asked (always, past 2 GiB): loop until the region is in. */
export async function readFully(fh: Pick<FileHandle, 'read'>, offset: number, length: number, what: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, Math.min(length - done, READ_CHUNK), offset + done);
    if (bytesRead === 0)
      throw new OctetError(
        'EXTERNAL_DATA',
        `${what} ended after ${offset + done} bytes, before the ${length} bytes its tensor needs (the file changed while it was read)`,
      );
    done += bytesRead;
  }
  return buf;
}
const READ_CHUNK = 2 ** 30;

/** ONNX Runtime's contrib domain (QLinear* operators, Gelu before opset 20). */
export const MS_DOMAIN = 'com.microsoft';

/** Imports ORT's contrib domain when a node of the main graph uses it and the model does not yet. */
export function importContribDomain(model: ModelProto): void {
  if (model.graph!.node.some((n) => n.domain === MS_DOMAIN) && !model.opsetImport.some((o) => o.domain === MS_DOMAIN))
    model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: MS_DOMAIN, version: 1 }));
}

export function opsetOf(model: ModelProto, domain = ''): number {
  const entry = model.opsetImport.find((o) => (o.domain ?? '') === domain || (domain === '' && o.domain === 'ai.onnx'));
  return entry ? num(entry.version) : 0;
}

/** A deep copy, so conversion never mutates the caller's (input) model. */
export function cloneModel(model: ModelProto): ModelProto {
  return onnx.ModelProto.decode(encodeModel(model));
}
