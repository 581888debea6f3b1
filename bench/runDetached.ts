// One way for the benchmarks to run a tool (Python in the venv, `octet` itself) in its own process
// group, so a timeout ends the whole group (time → python, octet → its worker), with its output
// captured. Used by bench/peers (the peer tools) and bench/zoo (ORT's quantize_static, octet).
import { spawn } from 'node:child_process';

export interface Finished {
  /** null when a signal ended it (a timeout kills the group with SIGKILL). */
  code: number | null;
  stdout: string;
  /** The last `stderrTail` characters. */
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

export function runDetached(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv; stderrTail?: number },
): Promise<Finished> {
  const tail = opts.stderrTail ?? 1_000_000;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr = (stderr + d).slice(-tail)));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, seconds: (performance.now() - t0) / 1000 });
    });
  });
}
