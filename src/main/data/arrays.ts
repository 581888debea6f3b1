// Named arrays (a .npz archive, a folder of .npy files, one .npy file) as data for a model with
// any number of inputs.
//
// Each array's first axis indexes samples; sample i of the data is sample i of every array. A
// sample with the input's rank is fed as it is (so [16,32,1024] feeds x:[N,1024] batches of 32);
// one rank lower gets a batch dim of 1 (a 1-D array gives scalar samples). Symbolic dims are fixed
// by the data, per input; inputs that share a symbolic dim name must agree on it. Inputs the data
// leaves out are an error naming them, except recurrent states (float inputs named like h, c,
// state, hidden…), which are fed zeros and said so in `notes`.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { OctetError } from '../../shared/errors';
import { applyLimit, checkIndex, formatDims, fsError } from './checks';
import { convertSample, DTYPE_INFO, parseNpyHeader, parseNpyPrefix, readExactly, readHeader, viewOf, type NpyHeader } from './npy';
import type { DataSource, ElemType, IdLimit, InputFeedInfo, ModelInput, Sample, TypedData } from './types';
import { inflateMember, memberDataOffset, readZipDirectory } from './zip';

/** A deflated member is inflated into memory up to this size (stored members are read sample by sample). */
export const MAX_INFLATED_BYTES = 512 * 2 ** 20;

/** One stored array: its header and a way to read the bytes of a run of samples. */
export interface ArrayRef {
  /** Name it is matched to a model input by (the .npz key, or the .npy file's base name). */
  key: string;
  /** For messages: "/d/a.npz array 'input_ids'" or "/d/x/input_ids.npy". */
  origin: string;
  header: NpyHeader;
  /** Bytes of samples first..first+n-1, in a fresh (aligned) buffer. */
  read(first: number, n: number): Promise<Uint8Array>;
}

function sampleBytesOf(h: NpyHeader): number {
  return h.shape.slice(1).reduce((a, b) => a * b, 1) * h.itemSize;
}

async function readFileRange(file: string, length: number, position: number): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw fsError(file, e);
  }
  try {
    return await readExactly(fh, file, length, position);
  } finally {
    await fh.close();
  }
}

/** A .npy file on disk. */
export async function npyFileArray(file: string, key = basename(file, extname(file))): Promise<ArrayRef> {
  const { header } = await readHeader(file);
  const per = sampleBytesOf(header);
  return { key, origin: file, header, read: (first, n) => readFileRange(file, n * per, header.dataOffset + first * per) };
}

/** The arrays of a .npz archive (np.savez or np.savez_compressed). */
export async function npzArrays(file: string): Promise<ArrayRef[]> {
  const members = await readZipDirectory(file);
  const out: ArrayRef[] = [];
  for (const m of members) {
    if (m.name.endsWith('/')) continue;
    const key = m.name.endsWith('.npy') ? m.name.slice(0, -4) : m.name;
    const origin = `${file} array '${key}'`;
    if (m.method === 0) {
      const base = await memberDataOffset(file, m);
      if (m.compressedSize !== m.size) throw new OctetError('DATA_UNREADABLE', `${origin} is a stored member whose sizes disagree; the archive is corrupt`);
      const prefix = await readFileRange(file, Math.min(12, m.size), base);
      const { start, headerLen } = parseNpyPrefix(origin, prefix, m.size);
      const head = await readFileRange(file, start + headerLen, base);
      const header = parseNpyHeader(origin, head, m.size);
      const per = sampleBytesOf(header);
      out.push({ key, origin, header, read: (first, n) => readFileRange(file, n * per, base + header.dataOffset + first * per) });
    } else {
      const bytes = await inflateMember(file, m, MAX_INFLATED_BYTES);
      const header = parseNpyHeader(origin, bytes, bytes.length);
      const per = sampleBytesOf(header);
      out.push({ key, origin, header, read: async (first, n) => bytes.slice(header.dataOffset + first * per, header.dataOffset + (first + n) * per) });
    }
  }
  if (!out.length) throw new OctetError('DATA_EMPTY', `${file} holds no arrays; save one per model input with np.savez(path, name=array, ...)`);
  return out;
}

/** The .npy files of a folder (named after the inputs); undefined when the folder holds none. */
export async function npyFolderArrays(dir: string): Promise<ArrayRef[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw fsError(dir, e);
  }
  const files = names.filter((n) => extname(n).toLowerCase() === '.npy' && !n.startsWith('.')).sort();
  if (!files.length) return undefined;
  const out: ArrayRef[] = [];
  for (const f of files) {
    const path = join(dir, f);
    if (!(await stat(path)).isFile()) continue;
    out.push(await npyFileArray(path, f.slice(0, -4)));
  }
  return out;
}

