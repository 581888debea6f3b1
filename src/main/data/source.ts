// One entry point that turns a user's data spec into a DataSource.
//
// SPEC is a .npz archive (one array per input name), a folder of .npy files named after the
// inputs, a .npy file, a folder of images, or the built-in digits: `mnist` (with opts.split),
// `mnist:train` (calibration split) or `mnist:test` (evaluation split). The built-in names win over
// a file or folder called `mnist` in the working directory; write `./mnist` to mean that.
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { OctetError } from '../../shared/errors';
import { formatDims, fsError } from './checks';
import { openDigits, type DigitSplit } from './digits';
import { IMAGE_EXTENSIONS, openImageFolder } from './images';
import { isRecurrentState, npyFileArray, npyFolderArrays, npzArrays, openArrays } from './arrays';
import { staticInput } from './modelInputs';
import { DEFAULT_PREPROCESS, type DataSource, type InputFeedInfo, type ModelInput, type OpenOptions, type Sample, type TypedData } from './types';

const BUILT_IN: Record<string, DigitSplit | undefined> = { mnist: undefined, 'mnist:train': 'calibration', 'mnist:test': 'evaluation' };

/** True when some preprocess option differs from the defaults (so it would matter to an image source). */
function changesPreprocess(opts: OpenOptions): string | undefined {
  const pp = opts.preprocess ?? {};
  for (const [key, value] of Object.entries(pp)) {
    if (value === undefined) continue;
    const def = (DEFAULT_PREPROCESS as unknown as Record<string, unknown>)[key];
    if (JSON.stringify(value) !== JSON.stringify(def)) return key;
  }
  return undefined;
}

/**
 * `inputs` are the model's feed inputs as declared after --shape (modelInputs): a null dim is fixed
 * by .npy/.npz data; images and digits take a symbolic batch dim as 1 and need --shape for the rest.
 */
export async function openDataSource(spec: string, inputs: ModelInput[], opts: OpenOptions = {}): Promise<DataSource> {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new OctetError('BAD_USAGE', 'no calibration data given; pass a .npz file, a .npy file, a folder of .npy files or of images, or mnist');
  }
  const key = spec.trim().toLowerCase();
  const nonImage = (what: string): void => {
    const k = changesPreprocess(opts);
    if (k) throw new OctetError('BAD_USAGE', `preprocess option '${k}' applies to folders of images only, but the data is ${what}; remove it`);
  };

  if (Object.prototype.hasOwnProperty.call(BUILT_IN, key)) {
    const fromSpec = BUILT_IN[key];
    if (fromSpec && opts.split && opts.split !== fromSpec) {
      throw new OctetError(
        'BAD_USAGE',
        `data '${spec}' selects the ${fromSpec} split of the built-in digits but split '${opts.split}' was requested; use mnist with a split, or drop the split`,
      );
    }
    nonImage('the built-in digits');
    return withStates(inputs, (main) => openDigits([main], { split: fromSpec ?? opts.split, limit: opts.limit }), 'the built-in digits', 'digits');
  }

  const path = resolve(spec);
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const err = fsError(path, e);
    if ((e as { code?: string })?.code === 'ENOENT' && key.startsWith('mnist')) {
      throw new OctetError('DATA_UNREADABLE', `${err.message} (built-in names are mnist, mnist:train, mnist:test)`);
    }
    throw err;
  }
  if (st.isDirectory()) {
    const arrays = await npyFolderArrays(path);
    if (arrays) {
      nonImage('a folder of .npy files');
      return openArrays(arrays, inputs, { limit: opts.limit, idLimits: opts.idLimits, what: path });
    }
    return withStates(inputs, (main) => openImageFolder(path, [main], opts), `folder ${path}`, 'images');
  }
  const ext = extname(path).toLowerCase();
  if (st.isFile() && ext === '.npy') {
    nonImage('a .npy file');
    return openArrays([await npyFileArray(path)], inputs, { limit: opts.limit, idLimits: opts.idLimits, what: path, loneFile: true });
  }
  if (st.isFile() && ext === '.npz') {
    nonImage('a .npz archive');
    return openArrays(await npzArrays(path), inputs, { limit: opts.limit, idLimits: opts.idLimits, what: path });
  }
  if (IMAGE_EXTENSIONS.includes(ext)) {
    throw new OctetError('DATA_UNREADABLE', `${path} is a single image; pass the folder that holds the images`);
  }
  throw new OctetError(
    'DATA_UNREADABLE',
    `${path} is not calibration data Octet reads; give a .npz file, a .npy file, a folder of .npy files or of images, or mnist`,
  );
}

