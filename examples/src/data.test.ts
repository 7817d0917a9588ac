import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureData, PARTS, SIZES, vocabulary, ZipfSampler } from './data.ts';
import { makeRandom, mixSeed } from './random.ts';
import { readLines } from './test-data.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-data-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of PARTS) {
    const dir = path.join(root, part);
    for (const f of fs.readdirSync(dir).sort()) out.set(`${part}/${f}`, fs.readFileSync(path.join(dir, f), 'latin1'));
  }
  return out;
}

describe('example data', () => {
  it('is the same for the same seed and different for another seed', () => {
    const a = ensureData({ dir: tmp(), size: 'tiny', seed: 1 });
    const b = ensureData({ dir: tmp(), size: 'tiny', seed: 1 });
    const c = ensureData({ dir: tmp(), size: 'tiny', seed: 2 });
    expect(snapshot(a.root)).toEqual(snapshot(b.root));
    expect(readLines(c.corpus)).not.toEqual(readLines(a.corpus));
    expect(readLines(c.edges)).not.toEqual(readLines(a.edges));
  });

  it('is generated once and then reused, and regenerated when the seed changes', () => {
    const dir = tmp();
    expect(ensureData({ dir, size: 'tiny', parts: ['graph'] }).generated).toEqual(['graph']);
    expect(ensureData({ dir, size: 'tiny', parts: ['graph'] }).generated).toEqual([]);
    expect(ensureData({ dir, size: 'tiny', parts: ['graph', 'points'] }).generated).toEqual(['points']);
    expect(ensureData({ dir, size: 'tiny', parts: ['graph'], seed: 3 }).generated).toEqual(['graph']);
  });

  it('has the requested shape', () => {
    const d = ensureData({ dir: tmp(), size: 'tiny' });
    const s = SIZES.tiny;
    const corpusFiles = fs.readdirSync(d.corpus).filter((f) => !f.startsWith('_'));
    expect(corpusFiles).toHaveLength(s.corpus.files);
    const bytes = corpusFiles.reduce((n, f) => n + fs.statSync(path.join(d.corpus, f)).size, 0);
    expect(bytes).toBeGreaterThanOrEqual(s.corpus.bytes);
    expect(bytes).toBeLessThan(s.corpus.bytes * 1.01);
    const edges = readLines(d.edges).map((l) => l.split(' ').map(Number));
    expect(edges).toHaveLength(s.graph.edges);
    for (const [a, b] of edges) {
      expect(a).not.toBe(b);
      expect(a! >= 0 && a! < s.graph.nodes && b! >= 0 && b! < s.graph.nodes).toBe(true);
    }
    expect(new Set(edges.map(([a]) => a)).size).toBe(s.graph.nodes); // every page links somewhere
    expect(readLines(d.points)).toHaveLength(s.points.points);
    expect(readLines(d.customers)).toHaveLength(s.join.customers + 1);
    expect(readLines(d.orders)).toHaveLength(s.join.orders + 1);
  });

  it('draws words from a fixed vocabulary of distinct lowercase words', () => {
    const v = vocabulary(5000);
    expect(v).toHaveLength(5000);
    expect(new Set(v).size).toBe(5000);
    for (const w of v) expect(w).toMatch(/^[a-z]+$/);
    expect(vocabulary(5000)).toEqual(v);
  });

  it('samples Zipf ranks with decreasing frequency', () => {
    const z = new ZipfSampler(100);
    const rand = makeRandom(9);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 100_000; i++) counts[z.sample(rand)]!++;
    expect(counts[0]!).toBeGreaterThan(counts[1]!);
    expect(counts[1]!).toBeGreaterThan(counts[9]!);
    expect(counts[9]!).toBeGreaterThan(counts[99]!);
  });

  it('has generators that give reproducible, well-spread streams', () => {
    const a = makeRandom(mixSeed(5, 0));
    const b = makeRandom(mixSeed(5, 0));
    const c = makeRandom(mixSeed(5, 1));
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
