// The Electron checklist, checked on the BUILT bundles (dist/electron-main.cjs, dist/preload.cjs)
// by running them against a recording stand-in for the `electron` module: Electron's binary is
// not installed here, but everything the app asks of Electron goes through that one module, so
// the window options, handlers and IPC mount it registers can be read and exercised.
// Part of `npm run security:electron` (after the build); not a *.test.ts, since it needs dist/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_METHODS, IPC_CALL, IPC_DROP } from '../../src/shared/api';
import { CSP } from '../../src/main/server/csp';

const REPO = resolve(__dirname, '..', '..');
const DIST = join(REPO, 'dist');

type Fn = (...a: never[]) => unknown;
type Listener = (...a: unknown[]) => unknown;

class FakeContents {
  readonly listeners = new Map<string, Listener[]>();
  windowOpen?: (d: { url: string }) => unknown;
  readonly sent: unknown[] = [];
  mainFrame = { url: 'app://octet/index.html' };
  on(ev: string, fn: Listener) {
    this.listeners.set(ev, [...(this.listeners.get(ev) ?? []), fn]);
    return this;
  }
  setWindowOpenHandler(fn: (d: { url: string }) => unknown) {
    this.windowOpen = fn;
  }
  send(...a: unknown[]) {
    this.sent.push(a);
  }
  isDestroyed() {
    return false;
  }
}

const rec = {
  schemes: [] as unknown[],
  protocol: undefined as undefined | ((req: { url: string; method: string }) => Promise<Response>),
  app: new Map<string, Listener[]>(),
  permissionRequest: undefined as undefined | Fn,
  permissionCheck: undefined as undefined | Fn,
  windows: [] as { opts: { webPreferences?: Record<string, unknown> }; webContents: FakeContents; url?: string }[],
  ipc: new Map<string, Listener>(),
  menu: undefined as unknown,
  exposed: [] as [string, Record<string, unknown>][],
  invoked: [] as unknown[][],
};

let state: string;
const rejections: unknown[] = [];
const onRejection = (e: unknown) => rejections.push(e);

const fakeElectron = {
  app: {
    isPackaged: true,
    setName() {},
    setPath() {},
    getPath: (k: string) => join(state, k),
    getVersion: () => '0.0.0',
    requestSingleInstanceLock: () => true,
    quit() {},
    on(ev: string, fn: Listener) {
      rec.app.set(ev, [...(rec.app.get(ev) ?? []), fn]);
    },
    whenReady: () => Promise.resolve(),
  },
  protocol: {
    registerSchemesAsPrivileged: (s: unknown[]) => rec.schemes.push(...s),
    handle: (_scheme: string, fn: typeof rec.protocol) => (rec.protocol = fn),
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (fn: Fn) => (rec.permissionRequest = fn),
      setPermissionCheckHandler: (fn: Fn) => (rec.permissionCheck = fn),
    },
  },
  BrowserWindow: class {
    static getAllWindows = () => rec.windows;
    readonly webContents = new FakeContents();
    constructor(readonly opts: { webPreferences?: Record<string, unknown> }) {
      rec.windows.push(this);
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return false;
    }
    loadURL(url: string) {
      (this as unknown as { url: string }).url = url;
      return Promise.resolve();
    }
  },
  ipcMain: {
    handle: (ch: string, fn: Listener) => rec.ipc.set(ch, fn),
    removeHandler: (ch: string) => rec.ipc.delete(ch),
  },
  Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (rec.menu = m) },
  dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showMessageBox: async () => ({}) },
  shell: { openPath: async () => '' },
  utilityProcess: {
    fork() {
      throw new Error('no jobs in this test');
    },
  },
};

