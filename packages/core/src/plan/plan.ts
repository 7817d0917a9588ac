/**
 * The executor-facing description of a stage: a tree of plan nodes (one per RDD
 * in the stage's narrow lineage, element-wise ops fused into one node) and, per
 * task, a split tree that mirrors it with the partition's inputs. Both are plain
 * data that serialize with msgpack. Built on the driver (rdd/rdd.ts), interpreted
 * on executors (interpreter.ts and the files beside it).
 *
 * Every kind of node, split, partition transform and result function is one
 * member of a discriminated union, and each is interpreted by one exhaustive
 * switch: a kind added here and not interpreted, or a misspelt name, is a
 * compile error rather than an executor's run-time surprise.
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

/** The arguments of an operation that takes none. */
export type NoArgs = Record<string, never>;

/** How a join keeps the keys that only one side has. */
export type JoinHow = 'inner' | 'left' | 'right' | 'full';

/** The arguments of each partition transform, by name (plain data; functions as FnSpecs). */
export interface PartitionTransformArgs {
  /** The partition as one array. */
  glom: NoArgs;
  /**
   * [position, record] with positions cycling over 0 .. n - 1 from a start seeded by the partition
   * (repartition); with `sortFirst`, over the records in the order of their serialized bytes, for
   * an input whose order may differ between attempts (see RDD.repartition).
   */
  distributeByPosition: { n: number; seed: number; sortFirst: boolean };
  /** [record, k * n + partition] for the k-th record. */
  zipWithUniqueId: { n: number };
  /** [record, index], counting from the partition's start. */
  zipWithIndex: { starts: number[] };
  sample: { withReplacement: boolean; fraction: number; seed: number };
  /** Records whose uniform draw falls in [lb, ub): one RDD of randomSplit. */
  randomSplitRange: { lb: number; ub: number; seed: number };
  sampleByKey: { withReplacement: boolean; fractions: [unknown, number][]; seed: number };
  /** The partition's records as lines through a shell command; its output lines. */
  pipe: { command: string; env: Record<string, string> | null; cwd: string | null };
  /** Combine by key within a partition already partitioned by key. */
  combineLocal: { agg: AggregatorSpec; method: string };
  /** Cogroup records with values on both sides (intersection). */
  cogroupBothNonEmpty: NoArgs;
  /** Cogroup records expanded into the join's [key, [v, w]] records. */
  joinValues: { how: JoinHow };
  /** Cogroup records with no value on the right, expanded into [key, v] (subtractByKey). */
  subtractValues: NoArgs;
  /** The partition reduced to one { has, v } record (treeReduce). */
  reducePartition: { f: FnSpec };
  /** The partition folded into one record (treeAggregate). */
  foldToOne: { zero: unknown; f: FnSpec };
  /** [partition % n, record] (a treeAggregate level). */
  keyByPartitionMod: { n: number };
}

export type PartitionTransformName = keyof PartitionTransformArgs;

/** A partition-level transformation implemented by the executor. */
export type PartitionTransform = { [N in PartitionTransformName]: { name: N; args: PartitionTransformArgs[N] } }[PartitionTransformName];

