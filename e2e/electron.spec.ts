// The desktop app under Playwright's Electron driver. It runs where Electron's binary is installed
// (`npm install` with scripts); CI here installs with --ignore-scripts, so it reports skipped.
import { test, expect, _electron } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ARTIFACTS } from './fixtures';

function electronBinary(): { path?: string; why?: string } {
  const pkg = join(ROOT, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json'))) return { why: 'the electron package is not installed' };
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return { why: "Electron's binary is not installed (npm ran with --ignore-scripts, so node_modules/electron/dist is missing)" };
  const bin = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? { path: bin } : { why: `Electron's binary ${bin} is missing` };
}

const electron = electronBinary();

test('desktop app: locked-down window, typed bridge, demo opens', async () => {
  test.skip(!electron.path, electron.why ?? '');
  const app = await _electron.launch({ executablePath: electron.path, args: [join(ROOT, 'dist', 'electron-main.cjs')], cwd: ROOT });
  try {
    const win = await app.firstWindow();
    await expect(win).toHaveTitle('Octet');
    expect(win.url()).toBe('app://octet/index.html');
    const env = await win.evaluate(() => ({
      bridge: typeof (window as unknown as { octet?: { api?: object } }).octet?.api,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(env).toEqual({ bridge: 'object', require: 'undefined', process: 'undefined' });
    // window.open is denied.
    expect(await win.evaluate(() => window.open('https://example.com') === null)).toBe(true);
    await win.getByTestId('use-demo').click();
    await expect(win.getByTestId('model-summary')).toBeVisible();
    await win.screenshot({ path: join(ARTIFACTS, 'electron-model.png') });
  } finally {
    await app.close();
  }
});
