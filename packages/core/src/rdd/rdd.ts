/**
 * The RDD: an immutable, partitioned collection defined by its lineage. This file
 * holds the public API (transformations are lazy and return new RDDs; actions run
 * jobs and return Promises) and the RDD kinds. Driver-side only: executors never
 * see RDD objects, they interpret the PlanNode/Split data each RDD describes itself
 * as (see plan/plan.ts and plan/interpreter.ts).
 *
 * Pair methods are declared with a `this: RDD<[K, V]>` parameter, so they only
 * type-check on RDDs of two-element tuples.
 */
import type { FnSpec } from '../closure/ship.ts';
import { serializeFn } from '../closure/closure.ts';
import type { ClosureRuntime } from '../closure/compile.ts';
import { FlintError, FlintErrorCode } from '../errors.ts';
import { localPath } from '../files/text-input.ts';
import { OutputCommitter } from '../files/output-committer.ts';
import { findUncarriable, serialize } from '../serializer.ts';
import { compareKeys, sortValues } from '../keys/ordering.ts';
import { KeyMap, keyMapToMap } from '../keys/key-map.ts';
import { compileFn } from '../closure/compile.ts';
import { StorageLevel, type StorageLevelName } from '../storage/storage-level.ts';
import { SeededRandom } from '../util/random.ts';
import { StatCounter, type StatCounterData } from '../util/stat-counter.ts';
import { FunctionPartitioner, HashPartitioner, makePartitionFn, Partitioner, RangePartitioner } from './partitioner.ts';
import type { SplitBuilder, TaskLocation } from '../scheduler/lineage.ts';
import {
  partitionTransform,
  resultFn,
  type AggregatorSpec,
  type CoGroupInput,
  type ElementOp,
  type OrderingSpec,
  type PartitionTransform,
  type PlanNode,
  type ResultFnSpec,
  type Split,
} from '../plan/plan.ts';

/** Named values a function uses; shipped with it to executors. */
export type Env = Record<string, unknown>;

export type NarrowDependency = { kind: 'narrow'; rdd: RDD<unknown> };
export type ShuffleDependency = {
  kind: 'shuffle';
  rdd: RDD<[unknown, unknown]>;
  shuffleId: number;
  partitioner: Partitioner;
  /** Map-side combine aggregator, or null. */
  mapAgg: AggregatorSpec | null;
  /** The operation that reads the map side's records as [key, value] pairs (null: records are carried whole). */
  pairsFor?: string | null;
};
export type Dependency = NarrowDependency | ShuffleDependency;

export type { SplitBuilder, TaskLocation };

export function fn(f: unknown, env: Env | undefined, method: string): FnSpec {
  return serializeFn(f as (...a: never[]) => unknown, env, method);
}

function splitNumOrEnv(a: number | Env | undefined, b: Env | undefined): [number | undefined, Env | undefined] {
  if (typeof a === 'object' && a !== null) return [undefined, a];
  return [a, b];
}

/** The env name under which treeReduce's merge calls the user's function. */
const TREE_REDUCE_OP = '__flintTreeReduceOp';

/**
 * What an RDD needs from the context that made it: ids, jobs, caching, shuffle
 * dependencies, the default partition count and the closure runtime.
 * Declared beside RDD so that rdd.ts does not import context.ts; FlintContext
 * implements it. The public `rdd.sc` is typed as the FlintContext itself by
 * context.ts (an augmentation of RDD), so users see no difference.
 */
export interface RddContext {
  readonly conf: { readonly defaultParallelismExplicit: boolean };
  readonly defaultParallelism: number;
  runJob<R>(rdd: RDD<unknown>, resultFn: ResultFnSpec, partitions?: number[], description?: string): Promise<R[]>;
  _newRddId(): number;
  _newShuffleDependency(rdd: RDD<[unknown, unknown]>, partitioner: Partitioner, mapAgg: AggregatorSpec | null, pairsFor?: string | null): ShuffleDependency;
  _persistRDD(rdd: RDD<unknown>): void;
  _unpersistRDD(rddId: number): Promise<void>;
  _closureRuntime(): ClosureRuntime;
}

// `sc` (the context that made this RDD) is declared by context.ts's augmentation of this class.
export abstract class RDD<T> {
  readonly id: number;
  /** The API method that created this RDD (shown in the stage DAG). */
  readonly scope: string;
  name: string | null = null;
  storageLevel: StorageLevelName = StorageLevel.NONE;
  partitioner: Partitioner | null = null;
  private preparing: Promise<void> | null = null;
  /** Only for typing: the element type. */
  declare readonly __elem?: T;

  protected constructor(sc: RddContext, scope: string) {
    (this as { sc: RddContext }).sc = sc;
    this.id = sc._newRddId();
    this.scope = scope;
  }

  // ---- internals used by the schedulers -------------------------------------------------

  abstract getNumPartitions(): number;
  abstract dependencies(): Dependency[];
  /** The node executors interpret; `b` is unused by most kinds. */
  protected abstract planNode(): PlanNode;
  /** The inputs of partition i. */
  abstract split(i: number, b: SplitBuilder): Split;
  /** Preferred locations of partition i from the input itself (files, parents); cache locations are added by the scheduler. */
  preferredLocations(_i: number): TaskLocation[] {
    return [];
  }
  /** For one-to-one and union-like kinds: the parent partition that partition i reads, for cache locality. */
  narrowParent(_i: number): { rdd: RDD<unknown>; partition: number } | null {
    return null;
  }
  /** Work that needs jobs of its own (sampling, counting) before this RDD can run. */
  protected async prepareSelf(): Promise<void> {}

  /** @internal */
  _plan(): PlanNode {
    const node = this.planNode();
    if (this.storageLevel !== StorageLevel.NONE) return { ...node, id: this.id, cache: this.storageLevel };
    return node;
  }

  /** @internal Prepares this RDD and its whole lineage once. */
  _prepare(): Promise<void> {
    if (!this.preparing) {
      this.preparing = (async () => {
        for (const d of this.dependencies()) await d.rdd._prepare();
        await this.prepareSelf();
      })();
      this.preparing.catch(() => {
        this.preparing = null;
      });
    }
    return this.preparing;
  }

  toString(): string {
    return `${this.constructor.name}[${this.id}]${this.name ? ` ${this.name}` : ''} at ${this.scope}`;
  }

  setName(name: string): this {
    this.name = name;
    return this;
  }

  // ---- persistence -----------------------------------------------------------------------

