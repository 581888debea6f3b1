import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInWorker } from '../jobs/host';
import { demoModelPath } from '../io/paths';
import { progressPrinter } from './progress';
import { formatQuantizeReport } from './format';
import { formatBench } from './formatBench';

/** Quantizes the built-in digit classifier on the built-in digits, then benchmarks fp32 vs int8. */
export async function runDemo(outDir?: string): Promise<number> {
  const dir = resolve(outDir ?? join(tmpdir(), 'octet-demo'));
  await mkdir(dir, { recursive: true });
  const model = demoModelPath();
  const output = join(dir, 'digits.int8.onnx');
  const progress = progressPrinter(process.stderr);
  console.log(`Octet demo: ${model}\n  calibrating on built-in MNIST digits, then comparing on 2,000 held-out digits\n`);
  try {
    const report = await runInWorker(
      { kind: 'quantize', params: { model, output, data: 'mnist', recipe: { calib_samples: 200 }, reportPath: join(dir, 'digits.report.json') } },
      { onProgress: progress.update, onLog: progress.log },
    );
    progress.done();
    console.log(formatQuantizeReport(report) + '\n');
    const bench = await runInWorker({ kind: 'bench', params: { fp32: model, int8: output, data: 'mnist', samples: 2000, runs: 60, memory: false, layerSamples: 0, batches: [1, 32], throughputThreads: [1] } }, { onProgress: progress.update });
    progress.done();
    console.log(formatBench(bench));
    console.log(`\nFiles in ${dir}: digits.int8.onnx, digits.report.json`);
  } finally {
    progress.done();
  }
  return 0;
}
