// One entry point that turns a user's data spec into a DataSource.
//
// SPEC is a .npy file, a folder of images, or the built-in digits: `mnist` (with opts.split),
// `mnist:train` (calibration split) or `mnist:test` (evaluation split). The built-in names win over
// a file or folder called `mnist` in the working directory; write `./mnist` to mean that.
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { OctetError } from '../../shared/errors';
import { fsError } from './checks';
import { openDigits, type DigitSplit } from './digits';
import { IMAGE_EXTENSIONS, openImageFolder } from './images';
import { openNpy } from './npy';
import { DEFAULT_PREPROCESS, type DataSource, type InputSpec, type OpenOptions } from './types';

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

export async function openDataSource(spec: string, inputs: InputSpec[], opts: OpenOptions = {}): Promise<DataSource> {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new OctetError('BAD_USAGE', 'no calibration data given; pass a .npy file, a folder of images, or mnist');
  }
  const key = spec.trim().toLowerCase();
  const nonImage = (what: string): void => {
    const k = changesPreprocess(opts);
    if (k) throw new OctetError('BAD_USAGE', `preprocess option '${k}' applies to folders of images only, but the data is ${what}; remove it`);
  };

  if (Object.prototype.hasOwnProperty.call(BUILT_IN, key)) {
    const fromSpec = BUILT_IN[key];
    if (fromSpec && opts.split && opts.split !== fromSpec) {
      throw new OctetError('BAD_USAGE', `data '${spec}' selects the ${fromSpec} split of the built-in digits but split '${opts.split}' was requested; use mnist with a split, or drop the split`);
    }
    nonImage('the built-in digits');
    return openDigits(inputs, { split: fromSpec ?? opts.split, limit: opts.limit });
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
  if (st.isDirectory()) return openImageFolder(path, inputs, opts);
  const ext = extname(path).toLowerCase();
  if (st.isFile() && ext === '.npy') {
    nonImage('a .npy file');
    return openNpy(path, inputs, opts);
  }
  if (ext === '.npz') {
    throw new OctetError('DATA_UNREADABLE', `${path} is a .npz archive, which Octet does not read yet; save the array with np.save(path, a) to get a .npy file`);
  }
  if (IMAGE_EXTENSIONS.includes(ext)) {
    throw new OctetError('DATA_UNREADABLE', `${path} is a single image; pass the folder that holds the images`);
  }
  throw new OctetError('DATA_UNREADABLE', `${path} is not calibration data Octet reads; give a .npy file, a folder of images, or mnist`);
}
