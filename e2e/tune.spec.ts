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
