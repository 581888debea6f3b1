// Issue 12: a real three-input transformer (all-MiniLM-L6-v2, int64 input_ids / attention_mask /
// token_type_ids of dims [batch, sequence]) through the wizard with its .npz data: the Data step
// shows each input with its array, calibration and the benchmark run on the .npz files.
import { copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test, expect, gotoStep, snap, snapAt, assertNoHorizontalOverflow, ROOT } from './fixtures';

const SHARED = resolve(ROOT, '../shared');
const MODEL = join(SHARED, 'models', 'all-MiniLM-L6-v2.onnx');
const CALIB = join(SHARED, 'data', 'minilm.calib.npz');
const EVAL = join(SHARED, 'data', 'minilm.eval.npz');
const have = [MODEL, CALIB, EVAL].every((f) => existsSync(f));

test.skip(!have, `MiniLM and its data not found under ${SHARED} (models/all-MiniLM-L6-v2.onnx, data/minilm.{calib,eval}.npz)`);

// The server only reads under its --root: copies live in its temp folder (not in the project).
let model = '';
let calib = '';
let evalData = '';
test.beforeAll(({ server }) => {
  if (!have) return;
  model = join(server.root, 'all-MiniLM-L6-v2.onnx');
  calib = join(server.root, 'minilm.calib.npz');
  evalData = join(server.root, 'minilm.eval.npz');
  copyFileSync(MODEL, model);
  copyFileSync(CALIB, calib);
  copyFileSync(EVAL, evalData);
});

test('MiniLM with .npz data: Data step shows the three inputs, calibrate and benchmark on the arrays', async ({ wizard: page }) => {
  test.setTimeout(20 * 60_000);
  await page.getByLabel('ONNX model').fill(model);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 120_000 });

  // Data: the .npz for calibration, the other .npz for the benchmark.
  await gotoStep(page, 'data');
  await page.getByRole('radio', { name: /NumPy arrays/ }).check();
  await page.getByLabel(/^Calibration data/).fill(calib);
  await page.getByRole('button', { name: 'Use', exact: true }).click();
  const rows = page.getByTestId('data-input-row');
  await expect(rows).toHaveCount(3, { timeout: 60_000 });
  await expect(rows.nth(0)).toContainText('input_ids');
  await expect(rows.nth(0)).toContainText('[batch, sequence]');
  await expect(rows.nth(0)).toContainText('[1, 64]');
  await expect(rows.nth(0)).toContainText('[128, 64] int64');
  await expect(rows.nth(0)).toContainText('ids 0 …');
  await expect(rows.nth(1)).toContainText('attention_mask');
  await expect(rows.nth(1)).toContainText('mask 0 … 1');
  await expect(rows.nth(2)).toContainText('token_type_ids');
  // Ids are shown as ids (numbers), not drawn as pictures.
  await expect(page.getByTestId('preview-sample')).toHaveCount(0);
  await expect(page.getByTestId('preview-description')).toContainText('128 samples');
  await page.getByLabel('Calibration samples').fill('32');
  await page.getByText('The benchmark evaluates on other data').click();
  await page.getByLabel(/^Evaluation data for the benchmark/).fill(evalData);
  await page.getByRole('button', { name: 'Use for the benchmark' }).click();
  await assertNoHorizontalOverflow(page);
  await snap(page, '20-multiinput-data');
  await snapAt(page, page.getByTestId('data-inputs-card'), '20-multiinput-data-inputs');

  // Calibrate + convert on the .npz.
  await gotoStep(page, 'calibrate');
  await page.getByTestId('run-quantize').click();
  await expect(page.getByTestId('quantize-job')).toHaveAttribute('data-state', 'succeeded', { timeout: 15 * 60_000 });
  await expect(page.getByTestId('calibration-summary')).toContainText('32');

  // Benchmark on minilm.eval.npz: one batch size, one thread, few rounds (the machine is shared).
  await gotoStep(page, 'benchmark');
  await expect(page.getByTestId('bench-data')).toContainText('minilm.eval.npz');
  await page.getByLabel('Evaluation samples').fill('16');
  await page.getByLabel('Timed rounds').fill('10');
  await page.getByLabel('Per-layer samples').fill('1');
  const batches = page.getByRole('group', { name: 'Batch sizes' });
  await batches.getByLabel('1', { exact: true }).check();
  await batches.getByLabel('8', { exact: true }).uncheck();
  const tpThreads = page.getByRole('group', { name: 'Throughput threads' });
  await tpThreads.getByLabel('1', { exact: true }).check();
  await page.getByTestId('run-bench').click();
  await expect(page.getByTestId('bench-summary')).toBeVisible({ timeout: 10 * 60_000 });
  await assertNoHorizontalOverflow(page);
  await snap(page, '21-multiinput-benchmark');
  await snapAt(page, page.getByTestId('bench-summary'), '21-multiinput-benchmark-summary');
});
