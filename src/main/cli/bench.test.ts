// `octet bench` end to end: a real worker process, real models, files written atomically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSynthetic } from '../../../test/util/synthetic';
import { quantizeModel } from '../quant/quantize';
import { tempDir } from '../../../test/util/fixtures';
import { benchCommand } from './bench';
import { parseCommand } from './command';

const parseBenchArgs = (args: string[]) => parseCommand(benchCommand, args);
const RUNNER = `require(${JSON.stringify(join(__dirname, 'main.ts'))}).main(['bench', ...process.argv.slice(1)]).then((c) => { process.exitCode = c; })`;
const bench = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', RUNNER, '--', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('octet bench prints the table and writes --json and --html; exit 0', async (t) => {
  const dir = tempDir(t, 'octet-cli-bench-');
  const f = writeSynthetic(dir, 'dynamicBatch', 8);
  const int8 = join(dir, 'dyn.int8.onnx');
  await quantizeModel({ model: f.model, output: int8, data: f.data, shapes: f.shapes, recipe: { calib_samples: 4, speed_check: false } });
  const json = join(dir, 'bench.json');
  const html = join(dir, 'bench.html');
  const r = bench(
    f.model,
    int8,
    '--data',
    f.data,
    '--runs',
    '4',
    '--min-time',
    '0',
    '--samples',
    '8',
    '--batch',
    '1,2',
    '--throughput-runs',
    '2',
    '--layer-samples',
    '2',
    '--json',
    json,
    '--html',
    html,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /latency p50 .* interleaved A\/B rounds/);
  assert.match(r.stdout, /throughput \(symbolic batch dim/);
  assert.match(r.stdout, /per-layer SQNR, worst first/);
  assert.match(r.stdout, /AVX-512 (yes|no), VNNI (yes|no)/);
  assert.match(r.stderr, /bench/, 'progress on stderr');
  const j = JSON.parse(readFileSync(json, 'utf8'));
  assert.deepEqual(Object.keys(j.latency.fp32).sort(), ['mean', 'p50', 'p90', 'p99']);
  assert.deepEqual(Object.keys(j.latency.int8).sort(), ['mean', 'p50', 'p90', 'p99']);
  assert.equal(typeof j.latency.ratioMedian, 'number');
  assert.deepEqual(Object.keys(j.size).sort(), ['fp32', 'int8']);
  for (const k of ['cosine', 'sqnrDb', 'maxAbs', 'top1Agreement']) assert.equal(typeof j.fidelity[k], 'number', k);
  for (const k of ['model', 'cores', 'avx2', 'avx512', 'vnni']) assert.ok(k in j.cpu, k);
  for (const k of ['start', 'end']) assert.ok(j.cpu.loadAverage[k] >= 0, `loadAverage.${k}`);
  assert.match(r.stdout, /load average [\d.]+→[\d.]+/);
  assert.equal(j.throughput.points.length, 2 * new Set([1, j.cpu.cores]).size);
  assert.ok(j.memory.fp32.peakBytes > 0 && j.memory.int8.peakBytes > 0);
  assert.ok(j.perLayer.layers.length > 0);
  assert.equal(j.accuracy, undefined);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.ok(page.includes('<svg') && page.includes(j.latency.ratioMedian.toFixed(3)));
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('.octet-tmp-')),
    [],
  );
});

test('octet bench: bad usage exits 2, a missing model 1 with one error line, nothing written', async (t) => {
  const dir = tempDir(t, 'octet-cli-bench-');
  for (const args of [
    ['only-one.onnx', '--data', 'mnist'],
    ['a.onnx', 'b.onnx'],
    ['a.onnx', 'b.onnx', '--data', 'mnist', '--batch', '1,x'],
    ['a.onnx', 'b.onnx', '--data', 'mnist', '--runs', '0'],
    ['a', 'b', '--data', 'mnist', '--frobnicate'],
    ['a', 'b', '--data', 'mnist', '--json', 'x', '--html', 'x'],
  ]) {
    await assert.rejects(parseBenchArgs(args), /./, args.join(' '));
  }
  assert.ok((await parseBenchArgs(['--help'])).help);
  const usage = bench('a.onnx', 'b.onnx', '--data', 'mnist', '--batch', '0');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--batch takes a whole number ≥ 1/);
  const json = join(dir, 'out.json');
  const r = bench(join(dir, 'missing.onnx'), join(dir, 'missing.int8.onnx'), '--data', 'mnist', '--json', json);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^octet: error MODEL_NOT_FOUND: /m);
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('octet:')).length,
    1,
  );
  assert.ok(!existsSync(json));
  const r2 = bench(join(dir, 'missing.onnx'), join(dir, 'b.onnx'), '--data', 'mnist', '--json', join(dir, 'no-such-dir', 'x.json'));
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /OUTPUT_UNWRITABLE/, 'output paths are checked before any work');
});

test('octet bench: Ctrl-C cancels the worker, exits 130 and writes nothing', async (t) => {
  const dir = tempDir(t, 'octet-cli-bench-');
  const f = writeSynthetic(dir, 'dynamicBatch', 8);
  const json = join(dir, 'never.json');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', RUNNER, '--', f.model, f.model, '--data', f.data, '--runs', '100000', '--json', json], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // once the timed rounds have started, interrupt
    if (/bench \d+\/\d+/.test(stderr) && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /CANCELLED/);
  assert.ok(!existsSync(json));
});

test('parseBenchArgs maps flags onto BenchParams', async () => {
  const parsed = await parseBenchArgs([
    'f.onnx',
    'q.onnx',
    '--data',
    'mnist',
    '--batch',
    '1,8,32,8',
    '--threads',
    '2',
    '--throughput-threads',
    '1,2',
    '--samples',
    '50',
    '--no-memory',
    '--layer-samples',
    '0',
    '--shape',
    'x=1,3,8,8',
    '--labels',
    'l.csv',
  ]);
  assert.ok(!parsed.help);
  assert.deepEqual(parsed.args.params, {
    fp32: 'f.onnx',
    int8: 'q.onnx',
    data: 'mnist',
    batches: [1, 8, 32],
    threads: 2,
    throughputThreads: [1, 2],
    samples: 50,
    memory: false,
    layerSamples: 0,
    shapes: { x: [1, 3, 8, 8] },
    labels: 'l.csv',
  });
});
