import { open, rename, unlink, stat, realpath, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OctetError, toErrorInfo } from '../../shared/errors';

/** Outputs being written right now by this process: two jobs must not race on one path. */
const busy = new Set<string>();

/**
 * Writes `data` to a temp file beside `path`, fsyncs, then renames it into place, so a
 * crash, a full disk or a kill never leaves a partial file under the final name.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const target = resolve(path);
  if (busy.has(target)) throw new OctetError('OUTPUT_BUSY', `Another job is already writing ${target}`);
  busy.add(target);
  const tmp = join(dirname(target), `.octet-tmp-${randomBytes(6).toString('hex')}-${basename(target)}`);
  try {
    const fh = await open(tmp, 'wx', 0o644).catch((e) => {
      throw unwritable(target, e);
    });
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof OctetError) throw e;
    const info = toErrorInfo(e);
    if (info.code === 'DISK_FULL') throw new OctetError('DISK_FULL', `${info.message}: ${target} was not written`);
    throw unwritable(target, e);
  } finally {
    busy.delete(target);
  }
}

function unwritable(target: string, e: unknown): OctetError {
  const code = (e as { code?: string }).code;
  const why =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : code === 'ENOENT' ? 'the folder does not exist' : (e as Error).message;
  return new OctetError('OUTPUT_UNWRITABLE', `Cannot write ${target}: ${why}`);
}

/**
 * Fails early (before any heavy work) when the output cannot be created or would overwrite one
 * of the inputs, however it is spelled: through a symlinked folder, as a symlink to an input, or
 * as another name (hard link) for the same file.
 */
export async function checkOutputPath(output: string, inputs: string[]): Promise<void> {
  const out = resolve(output);
  const dir = dirname(out);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new OctetError('OUTPUT_UNWRITABLE', `Cannot write ${out}: the folder ${dir} does not exist`);
  const realOut = await realTarget(out);
  const existing = await stat(out).catch(() => undefined); // follows a symlink to its target
  if (existing?.isDirectory()) throw new OctetError('OUTPUT_UNWRITABLE', `Cannot write ${out}: it is a folder`);
  const linkTarget = existing ? await realpath(out) : undefined;
  for (const input of inputs) {
    const inStat = await stat(input).catch(() => undefined);
    if (!inStat?.isFile()) continue;
    const realIn = await realpath(input);
    const same = realIn === realOut || realIn === linkTarget || (existing !== undefined && existing.dev === inStat.dev && existing.ino === inStat.ino);
    if (same)
      throw new OctetError('OUTPUT_IS_INPUT', `The output path ${out} is the input ${resolve(input)}; choose another path so the input stays unchanged`);
  }
  const probe = join(dir, `.octet-tmp-${randomBytes(6).toString('hex')}-probe`);
  const fh = await open(probe, 'wx').catch((e) => {
    throw unwritable(out, e);
  });
  await fh.close();
  await unlink(probe);
}

/** Where a path will really be written: its folder's real path plus its name. */
export async function realTarget(path: string): Promise<string> {
  const p = resolve(path);
  return join(await realpath(dirname(p)).catch(() => dirname(p)), basename(p));
}

/**
 * Claims an output path for one job across processes (each job runs in its own worker): a lock
 * file beside the output holding the owner's pid. A lock whose owner is dead is taken over, and
 * the job host removes a killed worker's lock with its other temp files.
 */
export async function lockOutput(output: string): Promise<() => Promise<void>> {
  const out = resolve(output);
  const lock = join(await realpath(dirname(out)), `.octet-tmp-lock-${basename(out)}`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => unlink(lock).catch(() => undefined);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw unwritable(out, e);
      const owner = await lockOwner(lock);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) throw new OctetError('OUTPUT_BUSY', `Another job (process ${owner}) is already writing ${out}`);
      await unlink(lock).catch(() => undefined); // its owner died: take the lock over
    }
  }
  throw new OctetError('OUTPUT_BUSY', `Another job is already writing ${out}`);
}

/**
 * The pid in a lock file. The file exists a moment before its owner has written the pid: read
 * empty then, a second job once took the lock over from a live owner and both wrote the output.
 * So an empty lock is read again for a while before it counts as left by a dead owner.
 */
async function lockOwner(lock: string): Promise<number> {
  for (let tries = 0; ; tries++) {
    const text = await readFile(lock, 'utf8').catch(() => undefined);
    if (text === undefined) return 0; // gone: its owner finished
    if (text.trim() || tries === 10) return Number(text);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