  persist(level: StorageLevelName = StorageLevel.MEMORY_ONLY): this {
    if (this.storageLevel !== StorageLevel.NONE && this.storageLevel !== level) {
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `RDD ${this.id} is already persisted as ${this.storageLevel}; unpersist() it before persisting as ${level}`);
    }
    this.storageLevel = level;
    this.sc._persistRDD(this as RDD<unknown>);
    return this;
  }
  cache(): this {
    return this.persist(StorageLevel.MEMORY_ONLY);
  }
  async unpersist(): Promise<this> {
    this.storageLevel = StorageLevel.NONE;
    await this.sc._unpersistRDD(this.id);
    return this;
  }
  getStorageLevel(): StorageLevelName {
    return this.storageLevel;
  }

  // ---- element-wise transformations ----------------------------------------------------

  map<U>(f: (x: T) => U, env?: Env): RDD<U> {
    return new OpsRDD<U>(this, [{ t: 'map', f: fn(f, env, 'map') }], 'map', false);
  }
  flatMap<U>(f: (x: T) => Iterable<U>, env?: Env): RDD<U> {
    return new OpsRDD<U>(this, [{ t: 'flatMap', f: fn(f, env, 'flatMap') }], 'flatMap', false);
  }
  filter(f: (x: T) => boolean, env?: Env): RDD<T> {
    return new OpsRDD<T>(this, [{ t: 'filter', f: fn(f, env, 'filter') }], 'filter', true);
  }
  keyBy<K>(f: (x: T) => K, env?: Env): RDD<[K, T]> {
    return new OpsRDD<[K, T]>(this, [{ t: 'keyBy', f: fn(f, env, 'keyBy') }], 'keyBy', false);
  }
  mapPartitions<U>(f: (it: IterableIterator<T>) => Iterable<U>, env?: Env): RDD<U> {
    return new MapPartitionsRDD<U>(this, fn(f, env, 'mapPartitions'), false, 'mapPartitions');
  }
  mapPartitionsWithIndex<U>(f: (index: number, it: IterableIterator<T>) => Iterable<U>, env?: Env): RDD<U> {
    return new MapPartitionsRDD<U>(this, fn(f, env, 'mapPartitionsWithIndex'), true, 'mapPartitionsWithIndex');
  }
  glom(): RDD<T[]> {
    return new BuiltinRDD<T[]>(this, partitionTransform('glom', {}), 'glom');
  }
  /** @internal A builtin partition transform. */
  _builtin<U>(tr: PartitionTransform, scope: string, preserves = false): RDD<U> {
    return new BuiltinRDD<U>(this, tr, scope, preserves);
  }

  // ---- structural transformations ------------------------------------------------------

  union(other: RDD<T>): RDD<T> {
    return new UnionRDD<T>(this.sc, [this, other]);
  }
  coalesce(numPartitions: number, shuffle = false): RDD<T> {
    checkPositive(numPartitions, 'coalesce');
    if (shuffle) return this.repartition(numPartitions);
    return new CoalescedRDD<T>(this, numPartitions);
  }
  /**
   * Records go round-robin to the output partitions from a start seeded by the input partition's
   * index (as Spark does), so the same input gives the same partitions in every run. A retried map
   * task must send each record where its first attempt did, or reducers that ran against the first
   * attempt and those re-run against the second would see some records twice and others never
   * (SPARK-23207): where the input's order may differ between attempts — it reads a shuffle, whose
   * blocks come local ones first — the round-robin goes over the records sorted by their bytes, as
   * Spark's spark.sql.execution.sortBeforeRepartition does.
   */
  repartition(numPartitions: number): RDD<T> {
    checkPositive(numPartitions, 'repartition');
    const sortFirst = readsShuffleInStage(this);
    const keyed = this._builtin<[number, T]>(partitionTransform('distributeByPosition', { n: numPartitions, seed: REPARTITION_SEED, sortFirst }), 'repartition');
    // Positions go to the partition of the same number (as Spark's Int keys do): hashing them would unbalance the output.
    const byPosition = new FunctionPartitioner(numPartitions, fn((pos: number) => pos, undefined, 'repartition'));
    return new ShuffledRDD<number, T>(keyed, byPosition, null, false, null, 'repartition').values();
  }
  cartesian<U>(other: RDD<U>): RDD<[T, U]> {
    return new CartesianRDD<T, U>(this, other);
  }
  zip<U>(other: RDD<U>): RDD<[T, U]> {
    if (other.getNumPartitions() !== this.getNumPartitions()) {
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `zip: can only zip RDDs with the same number of partitions (${this.getNumPartitions()} vs ${other.getNumPartitions()})`);
    }
    return new ZippedRDD<[T, U]>(this.sc, [this as RDD<unknown>, other as RDD<unknown>]);
  }
  zipWithIndex(): RDD<[T, number]> {
    return new ZipWithIndexRDD<T>(this);
  }
  zipWithUniqueId(): RDD<[T, number]> {
    return this._builtin(partitionTransform('zipWithUniqueId', { n: this.getNumPartitions() }), 'zipWithUniqueId');
  }
  distinct(numPartitions?: number): RDD<T> {
    const pairs = new OpsRDD<[T, null]>(this, [{ t: 'pairWith', value: null }], 'distinct', false);
    return pairs.combineByKeyWith<T, null, null>({ kind: 'first' }, this.numOr(numPartitions), true, 'distinct').keys();
  }
  intersection(other: RDD<T>, numPartitions?: number): RDD<T> {
    const a = new OpsRDD<[T, null]>(this, [{ t: 'pairWith', value: null }], 'intersection', false);
    const b = new OpsRDD<[T, null]>(other, [{ t: 'pairWith', value: null }], 'intersection', false);
    return a.cogroup(b, numPartitions)._builtin<[T, unknown]>(partitionTransform('cogroupBothNonEmpty', {}), 'intersection').keys();
  }
  subtract(other: RDD<T>, numPartitions?: number): RDD<T> {
    const a = new OpsRDD<[T, null]>(this, [{ t: 'pairWith', value: null }], 'subtract', false);
    const b = new OpsRDD<[T, null]>(other, [{ t: 'pairWith', value: null }], 'subtract', false);
    return a.subtractByKey(b, numPartitions).keys();
  }
  groupBy<K>(f: (x: T) => K, numPartitions?: number | Env, env?: Env): RDD<[K, T[]]> {
    const [n, e] = splitNumOrEnv(numPartitions, env);
    return new OpsRDD<[K, T]>(this, [{ t: 'keyBy', f: fn(f, e, 'groupBy') }], 'groupBy', false).groupByKey(n);
  }
  sortBy<K>(f: (x: T) => K, ascending = true, numPartitions?: number | Env, env?: Env): RDD<T> {
    const [n, e] = splitNumOrEnv(numPartitions, env);
    return new OpsRDD<[K, T]>(this, [{ t: 'keyBy', f: fn(f, e, 'sortBy') }], 'sortBy', false).sortByKey(ascending, n).values();
  }
  sample(withReplacement: boolean, fraction: number, seed?: number): RDD<T> {
    if (!(fraction >= 0) || (!withReplacement && fraction > 1)) {
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `sample: fraction must be in [0, 1] without replacement and >= 0 with it, got ${fraction}`);
    }
    return this._builtin(partitionTransform('sample', { withReplacement, fraction, seed: seed ?? randomSeed() }), 'sample', true);
  }
  randomSplit(weights: number[], seed?: number): RDD<T>[] {
    if (weights.length === 0 || weights.some((w) => !(w >= 0)) || weights.every((w) => w === 0)) {
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `randomSplit: weights must be non-negative and not all zero, got ${JSON.stringify(weights)}`);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    const s = seed ?? randomSeed();
    let cum = 0;
    return weights.map((w) => {
      const lb = cum / total;
      cum += w;
      const ub = cum / total;
      return this._builtin<T>(partitionTransform('randomSplitRange', { lb, ub, seed: s }), 'randomSplit', true);
    });
  }
  pipe(command: string, options: { env?: Record<string, string>; cwd?: string } = {}): RDD<string> {
    return this._builtin(partitionTransform('pipe', { command, env: options.env ?? null, cwd: options.cwd ?? null }), 'pipe');
  }

  // ---- actions ----------------------------------------------------------------------------

  /** @internal Runs `fn` over the given partitions (all by default) and returns the results in partition order. */
  _run<R>(fnSpec: ResultFnSpec, partitions?: number[], description?: string): Promise<R[]> {
    return this.sc.runJob<R>(this as RDD<unknown>, fnSpec, partitions, description);
  }

  async collect(): Promise<T[]> {
    const parts = await this._run<T[]>(resultFn('collect', {}), undefined, 'collect');
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Array<T>(n);
    let k = 0;
    for (const p of parts) for (let i = 0; i < p.length; i++) out[k++] = p[i]!;
    return out;
  }
  async *toLocalIterator(): AsyncGenerator<T> {
    for (let p = 0; p < this.getNumPartitions(); p++) {
      const [part] = await this._run<T[]>(resultFn('collect', {}), [p], 'toLocalIterator');
      yield* part!;
    }
  }
  async count(): Promise<number> {
    const parts = await this._run<number>(resultFn('count', {}), undefined, 'count');
    return parts.reduce((a, b) => a + b, 0);
  }
  async take(num: number): Promise<T[]> {
    checkCount(num, 'take');
    if (num <= 0) return [];
    const buf: T[] = [];
    const total = this.getNumPartitions();
    let scanned = 0;
    while (buf.length < num && scanned < total) {
      let numToTry = 1;
      if (scanned > 0) {
        numToTry = buf.length === 0 ? scanned * 4 : Math.max(1, Math.min(Math.ceil((1.5 * num * scanned) / buf.length) - scanned, scanned * 4));
      }
      const parts = range(scanned, Math.min(scanned + numToTry, total));
      const left = num - buf.length;
      const res = await this._run<T[]>(resultFn('take', { n: left }), parts, 'take');
      for (const r of res) for (const x of r) if (buf.length < num) buf.push(x);
      scanned += parts.length;
    }
    return buf;
  }
  async first(): Promise<T> {
    const r = await this.take(1);
    if (r.length === 0) throw new FlintError(FlintErrorCode.EMPTY_RDD, `first(): RDD ${this.id} is empty`);
    return r[0]!;
  }
  async isEmpty(): Promise<boolean> {
    return this.getNumPartitions() === 0 || (await this.take(1)).length === 0;
  }
  async reduce(f: (a: T, b: T) => T, env?: Env): Promise<T> {
    const spec = fn(f, env, 'reduce');
    const parts = await this._run<{ has: boolean; v?: T }>(resultFn('reduce', { f: spec }), undefined, 'reduce');
    const op = f;
    let has = false;
    let acc: T | undefined;
    for (const p of parts) {
      if (!p.has) continue;
      acc = has ? op(acc as T, p.v as T) : (p.v as T);
      has = true;
    }
    if (!has) throw new FlintError(FlintErrorCode.EMPTY_RDD, `reduce(): cannot reduce an empty RDD (RDD ${this.id}); use fold() with a zero value`);
    return acc as T;
  }
  async treeReduce(f: (a: T, b: T) => T, depth = 2, env?: Env): Promise<T> {
    const spec = fn(f, env, 'treeReduce');
    const partial = this._builtin<{ has: boolean; v?: T }>(partitionTransform('reducePartition', { f: spec }), 'treeReduce');
    const zero = { has: false } as { has: boolean; v?: T };
    // The merge calls the user's function under a name of its own, in one env with the user's
    // names, so the function keeps every value it takes from its env.
    if (env && TREE_REDUCE_OP in env) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `treeReduce: env may not use the name ${TREE_REDUCE_OP}`);
    const mergeEnv = { ...env, [TREE_REDUCE_OP]: f };
    const merged = await partial.treeAggregate(
      zero,
      (a: { has: boolean; v?: T }, b: { has: boolean; v?: T }) => (!a.has ? b : !b.has ? a : { has: true, v: __flintTreeReduceOp(a.v, b.v) }),
      (a: { has: boolean; v?: T }, b: { has: boolean; v?: T }) => (!a.has ? b : !b.has ? a : { has: true, v: __flintTreeReduceOp(a.v, b.v) }),
      depth,
      mergeEnv,
    );
    if (!merged.has) throw new FlintError(FlintErrorCode.EMPTY_RDD, `treeReduce(): cannot reduce an empty RDD (RDD ${this.id})`);
    return merged.v as T;
    // Bound through env above on executors; on the driver (the last merge) the user's function.
    function __flintTreeReduceOp(a: unknown, b: unknown): never {
      return f(a as T, b as T) as never;
    }
  }
  async fold(zero: T, op: (a: T, b: T) => T, env?: Env): Promise<T> {
    const spec = fn(op, env, 'fold');
    const parts = await this._run<T>(resultFn('fold', { zero, f: spec }), undefined, 'fold');
    let acc = structuredClone(zero);
    for (const p of parts) acc = op(acc, p);
    return acc;
  }
  async aggregate<U>(zero: U, seqOp: (acc: U, x: T) => U, combOp: (a: U, b: U) => U, env?: Env): Promise<U> {
    const seq = fn(seqOp, env, 'aggregate');
    fn(combOp, env, 'aggregate');
    const parts = await this._run<U>(resultFn('fold', { zero, f: seq }), undefined, 'aggregate');
    let acc = structuredClone(zero);
    for (const p of parts) acc = combOp(acc, p);
    return acc;
  }
  async treeAggregate<U>(zero: U, seqOp: (acc: U, x: T) => U, combOp: (a: U, b: U) => U, depth = 2, env?: Env): Promise<U> {
    if (depth < 1) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `treeAggregate: depth must be >= 1, got ${depth}`);
    const seq = fn(seqOp, env, 'treeAggregate');
    const comb = fn(combOp, env, 'treeAggregate');
    let numPartitions = this.getNumPartitions();
    if (numPartitions === 0) return structuredClone(zero);
    let partial: RDD<U> = this._builtin<U>(partitionTransform('foldToOne', { zero, f: seq }), 'treeAggregate');
    const scale = Math.max(Math.ceil(Math.pow(numPartitions, 1 / depth)), 2);
    while (numPartitions > scale + Math.ceil(numPartitions / scale)) {
      numPartitions = Math.ceil(numPartitions / scale);
      const n = numPartitions;
      const keyed = partial._builtin<[number, U]>(partitionTransform('keyByPartitionMod', { n }), 'treeAggregate');
      partial = keyed.combineByKeyWith<number, U, U>({ kind: 'reduce', f: comb }, n, true, 'treeAggregate').values();
    }
    const parts = await partial._run<U>(resultFn('fold', { zero, f: comb }), undefined, 'treeAggregate');
    let acc = structuredClone(zero);
    for (const p of parts) acc = combOp(acc, p);
    return acc;
  }
  async foreach(f: (x: T) => void, env?: Env): Promise<void> {
    await this._run(resultFn('foreach', { f: fn(f, env, 'foreach') }), undefined, 'foreach');
  }
  async foreachPartition(f: (it: IterableIterator<T>) => void, env?: Env): Promise<void> {
    await this._run(resultFn('foreachPartition', { f: fn(f, env, 'foreachPartition') }), undefined, 'foreachPartition');
  }
  async takeOrdered(num: number, keyFn?: (x: T) => unknown, env?: Env): Promise<T[]> {
    return this.topOrdered(num, keyFn, env, true, 'takeOrdered');
  }
  async top(num: number, keyFn?: (x: T) => unknown, env?: Env): Promise<T[]> {
    return this.topOrdered(num, keyFn, env, false, 'top');
  }
  private async topOrdered(num: number, keyFn: ((x: T) => unknown) | undefined, env: Env | undefined, ascending: boolean, method: string): Promise<T[]> {
    checkCount(num, method);
    if (num <= 0) return [];
    const key = keyFn ? fn(keyFn, env, method) : null;
    const parts = await this._run<T[]>(resultFn('takeOrdered', { n: num, key, ascending }), undefined, method);
    const all = parts.flat();
    const k = keyFn ?? ((x: T) => x);
    sortValues(all, (a, b) => (ascending ? compareKeys(k(a), k(b)) : compareKeys(k(b), k(a))));
    return all.slice(0, num);
  }
  async max(keyFn?: (x: T) => unknown, env?: Env): Promise<T> {
    const r = await this.topOrdered(1, keyFn, env, false, 'max');
    if (r.length === 0) throw new FlintError(FlintErrorCode.EMPTY_RDD, `max(): RDD ${this.id} is empty`);
    return r[0]!;
  }
  async min(keyFn?: (x: T) => unknown, env?: Env): Promise<T> {
    const r = await this.topOrdered(1, keyFn, env, true, 'min');
    if (r.length === 0) throw new FlintError(FlintErrorCode.EMPTY_RDD, `min(): RDD ${this.id} is empty`);
    return r[0]!;
  }
  async takeSample(withReplacement: boolean, num: number, seed?: number): Promise<T[]> {
    checkCount(num, 'takeSample');
    if (num < 0) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `takeSample: num must be >= 0, got ${num}`);
    if (num === 0) return [];
    const s = seed ?? randomSeed();
    const rng = new SeededRandom(s);
    const initialCount = await this.count();
    if (initialCount === 0) return [];
    if (!withReplacement && num >= initialCount) {
      const all = await this.collect();
      shuffleInPlace(all, rng);
      return all;
    }
    const fraction = computeFractionForSampleSize(num, initialCount, withReplacement);
    let samples = await this.sample(withReplacement, fraction, rng.nextUint32()).collect();
    let tries = 0;
    while (samples.length < num && tries++ < 100) {
      samples = await this.sample(withReplacement, fraction, rng.nextUint32()).collect();
    }
    shuffleInPlace(samples, rng);
    return samples.slice(0, num);
  }

  // ---- numeric actions ---------------------------------------------------------------------

  async stats(this: RDD<number>): Promise<StatCounter> {
    const parts = await this._run<StatCounterData>(resultFn('stats', {}), undefined, 'stats');
    const s = new StatCounter();
    for (const p of parts) s.mergeStats(p);
    return s;
  }
  /** The sum of numbers, or of bigints (a bigint; exact); other elements are refused. */
  async sum(this: RDD<number>): Promise<number>;
  async sum(this: RDD<bigint>): Promise<bigint>;
  async sum(this: RDD<number> | RDD<bigint>): Promise<number | bigint> {
    // Each partition's sum, null for an empty one.
    const parts = (await (this as RDD<unknown>)._run<number | bigint | null>(resultFn('sum', {}), undefined, 'sum')).filter((p) => p !== null);
    if (!parts.some((p) => typeof p === 'bigint')) return (parts as number[]).reduce((a, b) => a + b, 0);
    if (parts.some((p) => typeof p === 'number')) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, 'sum: the RDD holds both numbers and bigints; map them to one of the two first');
    return (parts as bigint[]).reduce((a, b) => a + b, 0n);
  }
  async mean(this: RDD<number>): Promise<number> {
    return (await this.stats()).mean();
  }
  async variance(this: RDD<number>): Promise<number> {
    return (await this.stats()).variance();
  }
  async stdev(this: RDD<number>): Promise<number> {
    return (await this.stats()).stdev();
  }
  async sampleVariance(this: RDD<number>): Promise<number> {
    return (await this.stats()).sampleVariance();
  }
  async sampleStdev(this: RDD<number>): Promise<number> {
    return (await this.stats()).sampleStdev();
  }
  /**
   * PySpark's histogram: `buckets` is a bucket count (evenly spaced between min and max) or
   * sorted bucket edges; returns [edges, counts]. The last bucket includes its upper edge.
   * null, undefined and NaN are skipped (as PySpark skips None and NaN); other non-numbers are refused.
   */
  async histogram(this: RDD<number>, buckets: number | number[]): Promise<[number[], number[]]>;
  /** Buckets of strings, as PySpark allows: string elements counted by the edges' order (null and undefined skipped, other types refused). */
  async histogram(this: RDD<string>, buckets: string[]): Promise<[string[], number[]]>;
  async histogram(this: RDD<number> | RDD<string>, buckets: number | number[] | string[]): Promise<[number[] | string[], number[]]> {
    if (Array.isArray(buckets) && buckets.some((b) => typeof b === 'string')) {
      const strEdges = buckets.slice() as unknown[];
      if (strEdges.length < 2) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, 'histogram: buckets must have at least two edges');
      if (!strEdges.every((b) => typeof b === 'string')) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `histogram: bucket edges must be all numbers or all strings, got ${JSON.stringify(buckets)}`);
      for (let i = 1; i < strEdges.length; i++) {
        if (!((strEdges[i] as string) > (strEdges[i - 1] as string))) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `histogram: bucket edges must be sorted and distinct, got ${JSON.stringify(buckets)}`);
      }
      return this._histogramCounts(strEdges as string[], false);
    }
    return (this as RDD<number>)._histogramNumbers(buckets as number | number[]);
  }
  private async _histogramCounts<E extends number[] | string[]>(edges: E, evenly: boolean): Promise<[E, number[]]> {
    const parts = await this._run<number[]>(resultFn('histogram', { edges, evenly }), undefined, 'histogram');
    const counts = new Array<number>(edges.length - 1).fill(0);
    for (const p of parts) for (let i = 0; i < counts.length; i++) counts[i]! += p[i]!;
    return [edges, counts];
  }
  private async _histogramNumbers(this: RDD<number>, buckets: number | number[]): Promise<[number[], number[]]> {
    let edges: number[];
    let evenly = false;
    if (typeof buckets === 'number') {
      if (!Number.isInteger(buckets) || buckets < 1) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `histogram: bucket count must be a positive integer, got ${buckets}`);
      // null, undefined and NaN are skipped (PySpark skips None and NaN); any other non-number is refused by the pass.
      const st = await this.filter((x) => x !== null && x !== undefined && !(typeof x === 'number' && Number.isNaN(x)))._run<StatCounterData>(
        resultFn('stats', { method: 'histogram' }),
        undefined,
        'histogram',
      );
      const s = new StatCounter();
      for (const p of st) s.mergeStats(p);
      if (s.count() === 0) throw new FlintError(FlintErrorCode.EMPTY_RDD, 'histogram(): cannot compute buckets of an empty RDD');
      const lo = s.min();
      const hi = s.max();
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, 'histogram(): cannot compute buckets over infinite values');
      if (lo === hi) {
        edges = [lo, hi];
        buckets = 1;
      } else {
        const inc = (hi - lo) / buckets;
        edges = Array.from({ length: buckets }, (_, i) => lo + i * inc);
        edges.push(hi);
      }
      evenly = true;
    } else {
      edges = buckets.slice();
      if (edges.length < 2) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, 'histogram: buckets must have at least two edges');
      for (let i = 1; i < edges.length; i++) {
        if (!(edges[i]! > edges[i - 1]!)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `histogram: bucket edges must be sorted and distinct, got ${JSON.stringify(buckets)}`);
      }
      const inc = edges[1]! - edges[0]!;
      evenly = edges.every((e, i) => i === 0 || Math.abs(e - edges[i - 1]! - inc) < 1e-10 * Math.max(1, Math.abs(inc)));
    }
    return this._histogramCounts(edges, evenly);
  }
  async countByValue(): Promise<Map<T, number>> {
    const pairs = new OpsRDD<[T, number]>(this, [{ t: 'pairWith', value: 1 }], 'countByValue', false);
    return pairs.countByKey() as Promise<Map<T, number>>;
  }

  async saveAsTextFile(outputPath: string): Promise<void> {
    const dir = localPath(outputPath, 'saveAsTextFile');
    // Attempts write beside the output; only the winner of each partition is moved in (OutputCommitter).
    const committer = OutputCommitter.setup(dir, 'saveAsTextFile');
    let written: unknown[];
    try {
      written = await this._run(resultFn('saveAsText', { dir: committer.staging }), undefined, 'saveAsTextFile');
    } catch (e) {
      committer.abort();
      throw e;
    }
    committer.commit(written);
  }

  // ---- pair transformations ----------------------------------------------------------------

  keys<K, V>(this: RDD<[K, V]>): RDD<K> {
    return new OpsRDD<K>(this, [{ t: 'keys' }], 'keys', false);
  }
  values<K, V>(this: RDD<[K, V]>): RDD<V> {
    return new OpsRDD<V>(this, [{ t: 'values' }], 'values', false);
  }
  mapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => U, env?: Env): RDD<[K, U]> {
    return new OpsRDD<[K, U]>(this, [{ t: 'mapValues', f: fn(f, env, 'mapValues') }], 'mapValues', true);
  }
  flatMapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => Iterable<U>, env?: Env): RDD<[K, U]> {
    return new OpsRDD<[K, U]>(this, [{ t: 'flatMapValues', f: fn(f, env, 'flatMapValues') }], 'flatMapValues', true);
  }

  /** @internal The generic combine-by-key with an aggregator spec. */
  combineByKeyWith<K, V, C>(this: RDD<[K, V]>, agg: AggregatorSpec, partitioner: Partitioner | number, mapSideCombine: boolean, scope: string): RDD<[K, C]> {
    const p = typeof partitioner === 'number' ? new HashPartitioner(partitioner) : partitioner;
    if (this.partitioner && this.partitioner.equals(p)) {
      return new BuiltinRDD<[K, C]>(this, partitionTransform('combineLocal', { agg, method: scope }), scope, true);
    }
    return new ShuffledRDD<K, C>(this as RDD<[K, unknown]>, p, agg, mapSideCombine, null, scope);
  }
  combineByKey<K, V, C>(
    this: RDD<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number | Partitioner | Env,
    env?: Env,
  ): RDD<[K, C]> {
    let e = env;
    let n: number | Partitioner | undefined;
    if (numPartitions instanceof Partitioner || typeof numPartitions === 'number') n = numPartitions;
    else if (numPartitions) e = numPartitions;
    const agg: AggregatorSpec = {
      kind: 'combine',
      create: fn(createCombiner, e, 'combineByKey'),
      merge: fn(mergeValue, e, 'combineByKey'),
      mergeCombiners: fn(mergeCombiners, e, 'combineByKey'),
    };
    return this.combineByKeyWith<K, V, C>(agg, n instanceof Partitioner ? n : this.numOr(n), true, 'combineByKey');
  }
  reduceByKey<K, V>(this: RDD<[K, V]>, f: (a: V, b: V) => V, numPartitions?: number | Env, env?: Env): RDD<[K, V]> {
    const [n, e] = splitNumOrEnv(numPartitions, env);
    return this.combineByKeyWith<K, V, V>({ kind: 'reduce', f: fn(f, e, 'reduceByKey') }, this.numOr(n), true, 'reduceByKey');
  }
  foldByKey<K, V>(this: RDD<[K, V]>, zero: V, f: (a: V, b: V) => V, numPartitions?: number | Env, env?: Env): RDD<[K, V]> {
    const [n, e] = splitNumOrEnv(numPartitions, env);
    const spec = fn(f, e, 'foldByKey');
    return this.combineByKeyWith<K, V, V>({ kind: 'fold', zero, seq: spec, comb: spec }, this.numOr(n), true, 'foldByKey');
  }
  aggregateByKey<K, V, U>(this: RDD<[K, V]>, zero: U, seqOp: (acc: U, v: V) => U, combOp: (a: U, b: U) => U, numPartitions?: number | Env, env?: Env): RDD<[K, U]> {
    const [n, e] = splitNumOrEnv(numPartitions, env);
    const agg: AggregatorSpec = { kind: 'fold', zero, seq: fn(seqOp, e, 'aggregateByKey'), comb: fn(combOp, e, 'aggregateByKey') };
    return this.combineByKeyWith<K, V, U>(agg, this.numOr(n), true, 'aggregateByKey');
  }
  groupByKey<K, V>(this: RDD<[K, V]>, numPartitions?: number | Partitioner): RDD<[K, V[]]> {
    const p = numPartitions instanceof Partitioner ? numPartitions : this.numOr(numPartitions);
    return this.combineByKeyWith<K, V, V[]>({ kind: 'group' }, p, false, 'groupByKey');
  }
  partitionBy<K, V>(this: RDD<[K, V]>, numPartitions: number | Partitioner, partitionFunc?: (k: K) => number, env?: Env): RDD<[K, V]> {
    let p: Partitioner;
    if (numPartitions instanceof Partitioner) p = numPartitions;
    else {
      checkPositive(numPartitions, 'partitionBy');
      p = partitionFunc ? new FunctionPartitioner(numPartitions, fn(partitionFunc, env, 'partitionBy')) : new HashPartitioner(numPartitions);
    }
    if (this.partitioner && this.partitioner.equals(p)) return this;
    return new ShuffledRDD<K, V>(this as RDD<[K, unknown]>, p, null, false, null, 'partitionBy');
  }
  sortByKey<K, V>(this: RDD<[K, V]>, ascending = true, numPartitions?: number, keyFn?: (k: K) => unknown, env?: Env): RDD<[K, V]> {
    const n = this.numOr(numPartitions);
    const key = keyFn ? fn(keyFn, env, 'sortByKey') : null;
    const p = new RangePartitioner(n, ascending, key);
    return new ShuffledRDD<K, V>(this as RDD<[K, unknown]>, p, null, false, { ascending, keyFn: key }, 'sortByKey', this as RDD<[unknown, unknown]>);
  }
  repartitionAndSortWithinPartitions<K, V>(
    this: RDD<[K, V]>,
    numPartitions?: number | Partitioner,
    partitionFunc?: (k: K) => number,
    ascending = true,
    keyFn?: (k: K) => unknown,
    env?: Env,
  ): RDD<[K, V]> {
    let p: Partitioner;
    if (numPartitions instanceof Partitioner) p = numPartitions;
    else {
      const n = this.numOr(numPartitions);
      p = partitionFunc ? new FunctionPartitioner(n, fn(partitionFunc, env, 'repartitionAndSortWithinPartitions')) : new HashPartitioner(n);
    }
    const key = keyFn ? fn(keyFn, env, 'repartitionAndSortWithinPartitions') : null;
    return new ShuffledRDD<K, V>(this as RDD<[K, unknown]>, p, null, false, { ascending, keyFn: key }, 'repartitionAndSortWithinPartitions');
  }
  cogroup<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V[], W[]]]> {
    return this.cogroupFor(other, numPartitions, 'cogroup');
  }
  /** A cogroup for `method` (join, subtractByKey, ...), which its refusal of a record that is not a pair names. */
  private cogroupFor<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions: number | undefined, method: string): RDD<[K, [V[], W[]]]> {
    const pair = [this as RDD<[unknown, unknown]>, other as RDD<[unknown, unknown]>];
    return new CoGroupedRDD(this.sc, pair, this.cogroupPartitioner([other as RDD<[unknown, unknown]>], numPartitions), method) as unknown as RDD<[K, [V[], W[]]]>;
  }
  groupWith<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, ...others: RDD<[K, unknown]>[]): RDD<[K, [V[], W[], ...unknown[][]]]> {
    const all = [this, other, ...others] as RDD<[unknown, unknown]>[];
    return new CoGroupedRDD(this.sc, all, this.cogroupPartitioner(all.slice(1), undefined), 'groupWith') as unknown as RDD<[K, [V[], W[], ...unknown[][]]]>;
  }
  private cogroupPartitioner(others: RDD<[unknown, unknown]>[], numPartitions: number | undefined): Partitioner {
    if (numPartitions === undefined) {
      const existing = [this as RDD<unknown>, ...others].map((r) => r.partitioner).find((p) => p !== null && p.numPartitions > 0);
      if (existing) return existing;
      const n = Math.max(this.getNumPartitions(), ...others.map((o) => o.getNumPartitions()), 1);
      return new HashPartitioner(this.sc.conf.defaultParallelismExplicit ? this.sc.defaultParallelism : n);
    }
    return new HashPartitioner(numPartitions);
  }
  join<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V, W]]> {
    return this.cogroupFor(other, numPartitions, 'join')._builtin<[K, [V, W]]>(partitionTransform('joinValues', { how: 'inner' }), 'join', true);
  }
  leftOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V, W | null]]> {
    return this.cogroupFor(other, numPartitions, 'leftOuterJoin')._builtin<[K, [V, W | null]]>(partitionTransform('joinValues', { how: 'left' }), 'leftOuterJoin', true);
  }
  rightOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V | null, W]]> {
    return this.cogroupFor(other, numPartitions, 'rightOuterJoin')._builtin<[K, [V | null, W]]>(partitionTransform('joinValues', { how: 'right' }), 'rightOuterJoin', true);
  }
  fullOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V | null, W | null]]> {
    return this.cogroupFor(other, numPartitions, 'fullOuterJoin')._builtin<[K, [V | null, W | null]]>(partitionTransform('joinValues', { how: 'full' }), 'fullOuterJoin', true);
  }
  subtractByKey<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, V]> {
    return this.cogroupFor(other, numPartitions, 'subtractByKey')._builtin<[K, V]>(partitionTransform('subtractValues', {}), 'subtractByKey', true);
  }
  sampleByKey<K, V>(this: RDD<[K, V]>, withReplacement: boolean, fractions: Map<K, number> | Record<string, number>, seed?: number): RDD<[K, V]> {
    const entries: [unknown, number][] = fractions instanceof Map ? [...fractions.entries()] : Object.entries(fractions);
    for (const [k, f] of entries) {
      if (!(f >= 0) || (!withReplacement && f > 1)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `sampleByKey: invalid fraction ${f} for key ${JSON.stringify(k)}`);
    }
    return this._builtin(partitionTransform('sampleByKey', { withReplacement, fractions: entries, seed: seed ?? randomSeed() }), 'sampleByKey', true);
  }

  // ---- pair actions ----------------------------------------------------------------------

  async countByKey<K, V>(this: RDD<[K, V]>): Promise<Map<K, number>> {
    const parts = await this._run<[K, number][]>(resultFn('countByKey', {}), undefined, 'countByKey');
    return mergeKeyedParts(parts, (a, b) => a + b);
  }
  async reduceByKeyLocally<K, V>(this: RDD<[K, V]>, f: (a: V, b: V) => V, env?: Env): Promise<Map<K, V>> {
    const spec = fn(f, env, 'reduceByKeyLocally');
    const parts = await this._run<[K, V][]>(resultFn('reduceByKeyLocally', { f: spec }), undefined, 'reduceByKeyLocally');
    return mergeKeyedParts(parts, f);
  }
  async collectAsMap<K, V>(this: RDD<[K, V]>): Promise<Map<K, V>> {
    const km = new KeyMap<V>();
    for (const kv of await this.collect()) {
      // [k, v, x] would lose x, as PySpark's dict() refuses it.
      if (!Array.isArray(kv) || kv.length !== 2) notAPairCollected(kv);
      km.set(kv[0], kv[1]);
    }
    return keyMapToMap<K, V>(km);
  }
  async lookup<K, V>(this: RDD<[K, V]>, key: K): Promise<V[]> {
    let parts: number[] | undefined;
    if (this.partitioner && !(this.partitioner instanceof RangePartitioner && !this.partitioner.bounds)) {
      await this._prepare();
      const pf = makePartitionFn(this.partitioner.spec(), (f) => compileFn(f, this.sc._closureRuntime()));
      parts = [pf(key)];
    }
    const res = await this._run<V[]>(resultFn('lookup', { key }), parts, 'lookup');
    return res.flat();
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** @internal */
  numOr(n: number | undefined): number {
    if (n !== undefined) {
      checkPositive(n, 'numPartitions');
      return n;
    }
    if (this.sc.conf.defaultParallelismExplicit) return this.sc.defaultParallelism;
    return Math.max(this.getNumPartitions(), 1);
  }
}

