// Hostile input against browser mode's gate (issue 10, "Hostile input", items 1 and 5): the real
// server (startServer with the real API) must survive anything a local process can send on the
// HTTP and the upgrade path, with or without the token, and afterwards still serve the real
// token: every test ends with a real WebSocket API call. Loopback only; every exchange is
// bounded by a timeout. The pure gate functions are fuzzed in test/fuzz/gate.fuzz.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/main/server/server';
import { startBrowserServer, type BrowserServer } from '../util/browserServer';
import { newToken, wsProtocols } from '../../src/main/server/security';

const TOKEN = newToken();
let testServer: BrowserServer;
let server: RunningServer;
let port: number;
let host: string;
let origin: string;

before(async () => {
  testServer = await startBrowserServer('octet-hostile-gate-', TOKEN);
  server = testServer.server;
  port = server.port;
  host = `127.0.0.1:${port}`;
  origin = `http://${host}`;
});
after(() => testServer.close());

interface RawReply {
  /** The HTTP status of the answer, or undefined when the server just closed the connection. */
  status?: number;
  text: string;
}

/** Sends raw bytes on a fresh TCP connection and collects the answer until close (≤ 3 s). */
function raw(bytes: string | Buffer, opts: { reset?: 'before-reply' } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = tcpConnect({ host: '127.0.0.1', port }, () => {
      s.write(bytes);
      if (opts.reset) s.resetAndDestroy();
    });
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text });
    };
    const timer = setTimeout(() => {
      s.destroy();
      done();
    }, 3000);
    s.on('data', (d) => {
      chunks.push(d);
      // A 101 keeps the socket open: the head is all we need.
      if (/^HTTP\/1\.1 101[^]*\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1'))) s.destroy();
    });
    s.on('close', done);
    s.on('error', () => undefined); // a reset is an answer too
  });
}

/** A WebSocket upgrade request for `path` with our Host and Origin unless overridden. */
function upgrade(path: string, headers: Record<string, string | string[] | undefined> = {}): string {
  const all: Record<string, string | string[] | undefined> = {
    Host: host,
    Origin: origin,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  return `GET ${path} HTTP/1.1\r\n${headerLines(all)}\r\n`;
}

function httpGet(path: string, headers: Record<string, string | string[] | undefined> = {}): string {
  return `GET ${path} HTTP/1.1\r\n${headerLines({ Host: host, Connection: 'close', ...headers })}\r\n`;
}

function headerLines(h: Record<string, string | string[] | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out += `${k}: ${one}\r\n`;
  }
  return out;
}

const tokenProtocol = () => wsProtocols(TOKEN).join(', ');

/** The server is up and the real token still opens the API: a real WebSocket call answers. */
async function assertAlive(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, wsProtocols(TOKEN), { origin });
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no WebSocket open in 5 s')), 5000);
      ws.once('open', () => {
        clearTimeout(t);
        resolve();
      });
      ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    const reply = await new Promise<{ id: number; ok: boolean; result?: { mode?: string } }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply in 5 s')), 5000);
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString());
        if (f.id === 1) {
          clearTimeout(t);
          resolve(f);
        }
      });
      ws.send(JSON.stringify({ id: 1, method: 'capabilities', params: {} }));
    });
    assert.equal(reply.ok, true);
    assert.equal(reply.result?.mode, 'browser');
  } finally {
    ws.terminate();
  }
}

