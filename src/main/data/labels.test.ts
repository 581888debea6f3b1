import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseLabelCsv, splitCsvLine, csvLabels, imageOrder } from './labels';
import { openDataSource } from '.';
import { tempDir, npyBytes } from '../../../test/util/fixtures';
import { OctetError } from '../../shared/errors';

const input = [{ name: 'x', type: 'float32' as const, dims: [1, 3, 8, 8] }];

async function png(path: string, shade: number): Promise<void> {
  await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: shade, g: 255 - shade, b: 90 } } })
    .png()
    .toFile(path);
}

test('CSV: header recognised, quotes, tabs and comments handled', () => {
  assert.deepEqual(splitCsvLine('"a, b",2', ','), ['a, b', '2']);
  assert.deepEqual(splitCsvLine('"say ""hi""",cat', ','), ['say "hi"', 'cat']);
  const rows = parseLabelCsv('filename,label\n# comment\nimg1.png,3\n\n"img 2.png", 7\n');
  assert.deepEqual(
    rows.map((r) => [r.key, r.value]),
    [
      ['img1.png', '3'],
      ['img 2.png', '7'],
    ],
  );
  // no header: the first row is data
  assert.equal(parseLabelCsv('a.png,cat\nb.png,dog').length, 2);
  assert.deepEqual(
    parseLabelCsv('0\t5\n1\t6').map((r) => r.value),
    ['5', '6'],
  );
  assert.throws(
    () => parseLabelCsv('just-one-column\n'),
    (e: unknown) => e instanceof OctetError && /two columns/.test(e.message),
  );
  assert.throws(
    () => parseLabelCsv('file,label\n'),
    (e: unknown) => e instanceof OctetError && /no rows/.test(e.message),
  );
});

test('CSV labels match a flat image folder by path, file name or stem, in the source order', async (t) => {
  const dir = tempDir(t, 'octet-labels-');
  const imgs = join(dir, 'imgs');
  mkdirSync(imgs);
  for (const [i, name] of ['b.png', 'a.png', 'c.png', 'd.png'].entries()) await png(join(imgs, name), i * 60);
  const source = await openDataSource(imgs, input);
  assert.equal(source.count, 4);
  const csv = join(dir, 'labels.csv');
  writeFileSync(csv, 'image,class\na.png,2\n./b.png,0\nc,1\nzzz.png,4\n');
  const r = await csvLabels(csv, source);
  // samples are the sorted file names: a, b, c, d
  assert.deepEqual(r.labels, [2, 0, 1, undefined]);
  assert.equal(r.matched, 3);
  assert.equal(r.unmatchedCount, 1);
  assert.deepEqual(r.unmatched, ['zzz.png']);
  assert.ok(r.notes.some((n) => /1 row\(s\) match no sample/.test(n)));

  // class names are numbered in sorted order, and the mapping is reported
  writeFileSync(csv, 'a.png,dog\nb.png,cat\nc.png,eel\nd.png,cat\n');
  const named = await csvLabels(csv, source);
  assert.deepEqual(named.classes, ['cat', 'dog', 'eel']);
  assert.deepEqual(named.labels, [1, 0, 2, 0]);
  assert.ok(named.notes.some((n) => /sorted order/.test(n)));

  writeFileSync(csv, 'nothing.png,1\n');
  await assert.rejects(csvLabels(csv, source), (e: unknown) => e instanceof OctetError && /no row matches/.test(e.message));
});

test('CSV labels over class folders use the folder names; order matches the data layer', async (t) => {
  const dir = tempDir(t, 'octet-labels-');
  const root = join(dir, 'classes');
  for (const [c, files] of Object.entries({ cat: ['1.png', '2.png', '3.png'], dog: ['1.png'], eel: ['x.png', 'y.png'] })) {
    mkdirSync(join(root, c), { recursive: true });
    for (const [i, f] of files.entries()) await png(join(root, c, f), 40 * i + 10);
  }
  const source = await openDataSource(root, input);
  const order = await imageOrder(root);
  assert.equal(order.length, source.count);
  for (let i = 0; i < source.count; i++) {
    const s = await source.read(i);
    assert.equal(source.labels![s.label!], order[i].split('/')[0], `sample ${i} is ${order[i]}`);
  }
  // relabel two images by name; names resolve against the folder classes
  const csv = join(dir, 'l.csv');
  writeFileSync(csv, 'file,label\ncat/2.png,eel\ndog/1.png,cat\n');
  const r = await csvLabels(csv, source);
  assert.deepEqual(r.classes, ['cat', 'dog', 'eel']);
  assert.equal(r.labels[order.indexOf('cat/2.png')], 2);
  assert.equal(r.labels[order.indexOf('dog/1.png')], 0);
  assert.equal(r.matched, 2);
});

test('CSV labels for .npy data are keyed by sample index', async (t) => {
  const dir = tempDir(t, 'octet-labels-');
  const npy = join(dir, 'x.npy');
  writeFileSync(npy, npyBytes({ descr: '<f4', shape: [3, 1, 4], data: new Float32Array(12) }));
  const source = await openDataSource(npy, [{ name: 'x', type: 'float32', dims: [1, 4] }]);
  const csv = join(dir, 'l.csv');
  writeFileSync(csv, 'index,label\n0,5\n2,1\n9,3\n');
  const r = await csvLabels(csv, source);
  assert.deepEqual(r.labels, [5, undefined, 1]);
  assert.equal(r.unmatchedCount, 1);
  writeFileSync(csv, 'a.png,1\n');
  await assert.rejects(csvLabels(csv, source), (e: unknown) => e instanceof OctetError && /sample index/.test(e.message));
});
