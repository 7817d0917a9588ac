/**
 * The executor-facing description of a stage: a tree of plan nodes (one per RDD
 * in the stage's narrow lineage, element-wise ops fused into one node) and, per
 * task, a split tree that mirrors it with the partition's inputs. Both are plain
 * data that serialize with msgpack. Built on the driver, interpreted by
 * executor/compute.ts.
 */
import type { FnSpec } from '../closure/ship.ts';
import type { StorageLevelName } from '../storage/storage-level.ts';

/** An element-wise operation of a fused narrow chain. */
export type ElementOp =
  | { t: 'map'; f: FnSpec }
  | { t: 'filter'; f: FnSpec }
  | { t: 'flatMap'; f: FnSpec }
  | { t: 'mapValues'; f: FnSpec }
  | { t: 'flatMapValues'; f: FnSpec }
  | { t: 'keyBy'; f: FnSpec }
  | { t: 'keys' }
  | { t: 'values' }
  | { t: 'pairWith'; value: unknown };

/** A partition-level transformation implemented by the executor (args are plain data, may contain FnSpecs). */
export interface BuiltinTransform {
  name: string;
  args: Record<string, unknown>;
}

export type PartitionerSpec =
  | { kind: 'hash'; n: number }
  | { kind: 'range'; n: number; bounds: unknown[]; ascending: boolean; keyFn: FnSpec | null }
  | { kind: 'fn'; n: number; fn: FnSpec };

export type AggregatorSpec =
  | { kind: 'reduce'; f: FnSpec }
  | { kind: 'group' }
  | { kind: 'count' }
  | { kind: 'first' }
  | { kind: 'fold'; zero: unknown; seq: FnSpec; comb: FnSpec }
  | { kind: 'combine'; create: FnSpec; merge: FnSpec; mergeCombiners: FnSpec };

export interface OrderingSpec {
  ascending: boolean;
  keyFn: FnSpec | null;
}

interface NodeBase {
  /** The RDD id. */
  id: number;
  /** Storage level when the RDD is persisted. */
  cache?: StorageLevelName;
}

export type PlanNode =
  | (NodeBase & { t: 'parallel' })
  | (NodeBase & { t: 'range' })
  | (NodeBase & { t: 'empty' })
  | (NodeBase & { t: 'textFile' })
  | (NodeBase & { t: 'wholeTextFiles' })
  | (NodeBase & { t: 'ops'; parent: PlanNode; ops: ElementOp[] })
  | (NodeBase & { t: 'mapPartitions'; parent: PlanNode; f: FnSpec; withIndex: boolean })
  | (NodeBase & { t: 'builtin'; parent: PlanNode; tr: BuiltinTransform })
  | (NodeBase & { t: 'shuffled'; shuffleId: number; agg: AggregatorSpec | null; mapSideCombined: boolean; ordering: OrderingSpec | null })
  | (NodeBase & { t: 'cogroup'; inputs: CoGroupInput[] })
  | (NodeBase & { t: 'union'; parents: PlanNode[] })
  | (NodeBase & { t: 'coalesce'; parent: PlanNode })
  | (NodeBase & { t: 'cartesian'; left: PlanNode; right: PlanNode })
  | (NodeBase & { t: 'zip'; parents: PlanNode[] });

export type CoGroupInput = { narrow: PlanNode } | { shuffleId: number };

/** Where one map output segment for one reduce partition lives. */
export interface BlockRef {
  shuffleId: number;
  mapId: number;
  executorId: string;
  /** Transport address of the executor that serves it ('' in local mode). */
  address: string;
  path: string;
  offset: number;
  length: number;
  records: number;
}

/** The per-task inputs of a plan node, mirroring the plan tree. `i` is the partition index of that RDD. */
export type Split =
  | { i: number; data: unknown[] }
  /** A parallelize slice in the record serializer's bytes. */
  | { i: number; bytes: Uint8Array }
  /** Elements from .. to - 1 of a range: start + index * step. */
  | { i: number; start: number; from: number; to: number; step: number }
  | { i: number; path: string; start: number; end: number; gzip: boolean }
  | { i: number; paths: string[] }
  | { i: number; parent: Split }
  | { i: number; blocks: BlockRef[] }
  | { i: number; inputs: ({ split: Split } | { blocks: BlockRef[] })[] }
  | { i: number; which: number; parent: Split }
  | { i: number; parents: Split[] }
  | { i: number; left: Split; right: Split }
  | { i: number };

/** What a shuffle map task writes: the dependency's partitioner and optional map-side combine. */
export interface ShuffleWriteSpec {
  shuffleId: number;
  partitioner: PartitionerSpec;
  /** Aggregator applied on the map side (null: no map-side combine). */
  agg: AggregatorSpec | null;
}

/** The function applied to a result task's partition; results travel back to the driver. */
export type ResultFnSpec = BuiltinTransform;

/** A stage as shipped: serialized once per stage attempt and cached by executors. */
export interface StagePlan {
  stageId: number;
  attempt: number;
  root: PlanNode;
  /** Set for shuffle map stages. */
  shuffleWrite: ShuffleWriteSpec | null;
  /** Set for result stages. */
  resultFn: ResultFnSpec | null;
}
