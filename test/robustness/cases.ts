// The robustness cases: every bad input from test/fixtures/bad (and a few bad environments)
// run through the real CLI. See harness.ts for what each case is checked for.
import { closeSync, copyFileSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Corpus } from '../fixtures/bad/make';
import { decodeModel } from '../../src/main/onnx/model';
import { declaredInputModel, externalConstantModel, externalSubgraphModel, externalWeightsModel } from '../util/hostileModels';
import {
  checkInputs,
  checkOutcome,
  checkOutputs,
  childPids,
  dirsOf,
  ensureDir,
  leftoverTemps,
  listDir,
  snapshot,
  snapshotInputs,
  startOctet,
  waitNoOrphans,
  fullDiskDir,
  readOnlyDir,
  type Expect,
  type Mounted,
  type RunResult,
} from './harness';

export interface Ctx {
  c: Corpus;
  /** A fresh folder for this case (cwd of the CLI; outputs go here unless the case says otherwise). */
  dir: string;
  /** TMPDIR of the CLI and its worker: must be empty afterwards. */
  tmp: string;
  token: string;
}

export interface Setup {
  skip?: string;
  /** A folder the setup made (a mount, say) for args to use. */
  dir?: string;
  cleanup?: () => void;
  prefix?: string[];
  env?: Record<string, string>;
  note?: string;
}

export interface Outcome {
  problems: string[];
  code?: string;
  note?: string;
  skipped?: string;
}

export interface Case {
  id: string;
  what: string;
  /** Timing-sensitive: runs alone after the parallel cases. */
  serial?: boolean;
  run(ctx: Ctx): Promise<Outcome>;
}

interface CliCase {
  id: string;
  what: string;
  args: (ctx: Ctx, s: Setup) => string[];
  expect: Expect;
  setup?: (ctx: Ctx) => Setup | void;
  /** Extra input paths whose bytes must not change (paths in args are included automatically). */
  inputs?: (ctx: Ctx) => string[];
  /** Outputs that must stay absent/unchanged (default: the values of -o and --report). */
  outputs?: (ctx: Ctx) => string[];
  /** Create these outputs before the run; they must be byte-identical afterwards. */
  preexisting?: (ctx: Ctx) => string[];
  serial?: boolean;
}

const FLAG_OUTPUTS = new Set(['-o', '--output', '--report']);

function outputsOf(args: string[]): string[] {
  return args.flatMap((a, i) => (i > 0 && FLAG_OUTPUTS.has(args[i - 1]) ? [a] : []));
}

function inputsOf(args: string[], outputs: string[]): string[] {
  return args.filter((a, i) => !(i > 0 && FLAG_OUTPUTS.has(args[i - 1])) && !outputs.includes(a) && a.startsWith('/') && existsSync(a));
}

