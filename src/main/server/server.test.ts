import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { MAX_MESSAGE_BYTES, type RunningServer } from './server';
import { startBrowserServer, type BrowserServer } from '../../../test/util/browserServer';
import { hostAllowed, originAllowed, safeEqual, wsProtocols } from './security';

const TOKEN = 'test-token-0123456789';
let testServer: BrowserServer;
let server: RunningServer;
let port: number;

before(async () => {
  testServer = await startBrowserServer('octet-server-', TOKEN, { 'assets/app.js': 'console.log(1)' });
  server = testServer.server;
  writeFileSync(join(testServer.dir, 'secret.txt'), 'secret');
  port = server.port;
});
after(() => testServer.close());

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(
  opts: { token?: string; origin?: string; host?: string; path?: string; protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<WebSocket> {
  const protocols = opts.protocols ?? (opts.token === undefined ? wsProtocols(TOKEN) : opts.token ? wsProtocols(opts.token) : []);
  const ws = new WebSocket(`ws://127.0.0.1:${port}${opts.path ?? '/api'}`, protocols, {
    origin: opts.origin ?? `http://127.0.0.1:${port}`,
    headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function rpc(ws: WebSocket, id: number, method: string, params: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData) => {
      const f = JSON.parse(d.toString());
      if (f.id === id) {
        ws.off('message', on);
        resolve(f);
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

test('host and origin rules', () => {
  assert.ok(hostAllowed('127.0.0.1:8080'));
  assert.ok(hostAllowed('localhost:9'));
  assert.ok(hostAllowed('[::1]:9'));
  assert.ok(!hostAllowed('evil.example:8080'));
  assert.ok(!hostAllowed('127.0.0.1.evil.example'));
  assert.ok(!hostAllowed('localhost.evil.example:8080'));
  assert.ok(!hostAllowed('127.0.0.1:8080:evil'));
  assert.ok(!hostAllowed('127.0.0.1:x'));
  assert.ok(!hostAllowed(undefined));
  assert.ok(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080'));
  assert.ok(!originAllowed('http://127.0.0.1:8081', '127.0.0.1:8080'));
  assert.ok(!originAllowed('http://evil.example', '127.0.0.1:8080'));
  assert.ok(!originAllowed('null', '127.0.0.1:8080'));
  assert.ok(!originAllowed(undefined, '127.0.0.1:8080'));
  assert.ok(safeEqual('abc', 'abc'));
  assert.ok(!safeEqual('abd', 'abc'));
  assert.ok(!safeEqual('ab', 'abc'));
  assert.ok(!safeEqual(undefined, 'abc'));
});

test('HTTP: the public bundle needs no token and sets no cookie; a wrong ?token= is refused; CSP and no-referrer', async () => {
  assert.equal((await get('/?token=wrong')).status, 403);
  assert.equal((await get(`/?token=${TOKEN}&token=wrong`)).status, 403);
  for (const path of [`/?token=${TOKEN}`, '/', '/assets/app.js']) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['set-cookie'], undefined, `${path} sets a cookie`);
    assert.doesNotMatch(r.body, new RegExp(TOKEN), `${path} holds the token`);
  }
  const page = await get(`/?token=${TOKEN}`);
  assert.match(page.body, /<title>Octet/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  const asset = await get('/assets/app.js');
  assert.match(String(asset.headers['content-type']), /javascript/);
});

test('HTTP: wrong Host (DNS rebinding), other origins, bodies and traversal are refused', async () => {
  assert.equal((await get(`/?token=${TOKEN}`, { host: 'evil.example' })).status, 403);
  assert.equal((await get(`/?token=${TOKEN}`, { origin: 'http://evil.example' })).status, 403);
  assert.equal((await get(`/?token=${TOKEN}`, {}, 'POST')).status, 405);
  assert.equal((await get(`/?token=${TOKEN}`, { 'content-length': '5' })).status, 413);
  for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
    const r = await get(`${p}?token=${TOKEN}`);
    assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /secret/);
  }
  assert.equal((await get(`/nope.js?token=${TOKEN}`)).status, 404);
});

test('WebSocket: token (in Sec-WebSocket-Protocol, not the URL or a cookie), origin and host are required', async () => {
  await assert.rejects(connect({ token: '' }), /HTTP 403/);
  await assert.rejects(connect({ token: 'wrong' }), /HTTP 403/);
  await assert.rejects(connect({ protocols: [`octet.token.${TOKEN}`] }), /HTTP 403/); // `octet` must be offered too
  await assert.rejects(connect({ protocols: ['octet', `octet.token.${TOKEN}`, 'octet.token.other'] }), /HTTP 403/);
  await assert.rejects(connect({ token: '', path: `/api?token=${TOKEN}` }), /HTTP 404/); // the old URL form no longer opens it
  await assert.rejects(connect({ token: '', headers: { cookie: `octet_token=${TOKEN}` } }), /HTTP 403/); // nor a cookie
  await assert.rejects(connect({ origin: 'http://evil.example' }), /HTTP 403/);
  await assert.rejects(connect({ origin: `http://localhost:${port}` }), /HTTP 403/); // origin must match the Host used
  await assert.rejects(connect({ host: `evil.example:${port}`, origin: `http://evil.example:${port}` }), /HTTP 403/);
  await assert.rejects(connect({ path: '/other' }), /HTTP 404/);
  const ws = await connect();
  assert.equal(ws.protocol, 'octet', 'the server selects `octet` and never echoes the token');
  const caps = await rpc(ws, 1, 'capabilities', {});
  assert.equal(caps.ok, true);
  const bad = (await rpc(ws, 2, 'inspectModel', { path: '/etc/passwd' })) as { ok: boolean; error: { code: string } };
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'PATH_DENIED');
  ws.close();
});

test('WebSocket: oversized and malformed messages close the socket; the server goes on', async () => {
  const big = await connect();
  const closed = new Promise<number>((r) => big.once('close', (code) => r(code)));
  big.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
  assert.equal(await closed, 1009);
  const junk = await connect();
  const closed2 = new Promise<number>((r) => junk.once('close', (code) => r(code)));
  junk.send('{not json');
  assert.equal(await closed2, 1007);
  const ok = await connect();
  assert.equal((await rpc(ok, 7, 'listJobs', {})).ok, true);
  ok.close();
});
