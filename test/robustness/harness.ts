// The robustness harness: runs the real built CLI (node bin/octet.js, which forks the real worker)
// and checks what every bad-input case must get: the expected exit code, exactly one
// `octet: error CODE: message` line, no stack trace, no crash, no output file (or the old one
// unchanged), input bytes unchanged, no `.octet-tmp-*` files, no leftovers in the temp folder
// and no orphaned worker process.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ErrorCode } from '../../src/shared/errors';

export const REPO = resolve(__dirname, '../..');
export const OCTET_BIN = join(REPO, 'bin', 'octet.js');
/** Env marker inherited by the CLI and its worker, to find orphaned processes. */
const MARKER = 'OCTET_ROBUSTNESS_TOKEN';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  pid: number;
  timedOut: boolean;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Runs the CLI under a command prefix, e.g. ['prlimit', '--fsize=65536']. */
  prefix?: string[];
  /** Called for every stderr chunk, with the running process (kill tests watch progress). */
  onStderr?: (all: string, pid: number) => void;
}

export interface Running {
  pid: number;
  done: Promise<RunResult>;
}

/** Starts `node bin/octet.js ARGS` in its own process group; see SpawnOptions. */
export function startOctet(args: string[], token: string, opts: SpawnOptions = {}): Running {
  const argv = [...(opts.prefix ?? []), process.execPath, OCTET_BIN, ...args];
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, [MARKER]: token },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: a hung case is killed with its worker
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    opts.onStderr?.(stderr, child.pid!);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, opts.timeoutMs ?? 90_000);
  const done = new Promise<RunResult>((res) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr, ms: performance.now() - started, pid: child.pid!, timedOut });
    });
  });
  return { pid: child.pid!, done };
}

export const newToken = () => randomBytes(8).toString('hex');

/** Pids of live processes whose environment carries this token (the CLI or its worker). */
export function processesWithToken(token: string): number[] {
  const needle = `${MARKER}=${token}`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1');
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue; // a zombie has already exited
      if (env.split('\0').includes(needle)) pids.push(Number(name));
    } catch {
      /* exited meanwhile, or not ours */
    }
  }
  return pids;
}

/** Waits up to `ms` for every process carrying the token to exit; returns the stragglers. */
export async function waitNoOrphans(token: string, ms = 4000): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = processesWithToken(token);
    if (left.length === 0 || Date.now() > until) return left;
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  if (r.error) {
    // No pgrep: read the parent pid of every process from /proc.
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .filter((n) => {
        try {
          const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
  }
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** sha256 of a file, or of every entry under a folder (symlinks by their target text). */
export function fingerprint(path: string): string {
  const h = createHash('sha256');
  const walk = (p: string, rel: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      h.update(`${rel}\0absent\0`);
      return;
    }
    if (st.isSymbolicLink()) h.update(`${rel}\0link\0${readlinkSync(p)}\0`);
    else if (st.isDirectory()) {
      h.update(`${rel}\0dir\0`);
      for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
    } else h.update(`${rel}\0file\0`).update(readFileSync(p)).update('\0');
  };
  walk(path, '.');
  return h.digest('hex');
}

/** `.octet-tmp-*` entries anywhere under the given folders. */
export function leftoverTemps(dirs: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (n.startsWith('.octet-tmp-')) found.push(p);
      else if (depth < 4) {
        try {
          if (lstatSync(p).isDirectory()) walk(p, depth + 1);
        } catch {
          /* gone */
        }
      }
    }
  };
  for (const d of new Set(dirs)) walk(d, 0);
  return found;
}

export function listDir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

export function ensureDir(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}

// ---------------------------------------------------------------------------------------------
// What a failure must look like

export interface Expect {
  exit: 0 | 1 | 2 | 130;
  /** Accepted error codes (exit 1 or 130). */
  codes?: ErrorCode[];
  /** The message (after the code) must match. */
  message?: RegExp;
}

const ERROR_LINE = /^octet: error ([A-Z_]+): (.*)$/;
const STACK_SIGNS: [RegExp, string][] = [
  [/\n\s+at /, 'a stack trace ("\\n    at ")'],
  [/^\s+at \S.*:\d+:\d+\)?$/m, 'a stack frame'],
  [/node:internal/, 'a node:internal frame'],
  [/^(Uncaught |\w*Error: |\w*Exception)/m, 'an uncaught exception'],
  [/triggerUncaughtException|Segmentation fault|Aborted|core dumped|FATAL ERROR/, 'a crash'],
];

