// The real browser-mode server (startServer with the real API handlers) in a temp folder, for
// tests of its gate: a stub renderer, the folder as the one --root, and a per-test token.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupApi, type ApiSetup } from '../../src/main/api/setup';
import { startServer, type RunningServer } from '../../src/main/server/server';

export interface BrowserServer {
  dir: string;
  api: ApiSetup;
  server: RunningServer;
  close(): Promise<void>;
}

/** `files` are written into the renderer folder beside its index.html (path → contents). */
export async function startBrowserServer(prefix: string, token: string, files: Record<string, string> = {}): Promise<BrowserServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Octet</title>');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(renderer, path, '..'), { recursive: true });
    writeFileSync(join(renderer, path), text);
  }
  const api = await setupApi({ mode: 'browser', roots: [{ path: dir, writable: true }], stateDir: join(dir, 'state') });
  const server = await startServer({ handlers: api.handlers, jobs: api.host.jobs, rendererDir: renderer, token, port: 0 });
  return {
    dir,
    api,
    server,
    close: async () => {
      api.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