function notAPairCollected(rec: unknown): never {
  const shown = Array.isArray(rec) ? `an array of ${rec.length}` : rec === null ? 'null' : typeof rec;
  throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `collectAsMap: expected [key, value] pairs (two-element arrays), got ${shown}`);
}

/** The seed of repartition's start positions, with the input partition's index (see RDD.repartition). */
const REPARTITION_SEED = 0x2ea1;

/** Whether computing `rdd` reads a shuffle in its own stage (through narrow dependencies only). */
function readsShuffleInStage(rdd: RDD<unknown>): boolean {
  const seen = new Set<RDD<unknown>>();
  const stack = [rdd];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r)) continue;
    seen.add(r);
    for (const d of r.dependencies()) {
      if (d.kind === 'shuffle') return true;
      stack.push(d.rdd);
    }
  }
  return false;
}

/** A count of elements to return: an integer (a negative one asks for none, as in Spark); 1.5 or NaN is refused. */
function checkCount(n: number, method: string): void {
  if (!Number.isInteger(n)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `${method}: the number of elements must be an integer, got ${String(n)}`);
}

function checkPositive(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `${what}: number of partitions must be a positive integer, got ${n}`);
}

/** Merges per-partition [key, value] lists by key (keys compare by value; first-seen key objects are kept). */
function mergeKeyedParts<K, V>(parts: [K, V][][], merge: (a: V, b: V) => V): Map<K, V> {
  const m = new KeyMap<V>();
  for (const p of parts) for (const [k, v] of p) m.set(k, m.has(k) ? merge(m.get(k) as V, v) : v);
  return keyMapToMap<K, V>(m);
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function shuffleInPlace<T>(a: T[], rng: SeededRandom): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Spark's sampling bound: a fraction that yields at least `num` samples with high probability. */
function computeFractionForSampleSize(num: number, total: number, withReplacement: boolean): number {
  if (withReplacement) {
    const numStDev = num < 12 ? 9 : 5;
    return Math.max(num + numStDev * Math.sqrt(num), 1e-10) / total;
  }
  const delta = 1e-4;
  const fraction = num / total;
  const gamma = -Math.log(delta) / total;
  return Math.min(1, Math.max(1e-10, fraction + gamma + Math.sqrt(gamma * gamma + 2 * gamma * fraction)));
}

// ==== RDD kinds =================================================================================

/** Data from the driver, cut into contiguous near-equal slices in order (as Spark does). */
export class ParallelCollectionRDD<T> extends RDD<T> {
  /**
   * Each slice in the record serializer's bytes: tasks carry them to threads and processes alike,
   * so a value arrives as it does through a shuffle (a thread's structured clone made Buffers
   * plain Uint8Arrays), and a cyclic value is refused here.
   */
  private readonly slices: Uint8Array[];
  constructor(sc: RddContext, data: T[], numSlices: number) {
    super(sc, 'parallelize');
    checkPositive(numSlices, 'parallelize');
    // Refused here, where the caller can see it: a task cannot carry it to an executor thread, and
    // to an executor process it would arrive changed.
    const bad = findUncarriable(data, 'data');
    if (bad) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `parallelize: ${bad}, which cannot be sent to executors; parallelize data (numbers, strings, arrays, plain objects, Maps, Sets, Dates, binary arrays)`);
    const n = data.length;
    this.slices = [];
    for (let i = 0; i < numSlices; i++) {
      const start = Math.floor((i * n) / numSlices);
      const end = Math.floor(((i + 1) * n) / numSlices);
      this.slices.push(serialize(data.slice(start, end)));
    }
  }
  getNumPartitions(): number {
    return this.slices.length;
  }
  dependencies(): Dependency[] {
    return [];
  }
  protected planNode(): PlanNode {
    return { t: 'parallel', id: this.id };
  }
  split(i: number): Split {
    return { t: 'parallel', i, bytes: this.slices[i]! };
  }
}

