/**
 * textFile's line reading over arbitrary bytes (issue 13, item 1): invalid UTF-8, CRLF, lone CR
 * and a byte-order mark, checked against a reference splitter that finds line ends byte by byte
 * (testing/plain.ts bytesLines), for every split count 1..8 and for every two-way cut. The byte
 * generators are shared with the local-cluster version (test/src/issue13-adversarial.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintError } from '../errors.ts';
import { bytePiece as piece, fileBytes } from '../testing/adversarial.ts';
import { bytesLines } from '../testing/plain.ts';
import { computeTextSplits, readLines, type TextSplit } from './text-input.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-text-bytes-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function write(bytes: Uint8Array, name = `b${seq++}.txt`): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

const readAll = (splits: TextSplit[]): string[] => splits.flatMap((s) => [...readLines(s)]);

describe('textFile lines from bytes', () => {
  test("issue 13: a Latin-1 file reads the same lines for every split count (was 100, 85, 78, 76 lines for 1, 2, 4, 8)", () => {
    const f = write(Buffer.from('caf\xe9\n'.repeat(100), 'latin1'));
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const lines = readAll(computeTextSplits([f], n));
      expect(lines.length, `${n} splits`).toBe(100);
      expect(lines.every((l) => l === 'caf\ufffd')).toBe(true);
    }
  });

  test('a lone CR ends a line, CRLF is one terminator, a BOM on the first line is dropped', () => {
    expect(readAll(computeTextSplits([write(Buffer.from('a\rb\rc'))], 1))).toEqual(['a', 'b', 'c']);
    expect(readAll(computeTextSplits([write(Buffer.from('a\r\rb\r\n\nc\r'))], 1))).toEqual(['a', '', 'b', '', 'c']);
    expect(readAll(computeTextSplits([write(Buffer.from('\ufeffid,name\n1,x\n'))], 1))).toEqual(['id,name', '1,x']);
    // Only the file's first bytes are a mark; U+FEFF elsewhere is text.
    expect(readAll(computeTextSplits([write(Buffer.from('a\n\ufeffb\n'))], 2))).toEqual(['a', '\ufeffb']);
    const gz = write(zlib.gzipSync(Buffer.from('\ufeffx\ry\r\nz')), 'g.gz');
    expect(readAll(computeTextSplits([gz], 1))).toEqual(['x', 'y', 'z']);
  });

  test('property: random bytes, every split count 1..8 and every two-way cut, against the byte-wise reference', () => {
    fc.assert(
      fc.property(fileBytes, (bytes) => {
        const f = write(bytes);
        const expected = bytesLines(bytes);
        for (let n = 1; n <= 8; n++) expect(readAll(computeTextSplits([f], n)), `${n} splits`).toEqual(expected);
        for (let c = 1; c < bytes.length; c++) {
          const cut: TextSplit[] = [
            { path: f, start: 0, end: c, gzip: false },
            { path: f, start: c, end: bytes.length, gzip: false },
          ];
          expect(readAll(cut), `cut at ${c}`).toEqual(expected);
        }
        fs.rmSync(f);
      }),
      { numRuns: 300 },
    );
  });

  test('property: random bytes across many read steps (terminators at the seams of 64 KiB reads)', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (ps, n, shift) => {
        const unit = Uint8Array.from(ps.flat());
        // Repeat the random bytes past several read steps, shifted so seams fall anywhere.
        const reps = Math.ceil((200 << 10) / unit.length);
        const bytes = new Uint8Array(unit.length * reps + (shift % 7));
        for (let i = 0; i < reps; i++) bytes.set(unit, (shift % 7) + i * unit.length);
        bytes.fill(0x61, 0, shift % 7);
        const f = write(bytes);
        expect(readAll(computeTextSplits([f], n))).toEqual(bytesLines(bytes));
        fs.rmSync(f);
      }),
      { numRuns: 25 },
    );
  });

  test('issue 13: a corrupt .gz file fails with an error naming the file', () => {
    const gz = write(zlib.gzipSync('hello\nworld\n').subarray(0, 15), 'bad.gz');
    const err = (() => {
      try {
        readAll(computeTextSplits([gz], 1));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(FlintError);
    expect(err!.message).toContain(gz);
  });
});
