// The Python venv for the peer tools (bench/.venv), made from PyPI with the pins in
// requirements.txt. Each "# group:" there installs on its own: a group that fails becomes a
// failure reason for its tool's rows instead of stopping the benchmark.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GroupStatus {
  ok: boolean;
  reason?: string;
}

export interface Venv {
  python: string;
  groups: Record<string, GroupStatus>;
  /** pip's name → version for the packages requirements.txt names. */
  versions: Record<string, string>;
}

interface Group {
  name: string;
  specs: string[];
}

export function parseRequirements(text: string): Group[] {
  const groups: Group[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const g = /^#\s*group:\s*(\S+)/.exec(line);
    if (g) groups.push({ name: g[1], specs: [] });
    else if (line && !line.startsWith('#')) {
      if (!groups.length) throw new Error(`requirements.txt: '${line}' comes before any '# group:' line`);
      groups[groups.length - 1].specs.push(line.replace(/\s+#.*$/, ''));
    }
  }
  return groups;
}

function lastLines(s: string, n = 1): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(WARNING|\[notice\])/.test(l));
  return lines.slice(-n).join(' | ').slice(0, 300);
}

/** Makes or reuses bench/.venv; reinstalls when requirements.txt changed since the last install. */
export function ensureVenv(root: string, log: (s: string) => void): Venv {
  const venv = join(root, 'bench', '.venv');
  const reqPath = join(root, 'bench', 'peers', 'requirements.txt');
  const reqText = readFileSync(reqPath, 'utf8');
  const hash = createHash('sha256').update(reqText).digest('hex');
  const python = join(venv, 'bin', 'python');
  const stampPath = join(venv, '.octet-peers.json');
  const groups = parseRequirements(reqText);

  let status: Record<string, GroupStatus> | undefined;
  if (existsSync(python) && existsSync(stampPath)) {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { hash: string; groups: Record<string, GroupStatus> };
    if (stamp.hash === hash) status = stamp.groups;
  }
  if (!status) {
    if (!existsSync(python)) {
      const base = process.env.PYTHON ?? 'python3';
      log(`making ${venv} with ${base}`);
      const r = spawnSync(base, ['-m', 'venv', venv], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${base} -m venv failed: ${lastLines(r.stderr + (r.error?.message ?? ''))}`);
    }
    status = {};
    for (const g of groups) {
      log(`pip install (${g.name}): ${g.specs.join(' ')}`);
      // -c pins every other group's versions too, so a later group cannot move an earlier one's.
      const r = spawnSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-c', reqPath, ...g.specs], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      status[g.name] = r.status === 0 ? { ok: true } : { ok: false, reason: `pip install failed: ${lastLines(r.stderr || r.stdout)}` };
      if (r.status !== 0) log(`  ${status[g.name].reason}`);
    }
    writeFileSync(stampPath, JSON.stringify({ hash, groups: status }, null, 2));
  }
  if (!status.core?.ok) throw new Error(`the core Python packages did not install: ${status.core?.reason ?? 'no core group in requirements.txt'}`);

  const names = groups.flatMap((g) => g.specs.map((s) => s.split(/[=<>!~ ]/)[0]));
  const show = spawnSync(python, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], { encoding: 'utf8' });
  const listed = show.status === 0 ? (JSON.parse(show.stdout) as { name: string; version: string }[]) : [];
  const norm = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');
  const versions: Record<string, string> = {};
  for (const n of names) {
    const hit = listed.find((p) => norm(p.name) === norm(n));
    if (hit) versions[n] = hit.version;
  }
  return { python, groups: status, versions };
}