/** The checks every case gets after its CLI run(s), beyond the exit code and message. */
async function hygiene(
  ctx: Ctx,
  inputs: Map<string, string>,
  outputs: Map<string, string | undefined> | undefined,
  outDirs: string[],
  tmp = ctx.tmp,
): Promise<string[]> {
  const problems: string[] = [];
  if (outputs) problems.push(...checkOutputs(outputs));
  problems.push(...checkInputs(inputs));
  const temps = leftoverTemps([...outDirs, ...dirsOf([...inputs.keys()]), ctx.dir]);
  if (temps.length) problems.push(`temp files left: ${temps.join(', ')}`);
  // Octet's own temp folders (octet-prep-*, octet-fusion-*, octet-profile-*). ONNX Runtime 1.30
  // itself leaves `.ses` and an empty `mat-debug-<pid>.log` in TMPDIR per process; those are not
  // Octet's files and are not counted here (see test/fixtures/bad/README.md).
  const tmpLeft = listDir(tmp).filter((n) => n.startsWith('octet') || n.startsWith('.octet'));
  if (tmpLeft.length) problems.push(`temp folder not cleaned: ${tmpLeft.join(', ')}`);
  const orphans = await waitNoOrphans(ctx.token);
  if (orphans.length) {
    problems.push(`orphaned processes still running: ${orphans.join(', ')}`);
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  return problems;
}

function cli(d: CliCase): Case {
  return {
    id: d.id,
    what: d.what,
    serial: d.serial,
    async run(ctx) {
      const s = d.setup?.(ctx) ?? {};
      try {
        if (s.skip) return { problems: [], skipped: s.skip };
        const args = d.args(ctx, s);
        const outs = d.outputs?.(ctx) ?? outputsOf(args);
        for (const p of d.preexisting?.(ctx) ?? []) writeFileSync(p, `previous contents of ${p}\n`);
        const inputs = snapshotInputs([...inputsOf(args, outs), ...(d.inputs?.(ctx) ?? [])]);
        const before = snapshot(outs);
        const r = await startOctet(args, ctx.token, { cwd: ctx.dir, env: { TMPDIR: ctx.tmp, ...s.env }, prefix: s.prefix }).done;
        const outcome = checkOutcome(r, d.expect);
        const problems = [...outcome.problems];
        if (d.expect.exit === 0) {
          const out = outs[0];
          if (!out || !existsSync(out)) problems.push('succeeded without writing its output');
          else {
            try {
              decodeModel(readFileSync(out), out);
            } catch (e) {
              problems.push(`output is not a valid model: ${(e as Error).message}`);
            }
          }
          problems.push(...(await hygiene(ctx, inputs, undefined, dirsOf(outs), s.env?.TMPDIR)));
        } else {
          problems.push(...(await hygiene(ctx, inputs, before, dirsOf(outs), s.env?.TMPDIR)));
        }
        return { problems, code: outcome.code ?? (r.code === 2 ? 'usage' : r.code === 0 ? 'ok' : undefined), note: s.note };
      } finally {
        s.cleanup?.();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------

const q = (model: string, data: string, ctx: Ctx, ...rest: string[]) => ['quantize', model, '-o', join(ctx.dir, 'out.onnx'), '--data', data, ...rest];

const UNREADABLE: Expect = { exit: 1, codes: ['MODEL_UNREADABLE'] };

/** A recipe that skips the speed check, for cases that only need a long calibration. */
function noSpeedCheck(ctx: Ctx): string {
  const p = join(ctx.dir, 'recipe.json');
  writeFileSync(p, JSON.stringify({ speed_check: false }));
  return p;
}

function modelCases(): Case[] {
  const m = (id: string, what: string, model: (c: Corpus) => string, expect: Expect = UNREADABLE, data = (c: Corpus) => c.tinyData): Case =>
    cli({ id, what, args: (ctx) => q(model(ctx.c), data(ctx.c), ctx), expect });
  return [
    m('model-zero-byte', 'a 0-byte .onnx file', (c) => c.empty, { exit: 1, codes: ['MODEL_UNREADABLE'], message: /empty|0 bytes/ }),
    m('model-random-bytes', '4 KiB of random bytes named .onnx', (c) => c.random),
    m('model-text-file', 'a text file named .onnx', (c) => c.textFile),
    m('model-truncated-10', 'a valid model cut at 10%', (c) => c.truncated['10']),
    m('model-truncated-50', 'a valid model cut at 50%', (c) => c.truncated['50']),
    m('model-truncated-99', 'a valid model cut at 99%', (c) => c.truncated['99']),
    m('model-no-graph', 'ir_version and opset but no graph', (c) => c.noGraph),
    m('model-absurd-length', 'the graph field claims 2 GiB in a 110-byte file', (c) => c.absurdLength),
    m('model-absurd-raw-length', 'an initializer raw_data claims 2 GiB inside a consistent message', (c) => c.absurdRawLength),
    m('model-absurd-dims-2p40', 'initializer dims [2^40] holding 4 bytes', (c) => c.absurdDims, { exit: 1, codes: ['MODEL_UNREADABLE', 'MODEL_UNSUPPORTED'] }),
    m('model-absurd-dims-2p62', 'initializer dims [2^62] (not a safe integer)', (c) => c.hugeDims),
    m('model-negative-dims', 'initializer dims [-5]', (c) => c.negativeDims),
    m('model-absurd-input-dims', 'graph input declared [2^40,3,8,8]', (c) => c.absurdInputDims, {
      exit: 1,
      codes: ['SHAPE_MISMATCH', 'MODEL_UNSUPPORTED', 'MODEL_UNREADABLE'],
    }),
    m('model-custom-op', 'a com.example.octet:Frobnicate node ONNX Runtime cannot load', (c) => c.customOp, {
      exit: 1,
      codes: ['MODEL_UNSUPPORTED'],
      message: /Frobnicate/,
    }),
    m('model-no-inputs', 'every graph input is an initializer', (c) => c.noInputs, { exit: 1, codes: ['MODEL_UNSUPPORTED'], message: /input/ }),
    m('model-already-quantized', 'a QuantizeLinear/DequantizeLinear model', (c) => c.alreadyQuantized, { exit: 1, codes: ['MODEL_ALREADY_QUANTIZED'] }),
    m('model-string-input', 'an input of element type string', (c) => c.stringInput, { exit: 1, codes: ['MODEL_UNSUPPORTED'], message: /string/ }),
    m('model-missing', 'a model path that does not exist', (c) => join(c.dir, 'models', 'no-such-model.onnx'), { exit: 1, codes: ['MODEL_NOT_FOUND'] }),
    m('model-is-folder', 'a folder given as the model', (c) => join(c.dir, 'models'), {
      exit: 1,
      codes: ['MODEL_UNREADABLE'],
      message: /not a file|folder|directory/i,
    }),
    // .npy data fixes dims by itself now; the built-in digits cannot fix H and W of a 3-channel input.
    m(
      'dynamic-dims-no-shape',
      'input [N,3,H,W] without --shape, on data that cannot fix H and W',
      (c) => c.dynamic,
      { exit: 1, codes: ['DYNAMIC_SHAPE'], message: /--shape input=/ },
      () => 'mnist',
    ),
    cli({
      id: 'dynamic-dims-wrong-rank',
      what: '--shape with the wrong number of dims',
      args: (ctx) => q(ctx.c.dynamic, ctx.c.tinyData, ctx, '--shape', 'input=1,3,8'),
      expect: { exit: 1, codes: ['SHAPE_MISMATCH'], message: /dims/ },
    }),
    cli({
      id: 'shape-unknown-input',
      what: '--shape naming an input the model does not have',
      args: (ctx) => q(ctx.c.tiny, ctx.c.tinyData, ctx, '--shape', 'pixels=1,3,8,8'),
      expect: { exit: 2, message: /pixels/ },
    }),
  ];
}

function externalDataCases(): Case[] {
  const outside = /outside/;
  const e = (id: string, what: string, model: (c: Corpus) => string, message: RegExp, command: 'quantize' | 'inspect' = 'quantize'): Case =>
    cli({
      id,
      what,
      args: (ctx) => (command === 'inspect' ? ['inspect', model(ctx.c)] : q(model(ctx.c), ctx.c.tinyData, ctx)),
      inputs: (ctx) => [dirname(model(ctx.c)), join(ctx.c.dir, 'external', 'outside')],
      expect: { exit: 1, codes: ['EXTERNAL_DATA'], message },
    });
  return [
    e('ext-escape-relative', 'external data location ../../etc/passwd', (c) => c.extEscapeRelative, outside),
    e('ext-escape-relative-deep', 'external data location ../../…/etc/passwd reaching the real /etc/passwd', (c) => c.extEscapeDeep, outside),
    e('ext-escape-absolute', 'external data location /etc/passwd', (c) => c.extEscapeAbsolute, outside),
    e('ext-escape-symlink', 'external data through a symlink to a file outside the folder', (c) => c.extEscapeSymlink, outside),
    e('ext-missing-file', 'external data file that does not exist', (c) => c.extMissing, /not found|missing/),
    e('ext-location-is-folder', 'external data location naming a folder inside the model folder', (c) => c.extFolder, /folder|not a file|directory/),
    e('ext-huge-length', 'external data offset/length claim 2 GiB of a 64-byte file', (c) => c.extHugeLength, /exceed|length/),
    e('inspect-ext-escape-symlink', 'inspect on a model whose external data escapes through a symlink', (c) => c.extEscapeSymlink, outside, 'inspect'),
  ];
}

/**
 * Model limits (docs/security.md, "Model limits"): models built here whose declarations are the
 * attack. Each gets a clear error before anything big is read or allocated.
 */
function modelLimitCases(): Case[] {
  const at = (ctx: Ctx, name: string, bytes: Uint8Array): string => {
    const dir = ensureDir(join(ctx.dir, 'model'));
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const ext: Expect = { exit: 1, codes: ['EXTERNAL_DATA'] };
  return [
    cli({
      id: 'ext-shared-region',
      what: '25 external tensors on the same 8 MB of one file',
      args: (ctx) => {
        writeFileSync(join(ensureDir(join(ctx.dir, 'model')), 'weights.bin'), Buffer.alloc(8 * 2 ** 20, 1));
        return q(
          at(
            ctx,
            'shared.onnx',
            externalWeightsModel(25, 2 * 2 ** 20, 'weights.bin', () => ({ offset: 0 })),
          ),
          ctx.c.tinyData,
          ctx,
        );
      },
      expect: { ...ext, message: /share bytes 0\.\.8388608/ },
    }),
    cli({
      id: 'ext-over-tensor-cap',
      what: 'an external tensor of 2 GiB + 4 bytes (a sparse file; dims match)',
      args: (ctx) => {
        const fd = openSync(join(ensureDir(join(ctx.dir, 'model')), 'big.bin'), 'w');
        ftruncateSync(fd, 2 ** 31 + 4);
        closeSync(fd);
        return q(
          at(
            ctx,
            'big.onnx',
            externalWeightsModel(1, 2 ** 29 + 1, 'big.bin', () => ({ offset: 0 })),
          ),
          ctx.c.tinyData,
          ctx,
        );
      },
      expect: { ...ext, message: /at most 2147483647 bytes per tensor/ },
    }),
    cli({
      id: 'ext-constant-escape',
      what: "a Constant node's tensor with external data at ../outside.bin",
      args: (ctx) => {
        writeFileSync(join(ctx.dir, 'outside.bin'), Buffer.alloc(8, 7));
        return q(at(ctx, 'constant.onnx', externalConstantModel('../outside.bin')), ctx.c.tinyData, ctx);
      },
      expect: { ...ext, message: /outside/ },
    }),
    cli({
      id: 'ext-subgraph-escape',
      what: "an If branch's initializer with external data at ../outside.bin",
      args: (ctx) => {
        writeFileSync(join(ctx.dir, 'outside.bin'), Buffer.alloc(8, 7));
        return ['inspect', at(ctx, 'subgraph.onnx', externalSubgraphModel('../outside.bin'))];
      },
      expect: { ...ext, message: /outside/ },
    }),
    cli({
      id: 'images-huge-input',
      what: 'an image folder for a model input declared [1,3,20000,20000]',
      args: (ctx) => q(at(ctx, 'huge-input.onnx', declaredInputModel([1, 3, 20000, 20000])), ctx.c.images, ctx),
      expect: { exit: 1, codes: ['MODEL_UNSUPPORTED'], message: /at most 67,108,864 pixels/ },
    }),
  ];
}

function inspectCases(): Case[] {
  const i = (id: string, what: string, model: (c: Corpus) => string, expect: Expect = UNREADABLE): Case =>
    cli({ id, what, args: (ctx) => ['inspect', model(ctx.c)], expect });
  return [
    i('inspect-zero-byte', 'inspect a 0-byte file', (c) => c.empty),
    i('inspect-truncated-50', 'inspect a model cut at 50%', (c) => c.truncated['50']),
    i('inspect-absurd-length', 'inspect a protobuf claiming 2 GiB', (c) => c.absurdLength),
    // A 4 KB file whose initializer claims 2^40 floats: reporting ~1.1 trillion parameters is silent garbage.
    i('inspect-absurd-dims-2p40', 'inspect a model whose initializer dims [2^40] hold 4 bytes', (c) => c.absurdDims, {
      exit: 1,
      codes: ['MODEL_UNREADABLE', 'MODEL_UNSUPPORTED'],
    }),
  ];
}

function dataCases(): Case[] {
  const d = (id: string, what: string, data: (c: Corpus) => string, expect: Expect): Case =>
    cli({ id, what, args: (ctx) => q(ctx.c.tiny, data(ctx.c), ctx), expect });
  const unreadable = (message?: RegExp): Expect => ({ exit: 1, codes: ['DATA_UNREADABLE'], message });
  return [
    d('npy-complex64', ".npy of dtype '<c8'", (c) => c.npy.complex, unreadable(/c8|complex/)),
    d('npy-big-endian', ".npy of dtype '>f4'", (c) => c.npy.bigEndian, unreadable(/big-endian|>f4/)),
    d('npy-wrong-shape', '.npy samples [3,9,9] for an input [1,3,8,8]', (c) => c.npy.wrongShape, {
      exit: 1,
      codes: ['SHAPE_MISMATCH'],
      message: /\[1,3,9,9\]/,
    }),
    d('npy-corrupt-header', '.npy header dict cut off', (c) => c.npy.corruptHeader, unreadable(/header/)),
    d('npy-bad-magic', '.npy without the \\x93NUMPY magic', (c) => c.npy.badMagic, unreadable(/NUMPY|\.npy/)),
    d('npy-huge-header-len', '.npy v2 header length 4 GiB', (c) => c.npy.hugeHeaderLen, unreadable(/header/)),
    d('npy-absurd-shape', '.npy header shape (2^40,3,8,8)', (c) => c.npy.absurdShape, unreadable()),
    d('npy-truncated', '.npy data cut 100 bytes short', (c) => c.npy.truncated, unreadable(/truncated/)),
    d('npy-zero-samples', '.npy of shape (0,3,8,8)', (c) => c.npy.zeroSamples, { exit: 1, codes: ['DATA_EMPTY'] }),
    d('npy-nan', '.npy with a NaN in sample 2', (c) => c.npy.nan, { exit: 1, codes: ['DATA_NOT_FINITE'], message: /NaN.*sample 2|sample 2.*NaN/ }),
    d('npy-inf', '.npy with -Inf in sample 3', (c) => c.npy.inf, { exit: 1, codes: ['DATA_NOT_FINITE'], message: /Infinity|Inf/ }),
    d('data-missing', 'a --data path that does not exist', (c) => join(c.dir, 'data', 'no-such.npy'), unreadable(/not exist|not found/)),
    d('images-empty-folder', 'an empty image folder', (c) => c.imageDirs.empty, { exit: 1, codes: ['DATA_EMPTY'] }),
    d('images-corrupt-jpeg', 'a folder holding a corrupt JPEG', (c) => c.imageDirs.corruptJpeg, unreadable(/photo\.jpg/)),
    d('images-zero-byte-png', 'a folder holding a 0-byte PNG', (c) => c.imageDirs.zeroBytePng, unreadable(/blank\.png/)),
    d('images-zero-pixel-png', 'a folder holding a 0×0-pixel PNG', (c) => c.imageDirs.zeroPixelPng, unreadable(/nothing\.png/)),
    d('images-text-as-png', 'a folder holding a text file named .png', (c) => c.imageDirs.textAsPng, unreadable(/readme\.png/)),
  ];
}

function recipeCases(): Case[] {
  const r = (id: string, what: string, recipe: (c: Corpus) => string, message: RegExp): Case =>
    cli({ id, what, args: (ctx) => q(ctx.c.tiny, ctx.c.tinyData, ctx, '--recipe', recipe(ctx.c)), expect: { exit: 1, codes: ['RECIPE_INVALID'], message } });
  return [
    r('recipe-unknown-key', 'a recipe with an unknown top-level key', (c) => c.recipes.unknownKey, /calibration_samples/),
    r('recipe-unknown-nested-key', 'a typo inside local.Conv', (c) => c.recipes.unknownNestedKey, /local\.Conv.*w_dtyp/),
    r('recipe-wrong-types', 'string where a boolean/number/array belongs', (c) => c.recipes.wrongTypes, /w_sym.*calib_samples|calib_samples.*w_sym/),
    r('recipe-bad-regex', 'a local key with a broken regex', (c) => c.recipes.badRegex, /local\.re:.*regex/),
    r('recipe-out-of-range', 'percentile 150, calib_bins 3, calib_samples 0', (c) => c.recipes.outOfRange, /percentile.*calib_bins.*calib_samples/),
    r('recipe-not-json', 'a recipe that is not JSON', (c) => c.recipes.notJson, /JSON/),
    r('recipe-top-level-array', 'a recipe whose top level is an array', (c) => c.recipes.topLevelArray, /object/),
    r('recipe-empty-file', 'a 0-byte recipe', (c) => c.recipes.emptyFile, /JSON|empty/),
    r('recipe-missing', 'a recipe path that does not exist', (c) => join(c.dir, 'recipes', 'no-such.json'), /no such file|not found|not exist/),
  ];
}

function usageCases(): Case[] {
  const u = (id: string, what: string, args: (ctx: Ctx) => string[], message?: RegExp): Case => cli({ id, what, args, expect: { exit: 2, message } });
  return [
    u('usage-unknown-flag', 'an unknown option', (ctx) => [...q(ctx.c.tiny, ctx.c.tinyData, ctx), '--turbo'], /turbo/),
    u('usage-missing-output', 'quantize without -o', (ctx) => ['quantize', ctx.c.tiny, '--data', ctx.c.tinyData], /-o/),
    u('usage-calib-samples-zero', '--calib-samples 0', (ctx) => q(ctx.c.tiny, ctx.c.tinyData, ctx, '--calib-samples', '0'), /calib-samples/),
    u('usage-bad-shape-syntax', '--shape input=1,3,x,8', (ctx) => q(ctx.c.dynamic, ctx.c.tinyData, ctx, '--shape', 'input=1,3,x,8'), /shape/),
  ];
}

function copyInput(ctx: Ctx, src: string, name = 'model.onnx'): string {
  const folder = ensureDir(join(ctx.dir, 'in'));
  const p = join(folder, name);
  copyFileSync(src, p);
  return p;
}

function mounted(ctx: Ctx, make: (base: string) => Mounted | undefined, what: string): Setup {
  const m = make(ctx.dir);
  if (!m) return { skip: `no way to make ${what} here (mount not permitted, not root-free, no prlimit/ulimit)` };
  return { dir: m.dir, cleanup: m.cleanup, prefix: m.prefix, env: m.env, note: m.how };
}

function outputCases(): Case[] {
  return [
    cli({
      id: 'output-readonly-folder',
      what: 'output into a read-only folder (root: read-only tmpfs)',
      setup: (ctx) => mounted(ctx, readOnlyDir, 'a read-only folder'),
      args: (ctx, s) => ['quantize', ctx.c.tiny, '-o', join(s.dir!, 'out.onnx'), '--data', ctx.c.tinyData],
      expect: { exit: 1, codes: ['OUTPUT_UNWRITABLE'], message: /permission|read-only/ },
    }),
    cli({
      id: 'report-readonly-folder',
      what: 'a writable output but --report into a read-only folder: nothing is written',
      setup: (ctx) => mounted(ctx, readOnlyDir, 'a read-only folder'),
      args: (ctx, s) => ['quantize', ctx.c.tiny, '-o', join(ctx.dir, 'out.onnx'), '--report', join(s.dir!, 'report.json'), '--data', ctx.c.tinyData],
      expect: { exit: 1, codes: ['OUTPUT_UNWRITABLE'], message: /report\.json/ },
    }),
    cli({
      id: 'output-folder-missing',
      what: 'output into a folder that does not exist',
      args: (ctx) => ['quantize', ctx.c.tiny, '-o', join(ctx.dir, 'no', 'such', 'out.onnx'), '--data', ctx.c.tinyData],
      outputs: (ctx) => [join(ctx.dir, 'no')],
      expect: { exit: 1, codes: ['OUTPUT_UNWRITABLE'], message: /does not exist/ },
    }),
    cli({
      id: 'output-is-folder',
      what: 'output path is an existing folder',
      setup: (ctx) => void mkdirSync(join(ctx.dir, 'out.onnx')),
      args: (ctx) => q(ctx.c.tiny, ctx.c.tinyData, ctx),
      expect: { exit: 1, codes: ['OUTPUT_UNWRITABLE'], message: /folder|directory/ },
    }),
    cli({
      id: 'output-equals-input',
      what: 'output path equal to the input model path',
      args: (ctx) => {
        const m = copyInput(ctx, ctx.c.tiny);
        return ['quantize', m, '-o', m, '--data', ctx.c.tinyData];
      },
      outputs: () => [],
      inputs: (ctx) => [join(ctx.dir, 'in')],
      expect: { exit: 1, codes: ['OUTPUT_IS_INPUT'] },
    }),
    cli({
      id: 'output-equals-input-dotdot',
      what: 'output spelled in/../in/model.onnx, the input model',
      args: (ctx) => {
        const m = copyInput(ctx, ctx.c.tiny);
        return ['quantize', m, '-o', join(ctx.dir, 'in', '..', 'in', 'model.onnx'), '--data', ctx.c.tinyData];
      },
      outputs: () => [],
      inputs: (ctx) => [join(ctx.dir, 'in')],
      expect: { exit: 1, codes: ['OUTPUT_IS_INPUT'] },
    }),
    cli({
      id: 'output-equals-input-symlinked-folder',
      what: 'output through a symlinked folder that is the input model',
      args: (ctx) => {
        const m = copyInput(ctx, ctx.c.tiny);
        symlinkSync(join(ctx.dir, 'in'), join(ctx.dir, 'alias'));
        return ['quantize', m, '-o', join(ctx.dir, 'alias', 'model.onnx'), '--data', ctx.c.tinyData];
      },
      outputs: () => [],
      inputs: (ctx) => [join(ctx.dir, 'in')],
      expect: { exit: 1, codes: ['OUTPUT_IS_INPUT'] },
    }),
    cli({
      id: 'output-symlink-to-input',
      what: 'output path is a symlink to the input model',
      args: (ctx) => {
        const m = copyInput(ctx, ctx.c.tiny);
        symlinkSync(m, join(ctx.dir, 'latest.onnx'));
        return ['quantize', m, '-o', join(ctx.dir, 'latest.onnx'), '--data', ctx.c.tinyData];
      },
      outputs: (ctx) => [join(ctx.dir, 'latest.onnx')],
      inputs: (ctx) => [join(ctx.dir, 'in')],
      expect: { exit: 1, codes: ['OUTPUT_IS_INPUT'] },
    }),
    cli({
      id: 'output-equals-data',
      what: 'output path equal to the calibration .npy',
      args: (ctx) => {
        const d = copyInput(ctx, ctx.c.tinyData, 'data.npy');
        return ['quantize', ctx.c.tiny, '-o', d, '--data', d];
      },
      outputs: () => [],
      inputs: (ctx) => [join(ctx.dir, 'in')],
      expect: { exit: 1, codes: ['OUTPUT_IS_INPUT'] },
    }),
    cli({
      id: 'report-equals-input',
      what: '--report path equal to the input model',
      args: (ctx) => {
        const m = copyInput(ctx, ctx.c.tiny);
        return ['quantize', m, '-o', join(ctx.dir, 'out.onnx'), '--report', m, '--data', ctx.c.tinyData];
      },
      outputs: (ctx) => [join(ctx.dir, 'out.onnx')],
      inputs: (ctx) => [join(ctx.dir, 'in')],
      expect: { exit: 1, codes: ['OUTPUT_IS_INPUT'] },
    }),
    cli({
      id: 'report-equals-output',
      what: '--report path equal to -o',
      args: (ctx) => ['quantize', ctx.c.tiny, '-o', join(ctx.dir, 'out.onnx'), '--report', join(ctx.dir, 'out.onnx'), '--data', ctx.c.tinyData],
      expect: { exit: 2, message: /report and the model output are the same file/ },
    }),
    cli({
      id: 'failed-job-keeps-old-output',
      what: 'an existing output and report survive a job that fails (NaN data)',
      preexisting: (ctx) => [join(ctx.dir, 'out.onnx'), join(ctx.dir, 'report.json')],
      args: (ctx) => q(ctx.c.tiny, ctx.c.npy.nan, ctx, '--report', join(ctx.dir, 'report.json')),
      expect: { exit: 1, codes: ['DATA_NOT_FINITE'] },
    }),
    cli({
      id: 'disk-full',
      what: 'output onto a full disk (64 KiB tmpfs; ~270 KB int8 model)',
      setup: (ctx) => mounted(ctx, (b) => fullDiskDir(b, 'full'), 'a full disk'),
      args: (ctx, s) => ['quantize', ctx.c.wide, '-o', join(s.dir!, 'out.onnx'), '--report', join(s.dir!, 'report.json'), '--data', ctx.c.wideData],
      expect: { exit: 1, codes: ['DISK_FULL'] },
    }),
    cli({
      id: 'temp-folder-full',
      what: 'TMPDIR on a full disk (64 KiB tmpfs): ORT cannot write its optimized model',
      setup: (ctx) => {
        const s = mounted(ctx, (b) => fullDiskDir(b, 'fulltmp'), 'a full temp folder');
        if (s.dir) s.env = { ...s.env, TMPDIR: s.dir };
        return s;
      },
      args: (ctx) => q(ctx.c.wide, ctx.c.wideData, ctx),
      expect: { exit: 1, codes: ['DISK_FULL'] },
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Processes: a killed worker, an interrupted CLI, two jobs racing for one output.

function progressOf(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => /^[a-z]+ \d+\/\d+/.test(l));
  return lines[lines.length - 1];
}

function midCalibration(line: string | undefined): boolean {
  const m = /^calibrate (\d+)\/(\d+)/.exec(line ?? '');
  return !!m && Number(m[1]) < Number(m[2]);
}

/** Starts a long calibration, applies `strike` once it is under way, checks the failure. */
function interrupted(id: string, what: string, strike: (cliPid: number) => string | undefined, expect: Expect): Case {
  return {
    id,
    what,
    serial: true,
    async run(ctx) {
      const out = join(ctx.dir, 'out.onnx');
      const report = join(ctx.dir, 'report.json');
      const args = ['quantize', ctx.c.slow, '-o', out, '--report', report, '--data', ctx.c.slowData, '--recipe', noSpeedCheck(ctx)];
      const inputs = snapshotInputs([ctx.c.slow, ctx.c.slowData]);
      const before = snapshot([out, report]);
      let struck: string | undefined;
      let strikeProblem: string | undefined;
      const r: RunResult = await startOctet(args, ctx.token, {
        cwd: ctx.dir,
        env: { TMPDIR: ctx.tmp },
        onStderr: (all, pid) => {
          if (struck !== undefined || !/^calibrate \d+\/\d+/m.test(all)) return;
          struck = progressOf(all) ?? '';
          strikeProblem = strike(pid);
        },
      }).done;
      const problems = [...checkOutcome(r, expect).problems];
      if (strikeProblem) problems.push(strikeProblem);
      if (struck === undefined) problems.push('the job never reached calibration');
      else if (!midCalibration(struck)) problems.push(`struck too late: last progress was '${struck}', not mid-calibration`);
      problems.push(...(await hygiene(ctx, inputs, before, [ctx.dir])));
      return { problems, code: checkOutcome(r, expect).code, note: struck ? `struck at '${struck}'` : undefined };
    },
  };
}

function processCases(): Case[] {
  return [
    interrupted(
      'worker-sigkill-mid-calibration',
      'SIGKILL to the worker (pgrep -P <cli pid>) during calibration',
      (cli) => {
        const kids = childPids(cli);
        if (kids.length !== 1) return `expected one worker child of the CLI, found ${JSON.stringify(kids)}`;
        process.kill(kids[0], 'SIGKILL');
        return undefined;
      },
      { exit: 1, codes: ['WORKER_CRASHED'], message: /SIGKILL|killed/ },
    ),
    interrupted(
      'cli-sigint-mid-calibration',
      'Ctrl-C (SIGINT to the CLI) during calibration',
      (cli) => {
        process.kill(cli, 'SIGINT');
        return undefined;
      },
      { exit: 130, codes: ['CANCELLED'] },
    ),
    {
      id: 'two-jobs-same-output',
      what: 'two CLI jobs started together writing the same output',
      serial: true,
      async run(ctx) {
        const out = join(ctx.dir, 'out.onnx');
        const recipe = noSpeedCheck(ctx);
        const args = ['quantize', ctx.c.slow, '-o', out, '--data', ctx.c.slowData, '--recipe', recipe];
        const inputs = snapshotInputs([ctx.c.slow, ctx.c.slowData, recipe]);
        const runs = await Promise.all([0, 1].map(() => startOctet(args, ctx.token, { cwd: ctx.dir, env: { TMPDIR: ctx.tmp } }).done));
        const problems: string[] = [];
        const ok = runs.filter((r) => r.code === 0);
        const busy = runs.filter((r) => r.code !== 0);
        const codes = runs.map((r) => (r.code === 0 ? 'ok' : (/^octet: error ([A-Z_]+)/m.exec(r.stderr)?.[1] ?? `exit ${r.code}`)));
        if (ok.length !== 1 || busy.length !== 1)
          problems.push(`expected one job to finish and the other to fail with OUTPUT_BUSY; got ${codes.join(' and ')}`);
        if (ok[0]) problems.push(...checkOutcome(ok[0], { exit: 0 }).problems);
        if (busy[0]) problems.push(...checkOutcome(busy[0], { exit: 1, codes: ['OUTPUT_BUSY'] }).problems);
        if (!existsSync(out)) problems.push('no output was written');
        else {
          try {
            decodeModel(readFileSync(out), out);
          } catch (e) {
            problems.push(`output is not a valid model: ${(e as Error).message}`);
          }
        }
        problems.push(...(await hygiene(ctx, inputs, undefined, [ctx.dir])));
        return { problems, code: codes.join('+') };
      },
    },
  ];
}

function controlCases(): Case[] {
  const ok: Expect = { exit: 0 };
  return [
    cli({
      id: 'control-npy',
      what: 'a valid model and .npy quantize (exit 0)',
      args: (ctx) => q(ctx.c.tiny, ctx.c.tinyData, ctx, '--report', join(ctx.dir, 'report.json')),
      expect: ok,
    }),
    cli({ id: 'control-images', what: 'a valid model and image folder quantize (exit 0)', args: (ctx) => q(ctx.c.tiny, ctx.c.images, ctx), expect: ok }),
    cli({
      id: 'control-int8-data',
      what: 'int8 .npy data fed to a float input is converted (exit 0)',
      args: (ctx) => q(ctx.c.tiny, ctx.c.npy.int8ForFloat, ctx),
      expect: ok,
    }),
    cli({
      id: 'control-dynamic-with-shape',
      what: 'dynamic H,W with --shape input=1,3,8,8 (exit 0)',
      args: (ctx) => q(ctx.c.dynamic, ctx.c.tinyData, ctx, '--shape', 'input=1,3,8,8'),
      expect: ok,
    }),
  ];
}

export function allCases(): Case[] {
  return [
    ...controlCases(),
    ...modelCases(),
    ...externalDataCases(),
    ...modelLimitCases(),
    ...inspectCases(),
    ...dataCases(),
    ...recipeCases(),
    ...usageCases(),
    ...outputCases(),
    ...processCases(),
  ];
}
