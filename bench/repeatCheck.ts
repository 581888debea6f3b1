// Repeatability check (no test: it measures time). Runs the same benchmark several times, each
// in a fresh worker process as `octet bench` does, and prints the int8/fp32 ratio of each run and
// the spread. Issue 5's bar: the ratio within ±10% of the median on a noisy machine.
//
//   npx tsx bench/repeatCheck.ts                       # mnist-8 (if ../shared) + synthetic models
//   npx tsx bench/repeatCheck.ts FP32 INT8 --data SPEC [--times 3] [--runs 100] [--min-time 3] [--threads 1]
//   npx tsx bench/repeatCheck.ts --only mlp [--times 5]
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runInWorker } from '../src/main/jobs/host';
import { quantizeModel } from '../src/main/quant/quantize';
import { writeSynthetic } from '../test/util/synthetic';
import { SHARED_MODELS } from '../test/util/fixtures';
import { cpuFacts } from '../src/main/bench/compare';
import type { BenchParams } from '../src/shared/bench';

interface Case {
  name: string;
  params: BenchParams;
}

export interface Spread {
  ratios: number[];
  median: number;
  /** Largest deviation from the median, as a fraction of it. */
  maxDev: number;
}

export function spread(ratios: number[]): Spread {
  const s = [...ratios].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { ratios, median, maxDev: Math.max(...ratios.map((r) => Math.abs(r / median - 1))) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      times: { type: 'string' },
      runs: { type: 'string' },
      threads: { type: 'string' },
      'min-time': { type: 'string' },
      only: { type: 'string' },
    },
  });
  const times = Number(values.times ?? 3);
  const runs = Number(values.runs ?? 100);
  const threads = Number(values.threads ?? 1);
  const minSeconds = values['min-time'] === undefined ? undefined : Number(values['min-time']);
  const common = { runs, minSeconds, threads, samples: 50, layerSamples: 0, memory: false, throughputThreads: [threads] };
  const dir = mkdtempSync(join(tmpdir(), 'octet-repeat-'));
  const cases: Case[] = [];
  try {
    if (positionals.length === 2) {
      cases.push({ name: positionals[0], params: { fp32: positionals[0], int8: positionals[1], data: values.data ?? 'mnist', ...common } });
    } else {
      const mnist = join(SHARED_MODELS, 'mnist-8.onnx');
      if (existsSync(mnist) && (!values.only || values.only === 'mnist-8')) {
        const out = join(dir, 'mnist-8.int8.onnx');
        await quantizeModel({ model: mnist, output: out, data: 'mnist', recipe: { calib_samples: 100 } });
        cases.push({ name: 'mnist-8', params: { fp32: mnist, int8: out, data: 'mnist', ...common } });
      }
      for (const name of ['resnetCnn', 'mlp'].filter((x) => !values.only || values.only === x)) {
        const f = writeSynthetic(dir, name, 16);
        const out = join(dir, `${name}.int8.onnx`);
        await quantizeModel({ model: f.model, output: out, data: f.data, shapes: f.shapes, recipe: { calib_samples: 16 } });
        cases.push({ name, params: { fp32: f.model, int8: out, data: f.data, shapes: f.shapes, ...common } });
      }
    }
    const cpu = cpuFacts();
    console.log(
      `${cpu.model}, ${cpu.cores} cores, AVX2 ${cpu.avx2}, AVX-512 ${cpu.avx512}, VNNI ${cpu.vnni}; ${times} fresh runs, each ≥ ${runs} A/B rounds and ≥ ${minSeconds ?? 3} s, ${threads} thread(s), batch 1`,
    );
    for (const c of cases) {
      const ratios: number[] = [];
      for (let i = 0; i < times; i++) {
        const r = await runInWorker({ kind: 'bench', params: c.params });
        ratios.push(r.latency.ratioMedian);
      }
      const s = spread(ratios);
      console.log(
        `${c.name.padEnd(12)} int8/fp32 ${ratios.map((r) => r.toFixed(3)).join(', ')}  median ${s.median.toFixed(3)}  max deviation ${(s.maxDev * 100).toFixed(1)}%  ${s.maxDev <= 0.1 ? 'within ±10%' : 'OUTSIDE ±10%'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
