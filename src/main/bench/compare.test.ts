// Real models, no mocks: synthetic models quantized by Octet in a temp dir, and mnist-8 with the
// built-in digits when ../shared is present. Checks correctness of the result, never wall time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareModels } from './compare';
import { benchHtml, benchJson, writeBenchHtml } from './htmlReport';
import { quantizeModel, inputSpecs } from '../quant/quantize';
import { loadModel } from '../onnx/model';
import { openSession, run } from '../runtime/session';
import { openDataSource } from '../data';
import { writeSynthetic } from '../../../test/util/synthetic';
import { SHARED_MODELS, tempDir } from '../../../test/util/fixtures';
import { formatBench } from '../cli/formatBench';
import { OctetError } from '../../shared/errors';
import type { BenchResult } from '../../shared/bench';
import { argmax, inTopK } from '../measure/metrics';

const MNIST = join(SHARED_MODELS, 'mnist-8.onnx');
const haveMnist = existsSync(MNIST);

function assertSortedWorstFirst(r: BenchResult): void {
  const layers = r.perLayer!.layers;
  assert.ok(layers.length > 0, 'per-layer list is non-empty');
  for (let i = 1; i < layers.length; i++)
    assert.ok(layers[i - 1].sqnrDb <= layers[i].sqnrDb, `sorted worst first at ${i}: ${layers[i - 1].sqnrDb} > ${layers[i].sqnrDb}`);
  for (const l of layers) {
    assert.equal(typeof l.tensor, 'string');
    assert.ok(l.cosine > 0.5 && l.cosine <= 1 + 1e-9, `${l.tensor} cosine ${l.cosine}`);
    assert.ok(l.sqnrDb > 0, `${l.tensor} SQNR ${l.sqnrDb}`);
  }
}

function assertCommonSchema(r: BenchResult): void {
  for (const m of ['fp32', 'int8'] as const) {
    const p = r.latency[m];
    assert.ok(p.p50 > 0 && p.p50 <= p.p90 && p.p90 <= p.p99, `${m} percentiles ordered`);
  }
  assert.ok(r.latency.ratioMedian > 0 && r.latency.ratioP10 <= r.latency.ratioMedian && r.latency.ratioMedian <= r.latency.ratioP90);
  assert.equal(r.latency.roundRatios!.length, Math.min(2000, r.latency.rounds));
  assert.equal(r.latency.timesMs!.fp32.length, Math.min(2000, r.latency.rounds * (r.latency.block! - 1)));
  assert.ok(r.size.fp32 > 0 && r.size.int8 > 0 && r.size.int8 < r.size.fp32);
  for (const k of ['cosine', 'sqnrDb', 'maxAbs', 'top1Agreement'] as const) assert.equal(typeof r.fidelity[k], 'number');
  assert.ok(r.fidelity.worstSamples.length > 0);
  for (let i = 1; i < r.fidelity.worstSamples.length; i++) assert.ok(r.fidelity.worstSamples[i - 1].cosine <= r.fidelity.worstSamples[i].cosine);
  assert.equal(typeof r.cpu.model, 'string');
  assert.ok(r.cpu.cores >= 1);
  for (const k of ['avx2', 'avx512', 'vnni'] as const) assert.equal(typeof r.cpu[k], 'boolean');
  const mem = r.memory!;
  assert.ok(!mem.error, mem.error);
  for (const m of [mem.fp32!, mem.int8!]) {
    assert.ok(m.processPeakBytes > 0 && m.peakBytes >= m.sessionBytes && m.peakBytes < m.processPeakBytes);
  }
}

