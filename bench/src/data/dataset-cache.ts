import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSize } from './bench-size.ts';
import {
  GENERATOR_VERSION,
  writeCorpusFile,
  writeDimensionFile,
  writeGraphFile,
  writePairsFile,
  writeRecordsFile,
  type DatasetName,
  type FileJob,
} from './generators.ts';

/** One generated dataset on disk. */
export interface DatasetFiles {
  readonly name: DatasetName;
  readonly dir: string;
  /** Absolute paths of the data files, in order. */
  readonly files: readonly string[];
  /** A glob matching exactly the data files (for engines that take one). */
  readonly glob: string;
  readonly bytes: number;
}

interface Manifest {
  readonly generatorVersion: number;
  readonly seed: number;
  readonly spec: unknown;
  readonly files: ReadonlyArray<{ name: string; bytes: number }>;
}

/** How generation reports progress; one task per dataset. */
export interface GenerationReporter {
  begin(dataset: DatasetName, expectedBytes: number): void;
  advance(bytes: number): void;
  end(dataset: DatasetName, files: DatasetFiles, cached: boolean): void;
}

function specOf(size: BenchSize, name: DatasetName): { spec: unknown; files: number; expectedBytes: number } {
  switch (name) {
    case 'corpus':
      return { spec: size.corpus, files: size.corpus.files, expectedBytes: size.corpus.bytes };
    case 'pairs':
      return { spec: size.pairs, files: size.pairs.files, expectedBytes: size.pairs.rows * 9 };
    case 'dimension':
      return {
        spec: { ...size.dimension, keys: size.pairs.keys },
        files: size.dimension.files,
        expectedBytes: size.pairs.keys * size.dimension.presence * 10,
      };
    case 'graph':
      return { spec: size.graph, files: size.graph.files, expectedBytes: size.graph.edges * 11 };
    case 'records':
      return {
        spec: size.records,
        files: size.records.files,
        expectedBytes: size.records.rows * (size.records.payloadChars + 15),
      };
  }
}

function writeFile(size: BenchSize, name: DatasetName, job: FileJob): Promise<void> {
  switch (name) {
    case 'corpus':
      return writeCorpusFile(size.corpus, job);
    case 'pairs':
      return writePairsFile(size.pairs, job);
    case 'dimension':
      return writeDimensionFile(size.dimension, size.pairs.keys, job);
    case 'graph':
      return writeGraphFile(size.graph, job);
    case 'records':
      return writeRecordsFile(size.records, job);
  }
}

const partName = (i: number): string => `part-${String(i).padStart(5, '0')}.txt`;

/** The directory of one size and seed: `<dataDir>/<size>-seed<seed>`. */
export function sizeDir(dataDir: string, size: BenchSize, seed: number): string {
  return join(dataDir, `${size.name}-seed${seed}`);
}

/**
 * Returns the dataset, generating it first unless a complete copy made by the
 * same generator version, seed and spec is already cached. The manifest is
 * written last, so an interrupted generation is redone.
 */
export async function ensureDataset(
  dataDir: string,
  size: BenchSize,
  seed: number,
  name: DatasetName,
  reporter: GenerationReporter,
): Promise<DatasetFiles> {
  const dir = join(sizeDir(dataDir, size, seed), name);
  const { spec, files: fileCount, expectedBytes } = specOf(size, name);
  const manifestPath = join(dir, 'manifest.json');
  const wanted = { generatorVersion: GENERATOR_VERSION, seed, spec };
  const describe = (manifest: Manifest): DatasetFiles => {
    const files = manifest.files.map((f) => join(dir, f.name));
    return { name, dir, files, glob: join(dir, 'part-*.txt'), bytes: manifest.files.reduce((a, f) => a + f.bytes, 0) };
  };

  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const sameSpec =
      JSON.stringify({ generatorVersion: manifest.generatorVersion, seed: manifest.seed, spec: manifest.spec }) ===
      JSON.stringify(wanted);
    const intact = manifest.files.every((f) => {
      const p = join(dir, f.name);
      return existsSync(p) && statSync(p).size === f.bytes;
    });
    if (sameSpec && intact) {
      const files = describe(manifest);
      reporter.end(name, files, true);
      return files;
    }
  }

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  reporter.begin(name, expectedBytes);
  const written: Array<{ name: string; bytes: number }> = [];
  for (let i = 0; i < fileCount; i++) {
    const path = join(dir, partName(i));
    await writeFile(size, name, { path, seed, fileIndex: i, onBytes: (b) => reporter.advance(b) });
    written.push({ name: partName(i), bytes: statSync(path).size });
  }
  const manifest: Manifest = { ...wanted, files: written };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  const files = describe(manifest);
  reporter.end(name, files, false);
  return files;
}
