// `octet bench FP32 INT8 --data SPEC ...`: fp32 against int8 in a worker process, a table on
// stdout, and optionally the JSON result and a self-contained HTML report.
import { BENCH_DEFAULTS, parseBenchSettings, type BenchParams, type BenchSettings } from '../../shared/bench';
import { issueLines } from '../../shared/errors';
import type { PreprocessConfig } from '../../shared/recipe';
import { runInWorker } from '../jobs/host';
import { checkOutputPath, writeFileAtomic } from '../io/atomicWrite';
import { benchHtml, benchJson } from '../bench/htmlReport';
import { formatBench } from './formatBench';
import { intList, parseShapes, positiveInt, readRecipeFile, seconds, usageError } from './args';
import { defineCommand, EXIT } from './command';

const D = BENCH_DEFAULTS;

/** The flag that sets each bench setting, to name it in a limit error. */
const SETTING_FLAGS: Record<keyof BenchSettings, string> = {
  samples: '--samples',
  runs: '--runs',
  minSeconds: '--min-time',
  threads: '--threads',
  batches: '--batch',
  throughputThreads: '--throughput-threads',
  throughputRuns: '--throughput-runs',
  warmup: '--warmup',
  layerSamples: '--layer-samples',
  memory: '--no-memory',
};

export interface BenchArgs {
  params: BenchParams;
  json?: string;
  html?: string;
  layers?: number;
}

