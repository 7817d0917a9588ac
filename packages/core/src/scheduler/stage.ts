/**
 * A stage: the set of tasks that compute one RDD's partitions through narrow
 * dependencies, ending either in a shuffle write (ShuffleMapStage) or in an
 * action's result (ResultStage). Owned by the DAGScheduler's event loop.
 */
import type { StageInfo } from '../listener/events.ts';
import type { ResultFnSpec } from '../plan/plan.ts';
import type { LineageRdd, LineageShuffleDependency } from './lineage.ts';

export interface ActiveJob {
  jobId: number;
  finalStage: Stage;
  partitions: number[];
  resultFn: ResultFnSpec;
  finished: boolean[];
  numFinished: number;
  results: unknown[];
  description: string;
  /** Set by `sc.setJobGroup` where the action was called; cancelled together by `sc.cancelJobGroup`. */
  jobGroup: string | null;
  resolve(results: unknown[]): void;
  reject(e: Error): void;
  done: boolean;
  /** Bytes of serialized results received so far (bounded by flint.driver.maxResultSize). */
  resultBytes: number;
}

export class Stage {
  readonly jobIds = new Set<number>();
  /** Attempt number of the latest attempt (-1 before the first). */
  latestAttempt = -1;
  /** Partitions of the running attempt not yet done. */
  readonly pendingPartitions = new Set<number>();
  failedAttempts = 0;
  info: StageInfo | null = null;
  /** The job a result stage computes for. */
  job: ActiveJob | null = null;

  constructor(
    readonly id: number,
    readonly rdd: LineageRdd,
    readonly parents: Stage[],
    readonly firstJobId: number,
    readonly shuffleDep: LineageShuffleDependency | null,
    readonly name: string,
  ) {}

  get isShuffleMap(): boolean {
    return this.shuffleDep !== null;
  }
  get numPartitions(): number {
    return this.rdd.getNumPartitions();
  }
}
