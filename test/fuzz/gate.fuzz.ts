// Fuzzing browser mode's gate (src/main/server/security.ts): checkHttp and checkUpgrade on random
// and near-valid requests (paths, methods, Host, Origin, Sec-WebSocket-Protocol, cookies, odd
// header types). They never throw, always answer a well-formed verdict, and let through only what
// the rules allow: the API only with a loopback Host, our own Origin, exactly /api and exactly the
// token; cookies never change a verdict. Then random raw requests against the real server, which
// must still answer a real API call afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import {
  checkHttp,
  checkUpgrade,
  newToken,
  wsProtocols,
  TOKEN_PROTOCOL_PREFIX,
  WS_PROTOCOL,
  type GateRequest,
  type Verdict,
} from '../../src/main/server/security';
import type { RunningServer } from '../../src/main/server/server';
import { startBrowserServer, type BrowserServer } from '../util/browserServer';
import { Tally, bounded, params } from './common';

const TOKEN = newToken();
const LOOPBACK_AUTHORITY = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

// ---- generators -----------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '',
  '/',
  '//',
  '///',
  '%',
  '%%',
  '%E0%A4%A',
  '%00',
  '%2e%2e',
  '..',
  '\\',
  '?',
  '#',
  '&',
  '=',
  ';',
  ',',
  ' ',
  '\t',
  '\u00e9',
  '\u4e2d',
  '\ud83d\ude00',
  '\ud800',
  'api',
  '/api',
  'token',
  'octet',
  'octet.token.',
  TOKEN,
  TOKEN.slice(1),
  TOKEN.toUpperCase(),
  `${TOKEN}x`,
);
/** Strings built from the characters and pieces that break parsers. */
const piece = fc.oneof(nasty, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }));
const messy = fc.array(piece, { maxLength: 8 }).map((a) => a.join(''));

const port = fc.integer({ min: 0, max: 99_999 });
const loopbackHost = fc
  .tuple(fc.constantFrom('127.0.0.1', 'localhost', 'LOCALHOST', '[::1]', 'LocalHost'), fc.option(port, { nil: undefined }))
  .map(([h, p]) => (p === undefined ? h : `${h}:${p}`));
const anyHost = fc.oneof(
  loopbackHost,
  loopbackHost.map((h) => `${h}.evil.com`),
  fc
    .tuple(
      fc.constantFrom('evil.com', 'localhost.evil.com', '127.0.0.1.evil.com', '127.0.0.2', '0.0.0.0', '[::ffff:127.0.0.1]', '127.1', '2130706433'),
      fc.option(port, { nil: undefined }),
    )
    .map(([h, p]) => (p === undefined ? h : `${h}:${p}`)),
  loopbackHost.chain((h) => piece.map((x) => h + x)),
  messy,
);
const tokenish = fc.oneof(
  fc.constant(TOKEN),
  fc.constant(TOKEN),
  nasty,
  messy,
  fc.constant(TOKEN).chain((t) => fc.integer({ min: 0, max: t.length - 1 }).map((i) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1))),
);
const protocolHeader = fc.oneof(
  fc.constant(wsProtocols(TOKEN).join(', ')),
  fc
    .tuple(
      fc.array(
        fc.oneof(
          fc.constant(WS_PROTOCOL),
          tokenish.map((t) => TOKEN_PROTOCOL_PREFIX + t),
          piece,
        ),
        { maxLength: 5 },
      ),
      fc.constantFrom(',', ', ', ' , ', ',,'),
    )
    .map(([a, sep]) => a.join(sep)),
  messy,
);
const cookieHeader = fc.oneof(
  fc.constant(`octet_token=${TOKEN}`),
  fc
    .array(
      fc.tuple(fc.oneof(fc.constant('octet_token'), piece), fc.oneof(tokenish, piece)).map(([k, v]) => `${k}=${v}`),
      { maxLength: 4 },
    )
    .map((a) => a.join('; ')),
  messy,
);
/** A header value as Node could give it, and some it never would (the gate must not care). */
const headerValue = (s: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 8, arbitrary: s },
    { weight: 1, arbitrary: fc.array(s, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, 1, true, {}, [] as unknown[]) },
  );
