// "Tune to a tolerance" on the demo, in the real wizard against a real server.
import { test, expect, openDemo, gotoStep, snapAt, assertNoHorizontalOverflow } from './fixtures';

test('tune to a tolerance on the demo: live trials, the chosen one marked, its recipe converts', async ({ wizard: page }) => {
  await openDemo(page);
  await gotoStep(page, 'calibrate');
  const panel = page.getByTestId('tune-panel');
  await expect(panel).toBeVisible();
  await page.getByLabel('Metric').selectOption('top1');
  await page.getByLabel('Tolerable loss').fill('0.01');
  await page.getByLabel('Trial budget').fill('4');
  await page.getByTestId('run-tune').click();
  await expect(page.getByTestId('tune-job')).toBeVisible();
  // Trials arrive live: the chart and the table grow while the job runs.
  await expect(page.getByTestId('tune-trials').locator('tbody tr').first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('tune-job')).toHaveAttribute('data-state', 'succeeded', { timeout: 200_000 });
  await expect(page.getByTestId('tune-trials').locator('tbody tr')).toHaveCount(4);
  await expect(page.getByTestId('tune-best-row')).toHaveCount(1);
  await expect(page.getByTestId('tune-status')).toContainText('tolerance met');
  await expect(page.getByTestId('tune-chart').locator('.recharts-reference-line')).toHaveCount(1);
  await assertNoHorizontalOverflow(page);
  await snapAt(page, panel, '30-tune');

  // The chosen trial's recipe becomes the wizard's and converts (same bytes as the trial, no timing).
  await page.getByTestId('use-tuned').click();
  await expect(page.getByTestId('quantize-job')).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await expect(page.getByTestId('calibration-summary')).toBeVisible();
});

test('fix loop: keep a layer fp32 from the per-layer table, see it excluded by a rule, undo', async ({ wizard: page }) => {
  await openDemo(page);
  await gotoStep(page, 'calibrate');
  await page.getByTestId('run-quantize').click();
  await expect(page.getByTestId('quantize-job')).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await gotoStep(page, 'benchmark');
  await page.getByLabel('Evaluation samples').fill('200');
  await page.getByLabel('Timed rounds').fill('20');
  await page.getByTestId('run-bench').click();
  await expect(page.getByTestId('layer-table')).toBeVisible({ timeout: 180_000 });

  // The worst layer: its calibration values with the chosen range, cumulative and isolated error.
  await page.getByTestId('layer-fix-open').first().click();
  const fix = page.getByTestId('layer-fix');
  await expect(page.getByTestId('layer-histogram').locator('.recharts-bar-rectangle').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('layer-histogram').locator('.recharts-reference-line')).toHaveCount(2);
  await expect(page.getByTestId('isolated-sqnr').locator('.stat-value')).toContainText('dB');
  await snapAt(page, fix, '40-fix-layer');

  // Keep it fp32: the rule is added, the model converted and benchmarked again, before → after shown.
  const button = page.getByTestId('fix-fp32');
  const owner = /Keep (.+) in fp32/.exec((await button.textContent()) ?? '')![1];
  await button.click();
  await expect(page.getByTestId('fix-round')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('fix-compare')).toContainText('Output SQNR');
  await snapAt(page, page.getByTestId('fix-round'), '41-fix-before-after');

  // The report lists the op as excluded by that rule; the Rules step says where the rule came from.
  await gotoStep(page, 'convert');
  await expect(page.getByTestId('fp32-reasons')).toContainText(`excluded by rule "name:${owner}"`);
  await gotoStep(page, 'rules');
  await expect(page.getByTestId('rule-origin')).toContainText('fix loop');
  await snapAt(page, page.getByTestId('rules-table'), '42-fix-rules');

  // Undo: the rule goes, and the model and benchmark from before come back.
  await gotoStep(page, 'benchmark');
  await page.getByTestId('fix-undo').click();
  await expect(page.getByTestId('fix-round')).toHaveCount(0);
  await expect(page.getByTestId('layer-table')).toBeVisible();
  await gotoStep(page, 'rules');
  await expect(page.getByTestId('rule-row')).toHaveCount(0);
  await gotoStep(page, 'convert');
  await expect(page.getByTestId('fp32-reasons')).not.toContainText(`name:${owner}`);
});
