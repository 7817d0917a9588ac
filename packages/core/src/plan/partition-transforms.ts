/**
 * The partition transforms the executor implements (glom, sampling, zipWithIndex, pipe, the
 * expansion of cogroup records into joins, ...): one exhaustive switch over the
 * PartitionTransform union of plan.ts. Each takes the partition's records and returns the
 * transformed records, lazily where it can. Runs on the task's thread.
 */
import { spawnSync } from 'node:child_process';
import { inheritedEnv } from '../env.ts';
import { KeyMap } from '../keys/key-map.ts';
import { makeAggregator } from '../shuffle/aggregator.ts';
import { aggregateExternal } from '../shuffle/external-aggregator.ts';
import { sortExternal } from '../shuffle/external-sorter.ts';
import { pairsOnly } from '../shuffle/pairs.ts';
import { deserialize, serializeAfter } from '../serializer.ts';
import { SeededRandom, partitionSeed } from '../util/random.ts';
import { unknownPlanKind, type JoinHow, type PartitionTransform } from './plan.ts';
import { foldPartition, reducePartition } from './result-functions.ts';
import { spillContext, type TaskContext } from './task-context.ts';

type AnyFn = (...a: unknown[]) => unknown;

/** The records of transform `tr` applied to `input`, partition `partition` of its RDD. */
export function runPartitionTransform(tr: PartitionTransform, input: Iterable<unknown>, partition: number, ctx: TaskContext): Iterable<unknown> {
  switch (tr.name) {
    case 'glom':
      return [Array.from(input)];
    case 'distributeByPosition': {
      const { n, seed, sortFirst } = tr.args;
      return (function* () {
        let pos = new SeededRandom(partitionSeed(seed, partition)).nextInt(n);
        if (sortFirst) {
          // Records as their bytes (one-byte strings compare as the bytes do); equal bytes are the same record.
          const bytes = sortExternal(
            mapIterable(input, (x) => serializeAfter(x, 0).toString('latin1')),
            (a, b) => (a < b ? -1 : a > b ? 1 : 0),
            spillContext(ctx),
          );
          for (const s of bytes) {
            yield [pos, deserialize(Buffer.from(s, 'latin1'))];
            pos = pos + 1 === n ? 0 : pos + 1;
          }
          return;
        }
        for (const x of input) {
          yield [pos, x];
          pos = pos + 1 === n ? 0 : pos + 1;
        }
      })();
    }
    case 'zipWithUniqueId': {
      const { n } = tr.args;
      return (function* () {
        let k = 0;
        for (const x of input) yield [x, k++ * n + partition];
      })();
    }
    case 'zipWithIndex': {
      const { starts } = tr.args;
      return (function* () {
        let k = starts[partition]!;
        for (const x of input) yield [x, k++];
      })();
    }
    case 'sample': {
      const { withReplacement, fraction, seed } = tr.args;
      return (function* () {
        const rng = new SeededRandom(partitionSeed(seed, partition));
        if (withReplacement) {
          for (const x of input) for (let c = rng.poisson(fraction); c > 0; c--) yield x;
        } else for (const x of input) if (rng.next() < fraction) yield x;
      })();
    }
    case 'randomSplitRange': {
      const { lb, ub, seed } = tr.args;
      return (function* () {
        const rng = new SeededRandom(partitionSeed(seed, partition));
        for (const x of input) {
          const u = rng.next();
          if (u >= lb && u < ub) yield x;
        }
      })();
    }
    case 'sampleByKey': {
      const { withReplacement, fractions, seed } = tr.args;
      return (function* () {
        const rng = new SeededRandom(partitionSeed(seed, partition));
        const fr = new KeyMap<number>();
        for (const [k, f] of fractions) fr.set(k, f);
        for (const x of input) {
          const k = (x as unknown[])[0];
          const f = fr.get(k) ?? fr.get(String(k)) ?? 0;
          if (withReplacement) for (let c = rng.poisson(f); c > 0; c--) yield x;
          else if (rng.next() < f) yield x;
        }
      })();
    }
    case 'pipe':
      return pipeRecords(input, tr.args.command, tr.args.env, tr.args.cwd);
    case 'combineLocal':
      return aggregateExternal(pairsOnly(input, { method: tr.args.method, partition: ctx.partitionId }), makeAggregator(tr.args.agg, (f) => ctx.compile(f)), false, spillContext(ctx));
    case 'cogroupBothNonEmpty':
      return (function* () {
        for (const x of input) {
          const g = (x as [unknown, unknown[][]])[1];
          if (g[0]!.length > 0 && g[1]!.length > 0) yield x;
        }
      })();
    case 'joinValues':
      return joinValues(input as Iterable<[unknown, unknown[][]]>, tr.args.how);
    case 'subtractValues':
      return (function* () {
        for (const x of input) {
          const [k, g] = x as [unknown, unknown[][]];
          if (g[1]!.length === 0) for (const v of g[0]!) yield [k, v];
        }
      })();
    case 'reducePartition':
      return [reducePartition(input, ctx.compile<AnyFn>(tr.args.f))];
    case 'foldToOne':
      return [foldPartition(input, tr.args.zero, ctx.compile<AnyFn>(tr.args.f))];
    case 'keyByPartitionMod': {
      const { n } = tr.args;
      return (function* () {
        const k = partition % n;
        for (const x of input) yield [k, x];
      })();
    }
    default:
      return unknownPlanKind('builtin transform', tr);
  }
}

/** Cogroup records `[k, [vs, ws]]` expanded into a join's `[k, [v, w]]` records, `null` for the side a key lacks. */
function* joinValues(input: Iterable<[unknown, unknown[][]]>, how: JoinHow): Generator<unknown> {
  for (const [k, [vs, ws]] of input) {
    if (vs!.length === 0 && ws!.length === 0) continue;
    if (vs!.length === 0) {
      if (how === 'right' || how === 'full') for (const w of ws!) yield [k, [null, w]];
      continue;
    }
    if (ws!.length === 0) {
      if (how === 'left' || how === 'full') for (const v of vs!) yield [k, [v, null]];
      continue;
    }
    for (const v of vs!) for (const w of ws!) yield [k, [v, w]];
  }
}

function* pipeRecords(input: Iterable<unknown>, command: string, env: Record<string, string> | null, cwd: string | null): Generator<string> {
  const lines: string[] = [];
  for (const x of input) lines.push(typeof x === 'string' ? x : JSON.stringify(x));
  const r = spawnSync('/bin/sh', ['-c', command], {
    input: lines.length ? lines.join('\n') + '\n' : '',
    env: env ? { ...inheritedEnv(), ...env } : inheritedEnv(),
    cwd: cwd ?? undefined,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  // A command that exits without reading all its input (echo, head) breaks the pipe: not an error when it exited.
  const brokenPipe = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && r.status !== null;
  if (r.error && !brokenPipe) throw new Error(`pipe: cannot run "${command}": ${r.error.message}`);
  if (r.status !== 0) throw new Error(`pipe: command "${command}" exited with ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 2000)}`);
  const out = String(r.stdout);
  if (out.length === 0) return;
  const parts = out.split('\n');
  if (out.endsWith('\n')) parts.pop();
  yield* parts;
}

function* mapIterable<T, U>(it: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of it) yield f(x);
}
