// A folder of images as calibration or evaluation data, decoded and resized with sharp.
//
// Flat folder: every image in it, sorted by name. Folder of subfolders: each subfolder is a class
// (class index = position in the sorted subfolder names, as torchvision's ImageFolder does) and the
// samples interleave the classes round-robin, so any prefix (opts.limit) stays class-balanced.
// Names sort by code unit, not by locale, so the order is the same on every machine.
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { OctetError } from '../../shared/errors';
import { applyLimit, checkIndex, formatDims, fsError, singleInput } from './checks';
import { DEFAULT_PREPROCESS, type DataSource, type ImagePreprocess, type InputSpec, type Sample, type TypedData } from './types';
import { mulberry32 } from '../../shared/random';

/** Extensions sharp's prebuilt libvips decodes. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif'];
/** Image formats people have but sharp cannot decode: refusing them beats silently dropping samples. */
const UNDECODABLE_EXTENSIONS = ['.bmp', '.dib', '.heic', '.heif'];

/**
 * Largest image input (H×W) a folder of images feeds: checked before anything is decoded, since
 * the model, not the image, sets the size (a 103-byte PNG stretched to 20000×20000 would need
 * 4.8 GB as float32). 8192×8192 float32 RGB is 768 MiB per sample.
 */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Listing {
  images: string[];
  undecodable: string[];
  subdirs: string[];
}

async function list(dir: string): Promise<Listing> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw fsError(dir, e);
  }
  const out: Listing = { images: [], undecodable: [], subdirs: [] };
  for (const entry of entries.sort((a, b) => byCodeUnit(a.name, b.name))) {
    const name = entry.name;
    if (name.startsWith('.') || name === '__MACOSX') continue;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const st = await stat(join(dir, name)).catch(() => undefined); // a dangling link is skipped
      isDir = !!st?.isDirectory();
      isFile = !!st?.isFile();
    }
    const ext = extname(name).toLowerCase();
    if (isDir) out.subdirs.push(name);
    else if (isFile && IMAGE_EXTENSIONS.includes(ext)) out.images.push(name);
    else if (isFile && UNDECODABLE_EXTENSIONS.includes(ext)) out.undecodable.push(join(dir, name));
  }
  return out;
}

interface ImageEntry {
  path: string;
  /** Path relative to the folder: seeds its random crops, so adding files does not move other crops. */
  rel: string;
  label?: number;
}

interface Plan {
  pp: ImagePreprocess;
  layout: 'NCHW' | 'NHWC';
  channels: 'RGB' | 'BGR' | 'GRAY';
  c: number;
  h: number;
  w: number;
  /** Per output channel: value for each pixel byte 0..255 (float inputs only). */
  lut?: Float64Array[];
}

const PREPROCESS_KEYS = Object.keys(DEFAULT_PREPROCESS) as (keyof ImagePreprocess)[];

function usage(msg: string): OctetError {
  return new OctetError('BAD_USAGE', msg);
}

function perChannel(name: 'mean' | 'std', given: number[] | undefined, fill: number, c: number, input: InputSpec): number[] {
  if (given === undefined) return new Array<number>(c).fill(fill);
  if (!Array.isArray(given) || given.length === 0 || given.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw usage(`preprocess ${name} must be a list of finite numbers, got ${JSON.stringify(given)}`);
  }
  if (given.length === 1) return new Array<number>(c).fill(given[0]);
  if (given.length !== c) {
    throw usage(
      `preprocess ${name} has ${given.length} values but input '${input.name}' ${formatDims(input.dims)} has ${c} channel${c === 1 ? '' : 's'}; give ${c} value${c === 1 ? '' : 's'} or one for all`,
    );
  }
  return given.slice();
}

