// A newcomer's full path on the demo, with a screenshot of every step.
import { readFileSync, existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { test, expect, openDemo, gotoStep, snap, assertNoHorizontalOverflow } from './fixtures';

test('newcomer: demo → preview → rule → calibrate+convert → benchmark → export', async ({ wizard: page, server }) => {
  // 1. Model: the welcome card offers the demo.
  await expect(page.getByTestId('welcome')).toBeVisible();
  await snap(page, '00-welcome');
  await openDemo(page);
  await expect(page.getByTestId('model-summary')).toContainText('Parameters');
  await expect(page.getByTestId('op-histogram')).toContainText('Conv');
  await assertNoHorizontalOverflow(page);
  await snap(page, '01-model');

  // 2. Data: built-in digits with a live preview drawn as images.
  await page.getByRole('button', { name: 'Next: Data →' }).click();
  await expect(page.getByTestId('view-data')).toBeVisible();
  await expect(page.getByTestId('preview-sample')).toHaveCount(12);
  const drawn = await page.getByTestId('preview-sample').locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  expect(drawn.every((w) => w === 28)).toBe(true);
  await expect(page.getByTestId('preview-description')).toContainText('MNIST digits');
  await page.getByLabel('Calibration samples').fill('300');
  await assertNoHorizontalOverflow(page);
  await snap(page, '02-data');

  // 3. Rules: keep the classifier head (Gemm) in fp32; see how many nodes the rule hits; undo an edit.
  await page.getByRole('button', { name: 'Next: Rules →' }).click();
  await expect(page.getByTestId('node-list')).toContainText('Gemm');
  await page.getByTestId('new-rule').fill('Gemm');
  await page.getByRole('button', { name: /Add rule/ }).click();
  await expect(page.getByTestId('rule-row')).toHaveCount(1);
  await expect(page.getByTestId('rule-hits').first()).toHaveText('1 node');
  await page.getByTestId('new-rule').fill('re:Conv_.*');
  await page.getByRole('button', { name: /Add rule/ }).click();
  await expect(page.getByTestId('rule-row')).toHaveCount(2);
  await expect(page.getByTestId('rule-hits').nth(1)).toHaveText('2 nodes');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('rule-row')).toHaveCount(1);
  await expect(page.getByTestId('planned')).toContainText('keep 1 of 3 compute nodes');
  await page.getByTestId('node-search').fill('conv');
  await assertNoHorizontalOverflow(page);
  await snap(page, '03-rules');

  // 4. Calibrate + convert: one real quantize job with progress.
  await page.getByRole('button', { name: 'Next: Calibrate →' }).click();
  await page.getByTestId('run-quantize').click();
  await expect(page.getByTestId('job-progress')).toBeVisible();
  await expect(page.getByTestId('quantize-job')).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await expect(page.getByTestId('calibration-summary')).toContainText('300');
  await assertNoHorizontalOverflow(page);
  await snap(page, '04-calibrate');

  // 5. Convert: the fusion report, read back from ONNX Runtime's optimized graph.
  await page.getByRole('button', { name: 'Next: Convert →' }).click();
  const fused = await page.getByTestId('fusion-int8').locator('.stat-value').textContent();
  const [int8, total] = /(\d+) of (\d+)/.exec(fused ?? '')!.slice(1).map(Number);
  expect(int8).toBeGreaterThan(0);
  expect(total).toBeGreaterThanOrEqual(int8);
  await expect(page.getByTestId('fp32-reasons')).toContainText('Gemm');
  await assertNoHorizontalOverflow(page);
  await snap(page, '05-convert');

  // 6. Benchmark: accuracy for both models, latency percentiles as a chart.
  await page.getByRole('button', { name: 'Next: Benchmark →' }).click();
  await page.getByLabel('Evaluation samples').fill('300');
  await page.getByLabel('Timed rounds').fill('100');
  await page.getByTestId('run-bench').click();
  await expect(page.getByTestId('bench-summary')).toBeVisible({ timeout: 180_000 });
  for (const id of ['acc-fp32', 'acc-int8']) {
    const text = await page.getByTestId(id).locator('.stat-value').textContent();
    expect(Number(/([\d.]+)%/.exec(text ?? '')?.[1])).toBeGreaterThan(80);
  }
  await expect(page.getByTestId('latency-chart').locator('.recharts-bar-rectangle')).toHaveCount(6);
  await assertNoHorizontalOverflow(page);
  await snap(page, '06-benchmark');

  // 7. Export into the server's root folder; the int8 model must load and run in ONNX Runtime.
  await page.getByRole('button', { name: 'Next: Export →' }).click();
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
  const recipe = JSON.parse(readFileSync(paths.find((p) => p.endsWith('.recipe.json'))!, 'utf8'));
  expect(recipe.local).toEqual({ Gemm: { w_dtype: 'fp32' } });
  const report = JSON.parse(readFileSync(paths.find((p) => p.endsWith('.report.json'))!, 'utf8'));
  expect(report.fusion.int8Ops).toBe(int8);
  expect(report.bench.accuracy.samples).toBe(300);
  expect(readFileSync(paths.find((p) => p.endsWith('.html'))!, 'utf8')).toContain('What ONNX Runtime runs in int8');
  await assertNoHorizontalOverflow(page);
  await snap(page, '07-export');

  // State survives a reload: same step, same results.
  await page.reload();
  await expect(page.getByTestId('view-export')).toBeVisible();
  await expect(page.getByTestId('exported-path')).toHaveCount(4);
  await gotoStep(page, 'convert');
  await expect(page.getByTestId('fusion-int8')).toContainText(`${int8} of ${total}`);
});

test('keyboard: steps are reachable with the arrow keys and Alt+number', async ({ wizard: page }) => {
  await page.getByTestId('step-model').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('view-data')).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('view-rules')).toBeVisible();
  await expect(page.getByTestId('step-rules')).toBeFocused();
  await page.keyboard.press('Alt+6');
  await expect(page.getByTestId('view-benchmark')).toBeVisible();
  await page.keyboard.press('Alt+ArrowLeft');
  await expect(page.getByTestId('view-convert')).toBeVisible();
  // Steps that need earlier results say so and link back.
  await expect(page.getByTestId('needs')).toBeVisible();
  await page.keyboard.press('Alt+1');
  await expect(page.getByTestId('view-model')).toBeVisible();
});

test('a path outside the allowed folders is refused with a readable error', async ({ wizard: page }) => {
  await page.getByLabel('ONNX model').fill('/etc/passwd');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const panel = page.getByTestId('error-panel');
  await expect(panel).toContainText('outside the files and folders Octet may use');
  await expect(panel.getByTestId('error-code')).toHaveText('PATH_DENIED');
});
