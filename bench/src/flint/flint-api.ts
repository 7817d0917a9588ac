/**
 * The part of Flint's public driver API (DESIGN.md §3) that the benchmark
 * uses, declared structurally. The bench loads `@flint/core` at run time
 * through this shape instead of importing its types, so a change inside the
 * engine's sources can never break the bench's type-check (and with it the
 * workspace build); a change of the public contract shows up as a failed row.
 */
export type Env = Record<string, unknown>;

export interface FlintRDD<T> {
  map<U>(f: (x: T) => U, env?: Env): FlintRDD<U>;
  flatMap<U>(f: (x: T) => Iterable<U>, env?: Env): FlintRDD<U>;
  filter(f: (x: T) => boolean, env?: Env): FlintRDD<T>;
  mapPartitions<U>(f: (it: Iterable<T>) => Iterable<U>, env?: Env): FlintRDD<U>;
  mapPartitionsWithIndex<U>(f: (index: number, it: Iterable<T>) => Iterable<U>, env?: Env): FlintRDD<U>;
  distinct(numPartitions?: number): FlintRDD<T>;
  repartition(numPartitions: number): FlintRDD<T>;
  cache(): FlintRDD<T>;
  getNumPartitions(): number;
  collect(): Promise<T[]>;
  count(): Promise<number>;
  foreachPartition(f: (it: Iterable<T>) => void, env?: Env): Promise<void>;
}

/** Pair-RDD methods; in Flint they exist only on RDD<[K, V]>. */
export interface FlintPairRDD<K, V> extends FlintRDD<[K, V]> {
  reduceByKey(f: (a: V, b: V) => V, env?: Env): FlintPairRDD<K, V>;
  mapValues<U>(f: (v: V) => U, env?: Env): FlintPairRDD<K, U>;
  groupByKey(numPartitions?: number): FlintPairRDD<K, V[]>;
  join<W>(other: FlintPairRDD<K, W>, numPartitions?: number): FlintPairRDD<K, [V, W]>;
  sortByKey(ascending?: boolean, numPartitions?: number): FlintPairRDD<K, V>;
}

export interface FlintContextOptions {
  master: string;
  appName?: string;
  transport?: 'tcp' | 'http';
  conf?: Record<string, unknown>;
}

export interface FlintContextLike {
  readonly defaultParallelism: number;
  textFile(pathOrGlob: string, minPartitions?: number): FlintRDD<string>;
  parallelize<T>(data: T[], numSlices?: number): FlintRDD<T>;
  range(start: number, end?: number, step?: number, numSlices?: number): FlintRDD<number>;
  stop(): Promise<void>;
}

export interface FlintCoreModule {
  FlintContext: { create(options: FlintContextOptions): Promise<FlintContextLike> };
  /** Present once the local-cluster mode ships (a feature check, not yet relied on). */
  startLocalCluster?: unknown;
}

/** Loads `@flint/core` by a computed name, so the type-checker does not follow it into the engine's sources. */
export async function loadFlintCore(): Promise<FlintCoreModule> {
  const name = ['@flint', 'core'].join('/');
  const core = (await import(name)) as Partial<FlintCoreModule>;
  if (typeof core.FlintContext?.create !== 'function') {
    throw new Error('@flint/core does not export FlintContext.create yet');
  }
  return core as FlintCoreModule;
}

/** Views an RDD of pairs as a pair RDD (the engine types this itself; the structural view needs a cast). */
export function pairs<K, V>(rdd: FlintRDD<[K, V]>): FlintPairRDD<K, V> {
  return rdd as FlintPairRDD<K, V>;
}
