/**
 * What the schedulers need from an RDD, and nothing more: its id and partitions,
 * its dependencies (where the DAGScheduler cuts stages), how to build a task's
 * split and plan, and where its partitions prefer to run. The RDD classes
 * (rdd/rdd.ts) satisfy these interfaces structurally; the scheduler never
 * imports them, so the RDD API and the scheduler do not depend on each other.
 * Plain types, no state.
 */
import type { AggregatorSpec, BlockRef, PartitionerSpec, PlanNode, Split } from '../plan/plan.ts';
import type { StorageLevelName } from '../storage/storage-level.ts';

/** A preferred place to run a task: an executor, optionally one of its slots (threads). */
export interface TaskLocation {
  executorId: string;
  slot: number | null;
}

/** Everything building a task's split needs from the driver. */
export interface SplitBuilder {
  blocksFor(shuffleId: number, reduceId: number): BlockRef[];
}

/** An RDD as the schedulers see it. */
export interface LineageRdd {
  readonly id: number;
  /** The API method that created it (stage names, the stage DAG). */
  readonly scope: string;
  readonly name: string | null;
  readonly storageLevel: StorageLevelName;
  getNumPartitions(): number;
  dependencies(): LineageDependency[];
  /** The inputs of partition `partition`; throws when a map output it reads is missing. */
  split(partition: number, builder: SplitBuilder): Split;
  /** Where partition `partition` prefers to run from its input alone (cache locations come from the scheduler). */
  preferredLocations(partition: number): TaskLocation[];
  /** For one-to-one and union-like kinds: the parent partition that partition `partition` reads. */
  narrowParent(partition: number): { rdd: LineageRdd; partition: number } | null;
  /** The plan node executors interpret. */
  _plan(): PlanNode;
  /** Work that needs jobs of its own (sampling, counting) before the RDD can run. */
  _prepare(): Promise<void>;
}

/** A dependency within a stage: partition i reads parent partitions without a shuffle. */
export interface LineageNarrowDependency {
  kind: 'narrow';
  rdd: LineageRdd;
}

/** A dependency across stages: the parent's map outputs, partitioned for the child. */
export interface LineageShuffleDependency {
  kind: 'shuffle';
  rdd: LineageRdd;
  shuffleId: number;
  partitioner: { spec(): PartitionerSpec };
  /** Map-side combine aggregator, or null. */
  mapAgg: AggregatorSpec | null;
  /** The operation that reads the map side's records as [key, value] pairs (absent: carried whole). */
  pairsFor?: string | null;
}

export type LineageDependency = LineageNarrowDependency | LineageShuffleDependency;
