// npm run bench:engine [-- --only NAME] — quantizes each model with the default recipe and prints:
// valid (ORT loads it), fidelity, the int8/fp32 median latency ratio (interleaved A/B, 1 thread)
// and the fusion counts from ORT's optimized graph. MiniLM (../shared) is fed its .npz and judged by the
// sentence-embedding cosine (mean and min over minilm.eval.npz); skipped, with the reason, when absent.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { quantizeModel } from '../src/main/quant/quantize';
import { compareModels } from '../src/main/bench/compare';
import { writeSynthetic } from '../test/util/synthetic';
import { SHARED, SHARED_MODELS, SHARED_IMAGES } from '../test/util/fixtures';
import { embeddingCosine } from './metrics';
import { cpuFeatures } from '../native';
import type { RecipeInput } from '../src/shared/recipe';

interface Case {
  name: string;
  model: string;
  data: string;
  recipe: RecipeInput;
  shapes?: Record<string, number[]>;
  evalSamples: number;
  rounds: number;
  /** Held-out data when it is not `data` (the model's own evaluation split). */
  evalData?: string;
  /** Sentence encoder: fidelity is the embedding cosine (bench/metrics.ts), mean and min over the evaluation sentences. */
  embedding?: boolean;
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const dir = mkdtempSync(join(tmpdir(), 'octet-bench-'));
const faces = { resize: 'random-crop' as const, cropsPerImage: 4, mean: [127 / 255], std: [128 / 255] };
const cases: Case[] = [];
if (existsSync(join(SHARED_MODELS, 'mnist-8.onnx'))) {
  cases.push({ name: 'mnist-8', model: join(SHARED_MODELS, 'mnist-8.onnx'), data: 'mnist', recipe: { calib_samples: 200 }, evalSamples: 2000, rounds: 80 });
  cases.push({
    name: 'ultraface-rfb-320',
    model: join(SHARED_MODELS, 'ultraface-rfb-320.onnx'),
    data: SHARED_IMAGES,
    recipe: { calib_samples: 32, preprocess: faces },
    evalSamples: 8,
    rounds: 20,
  });
}
// A real BERT-style encoder (issue 12): three int64 inputs from .npz, 64 tokens.
const minilm = {
  model: join(SHARED_MODELS, 'all-MiniLM-L6-v2.onnx'),
  calib: join(SHARED, 'data', 'minilm.calib.npz'),
  eval: join(SHARED, 'data', 'minilm.eval.npz'),
};
const skipped: string[][] = [];
if ([minilm.model, minilm.calib, minilm.eval].every((f) => existsSync(f))) {
  cases.push({
    name: 'all-MiniLM-L6-v2',
    model: minilm.model,
    data: minilm.calib,
    evalData: minilm.eval,
    recipe: { calib_samples: 128 },
    evalSamples: 64,
    rounds: 60,
    embedding: true,
  });
} else skipped.push(['all-MiniLM-L6-v2', 'skipped', `${minilm.model} or ../shared/data/minilm.{calib,eval}.npz not found`, '', '', '', '', '', '']);
for (const name of ['mlp', 'resnetCnn', 'transformerBlock']) {
  const f = writeSynthetic(dir, name, 32);
  cases.push({ name, model: f.model, data: f.data, shapes: f.shapes, recipe: { calib_samples: 32 }, evalSamples: 16, rounds: 40 });
}

(async () => {
  const cpu = cpuFeatures();
  console.log(
    `CPU: ${cpus()[0]?.model}, ${cpus().length} cores, AVX2 ${cpu.avx2}, AVX-512 ${cpu.avx512f}, VNNI ${cpu.avx512vnni || cpu.avxvnni}; latency at 1 thread, batch 1`,
  );
  const rows: string[][] = [['model', 'valid', 'fidelity', 'top-1 fp32→int8', 'int8/fp32 latency', 'p10–p90', 'int8 compute', 'fp32 compute', 'Q/DQ left']];
  try {
    for (const c of cases.filter((c) => !only || c.name === only)) {
      const out = join(dir, `${c.name}.int8.onnx`);
      let valid = 'no';
      try {
        const r = await quantizeModel({ model: c.model, output: out, data: c.data, recipe: c.recipe, shapes: c.shapes });
        valid = 'yes';
        const evalData = c.evalData ?? c.data;
        const b = await compareModels({
          fp32: c.model,
          int8: out,
          data: evalData,
          samples: c.evalSamples,
          runs: c.rounds,
          threads: 1,
          shapes: c.shapes,
          preprocess: c.recipe.preprocess,
          memory: false,
          layerSamples: 0,
          throughputThreads: [1],
        });
        const e = c.embedding ? await embeddingCosine(c.model, out, evalData, { samples: c.evalSamples }) : undefined;
        rows.push([
          c.name,
          valid,
          e
            ? `emb cos ${e.mean.toFixed(4)} (min ${e.min.toFixed(4)}), output ${b.fidelity.sqnrDb.toFixed(1)} dB`
            : `cos ${b.fidelity.cosine.toFixed(4)}, ${b.fidelity.sqnrDb.toFixed(1)} dB`,
          b.accuracy ? `${(b.accuracy.fp32 * 100).toFixed(2)}→${(b.accuracy.int8 * 100).toFixed(2)}%` : '-',
          `${b.latency.ratioMedian.toFixed(3)}`,
          `${b.latency.ratioP10.toFixed(2)}–${b.latency.ratioP90.toFixed(2)}`,
          `${r.fusion.int8Ops}`,
          `${r.fusion.fp32ComputeOps}`,
          `${r.fusion.quantizeOps}/${r.fusion.dequantizeOps}`,
        ]);
      } catch (e) {
        rows.push([c.name, valid, `FAILED: ${(e as Error).message}`, '', '', '', '', '', '']);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(...skipped.filter((r) => !only || r[0] === only));
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
})();