/** Numbers start, start+step, ... < end, generated on executors. */
export class RangeRDD extends RDD<number> {
  private readonly bounds: { start: number; from: number; to: number }[] = [];
  constructor(sc: RddContext, start: number, end: number, readonly step: number, numSlices: number) {
    super(sc, 'range');
    checkPositive(numSlices, 'range');
    if (step === 0 || !Number.isFinite(step)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, 'range: step must be a non-zero finite number');
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `range: start and end must be finite numbers, got ${start} and ${end}`);
    // Element i is start + i * step, computed from its index: adding step repeatedly drifts
    // (range(0, 1, 0.1) gave 0.7 twice). The count is checked against the same formula, since the
    // quotient can round across an integer either way.
    const inRange = (i: number): boolean => (step > 0 ? start + i * step < end : start + i * step > end);
    let count = Math.max(0, Math.ceil((end - start) / step));
    while (count > 0 && !inRange(count - 1)) count--;
    while (inRange(count)) count++;
    for (let i = 0; i < numSlices; i++) {
      const a = Math.floor((i * count) / numSlices);
      const b = Math.floor(((i + 1) * count) / numSlices);
      this.bounds.push({ start, from: a, to: b });
    }
  }
  getNumPartitions(): number {
    return this.bounds.length;
  }
  dependencies(): Dependency[] {
    return [];
  }
  protected planNode(): PlanNode {
    return { t: 'range', id: this.id };
  }
  split(i: number): Split {
    return { t: 'range', i, ...this.bounds[i]!, step: this.step };
  }
}

