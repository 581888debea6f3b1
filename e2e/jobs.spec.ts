// Jobs under stress: cancel in the middle of a calibration, and a worker killed from outside.
import { readdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, gotoStep, snap, type OctetServer } from './fixtures';
import { writeSynthetic } from '../test/util/synthetic';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const SAMPLES = 1500;
let model = '';
let data = '';

// A synthetic U-Net-like model and 1,500 random samples (.npy): calibration takes several seconds
// even on a fast machine, so the cancel and the kill land in the middle of it. This also drives
// the browser-mode path of typing server paths for the model and a .npy file.
test.beforeAll(({ server }) => {
  const f = writeSynthetic(server.root, 'unetLike', SAMPLES);
  model = f.model;
  data = f.data;
});

/** Opens the model and data by typing their server paths, then starts a long calibration. */
async function startLongCalibration(page: Page): Promise<void> {
  await page.getByLabel('ONNX model').fill(model);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await gotoStep(page, 'data');
  await page.getByRole('radio', { name: /\.npy file/ }).check();
  await page.getByLabel(/^Calibration data/).fill(data);
  await page.getByRole('button', { name: 'Use' }).click();
  await expect(page.getByTestId('preview-description')).toContainText(`${SAMPLES}`);
  await gotoStep(page, 'calibrate');
  await page.getByLabel('Calibration samples').fill(String(SAMPLES));
  await page.getByTestId('run-quantize').click();
  await expect(page.getByTestId('progress-phase')).toContainText('Calibrate', { timeout: 60_000 });
}

/** The running worker's pid as the API reports it. */
async function runningPid(server: OctetServer): Promise<{ id: string; pid: number }> {
  const running = (await server.call('listJobs', {})).find((j) => j.kind === 'quantize' && j.state === 'running');
  expect(running?.pid).toBeTruthy();
  return { id: running!.id, pid: running!.pid! };
}

test('cancel in the middle of a calibration stops the worker and leaves no files', async ({ wizard: page, server }) => {
  await startLongCalibration(page);
  const job = await runningPid(server);
  expect(alive(job.pid)).toBe(true);
  await page.getByTestId('cancel-job').click();
  await expect(page.getByTestId('quantize-job')).toHaveAttribute('data-state', 'cancelled');
  await expect(page.getByTestId('quantize-job').getByTestId('error-code')).toHaveText('CANCELLED');
  const after = await server.call('getJob', { jobId: job.id });
  expect(after.state).toBe('cancelled');
  expect(after.progress?.phase).toBe('calibrate');
  expect(after.progress!.done).toBeLessThan(after.progress!.total);
  await expect.poll(() => alive(job.pid)).toBe(false);
  if (after.kind === 'quantize') {
    const dir = after.params.output.replace(/[\\/][^\\/]+$/, '');
    expect(readdirSync(dir)).toEqual([]);
  }
  await snap(page, 'e2e-cancelled');
});

test('a killed worker shows the error, and the next job succeeds', async ({ wizard: page, server }) => {
  await startLongCalibration(page);
  const job = await runningPid(server);
  process.kill(job.pid, 'SIGKILL');
  const card = page.getByTestId('quantize-job');
  await expect(card).toHaveAttribute('data-state', 'failed');
  await expect(card.getByTestId('error-code')).toHaveText('WORKER_CRASHED');
  await expect(card).toContainText('The worker process died');
  await snap(page, 'e2e-worker-killed');
  // The server and the page go on: a smaller run succeeds.
  await page.getByLabel('Calibration samples').fill('100');
  await page.getByTestId('run-quantize').click();
  await expect(card).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await gotoStep(page, 'convert');
  await expect(page.getByTestId('fusion-int8')).toContainText(/[1-9]\d* of/);
});