const target = fc.oneof(
  fc.constantFrom(
    '/api',
    '/api',
    '/',
    '/index.html',
    `/?token=${TOKEN}`,
    `/?token=${TOKEN}&token=x`,
    '/?token=',
    '/api?',
    `/api?token=${TOKEN}`,
    '/api/',
    '/API',
    '/api#',
    '//api',
    '*',
    'http://127.0.0.1/api',
  ),
  messy,
  messy.map((m) => `/${m}`),
  fc.constantFrom(undefined, null, 7),
);

interface Parts {
  method: unknown;
  url: unknown;
  host?: unknown;
  origin?: unknown;
  originFromHost: boolean;
  protocol?: unknown;
  cookie?: unknown;
  extra: Record<string, unknown>;
}

const parts: fc.Arbitrary<Parts> = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('HEAD', 'POST', 'get', 'OPTIONS', '', undefined, 1) }),
  url: target,
  host: fc.option(headerValue(anyHost), { nil: undefined, freq: 8 }),
  origin: fc.option(
    headerValue(
      fc.oneof(
        anyHost.map((h) => `http://${h}`),
        fc.constantFrom('null', '', 'https://127.0.0.1'),
        messy,
      ),
    ),
    { nil: undefined, freq: 8 },
  ),
  originFromHost: fc.boolean(),
  protocol: fc.option(headerValue(protocolHeader), { nil: undefined, freq: 6 }),
  cookie: fc.option(headerValue(cookieHeader), { nil: undefined, freq: 3 }),
  extra: fc.dictionary(
    fc.oneof(
      fc.constantFrom('content-length', 'transfer-encoding', 'upgrade', 'connection', '__proto__', 'constructor', 'toString'),
      fc.string({ maxLength: 10 }),
    ),
    headerValue(messy),
    { maxKeys: 3 },
  ),
});

/** Mostly right, a field at a time wrong: so that the passing branch is exercised too. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: other });
const nearValid: fc.Arbitrary<Parts> = fc.record({
  method: mostly(
    fc.constant('GET' as unknown),
    parts.map((p) => p.method),
  ),
  url: mostly(fc.constant('/api' as unknown), target),
  host: mostly(loopbackHost as fc.Arbitrary<unknown>, headerValue(anyHost)),
  origin: fc.constant(undefined),
  originFromHost: mostly(fc.constant(true), fc.boolean()),
  protocol: mostly(fc.constant(wsProtocols(TOKEN).join(', ') as unknown), headerValue(protocolHeader)),
  cookie: fc.option(headerValue(cookieHeader), { nil: undefined, freq: 3 }),
  extra: fc.constant({}),
});

function toRequest(p: Parts): GateRequest {
  // Own keys only, as Node builds headers; __proto__ as a real own key via defineProperty.
  const headers: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => Object.defineProperty(headers, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(p.extra)) put(k, v);
  if (p.host !== undefined) put('host', p.host);
  if (p.originFromHost && typeof p.host === 'string') put('origin', `http://${p.host}`);
  else if (p.origin !== undefined) put('origin', p.origin);
  if (p.protocol !== undefined) put('sec-websocket-protocol', p.protocol);
  if (p.cookie !== undefined) put('cookie', p.cookie);
  return { method: p.method, url: p.url, headers };
}

// ---- what a verdict may be ------------------------------------------------------------------

function wellFormed(v: Verdict, what: string): void {
  assert.equal(typeof v, 'object', what);
  if (v.ok) return;
  assert.ok([400, 403, 404, 405, 413].includes(v.status), `${what}: status ${v.status}`);
  assert.ok(typeof v.reason === 'string' && v.reason.length > 0 && !v.reason.includes('\n'), `${what}: reason ${JSON.stringify(v.reason)}`);
  assert.ok(!v.reason.includes(TOKEN), `${what}: the reason holds the token`);
}

const h = (req: GateRequest, k: string): unknown =>
  Object.prototype.hasOwnProperty.call(req.headers, k) ? (req.headers as Record<string, unknown>)[k] : undefined;

/** The rule for the API, written independently of the gate's code. */
function upgradeShouldPass(req: GateRequest): boolean {
  const host = h(req, 'host');
  const origin = h(req, 'origin');
  const proto = h(req, 'sec-websocket-protocol');
  if (typeof host !== 'string' || !LOOPBACK_AUTHORITY.test(host)) return false;
  if (typeof origin !== 'string' || origin.toLowerCase() !== `http://${host.toLowerCase()}`) return false;
  if (req.method !== 'GET' || req.url !== '/api' || typeof proto !== 'string') return false;
  const offered = proto.split(',').map((s) => s.trim());
  const tokens = offered.filter((s) => s.startsWith(TOKEN_PROTOCOL_PREFIX));
  return offered.includes(WS_PROTOCOL) && tokens.length === 1 && tokens[0] === TOKEN_PROTOCOL_PREFIX + TOKEN;
}