/**
 * Images and digits feed one input. A model with more inputs can take them when every other input
 * is a recurrent state (fed zeros, said in `notes`); the image input's symbolic batch dim is 1 and
 * the states' dims must be static or share a symbolic name with a dim the image input fixes.
 */
async function withStates(
  inputs: ModelInput[],
  open: (main: ReturnType<typeof staticInput>) => Promise<DataSource> | DataSource,
  what: string,
  kind: InputFeedInfo['source'],
): Promise<DataSource> {
  if (inputs.length === 1) {
    const src = await open(staticInput(inputs[0]));
    return Object.assign(Object.create(Object.getPrototypeOf(src)) as DataSource, src, {
      feeds: src.feeds ?? [{ name: inputs[0].name, type: inputs[0].type, dims: staticInput(inputs[0]).dims, source: kind }],
    });
  }
  const main = inputs.filter((i) => !isRecurrentState(i));
  if (main.length !== 1) {
    const names = inputs.map((i) => `'${i.name}'`).join(', ');
    throw new OctetError(
      'BAD_USAGE',
      `${what} feeds one input, but this model has ${inputs.length} (${names})${main.length ? ` and ${main.length} of them (${main.map((i) => `'${i.name}'`).join(', ')}) are not recurrent states that could start at zeros` : ''}; give a .npz with one array per input name, or a folder of .npy files named after the inputs`,
    );
  }
  const spec = staticInput(main[0]);
  const src = await open(spec);
  const named = new Map<string, number>();
  main[0].dimNames?.forEach((n, i) => n && named.set(n, spec.dims[i]));
  const zeros: { name: string; type: ModelInput['type']; dims: number[]; data: TypedData }[] = [];
  const notes: string[] = [];
  for (const s of inputs) {
    if (s === main[0]) continue;
    const dims = s.dims.map((d, i) => d ?? named.get(s.dimNames?.[i] ?? '') ?? (i === 0 ? 1 : null));
    const open = dims.findIndex((d) => d === null);
    if (open >= 0)
      throw new OctetError(
        'DYNAMIC_SHAPE',
        `input '${s.name}' is fed zeros (a recurrent state) but its dim ${open} is dynamic; pass --shape ${s.name}=${dims.map((d) => d ?? 'N').join(',')}`,
      );
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    const data: TypedData = s.type === 'float16' ? new Uint16Array(n) : s.type === 'float64' ? new Float64Array(n) : new Float32Array(n);
    zeros.push({ name: s.name, type: s.type, dims: dims as number[], data });
    notes.push(`input '${s.name}' is not in the data: fed zeros ${formatDims(dims as number[])} (a recurrent state's initial value)`);
  }
  const feeds: InputFeedInfo[] = inputs.map((i) => {
    const z = zeros.find((x) => x.name === i.name);
    return z ? { name: i.name, type: i.type, dims: z.dims, source: 'zeros' } : { name: i.name, type: i.type, dims: spec.dims, source: kind };
  });
  return {
    description: `${src.description}; ${zeros.map((z) => `${z.name} zeros ${formatDims(z.dims)}`).join(', ')}`,
    count: src.count,
    labels: src.labels,
    feeds,
    notes,
    async read(index: number): Promise<Sample> {
      const s = await src.read(index);
      const out: Sample['feeds'] = {};
      for (const i of inputs) {
        const z = zeros.find((x) => x.name === i.name);
        out[i.name] = z ? { type: z.type, data: z.data, dims: z.dims.slice() } : s.feeds[i.name];
      }
      return { feeds: out, label: s.label };
    },
    validate: src.validate ? (p) => src.validate!(p) : undefined,
  };
}
