// Browser mode's gate: every HTTP request and WebSocket upgrade must carry the per-run token,
// name a loopback host (against DNS rebinding) and, for the socket, come from our own origin
// (against other pages in the same browser).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'octet_token';

export const newToken = (): string => randomBytes(24).toString('base64url');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The hostname part of a Host header or origin authority, lower-cased. */
function hostnameOf(authority: string): string {
  const a = authority.toLowerCase();
  if (a.startsWith('[')) return a.slice(0, a.indexOf(']') + 1);
  const i = a.lastIndexOf(':');
  return i >= 0 ? a.slice(0, i) : a;
}

/** Host must be a loopback name (any port: an SSH tunnel may map the port). */
export function hostAllowed(host: string | undefined): boolean {
  return !!host && LOOPBACK.has(hostnameOf(host));
}

/** The Origin must be this very server as the browser reached it: http://<Host header>. */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host || !hostAllowed(host)) return false;
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

export function safeEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The token a request carries: ?token= in the URL, or the cookie set when the page was opened. */
export function requestToken(req: IncomingMessage): { token?: string; fromQuery: boolean } {
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
  if (q !== undefined) return { token: q, fromQuery: true };
  return { token: cookie(req, TOKEN_COOKIE), fromQuery: false };
}

export type Verdict = { ok: true; setCookie: boolean } | { ok: false; status: number; reason: string };

/** Checks one HTTP request (static files). */
export function checkHttp(req: IncomingMessage, token: string): Verdict {
  if (!hostAllowed(req.headers.host)) return { ok: false, status: 403, reason: 'Host not allowed' };
  if (req.method !== 'GET' && req.method !== 'HEAD') return { ok: false, status: 405, reason: 'Only GET is served' };
  const len = Number(req.headers['content-length'] ?? 0);
  if (len > 0 || req.headers['transfer-encoding']) return { ok: false, status: 413, reason: 'Requests carry no body' };
  if (req.headers.origin !== undefined && !originAllowed(req.headers.origin, req.headers.host)) return { ok: false, status: 403, reason: 'Cross-origin request' };
  const t = requestToken(req);
  if (!safeEqual(t.token, token)) return { ok: false, status: 403, reason: 'Missing or wrong token: open the URL that octet serve printed' };
  return { ok: true, setCookie: t.fromQuery };
}

/** Checks a WebSocket upgrade: token, loopback host and our own origin are all required. */
export function checkUpgrade(req: IncomingMessage, token: string): Verdict {
  if (!hostAllowed(req.headers.host)) return { ok: false, status: 403, reason: 'Host not allowed' };
  if (!originAllowed(req.headers.origin, req.headers.host)) return { ok: false, status: 403, reason: 'Origin not allowed' };
  if (new URL(req.url ?? '/', 'http://x').pathname !== '/api') return { ok: false, status: 404, reason: 'Not found' };
  if (!safeEqual(requestToken(req).token, token)) return { ok: false, status: 403, reason: 'Missing or wrong token' };
  return { ok: true, setCookie: false };
}