function httpMayPass(req: GateRequest): boolean {
  const host = h(req, 'host');
  if (typeof host !== 'string' || !LOOPBACK_AUTHORITY.test(host)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const cl = h(req, 'content-length');
  if ((cl !== undefined && cl !== '0') || h(req, 'transfer-encoding') !== undefined) return false;
  const origin = h(req, 'origin');
  if (origin !== undefined && (typeof origin !== 'string' || origin.toLowerCase() !== `http://${host.toLowerCase()}`)) return false;
  if (typeof req.url !== 'string' || !req.url.startsWith('/')) return false;
  const q = req.url.split('#')[0].split('?').slice(1).join('?');
  return new URLSearchParams(q).getAll('token').every((t) => t === TOKEN);
}

function withoutCookie(req: GateRequest): GateRequest {
  const headers = { ...(req.headers as Record<string, unknown>) };
  delete headers.cookie;
  return { ...req, headers };
}

function gateProperty(p: Parts): void {
  const req = toRequest(p);
  const up = bounded('checkUpgrade', () => checkUpgrade(req, TOKEN));
  if (up.error) assert.fail(`checkUpgrade threw ${up.error instanceof Error ? up.error.stack : String(up.error)}`);
  wellFormed(up.value!, 'checkUpgrade');
  assert.equal(up.value!.ok, upgradeShouldPass(req), `checkUpgrade said ${JSON.stringify(up.value)}`);

  const http = bounded('checkHttp', () => checkHttp(req, TOKEN));
  if (http.error) assert.fail(`checkHttp threw ${http.error instanceof Error ? http.error.stack : String(http.error)}`);
  wellFormed(http.value!, 'checkHttp');
  assert.equal(http.value!.ok, httpMayPass(req), `checkHttp said ${JSON.stringify(http.value)}`);

  // A cookie never matters, whatever it holds (the token included).
  const bare = withoutCookie(req);
  assert.deepEqual(checkUpgrade(bare, TOKEN), up.value, 'a cookie changed the upgrade verdict');
  assert.deepEqual(checkHttp(bare, TOKEN), http.value, 'a cookie changed the HTTP verdict');
}

test('the gate never throws and passes only loopback Host + own Origin + /api + the exact token', () => {
  const tally = new Tally();
  fc.assert(fc.property(fc.oneof(parts, nearValid), tally.wrap(gateProperty)), params(2500));
  tally.finish();
});

test('the gate on requests that are not even objects of the right shape', () => {
  const tally = new Tally();
  const anything = fc.oneof(fc.anything(), fc.record({ method: fc.anything(), url: fc.anything(), headers: fc.anything() }));
  fc.assert(
    fc.property(
      anything,
      tally.wrap((req) => {
        for (const check of [checkHttp, checkUpgrade]) {
          const r = bounded(check.name, () => check(req as GateRequest, TOKEN));
          if (r.error) assert.fail(`${check.name} threw ${String(r.error)}`);
          wellFormed(r.value!, check.name);
          if (check === checkUpgrade) assert.equal(r.value!.ok, false, 'a junk request opened the API');
        }
      }),
    ),
    params(1000),
  );
  tally.finish();
});

test('every valid request passes (the property above is not vacuous)', () => {
  fc.assert(
    fc.property(loopbackHost, cookieHeader, fc.constantFrom(', ', ',', ' ,  '), fc.boolean(), (host, cookie, sep, tokenFirst) => {
      const protos = tokenFirst ? [...wsProtocols(TOKEN)].reverse() : wsProtocols(TOKEN);
      const req = { method: 'GET', url: '/api', headers: { host, origin: `http://${host.toUpperCase()}`, 'sec-websocket-protocol': protos.join(sep), cookie } };
      assert.deepEqual(checkUpgrade(req, TOKEN), { ok: true });
      assert.deepEqual(checkHttp({ method: 'GET', url: `/?token=${TOKEN}`, headers: { host, cookie } }, TOKEN), { ok: true });
      assert.deepEqual(checkHttp({ method: 'HEAD', url: '/assets/x.js', headers: { host } }, TOKEN), { ok: true });
    }),
    params(300),
  );
});

// ---- the real server under random raw requests ------------------------------------------------

let testServer: BrowserServer;
let server: RunningServer;

before(async () => {
  testServer = await startBrowserServer('octet-gate-fuzz-', TOKEN);
  server = testServer.server;
});
after(() => testServer.close());

/** Sends raw bytes, maybe resets the connection at once, and waits for close (≤ 2 s). */
function send(bytes: Buffer, reset: boolean): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = tcpConnect({ host: '127.0.0.1', port: server.port }, () => {
      s.write(bytes);
      if (reset) s.resetAndDestroy();
    });
    const timer = setTimeout(() => s.destroy(), 2000);
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (out.includes('\r\n\r\n')) s.destroy(); // the head is enough (a 101 would stay open)
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

async function apiAnswers(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, wsProtocols(TOKEN), { origin: `http://127.0.0.1:${server.port}` });
  try {
    const reply = await new Promise<{ ok: boolean }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the API did not answer in 5 s')), 5000);
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'listJobs', params: {} })));
      ws.on('message', (d) => {
        clearTimeout(t);
        resolve(JSON.parse(d.toString()));
      });
    });
    assert.equal(reply.ok, true);
  } finally {
    ws.terminate();
  }
}

