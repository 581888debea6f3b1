// The `octet` command: inspect, quantize and demo. Heavy work runs in a forked worker.
import { parseArgs } from 'node:util';
import { OCTET_VERSION } from '../../shared/version';
import { FORMATS } from '../../shared/recipe';
import { ACT_ALGO_NAMES, actAlgoChoices, describeActAlgos } from '../../shared/rangeAlgorithms';
import { runInWorker } from '../jobs/host';
import { progressPrinter } from './progress';
import { formatSummary, formatQuantizeReport } from './format';
import { runDemo } from './demo';
import { UsageError, oneOf, parseShapes, positiveInt, readRecipeFile, reportCliError } from './args';
import { benchCommand } from './bench';
import { tuneCommand } from './tune';
import { runServe } from '../server/serve';

export const USAGE = `octet ${OCTET_VERSION}: post-training static int8 quantization of ONNX models

Usage:
  octet inspect MODEL [--json]
  octet quantize MODEL -o OUT --data SPEC [--recipe FILE] [--calib-samples N]
                 [--act-algo ${actAlgoChoices()}] [--format qdq|qoperator]
                 [--shape NAME=d0,d1,...] [--report FILE]
  octet tune MODEL -o OUT --data SPEC [--eval SPEC] [--labels CSV] [--metric top1|cosine|sqnr]
             [--tolerable-loss X] [--max-trials N] [--timeout S] [--recipe BASE]
             [--recipe-out FILE] [--report FILE]   (all options: octet tune --help; exit 3:
             no candidate met the tolerance, the best one is written anyway)
  octet bench FP32 INT8 --data SPEC [--runs N] [--threads T] [--batch 1,8] [--labels CSV]
              [--json FILE] [--html FILE]   (all options: docs/bench.md)
  octet demo [--out DIR]
  octet serve [--port P] [--root DIR ...] [--state DIR] [--jobs N]

  SPEC is a .npz with one array per input name, a folder of .npy files named after the inputs,
  a .npy file (one input), a folder of images, or "mnist" (built-in digits). The first axis of an
  array indexes samples; a sample with the input's rank is fed as it is and fixes its symbolic
  dims (one rank lower gets a batch dim of 1). --shape NAME=... fixes dims the data does not.
  Recurrent states (float inputs named h, c, state, hidden...) left out of the data start at zeros.

  --act-algo (a recipe's act_algo) chooses how activation ranges are set from the calibration data:
${describeActAlgos('    ')}

  Add --debug to any command for stack traces.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const debug = rest.includes('--debug');
  try {
    switch (command) {
      case 'inspect':
        return await inspect(rest);
      case 'quantize':
        return await quantize(rest);
      case 'bench':
        return await benchCommand(rest);
      case 'tune':
        return await tuneCommand(rest);
      case 'demo':
        return await runDemo(parse(rest, { out: { type: 'string' } }).values.out as string | undefined);
      case 'serve': {
        const { values } = parse(rest, { port: { type: 'string' }, root: { type: 'string', multiple: true }, state: { type: 'string' }, jobs: { type: 'string' } });
        return await runServe({ port: values.port as string | undefined, roots: values.root as string[] | undefined, state: values.state as string | undefined, jobs: values.jobs as string | undefined });
      }
      case '--version':
      case '-v':
        console.log(OCTET_VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    return reportCliError(e, debug, 'octet --help');
  }
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
function parse(args: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args, options: { ...options, debug: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('inspect takes one MODEL');
  const summary = await runInWorker({ kind: 'inspect', params: { model: positionals[0] } });
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return 0;
}

async function quantize(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    recipe: { type: 'string' },
    data: { type: 'string' },
    'calib-samples': { type: 'string' },
    'act-algo': { type: 'string' },
    format: { type: 'string' },
    shape: { type: 'string', multiple: true },
    report: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('quantize takes one MODEL');
  if (!values.output) throw new UsageError('quantize needs -o OUT');
  if (!values.data) throw new UsageError('quantize needs --data SPEC: a .npz (one array per input name), a .npy file or a folder of them (first axis = samples), a folder of images, or mnist (built-in digits)');
  const recipe: Record<string, unknown> = values.recipe ? await readRecipeFile(values.recipe as string) : {};
  if (values['calib-samples'] !== undefined) recipe.calib_samples = positiveInt(values['calib-samples'] as string, '--calib-samples');
  if (values['act-algo'] !== undefined) recipe.act_algo = oneOf(values['act-algo'] as string, ACT_ALGO_NAMES, '--act-algo');
  if (values.format !== undefined) recipe.format = oneOf(values.format as string, FORMATS, '--format');
  const shapes = parseShapes((values.shape as string[] | undefined) ?? []);
  const progress = progressPrinter(process.stderr);
  try {
    const report = await runInWorker(
      {
        kind: 'quantize',
        params: { model: positionals[0], output: values.output as string, data: values.data as string, recipe, shapes, reportPath: values.report as string | undefined },
      },
      { onProgress: progress.update, onLog: progress.log, signal: interruptSignal() },
    );
    progress.done();
    console.log(formatQuantizeReport(report));
  } finally {
    progress.done();
  }
  return 0;
}

/** Ctrl-C cancels the job cleanly (worker killed, temp files removed) instead of orphaning it. */
function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  return ac.signal;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
