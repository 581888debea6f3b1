// A newcomer's full path on the demo, with a screenshot of every step.
import { readFileSync, existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { test, expect, openDemo, gotoStep, nextStep, expectStep, stepShortcut, snap, snapAt, assertNoHorizontalOverflow } from './fixtures';

test('newcomer: demo → preview → rule → calibrate+convert → benchmark → export', async ({ wizard: page, server }) => {
  // 1. Model: the welcome card offers the demo.
  await expect(page.getByTestId('welcome')).toBeVisible();
  await snap(page, '00-welcome');
  await openDemo(page);
  await expect(page.getByTestId('model-summary')).toContainText('Parameters');
  await expect(page.getByTestId('op-histogram')).toContainText('Gemm');
  await assertNoHorizontalOverflow(page);
  await snap(page, '01-model');

  // 2. Data: built-in digits with a live preview drawn as images.
  await nextStep(page, 'data');
  await expect(page.getByTestId('preview-sample')).toHaveCount(12);
  const drawn = await page
    .getByTestId('preview-sample')
    .locator('img')
    .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  expect(drawn.every((w) => w === 28)).toBe(true);
  await expect(page.getByTestId('preview-description')).toContainText('MNIST digits');
  await page.getByLabel('Calibration samples').fill('300');
  await assertNoHorizontalOverflow(page);
  await snap(page, '02-data');

  // 3. Rules: keep the first layer (node `fc1`, which reads the raw pixels) in fp32; see how many nodes the rule hits; undo an edit.
  // (Not the head: ORT then fuses fc2 with its Relu into an fp32 FusedGemm that dequantizes its int8 weights on every run.)
  await nextStep(page, 'rules');
  await expect(page.getByTestId('node-list')).toContainText('Gemm');
  await page.getByTestId('new-rule').fill('fc1');
  await page.getByRole('button', { name: /Add rule/ }).click();
  await expect(page.getByTestId('rule-row')).toHaveCount(1);
  await expect(page.getByTestId('rule-hits').first()).toHaveText('1 node');
  await page.getByTestId('new-rule').fill('re:fc2|head');
  await page.getByRole('button', { name: /Add rule/ }).click();
  await expect(page.getByTestId('rule-row')).toHaveCount(2);
  await expect(page.getByTestId('rule-hits').nth(1)).toHaveText('2 nodes');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('rule-row')).toHaveCount(1);
  await expect(page.getByTestId('planned')).toContainText('keep 1 of 3 compute nodes');
  await page.getByTestId('node-search').fill('fc');
  await assertNoHorizontalOverflow(page);
  await snap(page, '03-rules');

  // 4. Calibrate + convert: one real quantize job with progress.
  await nextStep(page, 'calibrate');
  await page.getByTestId('run-quantize').click();
  await expect(page.getByTestId('job-progress')).toBeVisible();
  await expect(page.getByTestId('quantize-job')).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await expect(page.getByTestId('calibration-summary')).toContainText('300');
  await assertNoHorizontalOverflow(page);
  await snap(page, '04-calibrate');

  // 5. Convert: the fusion report, read back from ONNX Runtime's optimized graph.
  await nextStep(page, 'convert');
  const fused = await page.getByTestId('fusion-int8').locator('.stat-value').textContent();
  const [int8, total] = /(\d+) of (\d+)/
    .exec(fused ?? '')!
    .slice(1)
    .map(Number);
  expect(int8).toBeGreaterThan(0);
  expect(total).toBeGreaterThanOrEqual(int8);
  await expect(page.getByTestId('fp32-reasons')).toContainText('Gemm');
  // The written model against fp32 on calibration samples; the MLP's logits are class scores.
  await expect(page.getByTestId('fusion-fidelity')).toContainText(/\d\.\d{4}/);
  await expect(page.getByTestId('fusion-fidelity')).toContainText(/top class \d+\.\d%/);
  await assertNoHorizontalOverflow(page);
  await snap(page, '05-convert');

  // 6. Benchmark: accuracy for both models, latency percentiles, throughput, size, the tolerance and per-layer SQNR as charts.
  // Batch sizes stay at the default (1 and 8); throughput threads are ticked so the grid does not depend on the core count.
  await nextStep(page, 'benchmark');
  await page.getByLabel('Evaluation samples').fill('300');
  await page.getByLabel('Timed rounds').fill('100');
  const tpThreads = page.getByRole('group', { name: 'Throughput threads' });
  await tpThreads.getByLabel('1', { exact: true }).check();
  await tpThreads.getByLabel('2', { exact: true }).check();
  await page.getByTestId('run-bench').click();
  await expect(page.getByTestId('bench-summary')).toBeVisible({ timeout: 180_000 });
  for (const id of ['acc-fp32', 'acc-int8']) {
    const text = await page.getByTestId(id).locator('.stat-value').textContent();
    expect(Number(/([\d.]+)%/.exec(text ?? '')?.[1])).toBeGreaterThan(80);
  }
  await expect(page.getByTestId('latency-chart').locator('.recharts-bar-rectangle')).toHaveCount(6);
  // The demo is a model where int8 pays: the speed-up is shown in green and is above 1.
  const speedup = page.getByTestId('speedup');
  await expect(speedup).toHaveClass(/\bgood\b/);
  expect(Number.parseFloat((await speedup.locator('.stat-value').textContent()) ?? '')).toBeGreaterThan(1);

  // The settings reached the worker; what it measured decides what the throughput chart must show.
  // The server is shared by every spec: this test's job is the newest finished bench job.
  const benchJob = (await server.call('listJobs', {}))
    .filter((j) => j.kind === 'bench' && j.state === 'succeeded')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (benchJob?.kind !== 'bench' || !benchJob.result?.throughput) throw new Error('no finished bench job with throughput');
  expect(benchJob.params).toMatchObject({ batches: [1, 8], throughputThreads: [1, 2], layerSamples: 4 });
  // The demo model fixes batch 1, so batch 8 is listed as not measured; were its batch dim symbolic, batch 8 would be charted too.
  const symbolic = benchJob.result.throughput.batchDim === 'symbolic';
  const measuredBatches = symbolic ? 2 : 1;
  if (!symbolic) await expect(page.getByTestId('throughput-unsupported')).toContainText('batch 8 (fixed batch 1');
  await expect(page.getByTestId('throughput-chart').locator('.recharts-bar-rectangle')).toHaveCount(measuredBatches * 2);
  await expect(page.getByTestId('throughput-row')).toHaveCount(measuredBatches * 2);
  for (const cell of await page.getByTestId('throughput-row').locator('td:last-child').allTextContents()) expect(Number.parseFloat(cell)).toBeGreaterThan(0);
  await expect(page.getByTestId('size-chart').locator('.recharts-bar-rectangle')).toHaveCount(2);

  // Accuracy against the tolerance: the line follows the setting, and the verdict with it (no new run).
  const accuracy = page.getByTestId('accuracy-chart');
  // (Recharts draws a reference line's label in a separate layer, so the label is looked up in the whole chart.)
  await expect(accuracy.locator('.tolerance-line')).toHaveCount(1);
  await expect(accuracy).toContainText('tolerance −1 pt');
  await page.getByLabel('Accuracy tolerance (points)').fill('100');
  await expect(accuracy).toContainText('tolerance −100 pt');
  await expect(page.getByTestId('accuracy-verdict')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('acc-int8')).toHaveClass(/\bgood\b/);
  await page.getByLabel('Accuracy tolerance (points)').fill('1.5');
  await expect(accuracy).toContainText('tolerance −1.5 pt');

  // Per-layer SQNR, worst first: real tensors with finite SQNR, charted and listed.
  expect(await page.getByTestId('layer-sqnr-chart').locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(1);
  const sqnr = (await page.getByTestId('layer-sqnr').allTextContents()).map((t) => Number.parseFloat(t)).filter(Number.isFinite);
  expect(sqnr.length).toBeGreaterThanOrEqual(1);
  expect(sqnr).toEqual([...sqnr].sort((a, b) => a - b));
  await assertNoHorizontalOverflow(page);
  await snap(page, '06-benchmark');
  await snapAt(page, page.getByTestId('throughput-chart'), '06-benchmark-charts');
  await snapAt(page, page.getByTestId('per-layer'), '06-benchmark-layers');

  // 7. Export into the server's root folder; the int8 model must load and run in ONNX Runtime.
  await nextStep(page, 'export');
  await page.getByLabel('Folder').fill(server.root);
  await page.getByLabel('File names start with').fill('digits-e2e');
  await page.getByTestId('run-export').click();
  await expect(page.getByTestId('exported-path')).toHaveCount(4);
  const paths = await page.getByTestId('exported-path').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-path')!));
  const modelPath = paths.find((p) => p.endsWith('digits-e2e.int8.onnx'))!;
  expect(existsSync(modelPath)).toBe(true);
  const session = await ort.InferenceSession.create(modelPath);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]) });
  expect(out[session.outputNames[0]].dims).toEqual([1, 10]);
  await session.release();
  const recipe = JSON.parse(
    readFileSync(
      paths.find((p) => p.endsWith('.recipe.json'))!,
      'utf8',
    ),
  );
  expect(recipe.local).toEqual({ fc1: { w_dtype: 'fp32' } });
  const report = JSON.parse(
    readFileSync(
      paths.find((p) => p.endsWith('.report.json'))!,
      'utf8',
    ),
  );
  expect(report.fusion.int8Ops).toBe(int8);
  expect(report.bench.accuracy.samples).toBe(300);
  const reportPage = readFileSync(
    paths.find((p) => p.endsWith('.html'))!,
    'utf8',
  );
  expect(reportPage).toContain('What ONNX Runtime runs in int8');
  expect(reportPage).toMatch(/<td>Weights<\/td><td>[78]-bit int8 \(/);
  await assertNoHorizontalOverflow(page);
  await snap(page, '07-export');

  // State survives a reload: same step, same results.
  await page.reload();
  await expectStep(page, 'export');
  await expect(page.getByTestId('exported-path')).toHaveCount(4);
  await gotoStep(page, 'convert');
  await expect(page.getByTestId('fusion-int8')).toContainText(`${int8} of ${total}`);
  await gotoStep(page, 'benchmark');
  await expect(page.getByLabel('Accuracy tolerance (points)')).toHaveValue('1.5');
  await expect(page.getByRole('group', { name: 'Throughput threads' }).getByLabel('2', { exact: true })).toBeChecked();
  await expect(page.getByTestId('accuracy-chart')).toContainText('tolerance −1.5 pt');
});

test('keyboard: steps are reachable with the arrow keys and Alt+number', async ({ wizard: page }) => {
  await page.getByTestId('step-model').focus();
  await page.keyboard.press('ArrowDown');
  await expectStep(page, 'data');
  await page.keyboard.press('ArrowDown');
  await expectStep(page, 'rules');
  await expect(page.getByTestId('step-rules')).toBeFocused();
  await page.keyboard.press(stepShortcut('benchmark'));
  await expectStep(page, 'benchmark');
  await page.keyboard.press('Alt+ArrowLeft');
  await expectStep(page, 'convert');
  // Steps that need earlier results say so and link back.
  await expect(page.getByTestId('needs')).toBeVisible();
  await page.keyboard.press(stepShortcut('model'));
  await expectStep(page, 'model');
});

test('a path outside the allowed folders is refused with a readable error', async ({ wizard: page }) => {
  await page.getByLabel('ONNX model').fill('/etc/passwd');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const panel = page.getByTestId('error-panel');
  await expect(panel).toContainText('outside the files and folders Octet may use');
  await expect(panel.getByTestId('error-code')).toHaveText('PATH_DENIED');
});
