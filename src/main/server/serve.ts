// `octet serve`: browser mode. Serves the wizard and its API on 127.0.0.1 with a per-run token,
// runs jobs in forked workers, and stops on Ctrl-C (cancelling running jobs).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { OctetError } from '../../shared/errors';
import { packageRoot } from '../io/paths';
import { setupApi } from '../api/setup';
import { startServer } from './server';
import { newToken } from './security';

export interface ServeArgs {
  port?: string;
  roots?: string[];
  state?: string;
  jobs?: string;
}

export function defaultStateDir(): string {
  if (process.env.OCTET_STATE_DIR) return resolve(process.env.OCTET_STATE_DIR);
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'octet');
}

function intArg(s: string | undefined, flag: string, min: number, max: number, dflt: number): number {
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new OctetError('BAD_USAGE', `${flag} takes a whole number ${min}..${max}, got '${s}'`);
  return n;
}

export async function runServe(args: ServeArgs): Promise<number> {
  const port = intArg(args.port, '--port', 0, 65535, 7317);
  const concurrency = intArg(args.jobs, '--jobs', 1, 8, 1);
  const roots = (args.roots?.length ? args.roots : [process.cwd()]).map((r) => ({ path: resolve(r), writable: true }));
  const api = await setupApi({ mode: 'browser', roots, stateDir: resolve(args.state ?? defaultStateDir()), concurrency });
  for (const m of api.missingRoots) console.error(`octet: warning: --root ${m} does not exist; ignored`);
  const server = await startServer({
    handlers: api.handlers,
    jobs: api.host.jobs,
    rendererDir: join(packageRoot(), 'dist', 'renderer'),
    token: newToken(),
    port,
  }).catch((e) => {
    api.close();
    throw e;
  });
  console.log(`Octet ${api.host.mode} mode, listening on 127.0.0.1:${server.port} only.`);
  console.log(
    `Allowed folders: ${api.host.guard
      .roots()
      .map((r) => `${r.path}${r.writable ? '' : ' (read-only)'}`)
      .join(', ')}`,
  );
  console.log(`Open this URL (it carries this run's access token):\n\n  ${server.url}\n`);
  console.log(`On a remote machine, forward the port first (ssh -L ${server.port}:127.0.0.1:${server.port} HOST). Ctrl-C stops.`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      api.close();
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
