// Browser mode: the built renderer over HTTP and the API over one WebSocket, on 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent, WsServerFrame } from '../../shared/api';
import { OctetError } from '../../shared/errors';
import { dispatch, type Handlers } from '../api/handlers';
import type { JobManager } from '../jobs/jobManager';
import { checkHttp, checkUpgrade, splitTarget, WS_PROTOCOL } from './security';
import { SECURITY_HEADERS } from './csp';
import { contentType } from '../io/contentType';

/** Largest WebSocket message: requests are small JSON (paths, recipes). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface ServerOptions {
  handlers: Handlers;
  jobs: JobManager;
  rendererDir: string;
  token: string;
  port: number;
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const root = resolve(opts.rendererDir);
  const index = join(root, 'index.html');
  if (!(await stat(index).catch(() => undefined))?.isFile()) {
    throw new OctetError('BAD_USAGE', `The wizard is not built (${index} is missing); run 'npm run build' first`);
  }

  const http = createServer((req, res) => {
    void serveStatic(req, res, root, opts.token).catch(() => {
      try {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      } catch {
        res.destroy();
      }
    });
  });
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;

  // The selected subprotocol is always `octet`: the token offered beside it is never echoed back.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols: (p) => (p.has(WS_PROTOCOL) ? WS_PROTOCOL : false) });
  // Nothing a client sends may throw out of this listener (an exception here is uncaught and
  // stops the process): the socket gets an error listener first, and anything unexpected drops it.
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const v = checkUpgrade(req, opts.token);
      if (!v.ok) {
        socket.end(`HTTP/1.1 ${v.status} ${STATUS_TEXT[v.status] ?? 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, opts));
    } catch {
      socket.destroy();
    }
  });

  await new Promise<void>((ok, fail) => {
    http.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new OctetError('BAD_USAGE', `Port ${opts.port} is in use; pass another with --port (0 picks a free one)`) : e),
    );
    http.listen(opts.port, '127.0.0.1', () => ok());
  });
  // After listen, a server error (e.g. EMFILE on accept) is reported, not fatal.
  http.on('error', (e) => console.error(`octet: server error: ${e.message}`));
  const port = (http.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${encodeURIComponent(opts.token)}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => ok());
      }),
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' };

function onConnection(ws: WebSocket, opts: ServerOptions): void {
  const send = (frame: WsServerFrame) => {
    if (ws.readyState !== ws.OPEN) return;
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      ws.terminate();
    }
  };
  const unsubscribe = opts.jobs.subscribe((event: ApiEvent) => send({ event }));
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return void ws.close(1003, 'text frames only');
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return void ws.close(1007, 'not JSON');
    }
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return void ws.close(1008, 'a request needs a numeric id');
    const id = msg.id;
    void dispatch(opts.handlers, msg.method, msg.params)
      .catch((e: unknown) => ({ ok: false as const, error: { code: 'INTERNAL' as const, message: e instanceof Error ? e.message : String(e) } }))
      .then((reply) => send({ id, ...reply }));
  });
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, token: string): Promise<void> {
  const v = checkHttp(req, token);
  if (!v.ok) {
    res.writeHead(v.status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`${v.status}: ${v.reason}\n`);
    return;
  }
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(splitTarget(req.url)!.path)).replace(/^([/\\])+/, '');
  } catch {
    res.writeHead(400).end();
    return;
  }
  let file = resolve(root, rel || 'index.html');
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(404).end();
    return;
  }
  let st = await stat(file).catch(() => undefined);
  if (st?.isDirectory()) {
    file = join(file, 'index.html');
    st = await stat(file).catch(() => undefined);
  }
  if (!st?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end('404: not found\n');
    return;
  }
  const type = contentType(file);
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': String(st.size),
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  };
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else res.end(await readFile(file));
}
