// `octet tune MODEL -o OUT --data SPEC ...`: accuracy-aware tuning in a worker (quant/tune.ts).
import { existsSync } from 'node:fs';
import { TUNE_METRICS, type TuneMetric } from '../../shared/recipe';
import type { TuneParams, TuneResult, TuneTrial } from '../../shared/jobs';
import { formatMs } from '../../shared/format';
import { runInWorker } from '../jobs/host';
import { defaultRecipePath } from '../quant/tune/paths';
import { formatQuantizeReport } from './format';
import { oneOf, parseShapes, positiveInt, readRecipeFile, seconds, usageError } from './args';
import { defineCommand, EXIT } from './command';

/** Exit code when no candidate met the tolerance (the best one found is still written). */
export const EXIT_NOT_MET = 3;

const TUNE_USAGE = `Usage:
  octet tune MODEL -o OUT --data SPEC [--eval SPEC] [--labels FILE.csv] [--metric top1|cosine|sqnr]
             [--tolerable-loss X] [--max-trials N] [--timeout S] [--recipe BASE] [--recipe-out FILE]
             [--report FILE] [--calib-samples N] [--eval-samples N] [--latency-seconds S]
             [--shape NAME=d0,d1,...] [--debug]

  Tries recipes one by one (the base recipe; the other range algorithms, globally and then on
  the worst layers; the other weight granularity; then compute ops back to fp32, most sensitive
  first) and keeps the fastest int8 model whose loss is within the tolerance; when none is, the
  one with the lowest loss. The best so far is always in OUT, and its recipe, with every measured
  decision pinned, in --recipe-out: \`octet quantize MODEL --data SPEC --recipe FILE\` gives the
  same model bytes again, with no tuning and no timing.

  --data SPEC          calibration data (.npy/.npz, folder of images, or mnist). Without --eval its
                       first calib_samples calibrate and the next --eval-samples measure the loss
  --eval SPEC          held-out data for the loss (mnist: the 2,000 evaluation digits)
  --labels FILE.csv    labels for top1 (as for octet bench); class folders and mnist have their own
  --metric M           top1 (default with labels): loss = relative top-1 drop (fp32 − int8)/fp32;
                       cosine (default otherwise): loss = 1 − cosine of the outputs against fp32;
                       sqnr: loss = 10^(−SQNR/10) of the outputs; --tolerable-loss 40dB means 1e-4
  --tolerable-loss X   the loss the int8 model may have (default 0.01 top1, 0.001 cosine and sqnr)
  --max-trials N       trial budget (default 20)
  --timeout S          start no trial after S seconds
  --recipe BASE        base recipe; its "tuning" block gives defaults for the three above
  --recipe-out FILE    the winning recipe (default: OUT's name with .recipe.json)
  --report FILE        every trial as JSON: recipe delta, loss, int8/fp32 latency, seconds
  --eval-samples N     samples the loss is measured on (default 1000, or what the data holds)
  --latency-seconds S  interleaved A/B timing against fp32 per trial (default 1)

  Exit codes: 0 the tolerance is met; ${EXIT_NOT_MET} no candidate met it (OUT holds the best found);
  ${EXIT.CANCELLED} cancelled with Ctrl-C (OUT and the recipe hold the best so far); ${EXIT.FAILED} failure; ${EXIT.USAGE} bad usage.`;

const DAY = 86400;

/** A loss: a number ≥ 0, or for sqnr an SQNR like "40dB" (a loss of 10^(−40/10)). */
export function parseTolerance(s: string, metric: TuneMetric | undefined): number {
  const db = /^\s*(\d+(?:\.\d+)?)\s*db\s*$/i.exec(s);
  if (db) {
    if (metric !== undefined && metric !== 'sqnr') throw usageError(`--tolerable-loss in dB needs --metric sqnr, got '${s}'`);
    return Math.pow(10, -Number(db[1]) / 10);
  }
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x) || x < 0)
    throw usageError(`--tolerable-loss takes a number ≥ 0 (e.g. 0.01), or for --metric sqnr a level like 40dB, got '${s}'`);
  return x;
}

const lossText = (x: number | undefined) => (x === undefined ? '–' : Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(4) : x.toExponential(2));

export function formatTrials(trials: TuneTrial[], best: number | undefined): string {
  const rows = [['#', 'step', 'loss', 'meets', 'int8/fp32', 'int8 ops', 's', 'change'].join('\t')];
  for (const t of trials) {
    rows.push(
      [
        `${t.index + 1}${t.index === best ? '*' : ''}`,
        t.step,
        t.error ? 'failed' : lossText(t.loss),
        t.meets ? 'yes' : t.error ? '' : 'no',
        t.latencyRatio?.toFixed(2) ?? '',
        t.int8Ops !== undefined ? `${t.int8Ops}/${t.int8Ops + (t.fp32Ops ?? 0)}` : '',
        t.seconds.toFixed(1),
        t.error ? `${t.delta}: ${t.error}` : t.delta,
      ].join('\t'),
    );
  }
  // Align the tab-separated columns.
  const cells = rows.map((r) => r.split('\t'));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join('  ')).join('\n');
}

