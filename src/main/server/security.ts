// Browser mode's gate. It decides, for every HTTP request and WebSocket upgrade, from the request
// line and headers alone, and it is total: it returns a verdict for any input and never throws
// (a throw in the upgrade listener used to take the whole server down).
//
// - Every request must name a loopback Host (against DNS rebinding: a page on evil.example that
//   re-resolves to 127.0.0.1 still sends `Host: evil.example`).
// - The API (the WebSocket at /api) needs the per-run token and our own Origin. The token travels
//   in the Sec-WebSocket-Protocol header (`octet`, `octet.token.<token>`): never in a cookie, which
//   every service on 127.0.0.1 would receive whatever its port, and never in the socket's URL.
// - The static files are the public renderer bundle: they hold no secret, so they need no token
//   (which is what lets a reload work once the page has moved the token out of the address bar
//   into sessionStorage). A `?token=` on a page load must still be the right one, so that a stale
//   or mistyped URL is refused with a clear message.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const newToken = (): string => randomBytes(24).toString('base64url');

/** The subprotocol the server selects; the token goes beside it as `octet.token.<token>`. */
export const WS_PROTOCOL = 'octet';
export const TOKEN_PROTOCOL_PREFIX = 'octet.token.';
/** What a client offers in Sec-WebSocket-Protocol (browsers cannot set other headers on a WebSocket). */
export const wsProtocols = (token: string): string[] => [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token];

/** The part of an IncomingMessage the gate reads (anything else is ignored, cookies included). */
export interface GateRequest {
  method?: unknown;
  url?: unknown;
  headers?: unknown;
}

/** A loopback name, with an optional port (any port: an SSH tunnel may map it). */
const LOOPBACK_AUTHORITY = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** A header as given (own properties only: a header named `constructor` is not inherited junk). */
function rawHeader(req: GateRequest, name: string): unknown {
  const h = req.headers;
  if (typeof h !== 'object' || h === null || !Object.prototype.hasOwnProperty.call(h, name)) return undefined;
  return (h as Record<string, unknown>)[name];
}

/** A header as one string; a missing, repeated (array) or non-string header is undefined. */
function header(req: GateRequest, name: string): string | undefined {
  const v = rawHeader(req, name);
  return typeof v === 'string' ? v : undefined;
}

/** Host must be a loopback name with an optional numeric port, and nothing else. */
export function hostAllowed(host: unknown): boolean {
  return typeof host === 'string' && host.length <= 270 && LOOPBACK_AUTHORITY.test(host);
}

/** The Origin must be this very server as the browser reached it: http://<Host header>. */
export function originAllowed(origin: unknown, host: unknown): boolean {
  if (typeof origin !== 'string' || !hostAllowed(host)) return false;
  return origin.toLowerCase() === `http://${(host as string).toLowerCase()}`;
}

export function safeEqual(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || b.length === 0) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request target split without `new URL` (which throws on `//`): path and raw query. */
export function splitTarget(url: unknown): { path: string; query: string } | undefined {
  if (typeof url !== 'string' || !url.startsWith('/')) return undefined; // origin-form only
  const hash = url.indexOf('#');
  const target = hash >= 0 ? url.slice(0, hash) : url;
  const q = target.indexOf('?');
  return q >= 0 ? { path: target.slice(0, q), query: target.slice(q + 1) } : { path: target, query: '' };
}

/** The `token` values of a query string (URLSearchParams never throws on bad escapes). */
function queryTokens(query: string): string[] {
  return query ? new URLSearchParams(query).getAll('token') : [];
}

/** The values offered in Sec-WebSocket-Protocol (a repeated header arrives joined by commas). */
function offeredProtocols(req: GateRequest): string[] {
  const raw = header(req, 'sec-websocket-protocol');
  return raw === undefined
    ? []
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export type Verdict = { ok: true } | { ok: false; status: number; reason: string };

const refuse = (status: number, reason: string): Verdict => ({ ok: false, status, reason });
const WRONG_TOKEN = 'Missing or wrong token: open the URL that octet serve printed';

/** Checks one HTTP request (the static renderer files). */
export function checkHttp(req: GateRequest, token: string): Verdict {
  try {
    const host = header(req, 'host');
    if (!hostAllowed(host)) return refuse(403, 'Host not allowed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'Only GET is served');
    const len = rawHeader(req, 'content-length');
    if ((len !== undefined && len !== '0') || rawHeader(req, 'transfer-encoding') !== undefined) return refuse(413, 'Requests carry no body');
    // Browsers send Origin on cross-origin loads (and some same-origin ones): when present it must be ours.
    if (rawHeader(req, 'origin') !== undefined && !originAllowed(rawHeader(req, 'origin'), host)) return refuse(403, 'Cross-origin request');
    const target = splitTarget(req.url);
    if (!target) return refuse(400, 'Bad request target');
    const tokens = queryTokens(target.query);
    if (tokens.length > 0 && !tokens.every((t) => safeEqual(t, token))) return refuse(403, WRONG_TOKEN);
    return { ok: true };
  } catch {
    return refuse(400, 'Bad request');
  }
}

/** Checks a WebSocket upgrade: loopback Host, our own Origin, path /api and the token are all required. */
export function checkUpgrade(req: GateRequest, token: string): Verdict {
  try {
    const host = header(req, 'host');
    if (!hostAllowed(host)) return refuse(403, 'Host not allowed');
    if (!originAllowed(header(req, 'origin'), host)) return refuse(403, 'Origin not allowed');
    if (req.method !== 'GET') return refuse(405, 'Only GET upgrades');
    // Exactly /api: a query has no meaning there (and the token must never be in a URL).
    if (req.url !== '/api') return refuse(404, 'Not found');
    const offered = offeredProtocols(req);
    const tokens = offered.filter((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    if (!offered.includes(WS_PROTOCOL) || tokens.length !== 1 || !safeEqual(tokens[0].slice(TOKEN_PROTOCOL_PREFIX.length), token)) {
      return refuse(403, 'Missing or wrong token');
    }
    return { ok: true };
  } catch {
    return refuse(400, 'Bad request');
  }
}
