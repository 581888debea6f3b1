// The allow-list every path from a renderer goes through. The renderer never names a file the
// user did not choose: in Electron a path must come from a dialog (or a drop), in browser mode it
// must lie under a --root folder. Checks run on real paths, so `..` and symlinks cannot escape.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { OctetError, type ErrorCode } from '../../shared/errors';

export interface AllowedRoot {
  path: string;
  writable: boolean;
  /** Allowed but not shown (Octet's own work folder). */
  hidden?: boolean;
}

interface Grant {
  path: string;
  /** A folder grant covers everything inside it; a file grant only that file. */
  dir: boolean;
  writable: boolean;
  hidden?: boolean;
}

const within = (child: string, parent: string): boolean => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

export class PathGuard {
  private grants: Grant[] = [];

  private constructor(private readonly base: string) {}

  /** Roots that do not exist are skipped (with their names returned, for a warning). */
  static async create(roots: AllowedRoot[], base = process.cwd()): Promise<{ guard: PathGuard; missing: string[] }> {
    const guard = new PathGuard(resolve(base));
    const missing: string[] = [];
    for (const r of roots) {
      const real = await realpath(resolve(base, r.path)).catch(() => undefined);
      if (!real) missing.push(r.path);
      else guard.grants.push({ path: real, dir: true, writable: r.writable, hidden: r.hidden });
    }
    return { guard, missing };
  }

  /** The folder roots, for the browse view and the capabilities reply. */
  roots(): AllowedRoot[] {
    return this.grants.filter((g) => g.dir && !g.hidden).map((g) => ({ path: g.path, writable: g.writable }));
  }

  /** Adds a path the user chose (dialog, drop). The path must exist. */
  async grant(p: string, opts: { dir: boolean; writable: boolean }): Promise<string> {
    const real = await realpath(resolve(p));
    if (!this.grants.some((g) => g.path === real && g.dir === opts.dir && g.writable === opts.writable)) {
      this.grants.push({ path: real, dir: opts.dir, writable: opts.writable });
    }
    return real;
  }

  private expand(p: string): string {
    if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
    return isAbsolute(p) ? p : resolve(this.base, p);
  }

  private allows(real: string, write: boolean): boolean {
    return this.grants.some((g) => (!write || g.writable) && (g.dir ? within(real, g.path) : real === g.path));
  }

  private denied(p: string): OctetError {
    const roots = this.roots().map((r) => r.path);
    const where = roots.length ? ` Allowed folders: ${roots.join(', ')}.` : '';
    return new OctetError('PATH_DENIED', `${p} is outside the files and folders Octet may use.${where}`);
  }

  /**
   * An existing file or folder to read; returns its real path.
   * `missing` is the error code when it does not exist (e.g. MODEL_NOT_FOUND).
   */
  async read(p: string, missing: ErrorCode = 'BAD_USAGE', what = 'path'): Promise<string> {
    const abs = this.expand(p);
    const real = await realpath(abs).catch(() => undefined);
    if (!real) {
      // Say "not found" only for places the user may look at, so the answer reveals nothing elsewhere.
      const parent = await realpath(dirname(abs)).catch(() => undefined);
      if (parent && this.allows(parent, false)) throw new OctetError(missing, `The ${what} ${abs} does not exist`);
      throw this.denied(abs);
    }
    if (!this.allows(real, false)) throw this.denied(abs);
    return real;
  }

  /** A folder to write into; returns its real path. */
  async writableDir(p: string): Promise<string> {
    const abs = this.expand(p);
    const real = await realpath(abs).catch(() => undefined);
    if (!real) {
      const parent = await realpath(dirname(abs)).catch(() => undefined);
      if (parent && this.allows(parent, false)) throw new OctetError('OUTPUT_UNWRITABLE', `The folder ${abs} does not exist`);
      throw this.denied(abs);
    }
    if (!this.allows(real, true)) throw this.denied(abs);
    const st = await stat(real);
    if (!st.isDirectory()) throw new OctetError('OUTPUT_UNWRITABLE', `${abs} is not a folder`);
    return real;
  }

  /**
   * A file to create or replace inside an allowed folder. An existing symlink under that name is
   * refused: writing through it would land wherever it points.
   */
  async writableFile(dir: string, name: string): Promise<string> {
    if (name !== basename(name) || name === '.' || name === '..') throw new OctetError('BAD_USAGE', `${name} is not a plain file name`);
    const folder = await this.writableDir(dir);
    const target = join(folder, name);
    const st = await lstat(target).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new OctetError('OUTPUT_UNWRITABLE', `${target} is a symbolic link; choose another name`);
    if (st?.isDirectory()) throw new OctetError('OUTPUT_UNWRITABLE', `${target} is a folder`);
    return target;
  }

  /**
   * Confines the symbolic links inside a data folder like every other path: `real` (from read())
   * is an allowed path; if it is a folder, each link in it and in its subfolders (an image
   * folder's classes), down to `depth` levels, must lead somewhere allowed, or the whole folder is
   * refused with PATH_DENIED naming the link. Refused rather than skipped: silently dropping
   * images would change the data set and its classes. Hidden names and dangling links are
   * ignored, as the image reader ignores them. The answer never says where a link leads.
   */
  async confineLinks(real: string, depth = 2): Promise<void> {
    const st = await stat(real).catch(() => undefined);
    if (!st?.isDirectory()) return;
    const dirs: { dir: string; level: number }[] = [{ dir: real, level: 1 }];
    for (let next = dirs.pop(); next; next = dirs.pop()) {
      const entries = await readdir(next.dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.name.startsWith('.') || e.name === '__MACOSX') continue;
        const full = join(next.dir, e.name);
        let isDir = e.isDirectory();
        if (e.isSymbolicLink()) {
          const target = await realpath(full).catch(() => undefined);
          if (!target) continue;
          if (!this.allows(target, false)) {
            throw new OctetError(
              'PATH_DENIED',
              `${full} is a symbolic link that leads outside the files and folders Octet may use; remove it, or copy what it points to into the folder`,
            );
          }
          isDir = !!(await stat(target).catch(() => undefined))?.isDirectory();
        }
        if (isDir && next.level < depth) dirs.push({ dir: full, level: next.level + 1 });
      }
    }
  }

  /** Lists an allowed folder: sub-folders first, then files, hidden entries left out. */
  async list(p: string): Promise<{ dir: string; parent?: string; entries: { name: string; path: string; kind: 'dir' | 'file'; size?: number }[] }> {
    const dir = await this.read(p, 'BAD_USAGE', 'folder');
    const st = await stat(dir);
    if (!st.isDirectory()) throw new OctetError('BAD_USAGE', `${dir} is not a folder`);
    const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort((a, b) => a.localeCompare(b));
    const entries: { name: string; path: string; kind: 'dir' | 'file'; size?: number }[] = [];
    for (const name of names.slice(0, 2000)) {
      const full = join(dir, name);
      const real = await realpath(full).catch(() => undefined);
      if (!real || !this.allows(real, false)) continue; // a link that leads out is not shown
      const s = await stat(real).catch(() => undefined);
      if (!s) continue;
      entries.push({ name, path: full, kind: s.isDirectory() ? 'dir' : 'file', size: s.isFile() ? s.size : undefined });
    }
    entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'dir' ? -1 : 1));
    const up = dirname(dir);
    const parent = up !== dir && this.allows(up, false) ? up : undefined;
    return { dir, parent, entries };
  }
}