const STATE_NAME = /(^|[^a-z])(h|c|hn|cn|h0|c0|hx|cx|state|states|hidden|hiddens|memory|cell)(\d*)($|[^a-z])|state|hidden/i;
const FLOAT_TYPES: ElemType[] = ['float32', 'float16', 'float64'];

/** A recurrent state input (h, c, state, *_state, hidden…, and a float type): may default to zeros. */
export function isRecurrentState(input: Pick<ModelInput, 'name' | 'type'>): boolean {
  return FLOAT_TYPES.includes(input.type) && STATE_NAME.test(input.name);
}

const showDims = (input: ModelInput): string => formatDims(input.dims.map((d, i) => d ?? input.dimNames?.[i] ?? '?'));

/** Fixed dims from the data for one input, or an error naming the input and the array. */
function resolveDims(input: ModelInput, a: ArrayRef): number[] {
  const sample = a.header.shape.slice(1);
  const r = input.dims.length;
  let dims: number[];
  if (sample.length === r) dims = sample;
  else if (sample.length === r - 1) dims = [1, ...sample];
  else {
    throw new OctetError(
      'SHAPE_MISMATCH',
      `${a.origin} holds ${formatDims(a.header.shape)}: samples of rank ${sample.length} (${formatDims(sample)}), but input '${input.name}' ${showDims(input)} has rank ${r}; each sample must have the input's rank (fed as it is) or one less (a batch dim of 1 is added), and the array's first axis indexes samples`,
    );
  }
  input.dims.forEach((d, i) => {
    if (d !== null && d !== dims[i]) {
      const how = sample.length === r ? 'fed as it is' : 'with a batch dim of 1 added';
      throw new OctetError(
        'SHAPE_MISMATCH',
        `${a.origin}: a sample is ${formatDims(dims)} (${how}) but input '${input.name}' is ${showDims(input)}: dim ${i} must be ${d}, not ${dims[i]}`,
      );
    }
  });
  return dims;
}

const INT_TYPES: ElemType[] = ['int64', 'int32', 'int8', 'uint8', 'bool'];

/** Float data for an integer or bool input is a wrong dtype (ids must be whole numbers as saved), as is anything but numbers. */
function checkDtype(input: ModelInput, a: ArrayRef): void {
  const from = DTYPE_INFO[a.header.dtype].name;
  if (INT_TYPES.includes(input.type) && FLOAT_TYPES.includes(from)) {
    throw new OctetError(
      'DATA_UNREADABLE',
      `${a.origin} is ${from} but input '${input.name}' takes ${input.type}; save it as ${input.type === 'bool' ? 'bool' : 'integers'}, e.g. a.astype(np.${input.type === 'bool' ? 'bool_' : input.type})`,
    );
  }
}

export interface ArraySourceOptions {
  limit?: number;
  idLimits?: Record<string, IdLimit>;
  /** The file or folder, for the description. */
  what: string;
  /** One .npy file: its base name need not match the input (single-input models). */
  loneFile?: boolean;
}

interface Bound {
  input: ModelInput;
  dims: number[];
  array?: ArrayRef;
  zeros?: TypedData;
  idLimit?: IdLimit;
}

function zerosOf(type: ElemType, n: number): TypedData {
  switch (type) {
    case 'float32':
      return new Float32Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
  }
}

function checkIds(data: TypedData, lim: IdLimit, origin: string, input: string, sample: number): void {
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    const x = typeof v === 'bigint' ? v : BigInt(v);
    if (x < 0n || x >= BigInt(lim.rows)) {
      throw new OctetError(
        'DATA_UNREADABLE',
        `${origin} sample ${sample} element ${k} is ${v}, out of range for input '${input}': it indexes table '${lim.table}', which has ${lim.rows} rows (ids 0..${lim.rows - 1}); were the ids made by another tokenizer?`,
      );
    }
  }
}

