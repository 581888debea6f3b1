import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { openImageFolder, planPreprocess, randomCropRegion } from './images';
import { mulberry32 } from '../../shared/random';
import { SHARED_IMAGES, haveSharedImages, rejectsWith, tempDir } from '../../../test/util/fixtures';
import type { DataSource, InputSpec, TypedData } from './types';

const skip = haveSharedImages ? false : `sample photos not found at ${SHARED_IMAGES}`;
const PHOTOS = haveSharedImages
  ? readdirSync(SHARED_IMAGES)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
  : [];
const UF: InputSpec[] = [{ name: 'input', type: 'float32', dims: [1, 3, 240, 320] }];
const spec = (dims: number[], type: InputSpec['type'] = 'float32'): InputSpec[] => [{ name: 'input', type, dims }];

async function readAll(src: DataSource): Promise<TypedData[]> {
  const out: TypedData[] = [];
  for (let i = 0; i < src.count; i++) out.push((await src.read(i)).feeds.input.data);
  return out;
}

function range(a: TypedData): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a as Float32Array) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** A tiny PNG written with sharp from raw RGB bytes. */
async function png(path: string, w: number, h: number, rgb: number[], orientation?: number): Promise<void> {
  let img = sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } }).png();
  if (orientation) img = img.withMetadata({ orientation });
  await img.toFile(path);
}

test('image folder: stretch to [1,3,240,320] gives values in [0,1], deterministic across opens', { skip }, async () => {
  const a = await openImageFolder(SHARED_IMAGES, UF);
  assert.equal(a.count, 8);
  assert.equal(PHOTOS.length, 8);
  assert.equal(a.labels, undefined);
  assert.equal(a.description, `8 images from ${SHARED_IMAGES} (stretch to 240×320, RGB, NCHW)`);
  const first = await readAll(a);
  for (const [i, d] of first.entries()) {
    assert.ok(d instanceof Float32Array);
    assert.equal(d.length, 3 * 240 * 320);
    const [lo, hi] = range(d);
    assert.ok(lo >= 0 && hi <= 1, `sample ${i} range [${lo}, ${hi}]`);
    assert.ok(hi - lo > 0.5, `sample ${i} looks flat: [${lo}, ${hi}]`);
  }
  const again = await readAll(await openImageFolder(SHARED_IMAGES, UF));
  for (let i = 0; i < 8; i++) assert.deepEqual(again[i], first[i], `sample ${i} differs between opens`);
  // Out of order and concurrently: the same index is the same sample.
  const b = await openImageFolder(SHARED_IMAGES, UF);
  const [s5, s0] = await Promise.all([b.read(5), b.read(0)]);
  assert.deepEqual(s5.feeds.input.data, first[5]);
  assert.deepEqual(s0.feeds.input.data, first[0]);
  assert.deepEqual(s0.feeds.input.dims, [1, 3, 240, 320]);
});