const line = fc.oneof(messy, fc.string({ unit: 'binary', maxLength: 40 }));
const rawRequest = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'get', ''), fc.string({ maxLength: 6 })),
  url: fc.oneof(
    target.filter((t): t is string => typeof t === 'string'),
    line,
  ),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''),
  upgrade: fc.boolean(),
  host: fc.option(anyHost, { nil: undefined, freq: 8 }),
  origin: fc.option(
    fc.oneof(
      anyHost.map((x) => `http://${x}`),
      messy,
    ),
    { nil: undefined, freq: 4 },
  ),
  ownOrigin: fc.boolean(),
  protocol: fc.option(protocolHeader, { nil: undefined, freq: 3 }),
  cookie: fc.option(cookieHeader, { nil: undefined, freq: 2 }),
  extra: fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('Content-Length', 'Transfer-Encoding', 'Origin', 'Host', 'Sec-WebSocket-Key'), fc.string({ maxLength: 8 })), line),
    { maxLength: 3 },
  ),
  body: fc.option(line, { nil: undefined, freq: 4 }),
  reset: fc.boolean(),
});

test('the real server survives random raw requests on both paths, then still answers the API', async () => {
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(
      rawRequest,
      tally.wrapAsync(async (r) => {
        const host = r.host ?? '';
        let head = `${r.method} ${r.url} ${r.version}\r\n`;
        if (r.host !== undefined) head += `Host: ${r.host === '' ? '' : r.host.replace(/^127\.0\.0\.1(:\d+)?$/, `127.0.0.1:${server.port}`)}\r\n`;
        if (r.ownOrigin) head += `Origin: http://${host}\r\n`;
        else if (r.origin !== undefined) head += `Origin: ${r.origin}\r\n`;
        if (r.upgrade) head += 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
        if (r.protocol !== undefined) head += `Sec-WebSocket-Protocol: ${r.protocol}\r\n`;
        if (r.cookie !== undefined) head += `Cookie: ${r.cookie}\r\n`;
        for (const [k, v] of r.extra) head += `${k}: ${v}\r\n`;
        const bytes = Buffer.concat([Buffer.from(`${head}\r\n`, 'utf8'), Buffer.from(r.body ?? '', 'utf8')]);
        const answer = await send(bytes, r.reset);
        assert.ok(!answer.includes(TOKEN), 'a response holds the token');
        assert.ok(!/\r\nset-cookie:/i.test(answer), 'a response sets a cookie');
      }),
    ),
    params(300),
  );
  tally.finish();
  await apiAnswers();
});
