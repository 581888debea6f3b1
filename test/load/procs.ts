// The process list, read from /proc: which processes belong to one load-test run, whoever their
// parent is now. The server is started with a marker variable in its environment; its workers
// (forked with {...process.env, TMPDIR}) and their memory probes inherit it, so a worker that
// outlived its host and was re-parented to init is still found.
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie: dead, not yet reaped), … */
  state: string;
  cmdline: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid: Number(rest[1]), state: rest[0], cmdline };
  } catch {
    return undefined; // it exited while we looked
  }
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

/** Every process whose environment carries `marker` (NAME=VALUE), except `exclude`. */
export function markedProcs(marker: string, exclude: number[] = []): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (exclude.includes(pid) || !hasMarker(pid, marker)) continue;
    const p = readProc(pid);
    if (p) out.push(p);
  }
  return out;
}

/** Direct children of `ppid` (what `ps --ppid` lists). */
export function childrenOf(ppid: number): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p && p.ppid === ppid) out.push(p);
  }
  return out;
}

export const isWorker = (p: Proc): boolean => /\bworker\.(cjs|ts)\b/.test(p.cmdline);
export const alive = (p: Proc): boolean => p.state !== 'Z' && p.state !== 'X';

export function describe(ps: Proc[]): string {
  return ps.map((p) => `${p.pid} (ppid ${p.ppid}, ${p.state}) ${p.cmdline.slice(0, 120)}`).join('; ');
}