test('synthetic CNN with a symbolic batch: throughput grid, memory, per-layer, HTML and JSON', async (t) => {
  const dir = tempDir(t, 'octet-bench-');
  const f = writeSynthetic(dir, 'dynamicBatch', 12);
  const int8 = join(dir, 'dyn.int8.onnx');
  await quantizeModel({ model: f.model, output: int8, data: f.data, shapes: f.shapes, recipe: { calib_samples: 8, speed_check: false } });
  const phases = new Set<string>();
  const r = await compareModels(
    {
      fp32: f.model,
      int8,
      data: f.data,
      shapes: f.shapes,
      samples: 12,
      runs: 6,
      minSeconds: 0,
      batches: [1, 4],
      throughputThreads: [1, 2],
      throughputRuns: 3,
      layerSamples: 2,
    },
    { onProgress: (p) => phases.add(p.phase) },
  );
  assertCommonSchema(r);
  assert.deepEqual([...phases].sort(), ['bench', 'evaluate', 'load']);
  assert.equal(r.samples, 12);
  assert.equal(r.latency.rounds, 6, 'minSeconds 0: exactly the rounds asked for');
  assert.equal(r.latency.blockStat, 'min');
  assert.equal(r.accuracy, undefined, '.npy data without labels: no accuracy');
  assert.equal(r.throughput!.batchDim, 'symbolic');
  assert.deepEqual(r.throughput!.unsupported, []);
  assert.deepEqual(
    r.throughput!.points.map((p) => [p.threads, p.batch]),
    [
      [1, 1],
      [1, 4],
      [2, 1],
      [2, 4],
    ],
  );
  for (const p of r.throughput!.points) {
    assert.ok(Math.abs(p.speedup * p.ratioMedian - 1) < 1e-9);
    assert.ok(Math.abs(p.fp32.samplesPerSec - (p.batch * 1000) / p.fp32.p50Ms) < 1e-6);
  }
  // the batch-1, 1-thread point is the latency measurement itself
  assert.equal(r.throughput!.points[0].ratioMedian, r.latency.ratioMedian);
  assertSortedWorstFirst(r);
  assert.equal(r.perLayer!.samples, 2);
  assert.ok(
    r.perLayer!.layers.some((l) => l.tensor === 'input' && l.via === 'quantized'),
    'the graph input is compared through input_quantized',
  );
  assert.ok(r.perLayer!.layers.some((l) => l.via === 'dequantized'));
  assert.equal(r.fidelity.perOutput[0].output, 'logits');

  // HTML: self-contained, charts as SVG, and the numbers in it
  const html = benchHtml(r);
  assert.ok((html.match(/<svg/g) ?? []).length >= 5, 'latency, round ratios, speed-up, size, per-output and per-layer charts');
  assert.doesNotMatch(html, /<script(?![^>]*application\/json)/, 'no executable script');
  assert.doesNotMatch(html, /(src|href)=["']?https?:/, 'no external assets');
  assert.ok(html.includes(r.latency.ratioMedian.toFixed(3)));
  assert.ok(html.includes(r.perLayer!.layers[0].tensor));
  assert.ok(html.includes(`${r.throughput!.points[1].speedup.toFixed(3)}x`));
  assert.ok(html.includes('Speed-up of int8 over fp32 by batch size and threads'));
  const embedded = JSON.parse(/<script type="application\/json" id="octet-bench-result">([\s\S]*?)<\/script>/.exec(html)![1]);
  assert.equal(embedded.latency.ratioMedian, r.latency.ratioMedian);
  const out = join(dir, 'report.html');
  await writeBenchHtml(out, r);
  assert.equal(readFileSync(out, 'utf8'), html);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('.octet-tmp-')),
    [],
    'no temp files left',
  );

  // JSON: the documented top-level fields
  const json = JSON.parse(benchJson(r));
  for (const k of ['latency', 'size', 'fidelity', 'cpu', 'throughput', 'memory', 'perLayer']) assert.ok(k in json, k);
  assert.deepEqual(Object.keys(json.latency.fp32).sort(), ['mean', 'p50', 'p90', 'p99']);

  // the table names every section
  const table = formatBench(r);
  for (const s of ['latency p50', 'size', 'peak memory', 'throughput (symbolic batch dim', 'per-layer SQNR', 'cpu:']) assert.ok(table.includes(s), s);
});

test('labels from a CSV: top-1 and top-5 over .npy samples; top-5 ≥ top-1', async (t) => {
  const dir = tempDir(t, 'octet-bench-');
  const f = writeSynthetic(dir, 'resnetCnn', 10);
  const int8 = join(dir, 'r.int8.onnx');
  await quantizeModel({ model: f.model, output: int8, data: f.data, shapes: f.shapes, recipe: { calib_samples: 6, speed_check: false } });
  // Labels: the fp32 model's own answer on even samples, its 3rd choice on odd ones, so
  // fp32 top-1 is exactly 50% and top-5 exactly 100%.
  const session = await openSession(f.model, { threads: 1 });
  const source = await openDataSource(f.data, inputSpecs((await loadModel(f.model)).model, f.shapes));
  const rows = ['file,label'];
  for (let i = 0; i < source.count; i++) {
    const out = (await run(session, (await source.read(i)).feeds))[session.outputNames[0]].data as Float32Array;
    const order = [...out.keys()].sort((x, y) => out[y] - out[x]);
    rows.push(`${i},${i % 2 === 0 ? order[0] : order[2]}`);
    assert.equal(argmax(out), order[0]);
    assert.ok(inTopK(out, order[2], 5) && !inTopK(out, order[2], 2));
  }
  await session.release();
  const csv = join(dir, 'labels.csv');
  writeFileSync(csv, rows.join('\n'));
  const r = await compareModels({
    fp32: f.model,
    int8,
    data: f.data,
    shapes: f.shapes,
    samples: 10,
    runs: 3,
    minSeconds: 0.3,
    labels: csv,
    layerSamples: 1,
    memory: false,
    throughputThreads: [1],
  });
  assert.ok(r.latency.rounds > 3, `rounds continue until minSeconds has passed (${r.latency.rounds})`);
  assert.equal(r.latency.roundRatios!.length, Math.min(2000, r.latency.rounds));
  const a = r.accuracy!;
  assert.equal(a.samples, 10);
  assert.equal(a.labelSource, 'csv');
  assert.equal(a.fp32, 0.5);
  assert.ok(a.top5, 'output has ≥ 5 classes');
  assert.equal(a.top5.fp32, 1);
  assert.ok(a.top5.fp32 >= a.fp32 && a.top5.int8 >= a.int8);
  assert.ok(Math.abs(a.delta - (a.int8 - a.fp32)) < 1e-12);
  assert.equal(r.memory, undefined);
  for (const w of r.fidelity.worstSamples) assert.equal(typeof w.label, 'number');
  const html = benchHtml(r);
  assert.ok(html.includes('Top-5 accuracy') && html.includes('50.00%') && html.includes('100.00%'));
});

