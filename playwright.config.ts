// End-to-end tests drive the real wizard in Debian's Chromium against a real `octet serve`
// (real ONNX Runtime jobs in real worker processes). Playwright never downloads a browser here.
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.OCTET_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e/artifacts/test-results',
  // One server, one browser at a time: the machine has two cores and the jobs need them.
  workers: 1,
  fullyParallel: false,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['./e2e/summaryReporter.ts']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
