import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCH_SIZES, type BenchSize } from './bench-size.ts';
import { ensureDataset, type GenerationReporter } from './dataset-cache.ts';
import { DATASET_NAMES, rowRange } from './generators.ts';
import { deriveSeed, SeededRandom } from './seeded-random.ts';
import { Vocabulary, wordForRank } from './vocabulary.ts';
import { scatterTable, ZipfSampler } from './zipf-sampler.ts';

const TINY: BenchSize = {
  ...BENCH_SIZES.small,
  name: 'small',
  corpus: { bytes: 20_000, files: 3, vocabulary: 500, zipfS: 1.0 },
  pairs: { rows: 2_000, files: 3, keys: 100, zipfS: 1.1 },
  dimension: { files: 2, presence: 0.7 },
  graph: { edges: 1_000, nodes: 50, files: 2 },
  records: { rows: 1_000, files: 2, payloadChars: 8 },
};

const quiet: GenerationReporter = { begin() {}, advance() {}, end() {} };
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'flint-bench-gen-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function digestAll(dataDir: string, seed: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of DATASET_NAMES) {
    const files = await ensureDataset(dataDir, TINY, seed, name, quiet);
    const h = createHash('sha256');
    for (const f of files.files) h.update(readFileSync(f));
    out[name] = h.digest('hex').slice(0, 16);
  }
  return out;
}

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('keeps floats in [0, 1) and derives distinct stream seeds', () => {
    const r = new SeededRandom(1);
    for (let i = 0; i < 10_000; i++) {
      const x = r.nextFloat();
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(deriveSeed(42, 'corpus', 0)).not.toBe(deriveSeed(42, 'corpus', 1));
    expect(deriveSeed(42, 'corpus', 0)).toBe(deriveSeed(42, 'corpus', 0));
  });
});

describe('ZipfSampler', () => {
  it('draws ranks with Zipf frequencies', () => {
    const z = new ZipfSampler(1000, 1.0);
    const r = new SeededRandom(3);
    const counts = new Uint32Array(1000);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[z.sample(r)]++;
    for (const rank of [0, 1, 9, 99]) {
      const p = z.probability(rank);
      const sigma = Math.sqrt(draws * p * (1 - p));
      expect(Math.abs(counts[rank] - draws * p)).toBeLessThan(5 * sigma);
    }
  });

  it('scatters ranks by a bijection', () => {
    const t = scatterTable(1000, 17);
    expect(new Set(t).size).toBe(1000);
  });
});

describe('vocabulary', () => {
  it('gives distinct, short-first words', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => wordForRank(i));
    expect(new Set(words).size).toBe(words.length);
    expect(words[0].length).toBeLessThanOrEqual(words[19_999].length);
    const v = new Vocabulary(100);
    expect(Buffer.from(v.bytes.subarray(v.offsets[5], v.offsets[6])).toString()).toBe(wordForRank(5));
  });
});

describe('generated datasets', () => {
  it('splits rows over files exactly', () => {
    let total = 0;
    for (let i = 0; i < 7; i++) {
      const [s, e] = rowRange(100, 7, i);
      expect(s).toBe(total);
      total = e;
    }
    expect(total).toBe(100);
  });

  it('are byte-identical for the same seed, in any directory, and differ for another seed', async () => {
    const first = await digestAll(tempDir(), 42);
    const second = await digestAll(tempDir(), 42);
    const other = await digestAll(tempDir(), 43);
    expect(second).toEqual(first);
    for (const name of DATASET_NAMES) expect(other[name]).not.toBe(first[name]);
  });

  it('match the recorded output of this generator version (bump GENERATOR_VERSION when this changes)', async () => {
    expect(await digestAll(tempDir(), 42)).toMatchInlineSnapshot(`
      {
        "corpus": "849396ecee28223c",
        "dimension": "46333264da723ccc",
        "graph": "895e333fb1b2bfb5",
        "pairs": "a9277808924d339f",
        "records": "bc3bada24cbc54cb",
      }
    `);
  });

  it('are reused from the cache when complete and regenerated when a file is damaged', async () => {
    const dir = tempDir();
    const events: string[] = [];
    const reporter: GenerationReporter = { begin: (n) => events.push(`gen ${n}`), advance() {}, end: (n, _f, cached) => events.push(`${cached ? 'cached' : 'made'} ${n}`) };
    const made = await ensureDataset(dir, TINY, 42, 'pairs', reporter);
    await ensureDataset(dir, TINY, 42, 'pairs', reporter);
    rmSync(made.files[1]);
    await ensureDataset(dir, TINY, 42, 'pairs', reporter);
    expect(events).toEqual(['gen pairs', 'made pairs', 'cached pairs', 'gen pairs', 'made pairs']);
    const lines = made.files.flatMap((f) => readFileSync(f, 'utf8').trimEnd().split('\n'));
    expect(lines).toHaveLength(TINY.pairs.rows);
    expect(lines.every((l) => /^k\d+\t\d+$/.test(l))).toBe(true);
  });
});