export class EmptyRDD<T> extends RDD<T> {
  constructor(sc: RddContext) {
    super(sc, 'emptyRDD');
  }
  getNumPartitions(): number {
    return 0;
  }
  dependencies(): Dependency[] {
    return [];
  }
  protected planNode(): PlanNode {
    return { t: 'empty', id: this.id };
  }
  split(i: number): Split {
    return { t: 'empty', i };
  }
}

/** Lines of text files: byte ranges that respect line boundaries; gzip files are one split each. */
export class TextFileRDD extends RDD<string> {
  constructor(sc: RddContext, readonly splits: { path: string; start: number; end: number; gzip: boolean }[], scope = 'textFile') {
    super(sc, scope);
  }
  getNumPartitions(): number {
    return this.splits.length;
  }
  dependencies(): Dependency[] {
    return [];
  }
  protected planNode(): PlanNode {
    return { t: 'textFile', id: this.id };
  }
  split(i: number): Split {
    return { t: 'textFile', i, ...this.splits[i]! };
  }
}

/** [path, content] pairs, files grouped into partitions. */
export class WholeTextFilesRDD extends RDD<[string, string]> {
  constructor(sc: RddContext, readonly groups: string[][]) {
    super(sc, 'wholeTextFiles');
  }
  getNumPartitions(): number {
    return this.groups.length;
  }
  dependencies(): Dependency[] {
    return [];
  }
  protected planNode(): PlanNode {
    return { t: 'wholeTextFiles', id: this.id };
  }
  split(i: number): Split {
    return { t: 'wholeTextFiles', i, paths: this.groups[i]! };
  }
}

