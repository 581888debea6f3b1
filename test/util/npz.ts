// Test helper: writes .npz archives the way np.savez (stored) and np.savez_compressed (deflated)
// do, optionally with zip64 extra fields as numpy's force_zip64 writes them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/main/data/zip';
import { npyBytes, type NpyOptions } from './fixtures';

export interface NpzOptions {
  compress?: boolean;
  zip64?: boolean;
}

export function npzBytes(arrays: Record<string, NpyOptions | Buffer>, o: NpzOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [key, a] of Object.entries(arrays)) {
    const name = Buffer.from(`${key}.npy`, 'utf8');
    const raw = Buffer.isBuffer(a) ? a : npyBytes(a);
    const data = o.compress ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const method = o.compress ? 8 : 0;
    const extraLocal = o.zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (o.zip64) {
      extraLocal.writeUInt16LE(1, 0);
      extraLocal.writeUInt16LE(16, 2);
      extraLocal.writeBigUInt64LE(BigInt(raw.length), 4);
      extraLocal.writeBigUInt64LE(BigInt(data.length), 12);
    }
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(o.zip64 ? 45 : 20, 4);
    lh.writeUInt16LE(0, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(o.zip64 ? 0xffffffff : data.length, 18);
    lh.writeUInt32LE(o.zip64 ? 0xffffffff : raw.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(extraLocal.length, 28);
    locals.push(lh, name, extraLocal, data);
    const extraCen = o.zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (o.zip64) {
      extraCen.writeUInt16LE(1, 0);
      extraCen.writeUInt16LE(24, 2);
      extraCen.writeBigUInt64LE(BigInt(raw.length), 4);
      extraCen.writeBigUInt64LE(BigInt(data.length), 12);
      extraCen.writeBigUInt64LE(BigInt(offset), 20);
    }
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(45, 4);
    ch.writeUInt16LE(o.zip64 ? 45 : 20, 6);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(o.zip64 ? 0xffffffff : data.length, 20);
    ch.writeUInt32LE(o.zip64 ? 0xffffffff : raw.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt16LE(extraCen.length, 30);
    ch.writeUInt32LE(o.zip64 ? 0xffffffff : offset, 42);
    central.push(ch, name, extraCen);
    offset += lh.length + name.length + extraLocal.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(arrays).length, 8);
  end.writeUInt16LE(Object.keys(arrays).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export function writeNpz(dir: string, name: string, arrays: Record<string, NpyOptions | Buffer>, o: NpzOptions = {}): string {
  const path = join(dir, name);
  writeFileSync(path, npzBytes(arrays, o));
  return path;
}
