// The renderer is served from app://octet/ (not file://), so it has a real origin, the same CSP
// as browser mode, and no access to other local files.
import { protocol } from 'electron';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, resolve, sep } from 'node:path';
import { SECURITY_HEADERS } from '../server/csp';
import { contentType } from '../io/contentType';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = 'app://octet';
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Must run before app 'ready'. */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(rendererDir: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (req) => {
    const url = new URL(req.url);
    if (url.host !== 'octet' || req.method !== 'GET') return new Response('not found', { status: 404 });
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep)) return new Response('not found', { status: 404 });
    const st = await stat(file).catch(() => undefined);
    const path = st?.isDirectory() ? join(file, 'index.html') : file;
    const body = await readFile(path).catch(() => undefined);
    if (!body) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(body), { headers: { ...SECURITY_HEADERS, 'Content-Type': contentType(path) } });
  });
}
