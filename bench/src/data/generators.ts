import { ChunkedFileWriter } from './chunked-file-writer.ts';
import { deriveSeed, SeededRandom } from './seeded-random.ts';
import { scatterTable, ZipfSampler } from './zipf-sampler.ts';
import { Vocabulary } from './vocabulary.ts';
import type { CorpusSpec, DimensionSpec, GraphSpec, PairsSpec, RecordsSpec } from './bench-size.ts';

/** The datasets the generators write; each is a directory of `part-NNNNN.txt` files. */
export const DATASET_NAMES = ['corpus', 'pairs', 'dimension', 'graph', 'records'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * Bump when any generator's output changes for the same spec and seed, so
 * cached data made by an older generator is regenerated.
 */
export const GENERATOR_VERSION = 1;

/** Lines written between yields to the event loop (keeps progress output live). */
const LINES_PER_SLICE = 20_000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface FileJob {
  readonly path: string;
  readonly seed: number;
  readonly fileIndex: number;
  /** Called with the number of bytes of each block written. */
  readonly onBytes: (bytes: number) => void;
}

/** Rows [start, end) of `total` rows given to file `index` of `files`. */
export function rowRange(total: number, files: number, index: number): [number, number] {
  const base = Math.floor(total / files);
  const extra = total % files;
  const start = index * base + Math.min(index, extra);
  return [start, start + base + (index < extra ? 1 : 0)];
}

const vocabularies = new Map<number, Vocabulary>();
const samplers = new Map<string, ZipfSampler>();
const scatters = new Map<string, Uint32Array>();

function vocabulary(size: number): Vocabulary {
  let v = vocabularies.get(size);
  if (!v) vocabularies.set(size, (v = new Vocabulary(size)));
  return v;
}

function zipf(n: number, s: number): ZipfSampler {
  const key = `${n}:${s}`;
  let z = samplers.get(key);
  if (!z) samplers.set(key, (z = new ZipfSampler(n, s)));
  return z;
}

function scatter(n: number, salt: number): Uint32Array {
  const key = `${n}:${salt}`;
  let t = scatters.get(key);
  if (!t) scatters.set(key, (t = scatterTable(n, salt)));
  return t;
}

/** Text lines of 4–16 space-separated words drawn from a Zipf distribution over the vocabulary. */
export async function writeCorpusFile(spec: CorpusSpec, job: FileJob): Promise<void> {
  const random = new SeededRandom(deriveSeed(job.seed, 'corpus', job.fileIndex));
  const vocab = vocabulary(spec.vocabulary);
  const sampler = zipf(spec.vocabulary, spec.zipfS);
  const [start, end] = rowRange(spec.bytes, spec.files, job.fileIndex);
  const target = end - start;
  const out = new ChunkedFileWriter(job.path, job.onBytes);
  const { bytes, offsets } = vocab;
  while (out.bytesWritten < target) {
    for (let line = 0; line < LINES_PER_SLICE && out.bytesWritten < target; line++) {
      const words = 4 + random.nextInt(13);
      out.reserve(words * 16 + 1);
      for (let w = 0; w < words; w++) {
        const r = sampler.sample(random);
        if (w > 0) out.byte(32);
        out.bytes(bytes, offsets[r], offsets[r + 1]);
      }
      out.byte(10);
    }
    await yieldToLoop();
  }
  out.close();
}

/** `k<id>\t<value>` lines: Zipf-skewed keys, values uniform in [0, 999]. */
export async function writePairsFile(spec: PairsSpec, job: FileJob): Promise<void> {
  const random = new SeededRandom(deriveSeed(job.seed, 'pairs', job.fileIndex));
  const sampler = zipf(spec.keys, spec.zipfS);
  const ids = scatter(spec.keys, 17);
  const [start, end] = rowRange(spec.rows, spec.files, job.fileIndex);
  const out = new ChunkedFileWriter(job.path, job.onBytes);
  for (let row = start; row < end; ) {
    const sliceEnd = Math.min(end, row + LINES_PER_SLICE);
    for (; row < sliceEnd; row++) {
      out.reserve(32);
      out.byte(107); // 'k'
      out.uint(ids[sampler.sample(random)]);
      out.byte(9);
      out.uint(random.nextInt(1000));
      out.byte(10);
    }
    await yieldToLoop();
  }
  out.close();
}

/** `k<id>\t<weight>` lines, one for about `presence` of the pairs' keys, weights in [1, 999]. */
export async function writeDimensionFile(spec: DimensionSpec, keys: number, job: FileJob): Promise<void> {
  const random = new SeededRandom(deriveSeed(job.seed, 'dimension', job.fileIndex));
  const [start, end] = rowRange(keys, spec.files, job.fileIndex);
  const out = new ChunkedFileWriter(job.path, job.onBytes);
  for (let id = start; id < end; ) {
    const sliceEnd = Math.min(end, id + LINES_PER_SLICE);
    for (; id < sliceEnd; id++) {
      const present = random.nextFloat() < spec.presence;
      const weight = 1 + random.nextInt(999);
      if (!present) continue;
      out.reserve(32);
      out.byte(107);
      out.uint(id);
      out.byte(9);
      out.uint(weight);
      out.byte(10);
    }
    await yieldToLoop();
  }
  out.close();
}

/** `<src> <dst>` edge lines: sources mildly and destinations strongly skewed (popular pages). */
export async function writeGraphFile(spec: GraphSpec, job: FileJob): Promise<void> {
  const random = new SeededRandom(deriveSeed(job.seed, 'graph', job.fileIndex));
  const srcSampler = zipf(spec.nodes, 0.6);
  const dstSampler = zipf(spec.nodes, 0.9);
  const srcIds = scatter(spec.nodes, 5);
  const dstIds = scatter(spec.nodes, 11);
  const [start, end] = rowRange(spec.edges, spec.files, job.fileIndex);
  const out = new ChunkedFileWriter(job.path, job.onBytes);
  for (let e = start; e < end; ) {
    const sliceEnd = Math.min(end, e + LINES_PER_SLICE);
    for (; e < sliceEnd; e++) {
      out.reserve(32);
      out.uint(srcIds[srcSampler.sample(random)]);
      out.byte(32);
      out.uint(dstIds[dstSampler.sample(random)]);
      out.byte(10);
    }
    await yieldToLoop();
  }
  out.close();
}

/** `<key>,<payload>` lines: keys uniform in [0, 2^40), payloads of random lowercase letters. */
export async function writeRecordsFile(spec: RecordsSpec, job: FileJob): Promise<void> {
  const random = new SeededRandom(deriveSeed(job.seed, 'records', job.fileIndex));
  const [start, end] = rowRange(spec.rows, spec.files, job.fileIndex);
  const out = new ChunkedFileWriter(job.path, job.onBytes);
  for (let row = start; row < end; ) {
    const sliceEnd = Math.min(end, row + LINES_PER_SLICE);
    for (; row < sliceEnd; row++) {
      out.reserve(spec.payloadChars + 24);
      const hi = random.nextUint32() & 0xff;
      const lo = random.nextUint32();
      out.uint(hi * 4294967296 + lo);
      out.byte(44);
      for (let i = 0; i < spec.payloadChars; i++) out.byte(97 + random.nextInt(26));
      out.byte(10);
    }
    await yieldToLoop();
  }
  out.close();
}
