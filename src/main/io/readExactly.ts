import type { FileHandle } from 'node:fs/promises';

/**
 * Reads exactly `length` bytes at `position` (fh.read may return fewer) into a fresh ArrayBuffer,
 * so typed-array views on it are aligned. A file that ends first throws `short(at)`, the byte
 * where it ended: each format words that error for its own files.
 */
export async function readExactly(fh: FileHandle, length: number, position: number, short: (at: number) => Error): Promise<Uint8Array> {
  const bytes = new Uint8Array(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) throw short(position + done);
    done += bytesRead;
  }
  return bytes;
}