class ArraySource implements DataSource {
  readonly description: string;
  readonly feeds: InputFeedInfo[];
  constructor(
    private readonly bound: Bound[],
    readonly count: number,
    readonly notes: string[],
    what: string,
    total: number,
    loneFile: boolean,
  ) {
    const from = count < total ? `${count} of ${total} samples` : `${count} samples`;
    const typeNote = (b: Bound) => {
      const stored = b.array ? DTYPE_INFO[b.array.header.dtype].name : b.input.type;
      return stored === b.input.type ? b.input.type : `${stored} as ${b.input.type}`;
    };
    if (loneFile && bound.length === 1) this.description = `${from} from ${what} (${typeNote(bound[0])} ${formatDims(bound[0].dims)})`;
    else
      this.description = `${from} from ${what} (${bound.map((b) => `${b.input.name} ${b.zeros ? 'zeros ' : ''}${typeNote(b)} ${formatDims(b.dims)}`).join(', ')})`;
    this.feeds = bound.map((b) => ({
      name: b.input.name,
      type: b.input.type,
      dims: b.dims.slice(),
      source: b.array ? 'array' : 'zeros',
      origin: b.array?.origin,
      arrayShape: b.array?.header.shape.slice(),
      arrayDtype: b.array ? DTYPE_INFO[b.array.header.dtype].name : undefined,
      idLimit: b.idLimit,
    }));
  }

  private convert(b: Bound, bytes: Uint8Array, offset: number, sample: number): TypedData {
    const a = b.array!;
    const elems = b.dims.reduce((x, y) => x * y, 1);
    const where = { file: `${a.origin} (input '${b.input.name}')`, sample, input: b.input };
    const data = convertSample(viewOf(a.header.dtype, bytes, offset, elems), a.header.dtype, where);
    if (b.idLimit) checkIds(data, b.idLimit, a.origin, b.input.name, sample);
    return data;
  }

  async read(index: number): Promise<Sample> {
    checkIndex(index, this.count, this.description);
    const feeds: Sample['feeds'] = {};
    await Promise.all(
      this.bound.map(async (b) => {
        const data = b.array ? this.convert(b, await b.array.read(index, 1), 0, index) : b.zeros!;
        feeds[b.input.name] = { type: b.input.type, data, dims: b.dims.slice() };
      }),
    );
    // Feeds in the model's input order, whatever order the reads finished in.
    const ordered: Sample['feeds'] = {};
    for (const b of this.bound) ordered[b.input.name] = feeds[b.input.name];
    return { feeds: ordered };
  }

  async validate(onProgress?: (done: number, total: number) => void): Promise<void> {
    const arrays = this.bound.filter((b) => b.array);
    const total = this.count * arrays.length;
    let done = 0;
    for (const b of arrays) {
      const per = sampleBytesOf(b.array!.header);
      const perChunk = Math.max(1, Math.floor((16 << 20) / Math.max(1, per)));
      for (let first = 0; first < this.count; first += perChunk) {
        const n = Math.min(perChunk, this.count - first);
        const bytes = await b.array!.read(first, n);
        for (let j = 0; j < n; j++) this.convert(b, bytes, j * per, first + j);
        done += n;
        onProgress?.(done, total);
      }
    }
  }
}

/**
 * Binds arrays to model inputs by name and checks everything that can be checked from the headers:
 * missing and extra arrays, dtypes, ranks and dims, sample counts. Values (NaN/Inf, ids out of a
 * table's range, integers that do not fit) are checked as samples are read, and by validate().
 */
