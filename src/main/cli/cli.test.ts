import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSynthetic } from '../../../test/util/synthetic';
import { SHARED_MODELS } from '../../../test/util/fixtures';

const octet = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('quantize writes the model and a JSON report with the documented fields; exit 0', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = writeSynthetic(dir, 'resnetCnn', 8);
  const out = join(dir, 'out.onnx');
  const reportPath = join(dir, 'report.json');
  const r = octet('quantize', f.model, '-o', out, '--data', f.data, '--calib-samples', '4', '--act-algo', 'percentile', '--report', reportPath);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(out));
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  assert.equal(report.input.path, f.model);
  assert.match(report.input.sha256, /^[0-9a-f]{64}$/);
  assert.equal(report.input.opset, 13);
  assert.equal(report.output.path, out);
  assert.ok(report.output.sizeBytes > 0);
  assert.equal(report.recipe.act_algo, 'percentile');
  assert.equal(report.calibration.samples, 4);
  assert.equal(report.calibration.algo, 'percentile');
  assert.ok(report.calibration.seconds >= 0);
  assert.equal(report.fusion.int8Ops + report.fusion.fp32ComputeOps, 10);
  assert.ok(report.fusion.int8Ops >= 5, 'the speed check keeps at most half the compute in fp32');
  for (const d of report.fusion.details) assert.match(d.reason, /speed check/);
  assert.ok(Array.isArray(report.fusion.details));
  assert.match(r.stdout, /int8 compute/);
  assert.match(r.stderr, /calibrate/, 'progress goes to stderr');
});

test('bad usage exits 2; bad input exits 1 with a one-line error and no output', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(octet('quantize', 'x.onnx').code, 2);
  assert.match(octet('quantize', 'x.onnx', '-o', 'y.onnx').stderr, /needs --data SPEC/);
  assert.equal(octet('frobnicate').code, 2);
  assert.equal(octet('quantize', 'x.onnx', '-o', 'y.onnx', '--act-algo', 'fast').code, 2);
  assert.equal(octet('quantize', 'x.onnx', '-o', 'y.onnx', '--shape', 'x=1,a').code, 2);
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, 'this is not a model');
  const out = join(dir, 'out.onnx');
  const r = octet('quantize', bad, '-o', out, '--data', 'mnist');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^octet: error MODEL_UNREADABLE: .*bad\.onnx/m);
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('octet:')).length,
    1,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');
  assert.ok(!existsSync(out));
  const recipe = join(dir, 'recipe.json');
  writeFileSync(recipe, JSON.stringify({ local: { Conv: { w_dtyp: 'fp32' } } }));
  const r2 = octet('quantize', bad, '-o', out, '--data', 'mnist', '--recipe', recipe);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /RECIPE_INVALID: .*local\.Conv: unknown key "w_dtyp"/);
});

test('inspect --json summarizes a real model', { skip: !existsSync(join(SHARED_MODELS, 'mnist-8.onnx')) && 'shared models absent' }, () => {
  const r = octet('inspect', join(SHARED_MODELS, 'mnist-8.onnx'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.opset, 8);
  assert.deepEqual(s.inputs, [{ name: 'Input3', type: 'float32', dims: [1, 1, 28, 28] }]);
  assert.equal(s.opHistogram.Conv, 2);
  assert.equal(s.quantized, false);
  assert.ok(s.parameters > 5000);
});