export const benchCommand = defineCommand({
  name: 'bench',
  synopsis: `  octet bench FP32 INT8 --data SPEC [--runs N] [--threads T] [--batch 1,8] [--labels CSV]
              [--json FILE] [--html FILE]   (all options: octet bench --help, docs/bench.md)`,
  usage: `Usage:
  octet bench FP32 INT8 --data SPEC [--samples N] [--runs N] [--min-time S] [--threads T]
              [--batch B[,B...]] [--labels FILE.csv] [--json FILE] [--html FILE] [--shape NAME=d0,d1,...]
              [--recipe FILE] [--throughput-threads T[,T...]] [--throughput-runs N]
              [--warmup N] [--layer-samples N] [--no-memory] [--layers N] [--debug]

  Compares an fp32 model with its int8 version on the same data: latency (block-interleaved
  A/B rounds, median of per-round ratios, p50/p90/p99), throughput by batch and threads, size,
  memory, top-1/top-5 accuracy when labels exist, output fidelity and per-layer SQNR.

  --data SPEC            .npz (one array per input name), .npy file or folder of them, folder of
                         images (class subfolders give labels), or mnist
  --samples N            samples for accuracy and fidelity (default ${D.samples})
  --runs N               at least N interleaved A/B rounds for batch-1 latency (default ${D.runs})
  --min-time S           ... and at least S seconds of them (default ${D.minSeconds}; 0 = exactly N rounds)
  --threads T            intra-op threads for latency and evaluation (default ${D.threads})
  --batch B[,B...]       batch sizes for throughput (default ${D.batches.join(',')}); > 1 needs a symbolic batch dim
  --throughput-threads   thread counts for throughput (default 1 and all cores)
  --throughput-runs N    A/B rounds per throughput point (default max(5, runs/5))
  --warmup N             untimed runs of each model first (default ${D.warmup})
  --labels FILE.csv      file name (or sample index),class index or name — overrides folder labels
  --layer-samples N      samples for per-layer error (default ${D.layerSamples}; 0 skips it)
  --no-memory            skip the per-model memory probe (a child process per model)
  --recipe FILE          use the recipe's preprocess (image folders), as for quantize
  --shape NAME=dims      fix dynamic dims the data does not fix (any input; arrays fix their own)
  --json FILE            write the result as JSON (schema: docs/bench.md)
  --html FILE            write a self-contained HTML report with SVG charts
  --layers N             per-layer rows in the table (default 10)

  Ctrl-C cancels (exit ${EXIT.CANCELLED}). Bad usage exits ${EXIT.USAGE}, a failure ${EXIT.FAILED}.`,
  flags: {
    data: { type: 'string' },
    samples: { type: 'string' },
    runs: { type: 'string' },
    'min-time': { type: 'string' },
    threads: { type: 'string' },
    batch: { type: 'string' },
    'throughput-threads': { type: 'string' },
    'throughput-runs': { type: 'string' },
    warmup: { type: 'string' },
    labels: { type: 'string' },
    'layer-samples': { type: 'string' },
    'no-memory': { type: 'boolean' },
    recipe: { type: 'string' },
    shape: { type: 'string', multiple: true },
    json: { type: 'string' },
    html: { type: 'string' },
    layers: { type: 'string' },
  },

  async parse(v, positionals): Promise<BenchArgs> {
    if (positionals.length !== 2) throw usageError(`bench takes two models, FP32 and INT8 (got ${positionals.length})`);
    if (!v.data) throw usageError('bench needs --data SPEC (a .npy file, a folder of images, or mnist)');
    const [fp32, int8] = positionals;
    const params: BenchParams = { fp32, int8, data: v.data };
    if (v.samples !== undefined) params.samples = positiveInt(v.samples, '--samples');
    if (v.runs !== undefined) params.runs = positiveInt(v.runs, '--runs');
    if (v['min-time'] !== undefined) params.minSeconds = seconds(v['min-time'], '--min-time', Infinity);
    if (v.threads !== undefined) params.threads = positiveInt(v.threads, '--threads');
    if (v.batch !== undefined) params.batches = intList(v.batch, '--batch');
    if (v['throughput-threads'] !== undefined) params.throughputThreads = intList(v['throughput-threads'], '--throughput-threads');
    if (v['throughput-runs'] !== undefined) params.throughputRuns = positiveInt(v['throughput-runs'], '--throughput-runs');
    if (v.warmup !== undefined) params.warmup = positiveInt(v.warmup, '--warmup', 0);
    if (v['layer-samples'] !== undefined) params.layerSamples = positiveInt(v['layer-samples'], '--layer-samples', 0);
    if (v['no-memory']) params.memory = false;
    if (v.labels !== undefined) params.labels = v.labels;
    if (v.shape?.length) params.shapes = parseShapes(v.shape);
    if (v.recipe !== undefined) {
      const pp = (await readRecipeFile(v.recipe)).preprocess as PreprocessConfig | undefined;
      if (pp) params.preprocess = pp;
    }
    checkLimits(params);
    const out: BenchArgs = { params, json: v.json, html: v.html };
    if (v.layers !== undefined) out.layers = positiveInt(v.layers, '--layers', 0);
    if (out.json && out.html && out.json === out.html) throw usageError('--json and --html name the same file');
    return out;
  },

  async run(a, { signal, progress }) {
    const models = [a.params.fp32, a.params.int8];
    if (a.json) await checkOutputPath(a.json, models);
    if (a.html) await checkOutputPath(a.html, models);
    const result = await runInWorker({ kind: 'bench', params: a.params }, { onProgress: progress.update, onLog: progress.log, signal });
    progress.done();
    console.log(formatBench(result, { layers: a.layers }));
    if (a.json) {
      await writeFileAtomic(a.json, benchJson(result));
      console.log(`\nwrote ${a.json}`);
    }
    if (a.html) {
      await writeFileAtomic(a.html, benchHtml(result));
      console.log(`${a.json ? '' : '\n'}wrote ${a.html}`);
    }
    return EXIT.OK;
  },

  cancelled: () => 'the benchmark was cancelled; nothing was written',
});

/** The settings' limits are shared/bench.ts's (as for the API and the engine); a break names the flag. */
function checkLimits(params: BenchParams): void {
  const r = parseBenchSettings(params);
  if (r.success) return;
  const named = r.error.issues.map((i) => ({
    ...i,
    path: i.path.length ? [SETTING_FLAGS[i.path[0] as keyof BenchSettings] ?? String(i.path[0]), ...i.path.slice(1)] : i.path,
  }));
  throw usageError(issueLines(named, 'bench').join('; '));
}