/** Refused (an HTTP error status) or dropped: never 101 Switching Protocols, never a crash. */
function assertNotOpened(r: RawReply, what: string): void {
  assert.notEqual(r.status, 101, `${what} opened the API: ${r.text.slice(0, 200)}`);
  if (r.status !== undefined) assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status}`);
}

const LONG = '/' + 'a'.repeat(12_000);
/** Request targets a client may send; `new URL('//', base)` and decodeURIComponent('%') throw. */
const BAD_TARGETS = [
  '//',
  '///',
  '//api',
  '%',
  '/%',
  '/api%',
  '/%E0%A4%A',
  '/api/%ZZ',
  '/%00',
  '/api?%',
  '/api?token=%',
  '*',
  'api',
  'http://127.0.0.1/api',
  '/api#x',
  LONG,
  LONG + '/api',
  '/\u00e9t\u00e9',
  '/api/\u4e2d\u6587',
  '/\ud83d\ude00',
];

test('malformed upgrade paths (//, %, very long, non-ASCII) are refused and the server survives', async () => {
  for (const path of BAD_TARGETS) {
    const bytes = Buffer.from(upgrade(path), 'utf8'); // non-ASCII goes as raw UTF-8 bytes
    assertNotOpened(await raw(bytes), `upgrade ${JSON.stringify(path.slice(0, 40))} without token`);
    const withTok = Buffer.from(upgrade(path, { 'Sec-WebSocket-Protocol': tokenProtocol() }), 'utf8');
    assertNotOpened(await raw(withTok), `upgrade ${JSON.stringify(path.slice(0, 40))} with the token`);
  }
  await assertAlive();
});

test('malformed HTTP targets get an error status and the server survives', async () => {
  for (const path of BAD_TARGETS) {
    const r = await raw(Buffer.from(httpGet(path), 'utf8'));
    if (r.status !== undefined) assert.ok([200, 400, 403, 404, 414, 431].includes(r.status), `GET ${JSON.stringify(path.slice(0, 40))}: ${r.status}`);
    assert.doesNotMatch(r.text, new RegExp(TOKEN));
  }
  await assertAlive();
});

const BAD_COOKIES = [
  'octet_token=%',
  'octet_token=%E0%A4%A',
  `octet_token=${TOKEN}%`,
  'octet_token',
  '=;;;=;',
  '; ; octet_token=; octet_token=%%%',
  `octet_token=${'%'.repeat(4000)}`,
  Buffer.from('octet_token=\xff\xfe\x80', 'latin1').toString('latin1'),
];

test('malformed cookies on the upgrade and HTTP paths do not stop the server; a cookie never carries the token', async () => {
  for (const cookie of BAD_COOKIES) {
    assertNotOpened(await raw(Buffer.from(upgrade('/api', { Cookie: cookie }), 'latin1')), `upgrade with Cookie ${JSON.stringify(cookie.slice(0, 30))}`);
    const ok = await raw(Buffer.from(upgrade('/api', { Cookie: cookie, 'Sec-WebSocket-Protocol': tokenProtocol() }), 'latin1'));
    assert.equal(ok.status, 101, `a bad cookie beside the real token: ${ok.status}`);
    const r = await raw(Buffer.from(httpGet('/', { Cookie: cookie }), 'latin1'));
    assert.equal(r.status, 200, `GET / with Cookie ${JSON.stringify(cookie.slice(0, 30))}`);
  }
  // The right token in a cookie (the old scheme) opens nothing.
  assertNotOpened(await raw(upgrade('/api', { Cookie: `octet_token=${TOKEN}` })), 'the token in a cookie');
  await assertAlive();
});

test('oversized headers are refused (431) on both paths and the server survives', async () => {
  const big = 'a'.repeat(64 * 1024);
  const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`X-H${i}`, 'vvvvvvvvvv']));
  for (const [what, bytes] of [
    ['HTTP, one 64 KiB header', httpGet('/', { 'X-Pad': big })],
    ['HTTP, 2000 headers', httpGet('/', many)],
    ['upgrade, one 64 KiB header', upgrade('/api', { 'X-Pad': big, 'Sec-WebSocket-Protocol': tokenProtocol() })],
    ['upgrade, a 64 KiB protocol list', upgrade('/api', { 'Sec-WebSocket-Protocol': `octet, ${'octet.token.x, '.repeat(5000)}octet.token.${TOKEN}` })],
    ['upgrade, 2000 headers', upgrade('/api', { ...many, 'Sec-WebSocket-Protocol': tokenProtocol() })],
    ['upgrade, a 64 KiB cookie', upgrade('/api', { Cookie: `octet_token=${big}` })],
  ] as const) {
    const r = await raw(bytes);
    assert.ok(r.status === 431 || r.status === undefined, `${what}: ${r.status}`);
  }
  await assertAlive();
});

const REBINDING_HOSTS = (p: number) => [
  `evil.com:${p}`,
  'evil.com',
  'localhost.evil.com',
  `localhost.evil.com:${p}`,
  `127.0.0.1.evil.com:${p}`,
  `127.0.0.1:${p}.evil.com`,
  `127.0.0.1:${p}@evil.com`,
  `127.0.0.1:${p}:80`,
  `127.0.0.1:evil`,
  '127.0.0.2',
  '0.0.0.0',
  `[::ffff:127.0.0.1]:${p}`,
  '',
  ' ',
  'LOCALHOST.evil.com',
];

test('a rebinding Host (evil.com:PORT, localhost.evil.com, …) is refused on both paths, even with the token', async () => {
  for (const h of REBINDING_HOSTS(port)) {
    const up = await raw(upgrade('/api', { Host: h, Origin: `http://${h}`, 'Sec-WebSocket-Protocol': tokenProtocol() }));
    assertNotOpened(up, `upgrade with Host ${JSON.stringify(h)}`);
    const get = await raw(httpGet(`/?token=${TOKEN}`, { Host: h }));
    assert.ok(get.status === 403 || get.status === 400, `GET with Host ${JSON.stringify(h)}: ${get.status}`);
  }
  // No Host at all (HTTP/1.0 may omit it), and two Host headers.
  const noHost = await raw(
    `GET /api HTTP/1.0\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${tokenProtocol()}\r\n\r\n`,
  );
  assertNotOpened(noHost, 'upgrade without Host');
  assert.ok((await raw(`GET / HTTP/1.0\r\n\r\n`)).status === 403, 'GET without Host');
  assertNotOpened(await raw(upgrade('/api', { Host: ['evil.com', host], 'Sec-WebSocket-Protocol': tokenProtocol() })), 'two Host headers, evil first');
  await assertAlive();
});