/** Merges options with defaults, checks them against the input, and works out layout and channels. */
export function planPreprocess(input: InputSpec, partial: Partial<ImagePreprocess> = {}): Plan {
  for (const key of Object.keys(partial)) {
    if (!PREPROCESS_KEYS.includes(key as keyof ImagePreprocess)) {
      throw usage(`unknown preprocess option '${key}' (known: ${PREPROCESS_KEYS.join(', ')})`);
    }
  }
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<ImagePreprocess>;
  const pp: ImagePreprocess = { ...DEFAULT_PREPROCESS, ...given };
  if (!['stretch', 'center-crop', 'random-crop'].includes(pp.resize)) {
    throw usage(`preprocess resize must be stretch, center-crop or random-crop, got '${pp.resize}'`);
  }
  if (!Number.isSafeInteger(pp.cropsPerImage) || pp.cropsPerImage < 1 || pp.cropsPerImage > 1000) {
    throw usage(`preprocess cropsPerImage must be a whole number 1..1000, got ${pp.cropsPerImage}`);
  }
  if (pp.cropsPerImage > 1 && pp.resize !== 'random-crop') {
    throw usage(`preprocess cropsPerImage ${pp.cropsPerImage} needs resize 'random-crop' (with '${pp.resize}' every crop of an image would be the same)`);
  }
  if (!Number.isSafeInteger(pp.seed)) throw usage(`preprocess seed must be a whole number, got ${pp.seed}`);
  if (!['RGB', 'BGR', 'GRAY'].includes(pp.channels)) throw usage(`preprocess channels must be RGB, BGR or GRAY, got '${pp.channels}'`);
  if (!['NCHW', 'NHWC'].includes(pp.layout)) throw usage(`preprocess layout must be NCHW or NHWC, got '${pp.layout}'`);
  if (!['float32', 'float64', 'uint8'].includes(input.type)) {
    throw usage(
      `input '${input.name}' has type ${input.type}; a folder of images feeds float32, float64 or uint8 inputs — give a .npy file of ${input.type} data instead`,
    );
  }

  const d = input.dims;
  if (d.length !== 4 || d[0] !== 1) {
    throw new OctetError(
      'SHAPE_MISMATCH',
      `input '${input.name}' ${formatDims(d)} cannot take an image: a folder of images feeds one image per sample into [1,C,H,W] or [1,H,W,C] with C = 1 or 3${d.length === 4 ? `; set the batch to 1, e.g. --shape ${input.name}=1,${d.slice(1).join(',')}` : ''}`,
    );
  }
  const isC = (n: number): boolean => n === 1 || n === 3;
  let layout: 'NCHW' | 'NHWC';
  if (given.layout) layout = given.layout;
  else if (isC(d[1]))
    layout = 'NCHW'; // also the pick when both fit, e.g. [1,3,3,3]
  else if (isC(d[3])) layout = 'NHWC';
  else {
    throw new OctetError(
      'SHAPE_MISMATCH',
      `input '${input.name}' ${formatDims(d)} has no 1- or 3-channel axis; a folder of images feeds [1,C,H,W] or [1,H,W,C] with C = 1 or 3`,
    );
  }
  const [c, h, w] = layout === 'NCHW' ? [d[1], d[2], d[3]] : [d[3], d[1], d[2]];
  if (!isC(c)) {
    throw new OctetError(
      'SHAPE_MISMATCH',
      `input '${input.name}' ${formatDims(d)} read as ${layout} has ${c} channels; images give 1 (GRAY) or 3 (RGB/BGR) — check the layout option`,
    );
  }
  if (h * w > MAX_IMAGE_PIXELS) {
    throw new OctetError(
      'MODEL_UNSUPPORTED',
      `input '${input.name}' ${formatDims(d)} asks for ${w}×${h} images (${(h * w).toLocaleString('en-US')} pixels); Octet resizes images to at most ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} pixels (8192×8192) per sample — give a smaller --shape if the model takes one`,
    );
  }
  let channels: 'RGB' | 'BGR' | 'GRAY';
  if (given.channels) {
    channels = given.channels;
    const need = channels === 'GRAY' ? 1 : 3;
    if (need !== c) {
      throw new OctetError(
        'SHAPE_MISMATCH',
        `preprocess channels ${channels} gives ${need} channel${need === 1 ? '' : 's'} but input '${input.name}' ${formatDims(d)} (${layout}) has ${c}; use ${c === 1 ? 'GRAY' : 'RGB or BGR'}`,
      );
    }
  } else {
    channels = c === 1 ? 'GRAY' : 'RGB';
  }
  const mean = perChannel('mean', given.mean, 0, c, input);
  const std = perChannel('std', given.std, 1, c, input);
  if (std.some((s) => s <= 0)) throw usage(`preprocess std must be > 0, got ${JSON.stringify(given.std)}`);
  pp.layout = layout;
  pp.channels = channels;
  pp.mean = mean;
  pp.std = std;

  if (input.type === 'uint8') {
    if (mean.some((m) => m !== 0) || std.some((s) => s !== 1)) {
      throw usage(`mean/std do not apply to uint8 input '${input.name}', which receives raw 0..255 pixels; remove them`);
    }
    return { pp, layout, channels, c, h, w };
  }
  const lut = mean.map((m, ch) => {
    const t = new Float64Array(256);
    for (let p = 0; p < 256; p++) t[p] = (p / 255 - m) / std[ch];
    return t;
  });
  return { pp, layout, channels, c, h, w, lut };
}

