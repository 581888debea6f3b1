// `octet demo`: the built-in digit classifier quantized on the built-in digits, then benchmarked.
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInWorker } from '../jobs/host';
import { demoModelPath } from '../io/paths';
import { formatQuantizeReport } from './format';
import { formatBench } from './formatBench';
import { defineCommand, EXIT } from './command';

export const demoCommand = defineCommand({
  name: 'demo',
  synopsis: '  octet demo [--out DIR]',
  usage: `Usage:
  octet demo [--out DIR]

  Quantizes Octet's own digit classifier on the built-in MNIST digits, then compares fp32 and
  int8 on 2,000 held-out digits. The int8 model and its report go to DIR (default: a folder in
  the system's temp folder).`,
  flags: { out: { type: 'string' } },
  parse(v) {
    return { dir: resolve(v.out ?? join(tmpdir(), 'octet-demo')) };
  },
  async run({ dir }, { signal, progress }) {
    await mkdir(dir, { recursive: true });
    const model = demoModelPath();
    const output = join(dir, 'digits.int8.onnx');
    console.log(`Octet demo: ${model}\n  calibrating on built-in MNIST digits, then comparing on 2,000 held-out digits\n`);
    const report = await runInWorker(
      { kind: 'quantize', params: { model, output, data: 'mnist', recipe: { calib_samples: 200 }, reportPath: join(dir, 'digits.report.json') } },
      { onProgress: progress.update, onLog: progress.log, signal },
    );
    progress.done();
    console.log(formatQuantizeReport(report) + '\n');
    const bench = await runInWorker(
      {
        kind: 'bench',
        params: { fp32: model, int8: output, data: 'mnist', samples: 2000, runs: 60, memory: false, layerSamples: 0, batches: [1, 32], throughputThreads: [1] },
      },
      { onProgress: progress.update, signal },
    );
    progress.done();
    console.log(formatBench(bench));
    console.log(`\nFiles in ${dir}: digits.int8.onnx, digits.report.json`);
    return EXIT.OK;
  },
});