test('a missing, duplicated or foreign Origin is refused on the upgrade, even with the token', async () => {
  const cases: Record<string, string | string[] | undefined> = {
    missing: undefined,
    empty: '',
    null: 'null',
    'ours twice': [origin, origin],
    'ours then evil': [origin, 'http://evil.com'],
    'evil then ours': ['http://evil.com', origin],
    'another port': `http://127.0.0.1:${port + 1}`,
    https: `https://${host}`,
    'with a path': `${origin}/`,
    'another loopback name': `http://localhost:${port}`,
  };
  for (const [what, o] of Object.entries(cases)) {
    assertNotOpened(await raw(upgrade('/api', { Origin: o, 'Sec-WebSocket-Protocol': tokenProtocol() })), `Origin ${what}`);
  }
  await assertAlive();
});

test('clients that reset or vanish mid-request (socket errors) do not stop the server', async () => {
  const cases = [
    upgrade('/api'), // refused: the server writes a 403 to a socket that is gone
    upgrade('//'),
    upgrade('/api', { 'Sec-WebSocket-Protocol': tokenProtocol() }), // accepted: reset during the handshake
    httpGet('/'),
    'GET / HTTP/1.1\r\nHost: ', // half a request
    upgrade('/api').slice(0, 60),
  ];
  for (let round = 0; round < 5; round++) {
    await Promise.all(cases.map((c) => raw(c, { reset: 'before-reply' })));
  }
  // Garbage instead of HTTP, and a request smuggling attempt.
  assert.equal((await raw('\x00\x01\x02 garbage\r\n\r\n')).status, 400);
  const smuggle = await raw(`GET / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  assert.ok(smuggle.status === 400 || smuggle.status === 413, `CL+TE: ${smuggle.status}`);
  await assertAlive();
});

test('the token is never a cookie and never leaves in a response; the printed URL still opens the page', async () => {
  assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=`));
  const page = await raw(httpGet(new URL(server.url).pathname + new URL(server.url).search));
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /set-cookie/i);
  assert.doesNotMatch(page.text, new RegExp(TOKEN));
  // A reload after the page moved the token to sessionStorage asks for / with no token at all.
  const reload = await raw(httpGet('/'));
  assert.equal(reload.status, 200);
  assert.doesNotMatch(reload.text, /set-cookie/i);
  // A wrong or stale ?token= is refused with the hint.
  const wrong = await raw(httpGet('/?token=stale'));
  assert.equal(wrong.status, 403);
  assert.match(wrong.text, /open the URL that octet serve printed/);
  // The token in the socket URL (the old scheme) opens nothing; the accepted handshake never echoes it.
  assertNotOpened(await raw(upgrade(`/api?token=${TOKEN}`)), 'the token in the socket URL');
  const ok = await raw(upgrade('/api', { 'Sec-WebSocket-Protocol': tokenProtocol() }));
  assert.equal(ok.status, 101);
  assert.match(ok.text, /\r\nSec-WebSocket-Protocol: octet\r\n/i);
  assert.doesNotMatch(ok.text, new RegExp(TOKEN));
  await assertAlive();
});

test('after all of the above, many real API calls still work', async () => {
  for (let i = 0; i < 3; i++) await assertAlive();
});