/** Checks the process outcome and its stderr; returns problems (empty when all is well). */
export function checkOutcome(r: RunResult, e: Expect): { problems: string[]; code?: string; message?: string } {
  const problems: string[] = [];
  if (r.timedOut) problems.push(`hung: killed after ${Math.round(r.ms / 1000)} s`);
  if (r.signal) problems.push(`crashed: killed by ${r.signal}`);
  if (r.code !== e.exit) problems.push(`exit code ${r.code}, expected ${e.exit}`);
  for (const [re, what] of STACK_SIGNS) if (re.test(r.stderr)) problems.push(`stderr shows ${what}`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('octet:'));
  let code: string | undefined;
  let message: string | undefined;
  // A failure (1) and a cancellation (130, the CLI's one cancel code) both end in one error line.
  if (e.exit === 1 || e.exit === 130) {
    const errs = lines.map((l) => ERROR_LINE.exec(l)).filter((m): m is RegExpExecArray => !!m);
    if (errs.length !== 1 || lines.length !== 1)
      problems.push(`expected exactly one 'octet: error CODE: message' line, got ${lines.length}: ${JSON.stringify(lines.slice(0, 3))}`);
    if (errs[0]) {
      code = errs[0][1];
      message = errs[0][2];
      if (e.codes && !e.codes.includes(code as ErrorCode)) problems.push(`error code ${code}, expected ${e.codes.join(' or ')} (message: ${message})`);
      if (message.trim().length < 12) problems.push(`message too short to act on: '${message}'`);
      if (message.length > 600) problems.push(`message longer than 600 characters`);
      if (e.message && !e.message.test(message)) problems.push(`message does not match ${e.message}: '${message}'`);
    }
    if (r.stdout.trim()) problems.push(`stdout is not empty on failure: ${JSON.stringify(r.stdout.slice(0, 120))}`);
  } else if (e.exit === 2) {
    if (lines.length !== 1 || ERROR_LINE.test(lines[0] ?? '')) problems.push(`expected one usage line 'octet: …', got ${JSON.stringify(lines.slice(0, 3))}`);
    else message = lines[0].slice('octet: '.length);
    if (!/Run 'octet( [a-z]+)? --help'/.test(r.stderr)) problems.push(`usage error does not point to --help`);
    if (e.message && message && !e.message.test(message)) problems.push(`message does not match ${e.message}: '${message}'`);
  } else if (lines.length) problems.push(`succeeded but printed ${JSON.stringify(lines)}`);
  if (problems.length) {
    const tail = r.stderr.trim().split('\n').slice(-6).join('\n         ');
    problems.push(`(stderr ends: ${tail ? `\n         ${tail}` : 'empty'})`);
  }
  return { problems, code, message };
}

/** Output files: absent, or byte-identical to what was there before. */
export function checkOutputs(before: Map<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const [p, was] of before) {
    const now = existsSync(p) || isLink(p) ? fingerprint(p) : undefined;
    if (was === undefined && now !== undefined) problems.push(`output ${basename(p)} was written (partial or unwanted output)`);
    if (was !== undefined && now !== was) problems.push(`existing output ${basename(p)} was changed or removed`);
  }
  return problems;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export function snapshot(paths: string[]): Map<string, string | undefined> {
  return new Map(paths.map((p) => [p, existsSync(p) || isLink(p) ? fingerprint(p) : undefined]));
}

/** Fingerprints of input files and folders (an absent path fingerprints as absent). */
export function snapshotInputs(paths: string[]): Map<string, string> {
  return new Map(paths.map((p) => [p, fingerprint(p)]));
}

export function checkInputs(before: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [p, was] of before) if (fingerprint(p) !== was) problems.push(`input ${p} changed (sha256 differs)`);
  return problems;
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export const dirsOf = (paths: string[]) => [...new Set(paths.map((p) => (isDirectory(p) ? p : dirname(p))))];

// ---------------------------------------------------------------------------------------------
// Mounts: a read-only folder and a full disk, as root without chmod tricks (root ignores modes).

export type Mounted = { dir: string; how: string; cleanup: () => void; prefix?: string[]; env?: Record<string, string> };

/** ROBUSTNESS_NO_MOUNT=1 exercises the fallbacks below, as on a machine where mount is not permitted. */
function tryMount(dir: string, opts: string): boolean {
  if (process.env.ROBUSTNESS_NO_MOUNT === '1') return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0;
}

export function unmount(dir: string): void {
  const r = spawnSync('umount', [dir], { encoding: 'utf8' });
  if (r.status !== 0) spawnSync('umount', ['-l', dir]);
}

const isRoot = () => process.getuid?.() === 0;

/**
 * A folder nobody can write to. Root ignores permission bits, so: a read-only tmpfs mount when
 * mounting is allowed; else chmod 555 when not root; else /sys, which is read-only for root in
 * every container and VM we run in. Returns undefined (skip) if none works.
 */
export function readOnlyDir(base: string): Mounted | undefined {
  const dir = ensureDir(join(base, 'readonly'));
  if (tryMount(dir, 'ro,size=64k,mode=0755')) return { dir, how: 'read-only tmpfs mount', cleanup: () => unmount(dir) };
  if (!isRoot()) {
    spawnSync('chmod', ['555', dir]);
    return { dir, how: 'chmod 555 (not root)', cleanup: () => void spawnSync('chmod', ['755', dir]) };
  }
  const probe = spawnSync('sh', ['-c', 'touch /sys/.octet-probe 2>/dev/null && rm -f /sys/.octet-probe && echo writable'], { encoding: 'utf8' });
  if (existsSync('/sys') && !probe.stdout.includes('writable')) return { dir: '/sys', how: '/sys (root, mount not permitted)', cleanup: () => undefined };
  return undefined;
}

/**
 * A folder on a full disk: a 64 KiB tmpfs mount; without mount rights, the CLI runs under
 * RLIMIT_FSIZE = 64 KiB (prlimit, else bash's ulimit -f) so any bigger write fails with EFBIG.
 */
export function fullDiskDir(base: string, name: string): Mounted | undefined {
  const dir = ensureDir(join(base, name));
  if (tryMount(dir, 'size=64k,mode=0777')) return { dir, how: '64 KiB tmpfs mount', cleanup: () => unmount(dir) };
  if (spawnSync('prlimit', ['--version']).status === 0)
    return { dir, how: 'prlimit --fsize=65536 (mount not permitted)', cleanup: () => undefined, prefix: ['prlimit', '--fsize=65536'] };
  if (spawnSync('bash', ['-c', 'ulimit -f 64']).status === 0)
    return { dir, how: 'ulimit -f 64 (mount not permitted)', cleanup: () => undefined, prefix: ['bash', '-c', 'ulimit -f 64 && exec "$@"', 'octet'] };
  return undefined;
}