function hashSeed(seed: number, rel: string, crop: number): number {
  let h = (0x811c9dc5 ^ (seed >>> 0) ^ Math.floor(seed / 4294967296)) >>> 0;
  const key = `${rel}\u0000${crop}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A seeded random region with the target's aspect ratio: each side is 50–100% of the largest
 * such region that fits, at a random position. For a square target that is a square of at least
 * half the image's shorter side.
 */
export function randomCropRegion(imgW: number, imgH: number, outW: number, outH: number, rand: () => number): Region {
  const aspect = outW / outH;
  const [maxW, maxH] = imgW / imgH > aspect ? [imgH * aspect, imgH] : [imgW, imgW / aspect];
  const f = 0.5 + 0.5 * rand();
  const width = Math.min(imgW, Math.max(1, Math.round(maxW * f)));
  const height = Math.min(imgH, Math.max(1, Math.round(maxH * f)));
  const left = Math.floor(rand() * (imgW - width + 1));
  const top = Math.floor(rand() * (imgH - height + 1));
  return { left, top, width, height };
}

async function decodeError(path: string, e: unknown): Promise<OctetError> {
  if (e instanceof OctetError) return e;
  // sharp says "unsupported image format" for an empty file too; say what is really wrong.
  const st = await stat(path).catch((err: unknown) => err);
  if (st instanceof Error) return fsError(path, st);
  if ((st as Stats).size === 0) return new OctetError('DATA_UNREADABLE', `image ${path} is empty (0 bytes); remove it or replace it with a valid image`);
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
  return new OctetError(
    'DATA_UNREADABLE',
    `cannot decode image ${path}: ${first}; the file is corrupt or not an image — remove it or re-save it`,
    e instanceof Error ? e.stack : undefined,
  );
}

export class ImageFolderSource implements DataSource {
  readonly description: string;
  readonly labels?: string[];
  readonly count: number;

  constructor(
    readonly folder: string,
    private readonly entries: ImageEntry[],
    private readonly input: InputSpec,
    private readonly plan: Plan,
    labels: string[] | undefined,
    limit: number | undefined,
  ) {
    const crops = plan.pp.cropsPerImage;
    const total = entries.length * crops;
    this.count = applyLimit(total, limit);
    this.labels = labels;
    const images = `${entries.length} image${entries.length === 1 ? '' : 's'}`;
    const made = crops > 1 ? `${images} × ${crops} random crops` : images;
    const head = this.count < total ? `${this.count} of ${total} samples (${made})` : crops > 1 ? `${total} samples (${made})` : made;
    const classes = labels ? ` in ${labels.length} classes` : '';
    const p = plan.pp;
    const details = [`${p.resize} to ${plan.h}×${plan.w}`, plan.channels, plan.layout];
    if (p.resize === 'random-crop') details.push(`seed ${p.seed}`);
    if (input.type === 'uint8') details.push('uint8 0..255');
    else if (p.mean.some((m) => m !== 0) || p.std.some((s) => s !== 1)) details.push(`mean ${formatDims(p.mean)} std ${formatDims(p.std)}`);
    this.description = `${head} from ${folder}${classes} (${details.join(', ')})`;
  }

  /** Number of distinct image files the first `count` samples use. */
  get imageCount(): number {
    return Math.ceil(this.count / this.plan.pp.cropsPerImage);
  }

  async read(index: number): Promise<Sample> {
    checkIndex(index, this.count, this.description);
    const crops = this.plan.pp.cropsPerImage;
    const entry = this.entries[Math.floor(index / crops)];
    const data = await this.decode(entry, index % crops);
    const sample: Sample = { feeds: { [this.input.name]: { type: this.input.type, data, dims: this.input.dims.slice() } } };
    if (entry.label !== undefined) sample.label = entry.label;
    return sample;
  }

  /** Decodes every image the samples use (crop 0 of each) and throws the first failure in sample order. */
  async validate(onProgress?: (done: number, total: number) => void): Promise<void> {
    const n = this.imageCount;
    const parallel = 4;
    for (let first = 0; first < n; first += parallel) {
      const batch = this.entries.slice(first, Math.min(n, first + parallel));
      const results = await Promise.allSettled(batch.map((e) => this.decode(e, 0)));
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      onProgress?.(first + batch.length, n);
    }
  }

  private async decode(entry: ImageEntry, crop: number): Promise<TypedData> {
    const { pp, c, h, w } = this.plan;
    let raw: Buffer;
    try {
      let img = sharp(entry.path, { autoOrient: true });
      if (pp.resize === 'random-crop') {
        const meta = await sharp(entry.path, { autoOrient: true }).metadata();
        const iw = meta.autoOrient?.width ?? meta.width;
        const ih = meta.autoOrient?.height ?? meta.height;
        if (!(iw > 0 && ih > 0)) throw new OctetError('DATA_UNREADABLE', `image ${entry.path} has no pixels (${iw}×${ih}); remove it`);
        const region = randomCropRegion(iw, ih, w, h, mulberry32(hashSeed(pp.seed, entry.rel, crop)));
        img = img.extract(region).resize(w, h, { fit: 'fill' });
      } else if (pp.resize === 'center-crop') {
        img = img.resize(w, h, { fit: 'cover', position: 'centre' });
      } else {
        img = img.resize(w, h, { fit: 'fill' });
      }
      img = img.toColourspace(c === 1 ? 'b-w' : 'srgb').removeAlpha();
      const out = await img.raw().toBuffer({ resolveWithObject: true });
      if (out.info.width !== w || out.info.height !== h || out.info.channels !== c || out.data.length !== w * h * c) {
        throw new OctetError(
          'DATA_UNREADABLE',
          `image ${entry.path} decoded to ${out.info.width}×${out.info.height}×${out.info.channels} (${out.data.length} bytes) instead of ${w}×${h}×${c}; re-save it as 8-bit RGB JPEG or PNG`,
        );
      }
      raw = out.data;
    } catch (e) {
      throw await decodeError(entry.path, e);
    }
    return this.toTensor(raw);
  }

  /** sharp gives interleaved HWC bytes in RGB (or gray) order; reorder and scale for the input. */
  private toTensor(raw: Buffer): TypedData {
    const { c, h, w, layout, channels, lut } = this.plan;
    const plane = h * w;
    const n = plane * c;
    const out = this.input.type === 'uint8' ? new Uint8Array(n) : this.input.type === 'float64' ? new Float64Array(n) : new Float32Array(n);
    for (let oc = 0; oc < c; oc++) {
      const sc = channels === 'BGR' ? 2 - oc : oc; // source channel feeding output channel oc
      const t = lut?.[oc];
      for (let i = 0; i < plane; i++) {
        const p = raw[i * c + sc];
        out[layout === 'NCHW' ? oc * plane + i : i * c + oc] = t ? t[p] : p;
      }
    }
    return out;
  }
}

/** Opens a folder of images (flat, or one subfolder per class) for a single-input image model. */
export async function openImageFolder(
  folder: string,
  inputs: InputSpec[],
  opts: { preprocess?: Partial<ImagePreprocess>; limit?: number } = {},
): Promise<ImageFolderSource> {
  const input = singleInput(inputs, 'a folder of images', 'multi-input models need data from another source');
  const plan = planPreprocess(input, opts.preprocess);
  const root = await list(folder);
  const classes = await Promise.all(root.subdirs.map(async (name) => ({ name, listing: await list(join(folder, name)) })));
  const undecodable = [...root.undecodable, ...classes.flatMap((k) => k.listing.undecodable)];
  if (undecodable.length) {
    const shown = undecodable.slice(0, 3).join(', ') + (undecodable.length > 3 ? `, … (${undecodable.length} in all)` : '');
    throw new OctetError(
      'DATA_UNREADABLE',
      `Octet cannot decode ${shown}; convert ${undecodable.length === 1 ? 'it' : 'them'} to PNG or JPEG (supported: ${IMAGE_EXTENSIONS.join(' ')})`,
    );
  }

  const classMode = classes.some((k) => k.listing.images.length > 0);
  let entries: ImageEntry[];
  let labels: string[] | undefined;
  if (!classMode) {
    if (root.images.length === 0) {
      const sub = root.subdirs.length ? ` (its ${root.subdirs.length} subfolder${root.subdirs.length === 1 ? '' : 's'} hold none either)` : '';
      throw new OctetError(
        'DATA_EMPTY',
        `folder ${folder} holds no images${sub}; add ${IMAGE_EXTENSIONS.join(' ')} files, or one subfolder of images per class`,
      );
    }
    entries = root.images.map((name) => ({ path: join(folder, name), rel: name }));
  } else {
    if (root.images.length) {
      const shown = root.images.slice(0, 3).join(', ');
      throw new OctetError(
        'DATA_UNREADABLE',
        `folder ${folder} mixes loose images (${shown}${root.images.length > 3 ? ', …' : ''}) with class subfolders (${classes
          .map((k) => k.name)
          .slice(0, 5)
          .join(', ')}); move the loose images into a class subfolder or elsewhere`,
      );
    }
    const empty = classes.find((k) => k.listing.images.length === 0);
    if (empty) {
      throw new OctetError(
        'DATA_EMPTY',
        `class folder ${join(folder, empty.name)} holds no images; labels are numbered by sorted subfolder name, so add images to it or remove it`,
      );
    }
    labels = classes.map((k) => k.name);
    // Round-robin over classes: a prefix of any length covers the classes evenly.
    entries = [];
    const longest = Math.max(...classes.map((k) => k.listing.images.length));
    for (let i = 0; i < longest; i++) {
      classes.forEach((k, label) => {
        const f = k.listing.images[i];
        if (f) entries.push({ path: join(folder, k.name, f), rel: `${k.name}/${f}`, label });
      });
    }
  }
  return new ImageFolderSource(folder, entries, input, plan, labels, opts.limit);
}
