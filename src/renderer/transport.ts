// How the renderer reaches the main side, chosen once at start: Electron's preload bridge when
// window.octet exists, otherwise the browser-mode WebSocket (token from the page URL or cookie).
import type { ApiEvent, ApiMethod, ApiParams, ApiReply, OctetBridge, WsServerFrame } from '../shared/api';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface Transport {
  readonly kind: 'ipc' | 'ws';
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiReply<M>>;
  onEvent(cb: (e: ApiEvent) => void): () => void;
  onConnection(cb: (s: ConnectionState) => void): () => void;
  /** Electron only: a dropped file's real path, now allowed. */
  droppedFile?(file: File): Promise<string | null>;
}

declare global {
  interface Window {
    octet?: OctetBridge;
  }
}

function ipcTransport(bridge: OctetBridge): Transport {
  return {
    kind: 'ipc',
    call: (method, params) => (bridge.api[method] as (p: unknown) => Promise<ApiReply>)(params) as never,
    onEvent: (cb) => bridge.onEvent(cb),
    onConnection: (cb) => {
      cb('open');
      return () => undefined;
    },
    droppedFile: (file) => bridge.droppedFile(file),
  };
}

const LOST = { code: 'INTERNAL', message: 'Lost the connection to the Octet server; it reconnects by itself when the server is back' } as const;

function wsTransport(): Transport {
  const token = new URLSearchParams(location.search).get('token');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const events = new Set<(e: ApiEvent) => void>();
  const states = new Set<(s: ConnectionState) => void>();
  const pending = new Map<number, (r: ApiReply) => void>();
  const queue: string[] = [];
  let nextId = 1;
  let ws: WebSocket | undefined;
  let state: ConnectionState = 'connecting';
  let delay = 300;

  const setState = (s: ConnectionState) => {
    state = s;
    for (const cb of states) cb(s);
  };
  const connect = () => {
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      delay = 300;
      setState('open');
      for (const m of queue.splice(0)) sock.send(m);
    };
    sock.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as WsServerFrame;
      if ('event' in frame) {
        for (const cb of events) cb(frame.event);
      } else {
        const done = pending.get(frame.id);
        pending.delete(frame.id);
        done?.(frame as ApiReply); // the extra id field is harmless
      }
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      for (const [id, done] of pending) {
        pending.delete(id);
        done({ ok: false, error: { ...LOST } });
      }
      setState('reconnecting');
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  connect();

  return {
    kind: 'ws',
    call: (method, params) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve as (r: ApiReply) => void);
        const msg = JSON.stringify({ id, method, params });
        if (state === 'open' && ws?.readyState === WebSocket.OPEN) ws.send(msg);
        else queue.push(msg);
      }),
    onEvent: (cb) => {
      events.add(cb);
      return () => void events.delete(cb);
    },
    onConnection: (cb) => {
      states.add(cb);
      cb(state);
      return () => void states.delete(cb);
    },
  };
}

export function createTransport(): Transport {
  return window.octet ? ipcTransport(window.octet) : wsTransport();
}