const requiredBy = new Map<string, string[]>();
const mod = Module as unknown as { _load: (this: unknown, req: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };
const load = mod._load;

before(async () => {
  state = mkdtempSync(join(tmpdir(), 'octet-electron-'));
  process.on('unhandledRejection', onRejection);
  mod._load = function (req, parent, isMain) {
    const from = parent?.filename ?? '';
    if (from.startsWith(DIST)) requiredBy.set(from, [...(requiredBy.get(from) ?? []), req]);
    if (req === 'electron' && from.startsWith(DIST)) {
      if (from.endsWith('preload.cjs')) {
        return {
          contextBridge: { exposeInMainWorld: (name: string, obj: Record<string, unknown>) => rec.exposed.push([name, obj]) },
          ipcRenderer: {
            invoke: async (...a: unknown[]) => (rec.invoked.push(a), { ok: true, result: null }),
            on() {},
            removeListener() {},
          },
          webUtils: { getPathForFile: (f: { path?: string }) => f.path ?? '' },
        };
      }
      return fakeElectron;
    }
    return load.call(this, req, parent, isMain);
  } as typeof load;
  require(join(DIST, 'electron-main.cjs'));
  require(join(DIST, 'preload.cjs'));
  for (let i = 0; i < 400 && rec.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(rec.windows.length, 1, 'the app opened its window');
});

after(() => {
  for (const fn of rec.app.get('before-quit') ?? []) fn();
  mod._load = load;
  process.off('unhandledRejection', onRejection);
  rmSync(state, { recursive: true, force: true });
});

test('window: contextIsolation, sandbox, no Node, web security, no webview, no devtools when packaged', () => {
  const wp = rec.windows[0].opts.webPreferences ?? {};
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.nodeIntegrationInWorker, false);
  assert.notEqual(wp.nodeIntegrationInSubFrames, true);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.allowRunningInsecureContent, false);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.devTools, false, 'a packaged app has no devtools');
  for (const k of ['enableRemoteModule', 'experimentalFeatures', 'enableBlinkFeatures', 'additionalArguments']) assert.equal(wp[k], undefined, k);
  assert.equal(wp.preload, join(DIST, 'preload.cjs'));
  assert.match(String(wp.disableBlinkFeatures ?? ''), /Auxclick/, 'middle-click cannot open windows (Electronegativity AUXCLICK_JS_CHECK)');
  assert.equal(rec.windows[0].url, 'app://octet/index.html', 'the renderer comes from app://, not file:// or http://');
  const menu = JSON.stringify(rec.menu);
  assert.doesNotMatch(menu, /toggleDevTools/, 'no devtools menu item when packaged');
});

test('app:// is standard and secure, with no CSP bypass or service workers', () => {
  assert.deepEqual(rec.schemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
});

test('permission requests and checks are denied', () => {
  for (const perm of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'unknown']) {
    let answer: unknown = 'no answer';
    rec.permissionRequest!({} as never, perm as never, ((ok: boolean) => (answer = ok)) as never);
    assert.equal(answer, false, perm);
    assert.equal(rec.permissionCheck!({} as never, perm as never), false, perm);
  }
});

test('every web contents: window.open denied, navigation and redirects off app://octet/ prevented, no webviews', () => {
  const handlers = rec.app.get('web-contents-created') ?? [];
  assert.equal(handlers.length, 1);
  const wc = new FakeContents();
  handlers[0]({}, wc);
  for (const url of ['https://evil.example/', 'app://octet/index.html', 'file:///etc/passwd'])
    assert.deepEqual(wc.windowOpen!({ url }), { action: 'deny' }, url);
  const prevented = (ev: string, url: string) => {
    let p = false;
    for (const fn of wc.listeners.get(ev) ?? []) fn({ preventDefault: () => (p = true) }, url);
    return p;
  };
  for (const ev of ['will-navigate', 'will-redirect']) {
    assert.ok(wc.listeners.get(ev)?.length, ev);
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:7317/',
      'file:///etc/passwd',
      'app://octet.evil.example/',
      'app://octetx/index.html',
      'javascript:alert(1)',
      'app://other/index.html',
    ]) {
      assert.ok(prevented(ev, url), `${ev} ${url}`);
    }
    assert.ok(!prevented(ev, 'app://octet/index.html'), `${ev} to our own page is allowed`);
  }
  assert.ok(prevented('will-attach-webview', 'x'));
});

test('app:// serves the built renderer only, with the CSP, and nothing outside it', async () => {
  const get = (url: string, method = 'GET') => rec.protocol!({ url, method });
  const page = await get('app://octet/index.html');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), CSP);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.match(await page.text(), /<div id="root">/);
  assert.equal((await get('app://octet/')).status, 200);
  assert.equal((await get('app://evil/index.html')).status, 404, 'another host');
  assert.equal((await get('app://octet/index.html', 'POST')).status, 404, 'GET only');
  for (const p of [
    '%2e%2e/%2e%2e/package.json',
    '..%2f..%2fpackage.json',
    'assets/..%2f..%2f..%2fpackage.json',
    '..%5c..%5cpackage.json',
    '%2fetc%2fpasswd',
    'missing.js',
  ]) {
    const r = await get(`app://octet/${p}`);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(await r.text(), /"name": "octet"|root:/, p);
  }
});

