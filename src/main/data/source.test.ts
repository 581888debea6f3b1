import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { openDataSource } from './index';
import { SHARED_IMAGES, haveSharedImages, rejectsWith, tempDir, writeNpy } from '../../../test/util/fixtures';
import type { InputSpec } from './types';

const DIGIT: InputSpec[] = [{ name: 'Input3', type: 'float32', dims: [1, 1, 28, 28] }];

test('openDataSource: mnist, mnist:test and mnist:train pick the built-in splits', async () => {
  assert.equal((await openDataSource('mnist', DIGIT)).count, 8000);
  assert.equal((await openDataSource('mnist', DIGIT, { split: 'evaluation' })).count, 2000);
  assert.equal((await openDataSource('mnist:test', DIGIT)).count, 2000);
  assert.equal((await openDataSource('MNIST:train', DIGIT, { limit: 10 })).count, 10);
  assert.match((await openDataSource('mnist:train', DIGIT)).description, /calibration split/);
  await rejectsWith(openDataSource('mnist:test', DIGIT, { split: 'calibration' }), 'BAD_USAGE', "'mnist:test' selects the evaluation split");
  await rejectsWith(openDataSource('mnist', DIGIT, { preprocess: { mean: [0.5] } }), 'BAD_USAGE', "preprocess option 'mean'");
  // Default-valued preprocess options (e.g. a CLI that always passes them) are fine.
  assert.equal((await openDataSource('mnist', DIGIT, { preprocess: { resize: 'stretch', mean: [0, 0, 0] } })).count, 8000);
});

test('openDataSource: a .npy file, relative or absolute', async (t) => {
  const dir = tempDir(t);
  const file = writeNpy(dir, 'calib.NPY', { descr: '<f4', shape: [3, 784], data: new Float32Array(3 * 784).fill(0.5) });
  const abs = await openDataSource(file, [{ name: 'x', type: 'float32', dims: [1, 784] }]);
  assert.equal(abs.count, 3);
  assert.ok(abs.description.includes(file));
  const rel = await openDataSource(relative(process.cwd(), file), [{ name: 'x', type: 'float32', dims: [1, 784] }]);
  assert.equal(rel.description, abs.description);
  await rejectsWith(
    openDataSource(file, [{ name: 'x', type: 'float32', dims: [1, 784] }], { preprocess: { resize: 'center-crop' } }),
    'BAD_USAGE',
    "'resize' applies to folders of images only",
  );
});

test('openDataSource: a folder of images', { skip: haveSharedImages ? false : `sample photos not found at ${SHARED_IMAGES}` }, async () => {
  const src = await openDataSource(SHARED_IMAGES, [{ name: 'input', type: 'float32', dims: [1, 3, 240, 320] }], {
    preprocess: { resize: 'random-crop', cropsPerImage: 2 },
    limit: 5,
  });
  assert.equal(src.count, 5);
  assert.equal(src.description, `5 of 16 samples (8 images × 2 random crops) from ${SHARED_IMAGES} (random-crop to 240×320, RGB, NCHW, seed 0)`);
});

test('openDataSource: missing paths and unsupported files are DATA_UNREADABLE naming them', async (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'no-such-data');
  await rejectsWith(openDataSource(missing, DIGIT), 'DATA_UNREADABLE', `${missing} does not exist`, '.npy file, a folder of images, or mnist');
  await rejectsWith(openDataSource('mnist:tset', DIGIT), 'DATA_UNREADABLE', 'mnist:tset', 'built-in names are mnist, mnist:train, mnist:test');
  const npz = join(dir, 'a.npz');
  writeFileSync(npz, 'PK');
  await rejectsWith(openDataSource(npz, DIGIT), 'DATA_UNREADABLE', npz, 'np.save');
  const jpg = join(dir, 'one.jpg');
  writeFileSync(jpg, 'x');
  await rejectsWith(openDataSource(jpg, DIGIT), 'DATA_UNREADABLE', jpg, 'pass the folder');
  const csv = join(dir, 'data.csv');
  writeFileSync(csv, '1,2,3');
  await rejectsWith(openDataSource(csv, DIGIT), 'DATA_UNREADABLE', csv, 'not calibration data Octet reads');
  await rejectsWith(openDataSource('  ', DIGIT), 'BAD_USAGE', 'no calibration data given');
});
