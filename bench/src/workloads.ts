import type { WorkloadId } from './answers.ts';
import type { BenchSize } from './data/bench-size.ts';
import type { DatasetFiles } from './data/dataset-cache.ts';
import type { DatasetName } from './data/generators.ts';

/** Baselines a workload is compared with (every workload also runs on each Flint target). */
export const BASELINE_IDS = ['plain-js', 'plain-js-split', 'skale', 'duckdb', 'raw-socket'] as const;
export type BaselineId = (typeof BASELINE_IDS)[number];

/** What one workload is, what it reads, which baselines run it and how its answer is checked. */
export interface WorkloadInfo {
  readonly id: WorkloadId;
  readonly title: string;
  /** What the timed part does, for the report. */
  readonly timed: string;
  readonly inputs: readonly DatasetName[];
  readonly baselines: readonly BaselineId[];
  /** How its answer is checked, stated in the output. */
  readonly checkedBy: string;
  /** The amount of work, to turn a time into a throughput. */
  readonly throughput: (size: BenchSize, inputs: Partial<Record<DatasetName, DatasetFiles>>) => { amount: number; unit: string };
}

const MB = 1e6;

export const WORKLOADS: Readonly<Record<WorkloadId, WorkloadInfo>> = {
  wordcount: {
    id: 'wordcount',
    title: 'word count',
    timed: 'read the corpus files, split lines on spaces, count each word, collect all counts to the driver',
    inputs: ['corpus'],
    baselines: ['plain-js', 'plain-js-split', 'skale', 'duckdb'],
    checkedBy: 'every (word, count) pair equal to plain JS (so top-100 and total equal too)',
    throughput: (_s, i) => ({ amount: (i.corpus?.bytes ?? 0) / MB, unit: 'MB/s' }),
  },
  groupby: {
    id: 'groupby',
    title: 'group-by-key sum',
    timed: 'read key/value lines (Zipf-skewed keys), sum values per key, collect all sums',
    inputs: ['pairs'],
    baselines: ['plain-js', 'skale', 'duckdb'],
    checkedBy: 'every (key, sum) pair equal to plain JS',
    throughput: (s) => ({ amount: s.pairs.rows / 1e6, unit: 'M rows/s' }),
  },
  sort: {
    id: 'sort',
    title: 'sortByKey of records',
    timed: 'read records, key each by its number, sort by key across partitions, summarise each sorted partition',
    inputs: ['records'],
    baselines: ['plain-js', 'skale', 'duckdb'],
    checkedBy: 'sortedness within and across partitions; count, total bytes and an order-sensitive rank×key checksum equal to plain JS',
    throughput: (s) => ({ amount: s.records.rows / 1e6, unit: 'M rec/s' }),
  },
  join: {
    id: 'join',
    title: 'join of two key/value sets',
    timed: 'inner join of the key/value lines with a dimension (one weight per key for ~70% of keys); count, Σ value×weight',
    inputs: ['pairs', 'dimension'],
    baselines: ['plain-js', 'skale', 'duckdb'],
    checkedBy: 'joined row count, Σ value×weight and a per-key checksum equal to plain JS',
    throughput: (s) => ({ amount: s.pairs.rows / 1e6, unit: 'M rows/s' }),
  },
  pagerank: {
    id: 'pagerank',
    title: 'PageRank, 10 iterations',
    timed: 'parse edges, distinct, group into a cached links RDD, 10 join/reduceByKey iterations, collect ranks',
    inputs: ['graph'],
    baselines: ['plain-js', 'skale'],
    checkedBy: 'the rank of every node within 1e-9 relative of plain JS (same node set)',
    throughput: (s) => ({ amount: (s.graph.edges * s.pagerankIterations) / 1e6, unit: 'M edge-iter/s' }),
  },
  tinytasks: {
    id: 'tinytasks',
    title: 'tiny-task throughput',
    timed: 'one job of N partitions with one element each, counted: tasks per second through the whole scheduler',
    inputs: [],
    baselines: ['plain-js', 'skale'],
    checkedBy: 'count = N and N partitions',
    throughput: (s) => ({ amount: s.tinyTasks, unit: 'tasks/s' }),
  },
  shuffle: {
    id: 'shuffle',
    title: 'shuffle throughput',
    timed: 'generate 1 KiB string records in P partitions, repartition(P), count records and bytes per partition',
    inputs: [],
    baselines: ['plain-js', 'skale', 'raw-socket'],
    checkedBy: 'records and bytes equal to the generated amounts; output partitions left empty are reported',
    throughput: (s) => ({ amount: (s.shuffleRecords * s.shuffleRecordBytes) / MB, unit: 'MB/s' }),
  },
};

/** Everything a child process needs to run one workload: sent as JSON on its command line. */
export interface JobSpec {
  readonly workload: WorkloadId;
  readonly runs: number;
  /** Untimed-for-the-median runs made first (JIT, thread pools and page cache warm), each still checked. */
  readonly warmup: number;
  /** Start no further run once the runs so far plus one more would pass this (ms); at least one run happens. */
  readonly budgetMs: number;
  readonly size: BenchSize;
  readonly inputs: Partial<Record<DatasetName, DatasetFiles>>;
}
