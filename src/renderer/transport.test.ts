// Browser mode's token in the page: out of the address bar on first load, kept in this tab's
// sessionStorage for reloads, sent only as a WebSocket subprotocol. The browser globals are
// stand-ins here; e2e/fixtures.ts checks the same in Chromium.
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCd';

let href = '';
const replaced: string[] = [];
const storage = new Map<string, string>();
const sockets: { url: string; protocols: string[] }[] = [];

class FakeWebSocket {
  static OPEN = 1;
  readyState = 0;
  onopen?: () => void;
  onclose?: () => void;
  onmessage?: (m: { data: string }) => void;
  constructor(url: string, protocols: string[]) {
    sockets.push({ url, protocols });
  }
  send(): void {}
}

const g = globalThis as Record<string, unknown>;
g.location = {
  get href() {
    return href;
  },
  get search() {
    return new URL(href).search;
  },
  get host() {
    return new URL(href).host;
  },
  get protocol() {
    return new URL(href).protocol;
  },
};
g.history = {
  state: null,
  replaceState(_s: unknown, _t: string, url: string) {
    replaced.push(url);
    href = new URL(url, href).href;
  },
};
g.sessionStorage = {
  getItem: (k: string) => storage.get(k) ?? null,
  setItem: (k: string, v: string) => void storage.set(k, v),
};
g.WebSocket = FakeWebSocket;
g.window = {};

// transport.ts is loaded once the stand-ins above exist.
let takeToken: typeof import('./transport').takeToken;
let createTransport: typeof import('./transport').createTransport;
before(async () => {
  ({ takeToken, createTransport } = await import('./transport'));
});

beforeEach(() => {
  replaced.length = 0;
  sockets.length = 0;
  storage.clear();
});

test('first load: the token leaves the address bar (other parts stay) and goes to sessionStorage', () => {
  href = `http://127.0.0.1:7317/?token=${TOKEN}&x=1#step`;
  assert.equal(takeToken(), TOKEN);
  assert.deepEqual(replaced, ['/?x=1#step']);
  assert.equal(storage.get('octet.token'), TOKEN);
  // A reload asks for the page without the token and finds it in this tab's storage.
  assert.equal(takeToken(), TOKEN);
  assert.equal(replaced.length, 1);
});

test('a malformed ?token= is removed and not used', () => {
  for (const bad of ['%', 'a b', 'short', `${TOKEN}\u00e9`, '']) {
    replaced.length = 0;
    href = `http://127.0.0.1:7317/?token=${encodeURIComponent(bad)}`;
    assert.equal(takeToken(), undefined, bad);
    assert.deepEqual(replaced, ['/'], bad);
    assert.equal(storage.has('octet.token'), false);
  }
});

test('the WebSocket carries the token as a subprotocol, never in its URL', () => {
  href = `http://127.0.0.1:7317/?token=${TOKEN}`;
  const t = createTransport();
  assert.equal(t.kind, 'ws');
  assert.deepEqual(sockets, [{ url: 'ws://127.0.0.1:7317/api', protocols: ['octet', `octet.token.${TOKEN}`] }]);
});

test('with no token the page connects nothing and says what to open', async () => {
  href = 'http://127.0.0.1:7317/';
  const t = createTransport();
  assert.equal(sockets.length, 0);
  let state = '';
  t.onConnection((s) => (state = s));
  assert.equal(state, 'no-token');
  const r = await t.call('capabilities', {} as never);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error.message : '', /open the URL that octet serve printed/);
});
