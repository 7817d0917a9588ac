/**
 * Text input: listing inputs (files, directories, globs, lists), Hadoop-style
 * splits, and reading the lines of a split so that every line of a file is read
 * by exactly one split wherever the file is cut — checked for every cut of small
 * files and random cuts of larger ones, against a plain split on '\n'.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintError } from '../errors.ts';
import { textLines } from '../testing/plain.ts';
import { computeTextSplits, listInputFiles, readLines, splitPathList, type TextSplit } from './text-input.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-text-input-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function write(content: string | Buffer, name = `f${seq++}.txt`): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

/** Splits of a file cut at the given byte offsets. */
function cutAt(file: string, cuts: number[]): TextSplit[] {
  const size = fs.statSync(file).size;
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < size).sort((a, b) => a - b), size];
  const out: TextSplit[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push({ path: file, start: points[i]!, end: points[i + 1]!, gzip: false });
  return out;
}

function readAll(splits: TextSplit[]): string[] {
  return splits.flatMap((s) => [...readLines(s)]);
}

function readAllPushed(splits: TextSplit[]): string[] {
  const out: string[] = [];
  for (const s of splits) readLines(s).pushTo((l) => out.push(l));
  return out;
}

const samples: [string, string][] = [
  ['plain', 'a\nbb\nccc\n'],
  ['no trailing newline', 'a\nbb\nccc'],
  ['empty lines', '\n\na\n\n\nb\n\n'],
  ['only newlines', '\n\n\n'],
  ['one line', 'single'],
  ['crlf', 'a\r\nbb\r\n\r\nccc\r\n'],
  ['crlf without final newline', 'x\r\ny'],
  ['unicode', 'héllo\n☃ snow\n𝄞 clef\nçà\n'],
  ['a lone cr inside a line', 'a\rb\nc\n'],
];

describe('readLines', () => {
  for (const [name, text] of samples) {
    test(`every cut of a small file: ${name}`, () => {
      const f = write(text);
      const expected = textLines(text);
      const size = Buffer.byteLength(text);
      expect(readAll(cutAt(f, []))).toEqual(expected);
      // Two splits at every offset, and equal-sized splits of every size.
      for (let c = 0; c <= size; c++) expect(readAll(cutAt(f, [c])), `cut at ${c}`).toEqual(expected);
      for (let s = 1; s <= size; s++) {
        const cuts = Array.from({ length: Math.ceil(size / s) }, (_, i) => i * s);
        expect(readAll(cutAt(f, cuts)), `splits of ${s} bytes`).toEqual(expected);
        expect(readAllPushed(cutAt(f, cuts)), `pushed splits of ${s} bytes`).toEqual(expected);
      }
    });
  }

  test('property: random text, random cuts', () => {
    const lineArb = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '\r', 'é☃𝄞', 'x\r'));
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (lines, finalNl, rawCuts) => {
        const text = lines.join('\n') + (finalNl && lines.length > 0 ? '\n' : '');
        const f = write(text);
        const size = Buffer.byteLength(text);
        const cuts = rawCuts.map((c) => (size === 0 ? 0 : c % (size + 1)));
        expect(readAll(cutAt(f, cuts))).toEqual(textLines(text));
        fs.rmSync(f);
      }),
      { numRuns: 300 },
    );
  });

  test('many lines across many read steps (multi-byte characters and CRLF at the seams), random cuts', () => {
    const words = ['a', 'bb', 'é☃', '𝄞x', 'line', '', 'ccccccccccccccccccccccccc'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const lines = Array.from({ length: 60_000 }, () => Array.from({ length: next(9) }, () => words[next(words.length)]).join(' ') + (next(5) === 0 ? '\r' : ''));
    const text = lines.join('\n') + '\n';
    const f = write(text);
    const size = Buffer.byteLength(text);
    const expected = textLines(text);
    for (let round = 0; round < 5; round++) {
      const cuts = Array.from({ length: round * 3 }, () => next(size + 1));
      expect(readAll(cutAt(f, cuts))).toEqual(expected);
    }
  });

  test('a line longer than the read buffer, cut anywhere', () => {
    const long = 'L'.repeat(5 << 20);
    const text = `first\n${long}\nmiddle\n${long}x\nlast`;
    const f = write(text);
    const expected = textLines(text);
    const size = Buffer.byteLength(text);
    for (const cuts of [[], [3], [6], [7], [6 + (4 << 20)], [size - 3], [1 << 20, 2 << 20, 5 << 20, 6 << 20, 9 << 20, 10 << 20]]) {
      const got = readAll(cutAt(f, cuts));
      expect(got.length).toBe(expected.length);
      expect(got.map((l) => l.length)).toEqual(expected.map((l) => l.length));
      expect(got).toEqual(expected);
    }
  });

  test('reports the bytes it reads; gzip files are read whole', () => {
    const text = 'one\ntwo\r\nthree';
    const f = write(text);
    let bytes = 0;
    expect([...readLines({ path: f, start: 0, end: Buffer.byteLength(text), gzip: false }, (n) => (bytes += n))]).toEqual(['one', 'two', 'three']);
    expect(bytes).toBe(Buffer.byteLength(text));
    const gz = write(zlib.gzipSync(text), 'g.txt.gz');
    let gzBytes = 0;
    expect([...readLines({ path: gz, start: 0, end: fs.statSync(gz).size, gzip: true }, (n) => (gzBytes += n))]).toEqual(['one', 'two', 'three']);
    expect(gzBytes).toBe(fs.statSync(gz).size);
    expect([...readLines({ path: write(zlib.gzipSync('')), start: 0, end: 20, gzip: true })]).toEqual([]);
  });
});

