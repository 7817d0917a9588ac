/** Test support: a tiny generated data set in a fresh temporary directory. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureData, type DataPaths, type Part } from './data.ts';

export interface TestData extends DataPaths {
  remove(): void;
}

export function tinyData(parts: readonly Part[], seed?: number): TestData {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-examples-'));
  const paths = ensureData({ dir, size: 'tiny', parts, ...(seed === undefined ? {} : { seed }) });
  return { ...paths, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The lines of every visible file under `p` (a file or a directory), in file-name order. */
export function readLines(p: string): string[] {
  const files = fs.statSync(p).isDirectory()
    ? fs
        .readdirSync(p)
        .filter((f) => !f.startsWith('_') && !f.startsWith('.'))
        .sort()
        .map((f) => path.join(p, f))
    : [p];
  const lines: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const ls = text.split('\n');
    if (ls[ls.length - 1] === '') ls.pop();
    lines.push(...ls);
  }
  return lines;
}
