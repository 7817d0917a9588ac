import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Reads a text file in large blocks and yields each block's complete lines as
 * one string, separated by '\n' and without the final newline. Consumers scan
 * a block with indexOf instead of allocating an array per line. Blocks are cut
 * at a newline byte, so multi-byte UTF-8 characters are never split.
 */
export function* lineBlocks(path: string, blockBytes = 4 << 20): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(blockBytes);
    let carry = 0;
    for (;;) {
      if (carry === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const read = readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + read;
      if (read === 0) {
        if (end > 0) yield buf.toString('utf8', 0, end);
        return;
      }
      const lastNewline = buf.lastIndexOf(10, end - 1);
      if (lastNewline < 0) {
        carry = end;
        continue;
      }
      yield buf.toString('utf8', 0, lastNewline);
      carry = end - lastNewline - 1;
      buf.copy(buf, 0, lastNewline + 1, end);
    }
  } finally {
    closeSync(fd);
  }
}

/** Calls fn for every line of every file, in order. */
export function forEachLine(files: readonly string[], fn: (line: string) => void): void {
  for (const file of files) {
    for (const block of lineBlocks(file)) {
      let start = 0;
      const n = block.length;
      while (start <= n) {
        let nl = block.indexOf('\n', start);
        if (nl < 0) nl = n;
        fn(block.slice(start, nl));
        start = nl + 1;
      }
    }
  }
}
