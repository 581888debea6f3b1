import { open, rename, unlink, stat } from 'node:fs/promises';
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
  const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : code === 'ENOENT' ? 'the folder does not exist' : (e as Error).message;
  return new OctetError('OUTPUT_UNWRITABLE', `Cannot write ${target}: ${why}`);
}

/** Fails early (before any heavy work) when the output cannot be created or would overwrite the input. */
export async function checkOutputPath(output: string, inputs: string[]): Promise<void> {
  const out = resolve(output);
  for (const input of inputs) {
    if (resolve(input) === out) throw new OctetError('OUTPUT_IS_INPUT', `The output path is the input model (${out}); choose another path so the input stays unchanged`);
  }
  const dir = dirname(out);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new OctetError('OUTPUT_UNWRITABLE', `Cannot write ${out}: the folder ${dir} does not exist`);
  const probe = join(dir, `.octet-tmp-${randomBytes(6).toString('hex')}-probe`);
  const fh = await open(probe, 'wx').catch((e) => {
    throw unwritable(out, e);
  });
  await fh.close();
  await unlink(probe);
  const existing = await stat(out).catch(() => undefined);
  if (existing?.isDirectory()) throw new OctetError('OUTPUT_UNWRITABLE', `Cannot write ${out}: it is a folder`);
}
