import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputCommitter, openAttemptFile, partFileName } from './output-committer.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-committer-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function attempt(staging: string, partition: number, id: number, text: string): { fd: number; relative: string } {
  const a = openAttemptFile(staging, partition, id);
  fs.writeSync(a.fd, text);
  return { fd: a.fd, relative: a.relative };
}

describe('OutputCommitter', () => {
  it('moves only the winning attempt of each partition; losers, failed and late attempts never reach the output', () => {
    const parent = path.join(root, 'a');
    const dir = path.join(parent, 'out');
    const c = OutputCommitter.setup(dir, 'saveAsTextFile');
    expect(path.dirname(c.staging)).toBe(parent);
    expect(fs.existsSync(dir)).toBe(false);
    // Partition 0: attempt 1 dies mid-write (never reports), attempt 3 wins.
    const dead = attempt(c.staging, 0, 1, 'partial');
    const p0 = attempt(c.staging, 0, 3, 'zero\n');
    const p1 = attempt(c.staging, 1, 2, 'one\n');
    // Partition 1 also has a slower duplicate attempt, still writing at commit time.
    const late = attempt(c.staging, 1, 4, 'one\n');
    for (const a of [dead, p0, p1]) fs.closeSync(a.fd);
    c.commit([p0.relative, p1.relative]);
    expect(fs.readdirSync(dir).sort()).toEqual(['_SUCCESS', partFileName(0), partFileName(1)]);
    expect(fs.readFileSync(path.join(dir, partFileName(0)), 'utf8')).toBe('zero\n');
    expect(fs.readFileSync(path.join(dir, partFileName(1)), 'utf8')).toBe('one\n');
    expect(fs.readdirSync(parent)).toEqual(['out']);
    // The late attempt goes on writing through its descriptor: nothing in the output changes.
    fs.writeSync(late.fd, 'x'.repeat(1000));
    fs.closeSync(late.fd);
    // And a new attempt cannot start once the job has committed.
    expect(() => openAttemptFile(c.staging, 1, 9)).toThrow(/staging area .* is gone/);
    expect(fs.readdirSync(parent)).toEqual(['out']);
    expect(fs.readdirSync(dir).sort()).toEqual(['_SUCCESS', partFileName(0), partFileName(1)]);
    expect(fs.readFileSync(path.join(dir, partFileName(1)), 'utf8')).toBe('one\n');
  });

  it('abort leaves neither output nor staging; an existing output is refused untouched', () => {
    const parent = path.join(root, 'b');
    const c = OutputCommitter.setup(path.join(parent, 'out'), 'saveAsTextFile');
    fs.closeSync(attempt(c.staging, 0, 1, 'x').fd);
    c.abort();
    expect(fs.readdirSync(parent)).toEqual([]);
    fs.mkdirSync(path.join(parent, 'out'));
    expect(() => OutputCommitter.setup(path.join(parent, 'out'), 'saveAsTextFile')).toThrow(/already exists/);
    expect(fs.readdirSync(parent)).toEqual(['out']);
  });

  it('refuses a result that is not a file inside its staging area', () => {
    const parent = path.join(root, 'c');
    const c = OutputCommitter.setup(path.join(parent, 'out'), 'saveAsTextFile');
    expect(() => c.commit(['../../etc/passwd'])).toThrow(/instead of the file it wrote/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});