test("image folder: NCHW planes are sharp's RGB pixels / 255, sorted by file name", { skip }, async () => {
  const src = await openImageFolder(SHARED_IMAGES, UF);
  for (const i of [0, 5]) {
    const ref = await sharp(join(SHARED_IMAGES, PHOTOS[i])).resize(320, 240, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const d = (await src.read(i)).feeds.input.data as Float32Array;
    const plane = 240 * 320;
    for (const px of [0, 1234, 40000, plane - 1]) {
      for (let c = 0; c < 3; c++) assert.equal(d[c * plane + px], Math.fround(ref[px * 3 + c] / 255), `${PHOTOS[i]} pixel ${px} channel ${c}`);
    }
  }
});

test('image folder: NHWC, BGR, mean/std, GRAY and uint8 inputs', { skip }, async () => {
  const plane = 240 * 320;
  const rgb = (await (await openImageFolder(SHARED_IMAGES, UF)).read(3)).feeds.input.data as Float32Array;

  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const nhwc = await openImageFolder(SHARED_IMAGES, spec([1, 240, 320, 3]), { preprocess: { mean, std } });
  assert.match(nhwc.description, /RGB, NHWC, mean \[0.485,0.456,0.406\] std \[0.229,0.224,0.225\]/);
  const n = (await nhwc.read(3)).feeds.input.data as Float32Array;
  for (const px of [0, 777, plane - 1]) {
    for (let c = 0; c < 3; c++) {
      const p = Math.round(rgb[c * plane + px] * 255);
      assert.equal(n[px * 3 + c], Math.fround((p / 255 - mean[c]) / std[c]));
    }
  }

  const bgr = (await (await openImageFolder(SHARED_IMAGES, UF, { preprocess: { channels: 'BGR' } })).read(3)).feeds.input.data as Float32Array;
  assert.deepEqual(bgr.subarray(0, plane), rgb.subarray(2 * plane, 3 * plane));
  assert.deepEqual(bgr.subarray(2 * plane), rgb.subarray(0, plane));

  const gray = await openImageFolder(SHARED_IMAGES, spec([1, 1, 28, 28]));
  assert.match(gray.description, /stretch to 28×28, GRAY, NCHW/);
  const g = (await gray.read(0)).feeds.input.data;
  assert.equal(g.length, 784);
  const [lo, hi] = range(g);
  assert.ok(lo >= 0 && hi <= 1 && hi > lo);

  const u8 = await openImageFolder(SHARED_IMAGES, spec([1, 3, 240, 320], 'uint8'));
  const u = (await u8.read(3)).feeds.input.data;
  assert.ok(u instanceof Uint8Array);
  for (const i of [0, 999, 3 * plane - 1]) assert.equal(u[i], Math.round(rgb[i] * 255));
  await rejectsWith(openImageFolder(SHARED_IMAGES, spec([1, 3, 8, 8], 'uint8'), { preprocess: { mean: [0.5] } }), 'BAD_USAGE', "uint8 input 'input'");
});

test('image folder: center-crop keeps the aspect ratio (differs from stretch on a non-square photo)', { skip }, async () => {
  const cat = PHOTOS.indexOf('cat.jpg'); // 300×168
  const stretch = (await (await openImageFolder(SHARED_IMAGES, spec([1, 3, 64, 64]))).read(cat)).feeds.input.data;
  const center = (await (await openImageFolder(SHARED_IMAGES, spec([1, 3, 64, 64]), { preprocess: { resize: 'center-crop' } })).read(cat)).feeds.input.data;
  assert.notDeepEqual(center, stretch);
  const ref = await sharp(join(SHARED_IMAGES, 'cat.jpg')).extract({ left: 66, top: 0, width: 168, height: 168 }).resize(64, 64).raw().toBuffer();
  // centre 168×168 of a 300×168 photo: close to an explicit crop (resampling may differ by a step or two)
  let diff = 0;
  for (let i = 0; i < 64 * 64; i++) diff += Math.abs((center[i] as number) - ref[i * 3] / 255);
  assert.ok(diff / (64 * 64) < 0.02, `mean abs diff ${diff / 4096}`);
});

test('image folder: 4 random crops per image → 32 samples, seeded and deterministic', { skip }, async () => {
  const pp = { resize: 'random-crop' as const, cropsPerImage: 4 };
  const a = await openImageFolder(SHARED_IMAGES, UF, { preprocess: pp });
  assert.equal(a.count, 4 * 8);
  assert.equal(a.description, `32 samples (8 images × 4 random crops) from ${SHARED_IMAGES} (random-crop to 240×320, RGB, NCHW, seed 0)`);
  const first = await readAll(a);
  const second = await readAll(await openImageFolder(SHARED_IMAGES, UF, { preprocess: pp }));
  for (let i = 0; i < 32; i++) assert.deepEqual(second[i], first[i], `crop ${i} differs between opens`);
  for (let i = 0; i < 32; i += 4) {
    assert.notDeepEqual(first[i], first[i + 1], `crops 0 and 1 of image ${i / 4} are the same`);
    const [lo, hi] = range(first[i]);
    assert.ok(lo >= 0 && hi <= 1);
  }
  const seeded = await openImageFolder(SHARED_IMAGES, UF, { preprocess: { ...pp, seed: 7 }, limit: 2 });
  assert.equal(seeded.count, 2);
  assert.notDeepEqual((await seeded.read(0)).feeds.input.data, first[0]);
});

test('random crop regions stay inside the image and cover at least half the shorter side', () => {
  const rand = mulberry32(42);
  const r1 = mulberry32(1);
  assert.equal(r1(), mulberry32(1)()); // same seed, same stream
  for (let i = 0; i < 500; i++) {
    const iw = 20 + Math.floor(rand() * 2000);
    const ih = 20 + Math.floor(rand() * 2000);
    const sq = randomCropRegion(iw, ih, 224, 224, rand);
    assert.ok(sq.left >= 0 && sq.top >= 0 && sq.left + sq.width <= iw && sq.top + sq.height <= ih, JSON.stringify({ iw, ih, sq }));
    assert.ok(Math.abs(sq.width - sq.height) <= 1);
    assert.ok(sq.width >= Math.floor(Math.min(iw, ih) / 2), JSON.stringify({ iw, ih, sq }));
    const wide = randomCropRegion(iw, ih, 320, 240, rand);
    assert.ok(wide.left + wide.width <= iw && wide.top + wide.height <= ih);
    assert.ok(Math.abs(wide.width / wide.height - 4 / 3) < 0.1 || wide.width < 30, JSON.stringify({ iw, ih, wide }));
  }
});

test('image folder with class subfolders sets labels and interleaves classes', { skip }, async (t) => {
  const dir = tempDir(t);
  const classes: Record<string, string[]> = { b_flowers: ['daisy.jpg', 'rose.jpg', 'tulip.jpg'], a_animals: ['cat.jpg', 'goldfish.jpg'] };
  for (const [k, files] of Object.entries(classes)) {
    mkdirSync(join(dir, k));
    for (const f of files) symlinkSync(join(SHARED_IMAGES, f), join(dir, k, f));
  }
  writeFileSync(join(dir, 'a_animals', 'notes.txt'), 'not an image');
  const src = await openImageFolder(dir, spec([1, 3, 32, 32]));
  assert.deepEqual(src.labels, ['a_animals', 'b_flowers']);
  assert.equal(src.count, 5);
  assert.match(src.description, /^5 images from .* in 2 classes \(stretch to 32×32, RGB, NCHW\)$/);
  const labels: number[] = [];
  for (let i = 0; i < src.count; i++) labels.push((await src.read(i)).label!);
  assert.deepEqual(labels, [0, 1, 0, 1, 1]); // cat, daisy, goldfish, rose, tulip
  const flat = await openImageFolder(SHARED_IMAGES, spec([1, 3, 32, 32]));
  assert.deepEqual((await src.read(1)).feeds.input.data, (await flat.read(PHOTOS.indexOf('daisy.jpg'))).feeds.input.data);

  // Loose images beside class folders are ambiguous; an empty class folder would shift label numbers.
  copyFileSync(join(SHARED_IMAGES, 'cat.jpg'), join(dir, 'loose.jpg'));
  await rejectsWith(openImageFolder(dir, spec([1, 3, 32, 32])), 'DATA_UNREADABLE', dir, 'loose.jpg', 'class subfolder');
  const dir2 = tempDir(t);
  mkdirSync(join(dir2, 'cats'));
  mkdirSync(join(dir2, 'dogs'));
  symlinkSync(join(SHARED_IMAGES, 'cat.jpg'), join(dir2, 'cats', 'cat.jpg'));
  await rejectsWith(openImageFolder(dir2, spec([1, 3, 32, 32])), 'DATA_EMPTY', join(dir2, 'dogs'), 'holds no images');
});

test('image folder: empty folder and folder without images are DATA_EMPTY naming it', async (t) => {
  const empty = tempDir(t);
  await rejectsWith(openImageFolder(empty, spec([1, 3, 8, 8])), 'DATA_EMPTY', `folder ${empty} holds no images`);
  const texts = tempDir(t);
  writeFileSync(join(texts, 'readme.txt'), 'x');
  mkdirSync(join(texts, 'sub'));
  await rejectsWith(openImageFolder(texts, spec([1, 3, 8, 8])), 'DATA_EMPTY', texts, 'subfolder hold none either');
});

test('image folder: corrupt JPEG, 0-byte PNG and truncated JPEG are DATA_UNREADABLE naming the file', async (t) => {
  const dir = tempDir(t);
  await png(join(dir, 'a.png'), 2, 2, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  writeFileSync(join(dir, 'b.png'), Buffer.alloc(0));
  writeFileSync(join(dir, 'x.jpg'), randomBytes(2000));
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  writeFileSync(join(dir, 'y.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  const src = await openImageFolder(dir, spec([1, 3, 2, 2]));
  assert.equal(src.count, 4);
  const ok = (await src.read(0)).feeds.input.data;
  assert.deepEqual([...ok], [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]); // R, G, B planes of red, green / blue, white
  await rejectsWith(src.read(1), 'DATA_UNREADABLE', join(dir, 'b.png'), 'empty (0 bytes)');
  await rejectsWith(src.read(2), 'DATA_UNREADABLE', `cannot decode image ${join(dir, 'x.jpg')}`, 'unsupported image format');
  await rejectsWith(src.read(3), 'DATA_UNREADABLE', join(dir, 'y.jpg'));
  await rejectsWith(src.validate(), 'DATA_UNREADABLE', join(dir, 'b.png'));
});

test('image folder: BMP files are refused up front, not silently skipped', async (t) => {
  const dir = tempDir(t);
  await png(join(dir, 'a.png'), 1, 1, [1, 2, 3]);
  writeFileSync(join(dir, 'scan.bmp'), Buffer.from('424d', 'hex'));
  await rejectsWith(openImageFolder(dir, spec([1, 3, 1, 1])), 'DATA_UNREADABLE', join(dir, 'scan.bmp'), 'convert it to PNG');
});

test('image folder: EXIF orientation is applied before cropping and resizing', async (t) => {
  const dir = tempDir(t);
  // Stored 4 wide × 2 tall: left half red, right half blue. Orientation 6 shows it rotated 90° clockwise:
  // 2 wide × 4 tall with red on top.
  const px: number[] = [];
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) px.push(...(x < 2 ? [255, 0, 0] : [0, 0, 255]));
  await png(join(dir, 'o.png'), 4, 2, px, 6);
  const src = await openImageFolder(dir, spec([1, 4, 2, 3]), { preprocess: { layout: 'NHWC' } });
  const d = (await src.read(0)).feeds.input.data;
  const red = (y: number): number => Number(d[y * 2 * 3]);
  assert.deepEqual([red(0), red(1), red(2), red(3)], [1, 1, 0, 0]);
});

test('image preprocess options are checked against the input', async () => {
  assert.deepEqual(planPreprocess(spec([1, 224, 224, 3])[0]).layout, 'NHWC');
  assert.deepEqual(planPreprocess(spec([1, 3, 224, 224])[0]).layout, 'NCHW');
  assert.equal(planPreprocess(spec([1, 1, 28, 28])[0]).channels, 'GRAY');
  const bad: [Parameters<typeof planPreprocess>, string, string][] = [
    [[spec([1, 3, 8, 8])[0], { cropsPerImage: 4 }], 'BAD_USAGE', "cropsPerImage 4 needs resize 'random-crop'"],
    [[spec([1, 3, 8, 8])[0], { resize: 'zoom' as 'stretch' }], 'BAD_USAGE', 'resize must be'],
    [[spec([1, 3, 8, 8])[0], { mean: [0.5, 0.5] }], 'BAD_USAGE', "mean has 2 values but input 'input' [1,3,8,8] has 3 channels"],
    [[spec([1, 3, 8, 8])[0], { std: [0] }], 'BAD_USAGE', 'std must be > 0'],
    [[spec([1, 3, 8, 8])[0], { Resize: 'stretch' } as never], 'BAD_USAGE', "unknown preprocess option 'Resize'"],
    [[spec([1, 3, 8, 8])[0], { channels: 'GRAY' }], 'SHAPE_MISMATCH', 'channels GRAY gives 1 channel'],
    [[spec([1, 4, 8, 8])[0], {}], 'SHAPE_MISMATCH', 'no 1- or 3-channel axis'],
    [[spec([2, 3, 8, 8])[0], {}], 'SHAPE_MISMATCH', '--shape input=1,3,8,8'],
    [[spec([1, 3, 8])[0], {}], 'SHAPE_MISMATCH', '[1,C,H,W] or [1,H,W,C]'],
    [[spec([1, 3, 8, 8], 'int64')[0], {}], 'BAD_USAGE', 'float32, float64 or uint8'],
  ];
  for (const [args, code, text] of bad) {
    await rejectsWith(() => planPreprocess(...args), code as never, text);
  }
});

test('image folder: limit, index range and multi-input models', { skip }, async () => {
  const src = await openImageFolder(SHARED_IMAGES, spec([1, 3, 8, 8]), { limit: 3 });
  assert.equal(src.count, 3);
  assert.match(src.description, /^3 of 8 samples \(8 images\) from /);
  await rejectsWith(src.read(3), 'BAD_USAGE', 'out of range');
  await rejectsWith(openImageFolder(SHARED_IMAGES, [...spec([1, 3, 8, 8]), { name: 'scale', type: 'float32', dims: [1] }]), 'BAD_USAGE', "'input', 'scale'");
});
