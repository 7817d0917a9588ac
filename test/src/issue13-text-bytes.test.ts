/**
 * Issue 13 item 1's adversarial suite across processes: textFile over random bytes (valid and
 * invalid UTF-8, CRLF, lone CR, BOM; the generators of core's unit suite text-input.bytes, shared
 * through @flint/core/testing) on local-cluster[2,1], where the splits are read by executor
 * processes: at every split count 1..8 (read in one job) the lines equal the byte-wise reference
 * splitter's. Sized to run in about a minute; FLINT_ADVERSARIAL_RUNS scales the number of runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { bytePiece, checkTextFileSplits, fileBytes } from '@flint/core/testing';

const scale = Number(process.env.FLINT_ADVERSARIAL_RUNS ?? 1);
const runs = (n: number): number => Math.max(1, Math.round(n * scale));

let sc: FlintContext;
let tmp: string;
let seq = 0;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local-cluster[2,1]', appName: 'issue13-text-bytes', progress: false, conf: { 'flint.task.maxFailures': 1 } });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-text-bytes-cluster-'));
}, 120_000);

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

function write(bytes: Uint8Array): string {
  const file = path.join(tmp, `b${seq++}.txt`);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('textFile over random bytes on local-cluster[2,1]', () => {
  it('issue 13: a Latin-1 file reads 100 lines at every split count (was 100, 85, 78, 76 for 1, 2, 4, 8)', async () => {
    const bytes = Buffer.from('caf\xe9\n'.repeat(100), 'latin1');
    await checkTextFileSplits(sc, write(bytes), bytes, [1, 2, 3, 4, 5, 6, 7, 8]);
  }, 120_000);

  it('property: small random files give the reference lines at every split count 1..8', async () => {
    await fc.assert(
      fc.asyncProperty(fileBytes, (bytes) => checkTextFileSplits(sc, write(bytes), bytes, [1, 2, 3, 4, 5, 6, 7, 8])),
      { numRuns: runs(100) },
    );
  }, 300_000);

  it('property: random bytes repeated past several 64 KiB read steps give the reference lines', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(bytePiece, { minLength: 1, maxLength: 30 }), fc.nat(), async (ps, shift) => {
        const unit = Uint8Array.from(ps.flat());
        // Repeated past several read steps, shifted so seams fall anywhere.
        const reps = Math.ceil((200 << 10) / unit.length);
        const bytes = new Uint8Array(unit.length * reps + (shift % 7));
        for (let i = 0; i < reps; i++) bytes.set(unit, (shift % 7) + i * unit.length);
        bytes.fill(0x61, 0, shift % 7);
        await checkTextFileSplits(sc, write(bytes), bytes, [1, 3, 8]);
      }),
      { numRuns: runs(10) },
    );
  }, 300_000);
});
