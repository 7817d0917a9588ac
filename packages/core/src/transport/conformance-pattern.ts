/**
 * A deterministic byte pattern for stream tests that costs nothing to make
 * lazily: chunk k of a block is template k % 16, and any byte's expected value
 * follows from its position alone, so a reader checks content without
 * keeping it. Used by the conformance suite and its child server.
 */
export const PATTERN_CHUNK = 64 * 1024;
const TEMPLATES = 16;

export function patternByte(pos: number): number {
  const k = Math.floor(pos / PATTERN_CHUNK);
  const j = pos - k * PATTERN_CHUNK;
  return ((k % TEMPLATES) * 31 + j) & 0xff;
}

let templates: Buffer[] | undefined;

function patternTemplates(): Buffer[] {
  if (!templates) {
    templates = [];
    for (let t = 0; t < TEMPLATES; t++) {
      const b = Buffer.allocUnsafe(PATTERN_CHUNK);
      for (let j = 0; j < PATTERN_CHUNK; j++) b[j] = (t * 31 + j) & 0xff;
      templates.push(b);
    }
  }
  return templates;
}

/** Yields `total` bytes of the pattern (forever when `total` is Infinity), never holding more than the templates. */
export async function* patternBlock(total: number, pace?: { everyChunks: number }): AsyncGenerator<Uint8Array> {
  const t = patternTemplates();
  let sent = 0;
  for (let k = 0; sent < total; k++) {
    const n = Math.min(PATTERN_CHUNK, total - sent);
    const tpl = t[k % TEMPLATES];
    yield n === PATTERN_CHUNK ? tpl : tpl.subarray(0, n);
    sent += n;
    if (pace && k % pace.everyChunks === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Checks a received piece at `pos` by its first, middle and last bytes. */
export function checkPatternPiece(piece: Uint8Array, pos: number): boolean {
  const n = piece.byteLength;
  if (n === 0) return true;
  const mid = n >> 1;
  return piece[0] === patternByte(pos) && piece[mid] === patternByte(pos + mid) && piece[n - 1] === patternByte(pos + n - 1);
}
