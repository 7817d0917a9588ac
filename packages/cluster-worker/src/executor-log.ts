import fs from 'node:fs';

/**
 * Reads [offset, offset + length) of a log file this worker wrote; a negative
 * offset counts back from the end (−65536: the last 64 KiB). Past the end
 * answers no bytes. The caller decides which file: never a path from a request.
 */
export async function readLogSlice(file: string, offset: number, length: number): Promise<{ data: Uint8Array; offset: number; size: number }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const from = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
    const n = Math.max(0, Math.min(length, size - from));
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(buf, got, n - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { data: new Uint8Array(buf.buffer, buf.byteOffset, got), offset: from, size };
  } finally {
    await fh.close();
  }
}