describe('computeTextSplits', () => {
  test('contiguous splits covering each file; gzip and empty files whole', () => {
    const a = write('x'.repeat(1000));
    const b = write('');
    const g = write(zlib.gzipSync('y\n'.repeat(100)), 'z.gz');
    for (const minPartitions of [1, 2, 3, 7, 100, 5000]) {
      const splits = computeTextSplits([a, b, g], minPartitions);
      const ofA = splits.filter((s) => s.path === a);
      expect(ofA[0]!.start).toBe(0);
      expect(ofA.at(-1)!.end).toBe(1000);
      for (let i = 1; i < ofA.length; i++) expect(ofA[i]!.start).toBe(ofA[i - 1]!.end);
      expect(ofA.length).toBeGreaterThanOrEqual(Math.min(minPartitions, 1000) - 1);
      expect(splits.filter((s) => s.path === b)).toEqual([{ path: b, start: 0, end: 0, gzip: false }]);
      expect(splits.filter((s) => s.path === g)).toEqual([{ path: g, start: 0, end: fs.statSync(g).size, gzip: true }]);
    }
    // The block size caps a split; the last split may be up to 10% larger (Hadoop's slop).
    expect(computeTextSplits([a], 1, 300).map((s) => s.end - s.start)).toEqual([300, 300, 300, 100]);
    expect(computeTextSplits([a], 1, 480).map((s) => s.end - s.start)).toEqual([480, 520]);
  });

  test('the split count rounds up to a multiple of the slots only when that keeps splits even', () => {
    // 8 files of slightly different sizes, 8 partitions wanted, 2 slots: one split per file (not 8 big + 8 small).
    const files = Array.from({ length: 8 }, (_, i) => write('z'.repeat(1000 + i * 7)));
    const eight = computeTextSplits(files, 8, 32 << 20, 2);
    expect(eight.length).toBe(8);
    expect(eight.every((s) => s.start === 0)).toBe(true);
    // One 3000-byte file, 3 partitions wanted, 2 slots: 4 even splits keep both slots busy to the end.
    const one = write('q'.repeat(3000));
    expect(computeTextSplits([one], 3, 32 << 20, 2).map((s) => s.end - s.start)).toEqual([750, 750, 750, 750]);
    // Without slots to fill, the count is what was asked.
    expect(computeTextSplits([one], 3).map((s) => s.end - s.start)).toEqual([1000, 1000, 1000]);
  });
});

describe('listInputFiles and splitPathList', () => {
  test('files, directories, globs, brace globs, comma lists, file:// paths', () => {
    const d = path.join(dir, 'list');
    fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
    for (const n of ['b.txt', 'a.txt', 'c.csv', '_SUCCESS', '.crc']) fs.writeFileSync(path.join(d, n), n);
    fs.writeFileSync(path.join(d, 'sub', 'deep.txt'), 'deep');
    const abs = (...n: string[]) => n.map((x) => path.join(d, x));
    expect(listInputFiles(d)).toEqual(abs('a.txt', 'b.txt', 'c.csv'));
    expect(listInputFiles(path.join(d, '*.txt'))).toEqual(abs('a.txt', 'b.txt'));
    expect(listInputFiles(path.join(d, '*.{csv,txt}'))).toEqual(abs('a.txt', 'b.txt', 'c.csv'));
    expect(listInputFiles(path.join(d, '**', '*.txt'))).toEqual([...abs('a.txt', 'b.txt'), path.join(d, 'sub', 'deep.txt')]);
    expect(listInputFiles(`${path.join(d, 'c.csv')},file://${path.join(d, 'a.txt')}`)).toEqual(abs('c.csv', 'a.txt'));
    expect(splitPathList('a,b{c,d},e')).toEqual(['a', 'b{c,d}', 'e']);
    expect(splitPathList(' a , ,b ')).toEqual(['a', 'b']);
    const missing = (() => {
      try {
        listInputFiles(path.join(d, 'nope.txt'));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(missing).toBeInstanceOf(FlintError);
    expect((missing as FlintError).code).toBe('FILE_NOT_FOUND');
  });
});
