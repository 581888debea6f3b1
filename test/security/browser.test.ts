// Browser mode's protections that src/main/server/server.test.ts does not already cover: the
// listening address, header size, an upgrade with no Origin at all, and the token's strength.
// (Token, Host/Origin, bodies, traversal and message size: server.test.ts; paths: paths.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/main/server/server';
import { startBrowserServer, type BrowserServer } from '../util/browserServer';
import { newToken, wsProtocols } from '../../src/main/server/security';

const TOKEN = newToken();
let testServer: BrowserServer;
let server: RunningServer;

before(async () => {
  testServer = await startBrowserServer('octet-browser-sec-', TOKEN);
  server = testServer.server;
});
after(() => testServer.close());

/** 'open', or the error code / HTTP status the attempt ended with. */
function tryTcp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve('open');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

test('listens on 127.0.0.1 only: not on ::1, 127.0.0.2 or any other address of this machine', async () => {
  const port = server.port;
  assert.equal(await tryTcp('127.0.0.1', port), 'open');
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);
  // 127.0.0.2 is loopback too on Linux: it answers only if the server bound 0.0.0.0 or 127/8.
  for (const addr of [...others, '::1', ...(process.platform === 'linux' ? ['127.0.0.2'] : [])]) {
    const r = await tryTcp(addr, port);
    assert.notEqual(r, 'open', `reachable on ${addr}`);
  }
});

test('the token is random per run and long enough to guess never', () => {
  const a = newToken();
  const b = newToken();
  assert.notEqual(a, b);
  assert.ok(a.length >= 32 && /^[A-Za-z0-9_-]+$/.test(a), a);
});

test('oversized request headers are refused (431) before any handler runs', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port: server.port }, () => {
      s.write(`GET /?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Pad: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    });
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      const m = /^HTTP\/1\.1 (\d+)/.exec(buf);
      if (m) {
        s.destroy();
        resolve(Number(m[1]));
      }
    });
    s.on('error', reject);
  });
  assert.equal(status, 431);
});

test('a WebSocket upgrade without an Origin header is refused, even with the token', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, wsProtocols(TOKEN));
  const status = await new Promise<number | string>((resolve) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve('error'));
  });
  ws.terminate();
  assert.equal(status, 403);
});