export function openArrays(arrays: ArrayRef[], given: ModelInput[], opts: ArraySourceOptions): DataSource {
  if (!given.length) throw new OctetError('MODEL_UNSUPPORTED', 'the model has no inputs to feed');
  // -1 or 0 (as some callers write a dynamic dim) is open, like null.
  const inputs = given.map((i) => ({ ...i, dims: i.dims.map((d) => (d === null || d < 1 ? null : d)) }));
  const names = inputs.map((i) => `'${i.name}'`).join(', ');
  const byKey = new Map<string, ArrayRef>();
  if (opts.loneFile && arrays.length === 1 && inputs.length === 1) byKey.set(inputs[0].name, arrays[0]);
  else if (opts.loneFile && arrays.length === 1 && !inputs.some((i) => i.name === arrays[0].key)) {
    throw new OctetError(
      'DATA_UNREADABLE',
      `${opts.what} is one array, but this model has ${inputs.length} inputs (${names}); give a .npz with one array per input, or a folder of .npy files named after them`,
    );
  } else {
    for (const a of arrays) {
      if (byKey.has(a.key))
        throw new OctetError('DATA_UNREADABLE', `${opts.what} holds two arrays named '${a.key}' (${byKey.get(a.key)!.origin}, ${a.origin})`);
      byKey.set(a.key, a);
    }
  }
  const extra = [...byKey.entries()].filter(([k]) => !inputs.some((i) => i.name === k));
  if (extra.length) {
    const positional = extra.some(([k]) => /^arr_\d+$/.test(k));
    throw new OctetError(
      'DATA_UNREADABLE',
      `${extra[0][1].origin} is not named after a model input (the model's inputs: ${names})${
        extra.length > 1
          ? `; nor are ${extra
              .slice(1)
              .map(([k]) => `'${k}'`)
              .join(', ')}`
          : ''
      }; ${positional ? 'np.savez(path, a, b) names arrays arr_0, arr_1…; save them by input name: np.savez(path, ' + inputs.map((i) => `${i.name}=…`).join(', ') + ')' : 'name each array after the input it feeds, or remove it'}`,
    );
  }

  const notes: string[] = [];
  const bound: Bound[] = [];
  const missing: ModelInput[] = [];
  for (const input of inputs) {
    const a = byKey.get(input.name);
    if (!a) {
      missing.push(input);
      continue;
    }
    checkDtype(input, a);
    if (a.header.shape[0] === 0)
      throw new OctetError('DATA_EMPTY', `${a.origin} holds no samples (shape ${formatDims(a.header.shape)}); its first axis indexes samples`);
    bound.push({ input, dims: resolveDims(input, a), array: a, idLimit: opts.idLimits?.[input.name] });
  }
  const notStates = missing.filter((i) => !isRecurrentState(i));
  if (notStates.length) {
    const what = notStates.map((i) => `'${i.name}' ${showDims(i)} ${i.type}`).join(', ');
    throw new OctetError(
      'DATA_UNREADABLE',
      `${opts.what} has no array for input${notStates.length > 1 ? 's' : ''} ${what}; ${opts.loneFile ? `this model has ${inputs.length} inputs (${names}): give a .npz with one array per input, or a folder of .npy files named after them` : `add ${notStates.length > 1 ? 'them' : 'it'}, named after the input (the model's inputs: ${names})`}`,
    );
  }
  if (!bound.length) throw new OctetError('DATA_UNREADABLE', `${opts.what} has no array for any model input (${names})`);

  // Symbolic dims named alike (batch, sequence) must agree between inputs; states take them from there.
  const named = new Map<string, { value: number; from: string }>();
  for (const b of bound) {
    b.input.dimNames?.forEach((n, i) => {
      if (!n || b.input.dims[i] !== null) return;
      const seen = named.get(n);
      const here = `${b.array!.origin} (input '${b.input.name}' dim ${i})`;
      // A batch dim of 1 added to lower-rank samples does not have to match a batched array.
      if (seen && seen.value !== b.dims[i]) {
        throw new OctetError(
          'SHAPE_MISMATCH',
          `symbolic dim '${n}' is ${seen.value} in ${seen.from} but ${b.dims[i]} in ${here}; inputs that share a dim must agree on it`,
        );
      }
      if (!seen) named.set(n, { value: b.dims[i], from: here });
    });
  }
  for (const input of missing) {
    const dims = input.dims.map((d, i) => d ?? named.get(input.dimNames?.[i] ?? '')?.value ?? null);
    const open = dims.findIndex((d) => d === null);
    if (open >= 0) {
      throw new OctetError(
        'DYNAMIC_SHAPE',
        `input '${input.name}' ${showDims(input)} is not in the data, so it would be fed zeros (a recurrent state), but dim ${open} is not fixed by the data; pass --shape ${input.name}=${dims.map((d) => d ?? 'N').join(',')}, or add the array`,
      );
    }
    const fixed = dims as number[];
    bound.push({
      input,
      dims: fixed,
      zeros: zerosOf(
        input.type,
        fixed.reduce((a, b) => a * b, 1),
      ),
    });
    notes.push(`input '${input.name}' is not in the data: fed zeros ${formatDims(fixed)} (a recurrent state's initial value)`);
  }
  bound.sort((x, y) => inputs.findIndex((i) => i.name === x.input.name) - inputs.findIndex((i) => i.name === y.input.name));

  const counts = bound.filter((b) => b.array).map((b) => ({ n: b.array!.header.shape[0], b }));
  if (new Set(counts.map((c) => c.n)).size > 1) {
    throw new OctetError(
      'DATA_UNREADABLE',
      `the arrays in ${opts.what} hold different numbers of samples: ${counts.map((c) => `${c.b.array!.origin} ${c.n}`).join(', ')}; sample i is row i of every array, so their first axes must be equal`,
    );
  }
  const total = counts[0].n;
  return new ArraySource(bound, applyLimit(total, opts.limit), notes, opts.what, total, !!opts.loneFile);
}

/** A .npy file whose first axis indexes samples; its base name need not match a single input's name. */
export async function openNpy(file: string, inputs: ModelInput[], opts: { limit?: number; idLimits?: Record<string, IdLimit> } = {}): Promise<DataSource> {
  return openArrays([await npyFileArray(file)], inputs, { ...opts, what: file, loneFile: true });
}