/**
 * An RDD whose partition i is computed from partition i of one parent: it shares the parent's
 * partitions, splits, locations and (when it preserves partitioning) partitioner.
 */
abstract class OneToOneRDD<U> extends RDD<U> {
  constructor(readonly parent: RDD<unknown>, scope: string, preservesPartitioning: boolean) {
    super(parent.sc, scope);
    if (preservesPartitioning) this.partitioner = parent.partitioner;
  }
  getNumPartitions(): number {
    return this.parent.getNumPartitions();
  }
  dependencies(): Dependency[] {
    return [{ kind: 'narrow', rdd: this.parent }];
  }
  split(i: number, b: SplitBuilder): Split {
    return this.parent.split(i, b);
  }
  override preferredLocations(i: number): TaskLocation[] {
    return this.parent.preferredLocations(i);
  }
  override narrowParent(i: number): { rdd: RDD<unknown>; partition: number } | null {
    return { rdd: this.parent, partition: i };
  }
}

/** Element-wise operations (map, filter, flatMap, ...); consecutive ones fuse into one pass. */
export class OpsRDD<U> extends OneToOneRDD<U> {
  constructor(parent: RDD<unknown>, readonly ops: ElementOp[], scope: string, preservesPartitioning: boolean) {
    super(parent, scope, preservesPartitioning);
  }
  protected planNode(): PlanNode {
    const p = this.parent._plan();
    if (p.t === 'ops' && !p.cache) return { t: 'ops', id: this.id, parent: p.parent, ops: [...p.ops, ...this.ops] };
    return { t: 'ops', id: this.id, parent: p, ops: this.ops };
  }
}

