// Test helpers: write small .npy files and temp folders in os.tmpdir(), and check OctetErrors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { OctetError, type ErrorCode } from '../../src/shared/errors';

/** The repo root: the nearest folder above this file holding package.json. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(__dirname, '../..');
  }
}

/** Real photos and models shared between projects: <repo>/../shared. */
export const SHARED = resolve(repoRoot(), '../shared');
export const SHARED_IMAGES = join(SHARED, 'images');
export const SHARED_MODELS = join(SHARED, 'models');
export const haveSharedImages = existsSync(SHARED_IMAGES);

export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'octet-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface NpyOptions {
  descr: string;
  shape: number[];
  data?: ArrayBufferView;
  fortran?: boolean;
  version?: 1 | 2 | 3;
  /** Replaces the whole header dict text (before padding). */
  header?: string;
  /** Replaces the 6 magic bytes. */
  magic?: Uint8Array;
}

/** Encodes a .npy file the way np.save does: header padded with spaces to a multiple of 64, ending in '\n'. */
export function npyBytes(o: NpyOptions): Buffer {
  const version = o.version ?? 1;
  const shape = o.shape.length === 1 ? `(${o.shape[0]},)` : `(${o.shape.join(', ')})`;
  const dict = o.header ?? `{'descr': '${o.descr}', 'fortran_order': ${o.fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const prefixLen = version === 1 ? 10 : 12;
  let header = dict;
  const total = prefixLen + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const headerBytes = Buffer.from(header, version === 3 ? 'utf8' : 'latin1');
  const prefix = Buffer.alloc(prefixLen);
  Buffer.from(o.magic ?? [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(prefix, 0);
  prefix[6] = version;
  prefix[7] = 0;
  if (version === 1) prefix.writeUInt16LE(headerBytes.length, 8);
  else prefix.writeUInt32LE(headerBytes.length, 8);
  const data = o.data ? Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength) : Buffer.alloc(0);
  return Buffer.concat([prefix, headerBytes, data]);
}

export function writeNpy(dir: string, name: string, o: NpyOptions | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.isBuffer(o) ? o : npyBytes(o));
  return path;
}

/** Asserts an OctetError with this code whose one-line message matches every pattern. */
export async function rejectsWith(p: Promise<unknown> | (() => unknown), code: ErrorCode, ...patterns: (RegExp | string)[]): Promise<OctetError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof OctetError, `expected OctetError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  assert.ok(!caught.message.includes('\n'), `message is not one line: ${JSON.stringify(caught.message)}`);
  for (const pat of patterns) {
    if (typeof pat === 'string') assert.ok(caught.message.includes(pat), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(pat)}`);
    else assert.match(caught.message, pat);
  }
  return caught;
}
