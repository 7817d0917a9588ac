import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteWordCounter } from './byte-word-counter.ts';

const dir = mkdtempSync(join(tmpdir(), 'flint-bench-words-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function naive(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  for (const line of lines) for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

function count(text: string, blockBytes: number): Map<string, number> {
  const path = join(dir, `f${Math.random()}.txt`);
  writeFileSync(path, text);
  const c = new ByteWordCounter();
  c.addFile(path, blockBytes);
  return new Map(c.entries());
}

describe('ByteWordCounter', () => {
  it('splits like line.split(" "): empty words, no final newline, UTF-8, words across blocks', () => {
    const text = 'a b  a\n\nçà é çà\nlast word no newline '.repeat(3) + 'end';
    for (const block of [1, 3, 7, 64, 1 << 20]) expect(count(text, block)).toEqual(naive(text));
  });

  it('keeps counts right while its table grows', () => {
    const words = Array.from({ length: 100_000 }, (_, i) => `w${i % 40_000}`);
    const text = `${words.join(' ')}\n`;
    expect(count(text, 1 << 12)).toEqual(naive(text));
  });
});
