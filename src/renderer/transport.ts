// How the renderer reaches the main side, chosen once at start: Electron's preload bridge when
// window.octet exists, otherwise the browser-mode WebSocket.
//
// Browser mode's token: `octet serve` prints http://127.0.0.1:PORT/?token=…. On that first load
// the page takes the token out of the address bar (history.replaceState, so it is not left in
// the history either) and keeps it in sessionStorage: per tab and per origin, port included, so
// no other service on 127.0.0.1 can read it, and a reload still works. It reaches the server only
// in the WebSocket's Sec-WebSocket-Protocol header (browsers cannot set other headers on a
// WebSocket): never in a cookie, which every port of 127.0.0.1 would receive, nor in a URL.
// The server side is src/main/server/security.ts.
import type { ApiEvent, ApiMethod, ApiParams, ApiReply, OctetBridge, WsServerFrame } from '../shared/api';

/** `no-token`: browser mode opened without the printed URL's token (nothing to connect with). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'no-token';

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

const NO_TOKEN = { code: 'BAD_USAGE', message: 'No access token: open the URL that octet serve printed (it ends in ?token=…)' } as const;
const LOST = { code: 'INTERNAL', message: 'Lost the connection to the Octet server; it reconnects by itself when the server is back' } as const;

const TOKEN_KEY = 'octet.token';
/** What newToken() makes (base64url); anything else could not even be offered as a subprotocol. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

/** The token from `?token=` (then removed from the address bar) or from this tab's sessionStorage. */
export function takeToken(): string | undefined {
  let stored: string | null = null;
  try {
    stored = sessionStorage.getItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives only as long as this page
  }
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    const fromUrl = url.searchParams.get('token') ?? '';
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    if (TOKEN_SHAPE.test(fromUrl)) {
      try {
        sessionStorage.setItem(TOKEN_KEY, fromUrl);
      } catch {
        // as above
      }
      return fromUrl;
    }
  }
  return stored !== null && TOKEN_SHAPE.test(stored) ? stored : undefined;
}

function wsTransport(): Transport {
  const token = takeToken();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
  // Kept in step with WS_PROTOCOL and TOKEN_PROTOCOL_PREFIX in src/main/server/security.ts.
  const protocols = token ? ['octet', `octet.token.${token}`] : [];
  const events = new Set<(e: ApiEvent) => void>();
  const states = new Set<(s: ConnectionState) => void>();
  const pending = new Map<number, (r: ApiReply) => void>();
  const queue: string[] = [];
  let nextId = 1;
  let ws: WebSocket | undefined;
  let state: ConnectionState = token ? 'connecting' : 'no-token';
  let delay = 300;

  const setState = (s: ConnectionState) => {
    state = s;
    for (const cb of states) cb(s);
  };
  const connect = () => {
    const sock = new WebSocket(url, protocols);
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
  if (token) connect();

  return {
    kind: 'ws',
    call: (method, params) =>
      new Promise((resolve) => {
        if (!token) return resolve({ ok: false, error: { ...NO_TOKEN } } as never);
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
