// The Electron WorkerFactory: each job runs in a utilityProcess (a Node child of the app that
// Chromium's process model knows about), speaking the same protocol as a forked worker.
import { utilityProcess } from 'electron';
import type { HostMessage, WorkerMessage } from '../../shared/jobs';
import { workerScript, type WorkerFactory } from '../jobs/host';

export const utilityWorker: WorkerFactory = ({ env }) => {
  const child = utilityProcess.fork(workerScript(), [], { serviceName: 'Octet worker', stdio: 'inherit', env });
  const exitCbs: ((code: number | null, signal: string | null) => void)[] = [];
  child.on('exit', (code) => {
    // utilityProcess reports no signal; a kill or a native crash shows as a non-zero code.
    for (const cb of exitCbs) cb(code, null);
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg: HostMessage) => child.postMessage(msg),
    onMessage: (cb: (m: WorkerMessage) => void) => void child.on('message', (m: unknown) => cb(m as WorkerMessage)),
    onExit: (cb) => void exitCbs.push(cb),
    kill: () => void child.kill(),
  };
};
