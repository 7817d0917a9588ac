/** The data sizes `--size` selects. Medium is the one the notes quote. */
export const SIZE_NAMES = ['small', 'medium', 'large'] as const;
export type SizeName = (typeof SIZE_NAMES)[number];

export interface CorpusSpec {
  /** Approximate total bytes, split evenly over `files`. */
  readonly bytes: number;
  readonly files: number;
  readonly vocabulary: number;
  /** Zipf exponent of word frequencies. */
  readonly zipfS: number;
}

export interface PairsSpec {
  readonly rows: number;
  readonly files: number;
  /** Distinct keys `k0 … k{keys-1}`; rows pick keys with a Zipf skew. */
  readonly keys: number;
  readonly zipfS: number;
}

export interface DimensionSpec {
  readonly files: number;
  /** Probability that a key of the pairs' key space has a dimension row. */
  readonly presence: number;
}

export interface GraphSpec {
  readonly edges: number;
  readonly nodes: number;
  readonly files: number;
}

export interface RecordsSpec {
  readonly rows: number;
  readonly files: number;
  readonly payloadChars: number;
}

/** Everything the generators and workloads need to know about one size. */
export interface BenchSize {
  readonly name: SizeName;
  readonly corpus: CorpusSpec;
  readonly pairs: PairsSpec;
  readonly dimension: DimensionSpec;
  readonly graph: GraphSpec;
  readonly records: RecordsSpec;
  /** Tasks in the tiny-task throughput workload (one empty partition each). */
  readonly tinyTasks: number;
  /** Records of `shuffleRecordBytes` moved through one repartition. */
  readonly shuffleRecords: number;
  readonly shuffleRecordBytes: number;
  readonly pagerankIterations: number;
  /** Partitions for parallel inputs and shuffles, the same for every engine. */
  readonly partitions: number;
}

const MB = 1_000_000;

/** Small is a smoke run: fewer files, since skale pays a fixed cost per file (one partition each). */
export const BENCH_SIZES: Readonly<Record<SizeName, BenchSize>> = {
  small: {
    name: 'small',
    corpus: { bytes: 4 * MB, files: 4, vocabulary: 20_000, zipfS: 1.0 },
    pairs: { rows: 200_000, files: 4, keys: 10_000, zipfS: 1.1 },
    dimension: { files: 2, presence: 0.7 },
    graph: { edges: 10_000, nodes: 1_000, files: 2 },
    records: { rows: 100_000, files: 4, payloadChars: 24 },
    tinyTasks: 100,
    shuffleRecords: 16_384,
    shuffleRecordBytes: 1024,
    pagerankIterations: 10,
    partitions: 8,
  },
  medium: {
    name: 'medium',
    corpus: { bytes: 200 * MB, files: 8, vocabulary: 200_000, zipfS: 1.0 },
    pairs: { rows: 10_000_000, files: 8, keys: 100_000, zipfS: 1.1 },
    dimension: { files: 4, presence: 0.7 },
    graph: { edges: 1_000_000, nodes: 100_000, files: 8 },
    records: { rows: 10_000_000, files: 8, payloadChars: 24 },
    tinyTasks: 10_000,
    shuffleRecords: 1_048_576,
    shuffleRecordBytes: 1024,
    pagerankIterations: 10,
    partitions: 8,
  },
  large: {
    name: 'large',
    corpus: { bytes: 1000 * MB, files: 16, vocabulary: 500_000, zipfS: 1.0 },
    pairs: { rows: 50_000_000, files: 16, keys: 1_000_000, zipfS: 1.1 },
    dimension: { files: 8, presence: 0.7 },
    graph: { edges: 5_000_000, nodes: 500_000, files: 16 },
    records: { rows: 50_000_000, files: 16, payloadChars: 24 },
    tinyTasks: 20_000,
    shuffleRecords: 4_194_304,
    shuffleRecordBytes: 1024,
    pagerankIterations: 10,
    partitions: 16,
  },
};
