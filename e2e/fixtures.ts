// Starts the real browser-mode server (dist/cli.cjs `serve`, random port, fresh state folder)
// once per Playwright worker, and gives tests a small WebSocket client for the same API.
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import type { ApiMethod, ApiParams, ApiResult } from '../src/shared/api';
import { STEPS, stepNumber, type StepId } from '../src/shared/steps';
import { wsProtocols } from '../src/main/server/security';

export const ROOT = resolve(__dirname, '..');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');

export interface OctetServer {
  url: string;
  port: number;
  token: string;
  /** The --root folder: exports go here. */
  root: string;
  proc: ChildProcess;
  output: () => string;
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>;
}

async function startServe(): Promise<{ server: OctetServer; stop: () => Promise<void> }> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'octet-e2e-')));
  const root = join(dir, 'files');
  mkdirSync(root);
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'octet.js'), 'serve', '--port', '0', '--root', root, '--state', join(dir, 'state')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`octet serve printed no URL in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
      if (m) {
        clearTimeout(t);
        ok(m[0]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => fail(new Error(`octet serve exited with ${code}:\n${out}`)));
  });
  const u = new URL(url);
  const port = Number(u.port);
  const token = u.searchParams.get('token')!;

  let ws: WebSocket | undefined;
  let nextId = 1;
  const pending = new Map<number, (f: { ok: boolean; result?: unknown; error?: { code: string; message: string } }) => void>();
  const socket = async () => {
    if (ws?.readyState === WebSocket.OPEN) return ws;
    ws = new WebSocket(`ws://127.0.0.1:${port}/api`, wsProtocols(token), { origin: `http://127.0.0.1:${port}` });
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (typeof f.id === 'number') pending.get(f.id)?.(f);
    });
    await new Promise((ok, fail) => {
      ws!.once('open', ok);
      ws!.once('error', fail);
    });
    return ws;
  };
  const server: OctetServer = {
    url,
    port,
    token,
    root,
    proc,
    output: () => out,
    async call(method, params) {
      const s = await socket();
      const id = nextId++;
      const reply = await new Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>((ok) => {
        pending.set(id, ok);
        s.send(JSON.stringify({ id, method, params }));
      });
      if (!reply.ok) throw new Error(`${reply.error!.code}: ${reply.error!.message}`);
      return reply.result as never;
    },
  };
  const stop = async () => {
    ws?.close();
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { server, stop };
}

export const test = base.extend<{ wizard: Page }, { server: OctetServer }>({
  server: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { server, stop } = await startServe();
      await use(server);
      await stop();
    },
    { scope: 'worker' },
  ],
  /** A page on the wizard with no saved state, errors in the page fail the test. */
  wizard: async ({ page, server }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await expect(page.getByRole('navigation', { name: 'Wizard steps' })).toBeVisible();
    // The token left the address bar (and the history) for this tab's sessionStorage; no cookie holds it.
    await expect.poll(() => new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('octet.token'))).toBe(server.token);
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** Opens the demo from the welcome card and waits for the model summary. */
export async function openDemo(page: Page): Promise<void> {
  await page.getByTestId('use-demo').click();
  await expect(page.getByTestId('model-summary')).toBeVisible();
}

/** Goes to a wizard step by its id in STEPS (src/shared/steps.ts) through the sidebar, and waits for its view. */
export async function gotoStep(page: Page, id: StepId): Promise<void> {
  await page.getByTestId(`step-${id}`).click();
  await expectStep(page, id);
}

/** Goes on to the next step with the step's own "Next: <title> →" button, and waits for its view. */
export async function nextStep(page: Page, to: StepId): Promise<void> {
  const title = STEPS.find((s) => s.id === to)!.title;
  await page.getByRole('button', { name: `Next: ${title} →` }).click();
  await expectStep(page, to);
}

/** Waits until the wizard shows that step. */
export async function expectStep(page: Page, id: StepId): Promise<void> {
  await expect(page.getByTestId(`view-${id}`)).toBeVisible();
}

/** The keyboard shortcut that jumps to a step (Alt+its number), for `page.keyboard.press`. */
export const stepShortcut = (id: StepId): string => `Alt+${stepNumber(id)}`;

/** A screenshot of the window as a person sees it, for review. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.querySelector('main')?.scrollTo({ top: 0 });
  });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The same, scrolled so `target` is at the top of the step's column (for content below the fold). */
export async function snapAt(page: Page, target: Locator, name: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await target.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Checks that nothing on the page overflows the window sideways or overlaps the step content. */
export async function assertNoHorizontalOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const main = document.querySelector('main')!;
    return { page: document.documentElement.scrollWidth - window.innerWidth, main: main.scrollWidth - main.clientWidth };
  });
  expect(overflow.page, 'page wider than the window').toBeLessThanOrEqual(0);
  expect(overflow.main, 'step content wider than its column').toBeLessThanOrEqual(0);
}