/** A partition transform; a name outside the catalogue, or arguments of the wrong shape, do not compile. */
export function partitionTransform<N extends PartitionTransformName>(name: N, args: PartitionTransformArgs[N]): Extract<PartitionTransform, { name: N }> {
  return { name, args } as Extract<PartitionTransform, { name: N }>;
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
  | (NodeBase & { t: 'builtin'; parent: PlanNode; tr: PartitionTransform })
  | (NodeBase & { t: 'shuffled'; shuffleId: number; agg: AggregatorSpec | null; mapSideCombined: boolean; ordering: OrderingSpec | null })
  | (NodeBase & { t: 'cogroup'; inputs: CoGroupInput[]; method: string })
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

/**
 * The per-task inputs of a plan node, mirroring the plan tree: a split is tagged with the kind of
 * node that reads it. Nodes computed one-to-one from their parent (ops, mapPartitions, builtin)
 * have no split of their own and read their parent's. `i` is the partition index of that RDD.
 */
export type Split =
  /** A parallelize slice in the record serializer's bytes. */
  | { t: 'parallel'; i: number; bytes: Uint8Array }
  /** Elements from .. to - 1 of a range: start + index * step. */
  | { t: 'range'; i: number; start: number; from: number; to: number; step: number }
  | { t: 'empty'; i: number }
  /** A byte range of a text file (a gzip file is read whole). */
  | { t: 'textFile'; i: number; path: string; start: number; end: number; gzip: boolean }
  | { t: 'wholeTextFiles'; i: number; paths: string[] }
  /** The map output segments of one reduce partition. */
  | { t: 'shuffled'; i: number; blocks: BlockRef[] }
  | { t: 'cogroup'; i: number; inputs: CoGroupSplitInput[] }
  /** Partition `parent` of the union's parent number `which`. */
  | { t: 'union'; i: number; which: number; parent: Split }
  | { t: 'coalesce'; i: number; parents: Split[] }
  | { t: 'cartesian'; i: number; left: Split; right: Split }
  | { t: 'zip'; i: number; parents: Split[] };

/** The split of a node of kind `T`. */
export type SplitOf<T extends Split['t']> = Extract<Split, { t: T }>;

/** One input of a cogroup's split: a narrow parent's split, or the segments of a shuffled one. */
export type CoGroupSplitInput = { split: Split } | { blocks: BlockRef[] };

/** What a shuffle map task writes: the dependency's partitioner and optional map-side combine. */
export interface ShuffleWriteSpec {
  shuffleId: number;
  partitioner: PartitionerSpec;
  /** Aggregator applied on the map side (null: no map-side combine). */
  agg: AggregatorSpec | null;
  /** The operation that reads the records as [key, value] pairs (absent: records are carried whole). */
  pairsFor?: string;
}

/** The arguments of each result function, by name (plain data; functions as FnSpecs). */
export interface ResultFnArgs {
  collect: NoArgs;
  count: NoArgs;
  /** The first n records. */
  take: { n: number };
  /** { has, v }: the partition reduced, or has: false when it is empty. */
  reduce: { f: FnSpec };
  fold: { zero: unknown; f: FnSpec };
  foreach: { f: FnSpec };
  foreachPartition: { f: FnSpec };
  /** The n first records by `key` (the records themselves when null), ascending or descending. */
  takeOrdered: { n: number; key: FnSpec | null; ascending: boolean };
  /** A StatCounter's data. */
  /** `method`: the action named when an element is not a number (histogram's bucket pass). */
  stats: { method?: string };
  sum: NoArgs;
  /** Counts per bucket of sorted edges, all numbers or all strings. */
  histogram: { edges: number[] | string[]; evenly: boolean };
  countByKey: NoArgs;
  reduceByKeyLocally: { f: FnSpec };
  /** The values of `key`. */
  lookup: { key: unknown };
  /** Writes the partition as text into this attempt's file in the staging directory `dir`. */
  saveAsText: { dir: string };
  /** { count, keys }: a seeded reservoir sample of k keys (by keyFn when given) and the record count. */
  sampleKeys: { k: number; seed: number; keyFn: FnSpec | null };
}

export type ResultFnName = keyof ResultFnArgs;

/** The function applied to a result task's partition; results travel back to the driver. */
export type ResultFnSpec = { [N in ResultFnName]: { name: N; args: ResultFnArgs[N] } }[ResultFnName];

/** A result function; a name outside the catalogue, or arguments of the wrong shape, do not compile. */
export function resultFn<N extends ResultFnName>(name: N, args: ResultFnArgs[N]): Extract<ResultFnSpec, { name: N }> {
  return { name, args } as Extract<ResultFnSpec, { name: N }>;
}

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

/**
 * The end of an exhaustive switch over one of the unions above: unreachable for data built by
 * this version of Flint, so reaching it means the plan came from elsewhere.
 */
export function unknownPlanKind(what: string, value: never): never {
  const v = value as { t?: unknown; name?: unknown };
  throw new Error(`unknown ${what} "${String(v.name ?? v.t)}"`);
}