export class MapPartitionsRDD<U> extends OneToOneRDD<U> {
  constructor(parent: RDD<unknown>, readonly f: FnSpec, readonly withIndex: boolean, scope: string) {
    super(parent, scope, false);
  }
  protected planNode(): PlanNode {
    return { t: 'mapPartitions', id: this.id, parent: this.parent._plan(), f: this.f, withIndex: this.withIndex };
  }
}

/** A partition transform implemented by the executor (glom, sample, joins' value expansion, ...). */
export class BuiltinRDD<U> extends OneToOneRDD<U> {
  constructor(parent: RDD<unknown>, readonly tr: PartitionTransform, scope: string, preservesPartitioning = false) {
    super(parent, scope, preservesPartitioning);
  }
  protected planNode(): PlanNode {
    return { t: 'builtin', id: this.id, parent: this.parent._plan(), tr: this.tr };
  }
}

/** zipWithIndex: needs the sizes of all earlier partitions, counted by a job of its own. */
export class ZipWithIndexRDD<T> extends OneToOneRDD<[T, number]> {
  private starts: number[] | null = null;
  constructor(parent: RDD<T>) {
    super(parent as RDD<unknown>, 'zipWithIndex', false);
  }
  protected override async prepareSelf(): Promise<void> {
    if (this.starts) return;
    const n = this.getNumPartitions();
    const counts = n <= 1 ? [] : await this.parent._run<number>(resultFn('count', {}), range(0, n - 1), 'zipWithIndex');
    const starts = [0];
    for (const c of counts) starts.push(starts[starts.length - 1]! + c);
    this.starts = starts;
  }
  protected planNode(): PlanNode {
    if (!this.starts) throw new Error('zipWithIndex used before its partition offsets were counted');
    return { t: 'builtin', id: this.id, parent: this.parent._plan(), tr: partitionTransform('zipWithIndex', { starts: this.starts }) };
  }
}

export class UnionRDD<T> extends RDD<T> {
  private readonly index: [number, number][] = [];
  constructor(sc: RddContext, readonly rdds: RDD<T>[]) {
    super(sc, 'union');
    rdds.forEach((r, k) => {
      for (let j = 0; j < r.getNumPartitions(); j++) this.index.push([k, j]);
    });
  }
  getNumPartitions(): number {
    return this.index.length;
  }
  dependencies(): Dependency[] {
    return this.rdds.map((r) => ({ kind: 'narrow', rdd: r as RDD<unknown> }));
  }
  protected planNode(): PlanNode {
    return { t: 'union', id: this.id, parents: this.rdds.map((r) => r._plan()) };
  }
  split(i: number, b: SplitBuilder): Split {
    const [k, j] = this.index[i]!;
    return { t: 'union', i, which: k, parent: this.rdds[k]!.split(j, b) };
  }
  override preferredLocations(i: number): TaskLocation[] {
    const [k, j] = this.index[i]!;
    return this.rdds[k]!.preferredLocations(j);
  }
  override narrowParent(i: number): { rdd: RDD<unknown>; partition: number } | null {
    const [k, j] = this.index[i]!;
    return { rdd: this.rdds[k] as RDD<unknown>, partition: j };
  }
}

