// The zip container of a .npz archive: the central directory only, read through a file handle.
//
// Why not a library: decompression is node:zlib's inflateRaw (the zlib every Node ships, streamed),
// and what is left is reading the central directory (with its zip64 fields: numpy writes members
// with force_zip64) and finding each member's data. fflate works on whole buffers or reads a
// stream front to back, and yauzl would be a new runtime dependency for ~150 lines of parsing;
// neither gives random access to a stored member's bytes, which is what lets a large np.savez
// archive be read one sample at a time without holding it in memory.
import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { OctetError } from '../../shared/errors';
import { fsError } from './checks';
import { readExactly } from '../io/readExactly';

export interface ZipMember {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the member's local header. */
  localOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const MAX_MEMBERS = 4096;

function bad(file: string, what: string): OctetError {
  return new OctetError('DATA_UNREADABLE', `${file} ${what}`);
}

async function readAt(fh: FileHandle, file: string, length: number, position: number): Promise<Buffer> {
  const bytes = await readExactly(fh, length, position, (at) => bad(file, `is truncated (ended at byte ${at}); is it a complete .npz archive?`));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const u64 = (b: Buffer, at: number): number => {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('size beyond 2^53');
  return Number(v);
};

/** Lists the members of a zip archive (a .npz) from its central directory. */
export async function readZipDirectory(file: string): Promise<ZipMember[]> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw fsError(file, e);
  }
  try {
    const size = (await fh.stat()).size;
    if (size < 22) throw bad(file, `is too short (${size} bytes) to be a .npz archive; save arrays with np.savez`);
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = await readAt(fh, file, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw bad(file, 'is not a .npz archive (no zip directory found); save arrays with np.savez(path, name=array, ...)');
    let entries = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tail.readUInt32LE(loc) !== EOCD64_LOCATOR_SIG) throw bad(file, 'has a zip64 directory whose locator is missing; the archive is corrupt');
      const at = u64(tail, loc + 8);
      const rec = await readAt(fh, file, 56, at);
      if (rec.readUInt32LE(0) !== EOCD64_SIG) throw bad(file, 'has a corrupt zip64 directory record');
      entries = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    if (entries > MAX_MEMBERS) throw bad(file, `holds ${entries} members, more than the ${MAX_MEMBERS} Octet reads; save one array per model input`);
    if (cdOffset + cdSize > size) throw bad(file, 'is truncated (its zip directory points past the end of the file)');
    const cd = await readAt(fh, file, cdSize, cdOffset);
    const members: ZipMember[] = [];
    let p = 0;
    for (let k = 0; k < entries; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG) throw bad(file, 'has a corrupt zip directory');
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc32 = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let localOffset = cd.readUInt32LE(p + 42);
      const name = cd.subarray(p + 46, p + 46 + nameLen).toString(flags & 0x800 ? 'utf8' : 'latin1');
      // zip64 extended information: the fields that overflowed, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (usize === 0xffffffff) {
            usize = u64(cd, q);
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = u64(cd, q);
            q += 8;
          }
          if (localOffset === 0xffffffff) {
            localOffset = u64(cd, q);
            q += 8;
          }
        }
        e += 4 + len;
      }
      if (flags & 0x1) throw bad(file, `member '${name}' is encrypted; Octet reads plain np.savez archives`);
      members.push({ name, method, compressedSize, size: usize, crc32, localOffset });
      p = extraEnd + commentLen;
    }
    return members;
  } catch (e) {
    if (e instanceof RangeError) throw bad(file, `has absurd sizes in its zip directory (${e.message}); the archive is corrupt`);
    throw e;
  } finally {
    await fh.close();
  }
}

/** Offset of a member's first data byte (after its local header, whose name/extra lengths may differ from the directory's). */
export async function memberDataOffset(file: string, m: ZipMember): Promise<number> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw fsError(file, e);
  }
  try {
    const h = await readAt(fh, file, 30, m.localOffset);
    if (h.readUInt32LE(0) !== LOC_SIG) throw bad(file, `member '${m.name}' has a corrupt local header`);
    return m.localOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  } finally {
    await fh.close();
  }
}

let CRC_TABLE: Uint32Array | undefined;
export function crc32(buf: Uint8Array, crc = 0): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Inflates a deflated member into one buffer of exactly its declared size (streamed from the file:
 * memory is the output plus zlib's window), checking the size and the CRC-32.
 */
export async function inflateMember(file: string, m: ZipMember, maxBytes: number): Promise<Uint8Array> {
  if (m.method !== 8)
    throw bad(file, `member '${m.name}' uses zip compression method ${m.method}; Octet reads stored or deflated members (np.savez, np.savez_compressed)`);
  if (m.size > maxBytes) {
    throw bad(
      file,
      `member '${m.name}' inflates to ${m.size} bytes, more than the ${maxBytes} Octet holds in memory for a compressed array; save with np.savez (uncompressed, read sample by sample) or as a folder of .npy files`,
    );
  }
  const start = await memberDataOffset(file, m);
  const out = new Uint8Array(new ArrayBuffer(m.size));
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw fsError(file, e);
  }
  try {
    let filled = 0;
    await new Promise<void>((resolveP, reject) => {
      const inflate = createInflateRaw();
      inflate.on('data', (chunk: Buffer) => {
        if (filled + chunk.length > out.length) {
          inflate.destroy();
          reject(bad(file, `member '${m.name}' inflates to more than its declared ${m.size} bytes; the archive is corrupt`));
          return;
        }
        out.set(chunk, filled);
        filled += chunk.length;
      });
      inflate.on('error', (e) => reject(bad(file, `member '${m.name}' cannot be inflated (${e.message}); the archive is corrupt`)));
      inflate.on('end', () => resolveP());
      const stream = fh.createReadStream({ start, end: start + Math.max(0, m.compressedSize - 1), autoClose: false, highWaterMark: 1 << 20 });
      stream.on('error', (e) => reject(fsError(file, e)));
      stream.pipe(inflate);
    });
    if (filled !== m.size) throw bad(file, `member '${m.name}' inflates to ${filled} bytes, not the declared ${m.size}; the archive is corrupt`);
    if (crc32(out) !== m.crc32) throw bad(file, `member '${m.name}' fails its CRC-32 check; the archive is corrupt`);
    return out;
  } finally {
    await fh.close();
  }
}