export function formatTuneResult(r: TuneResult): string {
  const b = r.trials[r.best];
  const lines = [
    formatTrials(r.trials, r.best),
    '',
    `metric       ${r.metric}: ${r.lossMeaning}`,
    `data         ${r.split}`,
    `tolerance    ${lossText(r.tolerableLoss)}: ${r.met ? 'MET' : 'NOT MET'} (${r.stoppedBy.replace('_', ' ')})`,
    `best         trial ${r.best + 1}: loss ${lossText(r.finalLoss ?? b.loss)}${b.top1 !== undefined ? `, top-1 ${(b.top1 * 100).toFixed(2)}%${r.fp32Top1 !== undefined ? ` (fp32 ${(r.fp32Top1 * 100).toFixed(2)}%)` : ''}` : ''}, cosine ${b.cosine?.toFixed(6)}, SQNR ${b.sqnrDb?.toFixed(1)} dB, ${b.latencyRatio?.toFixed(2)}x the fp32 latency`,
    `trials       ${r.trials.length} in ${formatMs(r.seconds * 1000)}`,
    `recipe       ${r.recipePath} (replays to the same model: octet quantize MODEL -o OUT --data SPEC --recipe ${r.recipePath})`,
  ];
  if (r.reportPath) lines.push(`report       ${r.reportPath}`);
  if (!r.met) lines.push(`\nNo candidate met the tolerance; ${r.output} holds the one with the lowest loss (exit code ${EXIT_NOT_MET}).`);
  return `${lines.join('\n')}\n\n${formatQuantizeReport(r.report)}`;
}

export const tuneCommand = defineCommand({
  name: 'tune',
  synopsis: `  octet tune MODEL -o OUT --data SPEC [--eval SPEC] [--labels CSV] [--metric top1|cosine|sqnr]
             [--tolerable-loss X] [--max-trials N] [--timeout S] [--recipe BASE]
             [--recipe-out FILE] [--report FILE]   (all options: octet tune --help; exit ${EXIT_NOT_MET}:
             no candidate met the tolerance, the best one is written anyway)`,
  usage: TUNE_USAGE,
  flags: {
    output: { type: 'string', short: 'o' },
    data: { type: 'string' },
    eval: { type: 'string' },
    labels: { type: 'string' },
    metric: { type: 'string' },
    'tolerable-loss': { type: 'string' },
    'max-trials': { type: 'string' },
    timeout: { type: 'string' },
    recipe: { type: 'string' },
    'recipe-out': { type: 'string' },
    report: { type: 'string' },
    'calib-samples': { type: 'string' },
    'eval-samples': { type: 'string' },
    'latency-seconds': { type: 'string' },
    shape: { type: 'string', multiple: true },
  },

  async parse(v, positionals): Promise<TuneParams> {
    if (positionals.length !== 1) throw usageError('tune takes one MODEL');
    if (!v.output) throw usageError('tune needs -o OUT');
    if (!v.data) throw usageError('tune needs --data SPEC: a .npy/.npz file, a folder of images, or mnist');
    const recipe: Record<string, unknown> = v.recipe ? await readRecipeFile(v.recipe) : {};
    if (v['calib-samples'] !== undefined) recipe.calib_samples = positiveInt(v['calib-samples'], '--calib-samples');
    const params: TuneParams = { model: positionals[0], output: v.output, data: v.data, recipe };
    if (v.eval !== undefined) params.eval = v.eval;
    if (v.labels !== undefined) params.labels = v.labels;
    if (v.metric !== undefined) params.metric = oneOf(v.metric, TUNE_METRICS, '--metric');
    const baseMetric = (recipe.tuning as { metric?: TuneMetric } | undefined)?.metric;
    if (v['tolerable-loss'] !== undefined) params.tolerableLoss = parseTolerance(v['tolerable-loss'], params.metric ?? baseMetric);
    if (v['max-trials'] !== undefined) params.maxTrials = positiveInt(v['max-trials'], '--max-trials');
    if (v.timeout !== undefined) params.timeoutSeconds = seconds(v.timeout, '--timeout', DAY);
    if (v['recipe-out'] !== undefined) params.recipePath = v['recipe-out'];
    if (v.report !== undefined) params.reportPath = v.report;
    if (v['eval-samples'] !== undefined) params.evalSamples = positiveInt(v['eval-samples'], '--eval-samples');
    if (v['latency-seconds'] !== undefined) params.latencySeconds = seconds(v['latency-seconds'], '--latency-seconds', DAY);
    if (v.shape?.length) params.shapes = parseShapes(v.shape);
    return params;
  },

  async run(params, { signal, progress }) {
    const result = await runInWorker({ kind: 'tune', params }, { onProgress: progress.update, onLog: progress.log, signal });
    progress.done();
    console.log(formatTuneResult(result));
    return result.met ? EXIT.OK : EXIT_NOT_MET;
  },

  cancelled(params) {
    const out = params.output;
    return `tuning was cancelled; ${existsSync(out) ? `${out} and ${params.recipePath ?? defaultRecipePath(out)} hold the best candidate so far (see the last "best:" above)` : 'no trial had finished, nothing was written'}`;
  },
});