/** Fewer partitions without a shuffle: each output partition reads a contiguous group of parents. */
export class CoalescedRDD<T> extends RDD<T> {
  private readonly groups: number[][];
  constructor(readonly parent: RDD<T>, n: number) {
    super(parent.sc, 'coalesce');
    const m = parent.getNumPartitions();
    const k = Math.min(n, Math.max(m, 1));
    this.groups = [];
    for (let i = 0; i < k; i++) this.groups.push(range(Math.floor((i * m) / k), Math.floor(((i + 1) * m) / k)));
    if (m === 0) this.groups = [];
  }
  getNumPartitions(): number {
    return this.groups.length;
  }
  dependencies(): Dependency[] {
    return [{ kind: 'narrow', rdd: this.parent as RDD<unknown> }];
  }
  protected planNode(): PlanNode {
    return { t: 'coalesce', id: this.id, parent: this.parent._plan() };
  }
  split(i: number, b: SplitBuilder): Split {
    return { t: 'coalesce', i, parents: this.groups[i]!.map((j) => this.parent.split(j, b)) };
  }
}

export class CartesianRDD<T, U> extends RDD<[T, U]> {
  constructor(readonly left: RDD<T>, readonly right: RDD<U>) {
    super(left.sc, 'cartesian');
  }
  getNumPartitions(): number {
    return this.left.getNumPartitions() * this.right.getNumPartitions();
  }
  dependencies(): Dependency[] {
    return [
      { kind: 'narrow', rdd: this.left as RDD<unknown> },
      { kind: 'narrow', rdd: this.right as RDD<unknown> },
    ];
  }
  protected planNode(): PlanNode {
    return { t: 'cartesian', id: this.id, left: this.left._plan(), right: this.right._plan() };
  }
  split(i: number, b: SplitBuilder): Split {
    const n2 = this.right.getNumPartitions();
    return { t: 'cartesian', i, left: this.left.split(Math.floor(i / n2), b), right: this.right.split(i % n2, b) };
  }
}

export class ZippedRDD<T> extends RDD<T> {
  constructor(sc: RddContext, readonly rdds: RDD<unknown>[]) {
    super(sc, 'zip');
  }
  getNumPartitions(): number {
    return this.rdds[0]!.getNumPartitions();
  }
  dependencies(): Dependency[] {
    return this.rdds.map((r) => ({ kind: 'narrow', rdd: r }));
  }
  protected planNode(): PlanNode {
    return { t: 'zip', id: this.id, parents: this.rdds.map((r) => r._plan()) };
  }
  split(i: number, b: SplitBuilder): Split {
    return { t: 'zip', i, parents: this.rdds.map((r) => r.split(i, b)) };
  }
}

/** The reduce side of a shuffle: reads map outputs, optionally aggregates and/or sorts them. */
export class ShuffledRDD<K, C> extends RDD<[K, C]> {
  readonly dep: ShuffleDependency;
  constructor(
    readonly parent: RDD<[K, unknown]>,
    partitioner: Partitioner,
    readonly agg: AggregatorSpec | null,
    readonly mapSideCombine: boolean,
    readonly ordering: OrderingSpec | null,
    scope: string,
    /** The RDD whose keys a RangePartitioner samples. */
    private readonly sampleSource: RDD<[unknown, unknown]> | null = null,
  ) {
    super(parent.sc, scope);
    this.partitioner = partitioner;
    // An aggregating shuffle reads its records as pairs; a plain or sorting one carries them whole.
    this.dep = parent.sc._newShuffleDependency(parent as RDD<[unknown, unknown]>, partitioner, agg && mapSideCombine ? agg : null, agg ? scope : null);
  }
  getNumPartitions(): number {
    return this.dep.partitioner.numPartitions;
  }
  dependencies(): Dependency[] {
    return [this.dep];
  }
  protected override async prepareSelf(): Promise<void> {
    const p = this.dep.partitioner;
    if (p instanceof RangePartitioner && !p.bounds) {
      const src = this.sampleSource ?? (this.parent as RDD<[unknown, unknown]>);
      const n = p.numPartitions;
      const parts = src.getNumPartitions();
      if (n <= 1 || parts === 0) {
        p.bounds = [];
        return;
      }
      // 200 samples per output partition (Spark takes 20): bounds within a few percent of even, so
      // the sorted partitions — and the reduce tasks — come out balanced.
      const sampleSize = Math.min(200 * n, 1e6);
      const perPartition = Math.ceil((3 * sampleSize) / parts);
      const res = await src._run<{ count: number; keys: unknown[] }>(resultFn('sampleKeys', { k: perPartition, seed: 0x5eed, keyFn: p.keyFn }), undefined, 'sortByKey sample');
      const samples: { key: unknown; weight: number }[] = [];
      for (const r of res) {
        if (r.keys.length === 0) continue;
        const w = r.count / r.keys.length;
        for (const key of r.keys) samples.push({ key, weight: w });
      }
      p.bounds = RangePartitioner.boundsFromSamples(samples, n);
    }
  }
  protected planNode(): PlanNode {
    return { t: 'shuffled', id: this.id, shuffleId: this.dep.shuffleId, agg: this.agg, mapSideCombined: this.dep.mapAgg !== null, ordering: this.ordering };
  }
  split(i: number, b: SplitBuilder): Split {
    return { t: 'shuffled', i, blocks: b.blocksFor(this.dep.shuffleId, i) };
  }
}

/** Groups the values of several pair RDDs by key; inputs already partitioned alike are read without a shuffle. */
export class CoGroupedRDD extends RDD<[unknown, unknown[][]]> {
  private readonly deps: Dependency[];
  constructor(
    sc: RddContext,
    readonly rdds: RDD<[unknown, unknown]>[],
    partitioner: Partitioner,
    /** The operation that reads the inputs' records as pairs (cogroup, join, ...), named when one is not. */
    private readonly method = 'cogroup',
  ) {
    super(sc, 'cogroup');
    this.partitioner = partitioner;
    this.deps = rdds.map((r) =>
      r.partitioner && r.partitioner.equals(partitioner)
        ? { kind: 'narrow', rdd: r as RDD<unknown> }
        : sc._newShuffleDependency(r, partitioner, null, method),
    );
  }
  getNumPartitions(): number {
    return this.partitioner!.numPartitions;
  }
  dependencies(): Dependency[] {
    return this.deps;
  }
  protected planNode(): PlanNode {
    const inputs: CoGroupInput[] = this.deps.map((d) => (d.kind === 'narrow' ? { narrow: d.rdd._plan() } : { shuffleId: d.shuffleId }));
    return { t: 'cogroup', id: this.id, inputs, method: this.method };
  }
  split(i: number, b: SplitBuilder): Split {
    return { t: 'cogroup', i, inputs: this.deps.map((d) => (d.kind === 'narrow' ? { split: d.rdd.split(i, b) } : { blocks: b.blocksFor(d.shuffleId, i) })) };
  }
  override preferredLocations(i: number): TaskLocation[] {
    for (const d of this.deps) if (d.kind === 'narrow') return d.rdd.preferredLocations(i);
    return [];
  }
}