test("IPC: calls from anything but our window's main frame on app://octet are refused", async () => {
  const call = rec.ipc.get(IPC_CALL)!;
  const drop = rec.ipc.get(IPC_DROP)!;
  const win = rec.windows[0];
  const refused = (r: unknown, what = '') => {
    const reply = r as { ok: boolean; error?: { message: string } };
    assert.equal(reply.ok, false, what);
    assert.match(reply.error!.message, /did not come from the Octet window/);
  };
  const other = new FakeContents();
  refused(await call({ sender: other, senderFrame: other.mainFrame }, 'capabilities', {}));
  refused(await call({ sender: win.webContents, senderFrame: { url: 'app://octet/index.html' } }, 'capabilities', {}), 'a subframe');
  refused(await call({ sender: win.webContents, senderFrame: null }, 'capabilities', {}));
  win.webContents.mainFrame.url = 'https://evil.example/';
  refused(await call({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'capabilities', {}));
  assert.equal(await drop({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, '/etc/passwd'), null, 'a navigated page cannot grant paths');
  assert.equal(await drop({ sender: other, senderFrame: other.mainFrame }, '/etc/passwd'), null);
  win.webContents.mainFrame.url = 'app://octet/index.html';

  const trusted = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  const caps = (await call(trusted, 'capabilities', {})) as { ok: boolean; result: { mode: string; dialogs: boolean } };
  assert.equal(caps.ok, true);
  assert.equal(caps.result.mode, 'electron');
  // Every argument is checked at run time against src/shared/api.ts.
  const bad = (await call(trusted, 'inspectModel', { path: 42 })) as { ok: boolean; error: { code: string } };
  assert.deepEqual([bad.ok, bad.error.code], [false, 'BAD_USAGE']);
  const proto = (await call(trusted, '__proto__', {})) as { ok: boolean; error: { code: string } };
  assert.deepEqual([proto.ok, proto.error.code], [false, 'BAD_USAGE']);
  const extra = (await call(trusted, 'startJob', { kind: 'quantize', params: { model: 'm.onnx', data: 'mnist', output: '/etc/x' } })) as {
    ok: boolean;
    error: { message: string };
  };
  assert.equal(extra.ok, false);
  assert.match(extra.error.message, /unknown key "output"/);
  // Electron mode: nothing is readable until the user picks it.
  const denied = (await call(trusted, 'inspectModel', { path: '/etc/passwd' })) as { ok: boolean; error: { code: string } };
  assert.deepEqual([denied.ok, denied.error.code], [false, 'PATH_DENIED']);
});

test('preload: exposes only the typed API, events and dropped-file paths; requires only electron', async () => {
  assert.deepEqual(requiredBy.get(join(DIST, 'preload.cjs')), ['electron'], 'a sandboxed preload can require only electron');
  assert.equal(rec.exposed.length, 1);
  const [name, bridge] = rec.exposed[0];
  assert.equal(name, 'octet');
  assert.deepEqual(Object.keys(bridge).sort(), ['api', 'droppedFile', 'onEvent']);
  const api = bridge.api as Record<string, (p: unknown) => Promise<unknown>>;
  assert.deepEqual(Object.keys(api).sort(), [...API_METHODS].sort());
  for (const f of Object.values(api)) assert.equal(typeof f, 'function');
  await api.capabilities({});
  assert.deepEqual(rec.invoked.at(-1), [IPC_CALL, 'capabilities', {}]);
  // A File the page made itself has no path: nothing is sent.
  const before = rec.invoked.length;
  assert.equal(await (bridge.droppedFile as (f: unknown) => Promise<unknown>)({}), null);
  assert.equal(rec.invoked.length, before);
});

test('no remote module; fuses set in electron-builder.yml', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
  assert.ok(!('@electron/remote' in { ...pkg.dependencies, ...pkg.devDependencies }));
  assert.doesNotMatch(readFileSync(join(DIST, 'electron-main.cjs'), 'utf8'), /@electron\/remote|enableRemoteModule/);
  const yml = readFileSync(join(REPO, 'electron-builder.yml'), 'utf8');
  for (const line of [
    'runAsNode: false',
    'enableNodeOptionsEnvironmentVariable: false',
    'enableNodeCliInspectArguments: false',
    'enableEmbeddedAsarIntegrityValidation: true',
    'onlyLoadAppFromAsar: true',
    'grantFileProtocolExtraPrivileges: false',
    'enableCookieEncryption: true',
  ]) {
    assert.match(yml, new RegExp(`^\\s+${line}$`, 'm'), line);
  }
});

test('the app started without an unhandled rejection', () => {
  assert.deepEqual(rejections, []);
});
