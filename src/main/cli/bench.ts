// `octet bench FP32 INT8 --data SPEC ...`: fp32 against int8 in a worker process, a table on
// stdout, and optionally the JSON result and a self-contained HTML report.
import { parseArgs } from 'node:util';
import { OctetError } from '../../shared/errors';
import type { BenchParams } from '../../shared/bench';
import type { PreprocessConfig } from '../../shared/recipe';
import { runInWorker } from '../jobs/host';
import { checkOutputPath, writeFileAtomic } from '../io/atomicWrite';
import { benchHtml, benchJson } from '../bench/htmlReport';
import { progressPrinter } from './progress';
import { formatBench } from './formatBench';
import { UsageError, parseShapes, reportCliError, positiveInt, readRecipeFile } from './args';

export const BENCH_USAGE = `Usage:
  octet bench FP32 INT8 --data SPEC [--samples N] [--runs N] [--min-time S] [--threads T]
              [--batch B[,B...]] [--labels FILE.csv] [--json FILE] [--html FILE] [--shape NAME=d0,d1,...]
              [--recipe FILE] [--throughput-threads T[,T...]] [--throughput-runs N]
              [--warmup N] [--layer-samples N] [--no-memory] [--layers N] [--debug]

  Compares an fp32 model with its int8 version on the same data: latency (block-interleaved
  A/B rounds, median of per-round ratios, p50/p90/p99), throughput by batch and threads, size,
  memory, top-1/top-5 accuracy when labels exist, output fidelity and per-layer SQNR.

  --data SPEC            .npz (one array per input name), .npy file or folder of them, folder of
                         images (class subfolders give labels), or mnist
  --samples N            samples for accuracy and fidelity (default 500)
  --runs N               at least N interleaved A/B rounds for batch-1 latency (default 100)
  --min-time S           ... and at least S seconds of them (default 3; 0 = exactly N rounds)
  --threads T            intra-op threads for latency and evaluation (default 1)
  --batch B[,B...]       batch sizes for throughput (default 1); > 1 needs a symbolic batch dim
  --throughput-threads   thread counts for throughput (default 1 and all cores)
  --throughput-runs N    A/B rounds per throughput point (default max(5, runs/5))
  --labels FILE.csv      file name (or sample index),class index or name — overrides folder labels
  --layer-samples N      samples for per-layer error (default 4; 0 skips it)
  --no-memory            skip the per-model memory probe (a child process per model)
  --recipe FILE          use the recipe's preprocess (image folders), as for quantize
  --shape NAME=dims      fix dynamic dims the data does not fix (any input; arrays fix their own)
  --json FILE            write the result as JSON (schema: docs/bench.md)
  --html FILE            write a self-contained HTML report with SVG charts
  --layers N             per-layer rows in the table (default 10)

  Ctrl-C cancels (exit 130). Bad usage exits 2, a failure 1.`;

function intList(s: unknown, flag: string): number[] {
  if (typeof s !== 'string' || s.trim() === '') throw new UsageError(`${flag} takes whole numbers ≥ 1 separated by commas, got '${String(s)}'`);
  return [...new Set(s.split(',').map((x) => positiveInt(x.trim(), flag)))];
}

async function recipePreprocess(path: string): Promise<PreprocessConfig | undefined> {
  return (await readRecipeFile(path)).preprocess as PreprocessConfig | undefined;
}

export interface BenchArgs {
  params: BenchParams;
  json?: string;
  html?: string;
  layers?: number;
  help?: boolean;
}

/** Parses `octet bench` arguments (everything after `bench`). Throws UsageError / OctetError('BAD_USAGE'). */
export async function parseBenchArgs(args: string[]): Promise<BenchArgs> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
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
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { params: { fp32: '', int8: '', data: '' }, help: true };
  if (parsed.positionals.length !== 2) throw new UsageError(`bench takes two models, FP32 and INT8 (got ${parsed.positionals.length})`);
  if (!v.data) throw new UsageError('bench needs --data SPEC (a .npy file, a folder of images, or mnist)');
  const [fp32, int8] = parsed.positionals;
  const params: BenchParams = { fp32, int8, data: v.data };
  if (v.samples !== undefined) params.samples = positiveInt(v.samples, '--samples');
  if (v.runs !== undefined) params.runs = positiveInt(v.runs, '--runs');
  if (v['min-time'] !== undefined) {
    const t = Number(v['min-time']);
    if (!/^\d+(\.\d+)?$/.test(v['min-time'].trim()) || !(t <= 3600)) throw new UsageError(`--min-time takes seconds from 0 to 3600, got '${v['min-time']}'`);
    params.minSeconds = t;
  }
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
    const pp = await recipePreprocess(v.recipe);
    if (pp) params.preprocess = pp;
  }
  const out: BenchArgs = { params, json: v.json, html: v.html };
  if (v.layers !== undefined) out.layers = positiveInt(v.layers, '--layers', 0);
  if (out.json && out.html && out.json === out.html) throw new UsageError('--json and --html name the same file');
  return out;
}

/** Runs `octet bench`; returns the exit code (0 ok, 1 failure, 2 bad usage, 130 cancelled). */
export async function benchCommand(args: string[]): Promise<number> {
  const debug = args.includes('--debug');
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter(process.stderr);
  try {
    const a = await parseBenchArgs(args);
    if (a.help) {
      console.log(BENCH_USAGE);
      return 0;
    }
    const models = [a.params.fp32, a.params.int8];
    if (a.json) await checkOutputPath(a.json, models);
    if (a.html) await checkOutputPath(a.html, models);
    const result = await runInWorker({ kind: 'bench', params: a.params }, { onProgress: progress.update, onLog: progress.log, signal: ac.signal });
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
    return 0;
  } catch (e) {
    progress.done();
    if (ac.signal.aborted || (e instanceof OctetError && e.code === 'CANCELLED')) {
      console.error('octet: error CANCELLED: the benchmark was cancelled; nothing was written');
      return 130;
    }
    return reportCliError(e, debug, 'octet bench --help');
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
