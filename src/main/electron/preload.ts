// Runs sandboxed in the renderer before the page. Exposes exactly the typed API (one function
// per method in src/shared/api.ts), the event stream and dropped-file paths; nothing else.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_CALL, IPC_DROP, IPC_EVENT, type ApiEvent, type OctetBridge } from '../../shared/api';

const api = Object.fromEntries(API_METHODS.map((m) => [m, (params: unknown) => ipcRenderer.invoke(IPC_CALL, m, params)])) as OctetBridge['api'];

const bridge: OctetBridge = {
  api,
  onEvent(cb) {
    const listener = (_e: IpcRendererEvent, event: ApiEvent) => cb(event);
    ipcRenderer.on(IPC_EVENT, listener);
    return () => void ipcRenderer.removeListener(IPC_EVENT, listener);
  },
  async droppedFile(file) {
    let path = '';
    try {
      path = webUtils.getPathForFile(file as File); // '' for a File the page made itself
    } catch {
      return null;
    }
    return path ? ((await ipcRenderer.invoke(IPC_DROP, path)) as string | null) : null;
  },
};

contextBridge.exposeInMainWorld('octet', bridge);
