// Puts the API together for one host (browser-mode server or Electron app): the path guard, the
// job manager, the settings file and the work folder where converted models wait for export.
import { mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { demoModelPath } from '../io/paths';
import { JobManager } from '../jobs/jobManager';
import type { WorkerFactory } from '../jobs/host';
import { PathGuard, type AllowedRoot } from './paths';
import { SettingsStore } from './settings';
import { createHandlers, removeJobFiles, type ApiHost, type Handlers } from './handlers';

export interface ApiSetupOptions {
  mode: ApiHost['mode'];
  /** Folders the user may name (browser mode); Electron passes none and grants dialog picks. */
  roots: AllowedRoot[];
  /** Settings and the work folder live here. */
  stateDir: string;
  factory?: WorkerFactory;
  concurrency?: number;
  pickPath?: ApiHost['pickPath'];
}

export interface ApiSetup {
  host: ApiHost;
  handlers: Handlers;
  missingRoots: string[];
  close(): void;
}

/** Work folders older than this are left over from earlier runs. */
const STALE_MS = 7 * 24 * 3600 * 1000;

export async function setupApi(opts: ApiSetupOptions): Promise<ApiSetup> {
  await mkdir(join(opts.stateDir, 'work'), { recursive: true });
  const workDir = await realpath(join(opts.stateDir, 'work'));
  await pruneWork(workDir);
  const demoModel = unpacked(demoModelPath());
  // The demo asset and our own outputs are readable; neither is ever a place to write.
  const { guard, missing } = await PathGuard.create([
    ...opts.roots,
    { path: dirname(demoModel), writable: false },
    { path: workDir, writable: false, hidden: true },
  ]);
  const jobs = new JobManager({ factory: opts.factory, concurrency: opts.concurrency, onEvict: (job) => void removeJobFiles(job, workDir) });
  const settings = new SettingsStore(join(opts.stateDir, 'settings.json'));
  const host: ApiHost = { mode: opts.mode, guard, jobs, settings, workDir, demoModel, pickPath: opts.pickPath };
  return {
    host,
    handlers: createHandlers(host),
    missingRoots: missing.filter((m) => m !== dirname(demoModel)),
    close: () => jobs.shutdown(),
  };
}

/**
 * In a packaged app the demo sits in app.asar.unpacked (electron-builder.yml): ONNX Runtime opens
 * models by path from native code, which cannot read inside the archive.
 */
function unpacked(p: string): string {
  const alt = p.replace(/\.asar([\\/])/, '.asar.unpacked$1');
  return alt !== p && existsSync(alt) ? alt : p;
}

async function pruneWork(workDir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(workDir).catch(() => [] as string[])) {
    const p = join(workDir, name);
    const st = await stat(p).catch(() => undefined);
    if (st && now - st.mtimeMs > STALE_MS) await rm(p, { recursive: true, force: true }).catch(() => undefined);
  }
}