test('QOperator int8 model: per-layer reads <name>_quantized tensors with their scale and zero point', async (t) => {
  const dir = tempDir(t, 'octet-bench-');
  const f = writeSynthetic(dir, 'resnetCnn', 6);
  const int8 = join(dir, 'r.qop.onnx');
  await quantizeModel({ model: f.model, output: int8, data: f.data, shapes: f.shapes, recipe: { calib_samples: 4, format: 'qoperator', speed_check: false } });
  const r = await compareModels({
    fp32: f.model,
    int8,
    data: f.data,
    shapes: f.shapes,
    samples: 4,
    runs: 2,
    minSeconds: 0,
    layerSamples: 2,
    memory: false,
    throughputThreads: [1],
  });
  assertSortedWorstFirst(r);
  assert.ok(r.perLayer!.layers.filter((l) => l.via === 'quantized').length >= 3, JSON.stringify(r.perLayer!.layers.map((l) => [l.tensor, l.via])));
  // dequantized int8 activations track fp32 closely on this model
  assert.ok(
    r.perLayer!.layers.every((l) => l.sqnrDb > 10),
    JSON.stringify(r.perLayer!.layers.map((l) => [l.tensor, l.sqnrDb])),
  );
});

test("per-layer on a transformer: tensors that exist only in ORT's basic-level graph (MatMul+Add → Gemm) are compared there", async (t) => {
  const dir = tempDir(t, 'octet-bench-');
  const f = writeSynthetic(dir, 'transformerBlock', 6);
  const int8 = join(dir, 't.int8.onnx');
  await quantizeModel({ model: f.model, output: int8, data: f.data, shapes: f.shapes, recipe: { calib_samples: 4, speed_check: false } });
  const r = await compareModels({
    fp32: f.model,
    int8,
    data: f.data,
    shapes: f.shapes,
    samples: 4,
    runs: 2,
    minSeconds: 0,
    layerSamples: 2,
    memory: false,
    throughputThreads: [1],
  });
  assertSortedWorstFirst(r);
  assert.equal(r.perLayer!.skipped, 0, 'every quantized tensor found an fp32 counterpart');
  assert.ok(
    r.perLayer!.layers.some((l) => /gemm_input_reshape/.test(l.tensor)),
    JSON.stringify(r.perLayer!.layers.map((l) => l.tensor)),
  );
});

test(
  'mnist-8 on the built-in digits: labelled top-1/top-5, fixed batch 1 reported',
  { skip: !haveMnist && `${MNIST} absent (../shared not mounted)` },
  async (t) => {
    const dir = tempDir(t, 'octet-bench-');
    const int8 = join(dir, 'mnist.int8.onnx');
    await quantizeModel({ model: MNIST, output: int8, data: 'mnist', recipe: { calib_samples: 100, speed_check: false } });
    const r = await compareModels({ fp32: MNIST, int8, data: 'mnist', samples: 300, runs: 5, minSeconds: 0, batches: [1, 8], layerSamples: 2 });
    assertCommonSchema(r);
    const a = r.accuracy!;
    assert.equal(a.samples, 300);
    assert.equal(a.labelSource, 'digits');
    assert.deepEqual(a.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.ok(a.fp32 > 0.97 && a.int8 > 0.97, `top-1 ${a.fp32} → ${a.int8}`);
    assert.ok(a.top5!.fp32 >= a.fp32 && a.top5!.int8 >= a.int8);
    assert.equal(r.throughput!.batchDim, 1);
    assert.deepEqual(
      r.throughput!.unsupported.map((u) => u.batch),
      [8],
    );
    assert.match(r.throughput!.unsupported[0].reason, /^fixed batch 1/);
    assert.ok(r.throughput!.points.every((p) => p.batch === 1));
    assertSortedWorstFirst(r);
    assert.match(formatBench(r), /fixed batch 1/);
    const html = benchHtml(r);
    assert.ok(html.includes('<svg') && html.includes('Fixed batch 1'));
    assert.ok(html.includes(`${(a.fp32 * 100).toFixed(2)}%`));
  },
);

test('a cancelled benchmark stops with CANCELLED', async (t) => {
  const dir = tempDir(t, 'octet-bench-');
  const f = writeSynthetic(dir, 'dynamicBatch', 4);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    compareModels({ fp32: f.model, int8: f.model, data: f.data, shapes: f.shapes, samples: 4, runs: 2, memory: false }, { signal: ac.signal }),
    (e: unknown) => e instanceof OctetError && e.code === 'CANCELLED',
  );
});
