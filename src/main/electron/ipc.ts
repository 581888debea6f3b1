// Mounts the handler table on IPC. Every call is checked to come from our window's main frame
// showing our own app:// page, so a stray frame or a navigated page cannot use the API.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebFrameMain } from 'electron';
import { stat } from 'node:fs/promises';
import { IPC_CALL, IPC_DROP, IPC_EVENT, type ApiEvent } from '../../shared/api';
import { dispatch, type Handlers } from '../api/handlers';
import type { PathGuard } from '../api/paths';
import type { JobManager } from '../jobs/jobManager';
import { APP_ORIGIN } from './protocol';

export function isTrustedFrame(win: BrowserWindow, frame: WebFrameMain | null | undefined): boolean {
  if (!frame || win.isDestroyed() || frame !== win.webContents.mainFrame) return false;
  // Not new URL(...).origin: Node's URL gives app:// (not a special scheme) the opaque origin "null".
  return frame.url.startsWith(`${APP_ORIGIN}/`);
}

export function mountIpc(win: () => BrowserWindow | undefined, handlers: Handlers, jobs: JobManager, guard: PathGuard): () => void {
  const trusted = (e: IpcMainInvokeEvent) => {
    const w = win();
    return !!w && e.sender === w.webContents && isTrustedFrame(w, e.senderFrame);
  };
  ipcMain.handle(IPC_CALL, async (e, method: unknown, params: unknown) => {
    if (!trusted(e)) return { ok: false, error: { code: 'BAD_USAGE', message: 'Refused: the call did not come from the Octet window' } };
    return dispatch(handlers, method, params);
  });
  // The preload resolves a dropped File to its path (webUtils); a drop is a choice like a dialog.
  ipcMain.handle(IPC_DROP, async (e, path: unknown) => {
    if (!trusted(e) || typeof path !== 'string' || path.length === 0 || path.length > 4096) return null;
    const st = await stat(path).catch(() => undefined);
    if (!st) return null;
    return guard.grant(path, { dir: st.isDirectory(), writable: false });
  });
  const unsubscribe = jobs.subscribe((event: ApiEvent) => {
    const w = win();
    if (w && !w.isDestroyed()) w.webContents.send(IPC_EVENT, event);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL);
    ipcMain.removeHandler(IPC_DROP);
  };
}

/** Sends a menu command to the renderer over the event channel. */
export function sendCommand(win: BrowserWindow | undefined, event: ApiEvent): void {
  if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, event);
}
