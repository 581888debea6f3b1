// The Electron app, kept thin: one locked-down window, the renderer on app://octet, the API on
// IPC, jobs in utility processes, native dialogs and a menu. Everything else is shared with
// browser mode (src/main/api, src/main/jobs).
import { app, BrowserWindow, dialog, Menu, session, shell, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import { packageRoot } from '../io/paths';
import { setupApi, type ApiSetup } from '../api/setup';
import { utilityWorker } from './utilityWorker';
import type { ApiArgs } from '../../shared/api';
import { goMenu } from './goMenu';
import { mountIpc, sendCommand } from './ipc';
import { APP_ORIGIN, APP_URL, registerScheme, serveRenderer } from './protocol';

let win: BrowserWindow | undefined;
let api: ApiSetup | undefined;

registerScheme();
// `electron dist/electron-main.cjs` in development would otherwise keep settings under "Electron".
app.setName('Octet');
app.setPath('userData', join(app.getPath('appData'), 'Octet'));
if (!app.requestSingleInstanceLock()) app.quit();

app.on('second-instance', () => {
  if (win?.isMinimized()) win.restore();
  win?.focus();
});

// Whatever web contents appear (there should be only ours): no popups, no navigation, no webviews.
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

async function pickPath(purpose: ApiArgs<'pickPath'>['purpose']): Promise<string | null> {
  const w = win;
  const opts: Electron.OpenDialogOptions =
    purpose === 'model'
      ? { title: 'Open an ONNX model', properties: ['openFile'], filters: [{ name: 'ONNX models', extensions: ['onnx'] }] }
      : purpose === 'dataNpy'
        ? { title: 'Choose a .npz or .npy file of samples', properties: ['openFile'], filters: [{ name: 'NumPy arrays', extensions: ['npz', 'npy'] }] }
        : purpose === 'labelsCsv'
          ? { title: 'Choose a CSV of labels', properties: ['openFile'], filters: [{ name: 'CSV', extensions: ['csv', 'txt'] }] }
          : purpose === 'dataFolder'
            ? { title: 'Choose a folder of images or of .npy files', properties: ['openDirectory'] }
            : { title: 'Choose a folder to export into', properties: ['openDirectory', 'createDirectory'], buttonLabel: 'Export here' };
  const res = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
  const chosen = res.canceled ? undefined : res.filePaths[0];
  if (!chosen) return null;
  return api!.host.guard.grant(chosen, { dir: purpose === 'dataFolder' || purpose === 'exportFolder', writable: purpose === 'exportFolder' });
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        {
          label: 'Open Model…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const path = await pickPath('model');
            if (path) sendCommand(win, { type: 'command', command: 'openModel', path });
          },
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Go',
      submenu: goMenu((step) => sendCommand(win, { type: 'command', command: 'step', step })),
    },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'About Octet',
          click: () =>
            void dialog.showMessageBox({
              title: 'Octet',
              message: `Octet ${app.getVersion()}`,
              detail: 'Post-training static int8 quantization of ONNX models.',
            }),
        },
        { label: 'Show Settings Folder', click: () => void shell.openPath(app.getPath('userData')) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    title: 'Octet',
    backgroundColor: '#f5f7fb',
    webPreferences: {
      // Electronegativity flags every preload for review (PRELOAD_JS_CHECK). Reviewed: sandboxed,
      // it exposes only the typed API of src/shared/api.ts through contextBridge (docs/security.md).
      preload: join(__dirname, 'preload.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // No middle-click (auxclick) navigation to new windows, beside the deny-all window-open handler.
      disableBlinkFeatures: 'Auxclick',
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = undefined));
  void win.loadURL(APP_URL);
}

app.whenReady().then(async () => {
  // No camera, microphone, notifications, geolocation…: the wizard needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer(join(packageRoot(), 'dist', 'renderer'));
  api = await setupApi({ mode: 'electron', roots: [], stateDir: app.getPath('userData'), factory: utilityWorker, concurrency: 1, pickPath });
  // Recent models were allowed when the user opened them; they stay allowed across restarts.
  for (const p of (await api.host.settings.get()).recentModels) await api.host.guard.grant(p, { dir: false, writable: false }).catch(() => undefined);
  mountIpc(() => win, api.handlers, api.host.jobs, api.host.guard);
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => api?.close());
