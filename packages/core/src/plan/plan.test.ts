/**
 * The operation catalogue of plan.ts. Names and arguments are checked by the compiler: the
 * package's tsc runs over this file, and each @ts-expect-error line fails the build the day its
 * line compiles (a transform or result function spelt wrongly, arguments of the wrong shape, a
 * split without its kind). At run time, the interpreter computes a hand-built plan as plain JS
 * does, refuses a split of the wrong kind naming the RDD, and refuses, by name, a kind that is not
 * in the catalogue (a plan from elsewhere).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { serializeFn } from '../closure/closure.ts';
import { compileFn, type ClosureRuntime } from '../closure/compile.ts';
import { emptyTaskMetrics } from '../executor/task-metrics.ts';
import { serialize } from '../serializer.ts';
import { BlockStore } from '../storage/block-store.ts';
import { computeNode } from './interpreter.ts';
import { runPartitionTransform } from './partition-transforms.ts';
import { partitionTransform, resultFn, type PlanNode, type Split } from './plan.ts';
import { runResultFn } from './result-functions.ts';
import type { TaskContext } from './task-context.ts';
import { carried } from '../testing/values.ts';

/** Never called: what the compiler refuses. */
export function refusedByTheCompiler(): void {
  // @ts-expect-error a misspelt transform is not in the catalogue
  partitionTransform('glomm', {});
  // @ts-expect-error arguments of the wrong shape (sample needs withReplacement and seed too)
  partitionTransform('sample', { fraction: 0.5 });
  // @ts-expect-error a misspelt result function is not in the catalogue
  resultFn('colect', {});
  // @ts-expect-error take needs n
  resultFn('take', {});
  // @ts-expect-error a split says which kind of node reads it
  const untagged: Split = { i: 0, blocks: [] };
  void untagged;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-plan-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function taskContext(memoryBudget = 64 << 20): TaskContext {
  const runtime: ClosureRuntime = {
    broadcastValue: (id) => {
      throw new Error(`no broadcast ${id} in this test`);
    },
    accumulatorAdd: () => undefined,
    fetchBroadcasts: async () => undefined,
  };
  return {
    taskId: 1,
    stageId: 0,
    stageAttempt: 0,
    partitionId: 0,
    attempt: 0,
    executorId: 'test',
    localDir: dir,
    memoryBudget,
    metrics: emptyTaskMetrics(),
    runtime,
    blocks: new BlockStore(dir, 1 << 20),
    blockUpdates: [],
    compile: <F>(f: Parameters<typeof compileFn>[0]) => compileFn<F>(f, runtime),
    readBlock: () => {
      throw new Error('this plan reads no shuffle');
    },
  };
}

describe('plan interpreter', () => {
  test('a hand-built plan (range -> map, filter -> zipWithIndex -> collect) gives what plain JS gives', () => {
    const ctx = taskContext();
    const range: PlanNode = { t: 'range', id: 1 };
    const ops: PlanNode = {
      t: 'ops',
      id: 2,
      parent: range,
      ops: [
        { t: 'map', f: serializeFn((x: number) => x * 3, undefined, 'map') },
        { t: 'filter', f: serializeFn((x: number) => x % 2 === 0, undefined, 'filter') },
      ],
    };
    const zipped: PlanNode = { t: 'builtin', id: 3, parent: ops, tr: partitionTransform('zipWithIndex', { starts: [10, 1000] }) };
    const split: Split = { t: 'range', i: 1, start: 5, from: 20, to: 70, step: 0.5 };
    const got = runResultFn(resultFn('collect', {}), computeNode(zipped, split, ctx), 1, ctx);
    const expected: [number, number][] = [];
    for (let i = 20; i < 70; i++) {
      const x = (5 + i * 0.5) * 3;
      if (x % 2 === 0) expected.push([x, 1000 + expected.length]);
    }
    expect(expected.length).toBeGreaterThan(5);
    expect(got).toEqual(expected);
  });

  test('a parallel slice through keyByPartitionMod, then takeOrdered and histogram, as plain JS computes them', () => {
    const ctx = taskContext();
    const data = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    const node: PlanNode = { t: 'parallel', id: 1 };
    const split: Split = { t: 'parallel', i: 5, bytes: serialize(data) };
    const keyed = runPartitionTransform(partitionTransform('keyByPartitionMod', { n: 3 }), computeNode(node, split, ctx), 5, ctx);
    expect(Array.from(keyed)).toEqual(data.map((x) => [5 % 3, x]));
    const top = runResultFn(resultFn('takeOrdered', { n: 7, key: null, ascending: false }), computeNode(node, split, ctx), 5, ctx);
    expect(top).toEqual([...data].sort((a, b) => b - a).slice(0, 7));
    const edges = [0, 50, 100, 150, 211];
    const counts = runResultFn(resultFn('histogram', { edges, evenly: false }), computeNode(node, split, ctx), 5, ctx);
    expect(counts).toEqual([0, 1, 2, 3].map((b) => data.filter((x) => x >= edges[b]! && (b === 3 ? x <= edges[4]! : x < edges[b + 1]!)).length));
  });

  test('a split of another kind than its node is refused, naming the RDD', () => {
    const ctx = taskContext();
    expect(() => computeNode({ t: 'range', id: 7 }, { t: 'empty', i: 0 }, ctx)).toThrow(/RDD 7 \(range\) was given a split of kind empty, not range/);
  });

  test('a kind outside the catalogue (a plan from elsewhere) fails naming it', () => {
    const ctx = taskContext();
    expect(() => runPartitionTransform({ name: 'glomm', args: {} } as never, [1], 0, ctx)).toThrow('unknown builtin transform "glomm"');
    expect(() => runResultFn({ name: 'colect', args: {} } as never, [1], 0, ctx)).toThrow('unknown result function "colect"');
    expect(() => computeNode({ t: 'bogus', id: 1 } as never, { t: 'empty', i: 0 }, ctx)).toThrow('unknown plan node "bogus"');
  });
});

/** A multiset of values as the sorted text of their serialized bytes. */
const byBytes = (xs: unknown[]): string[] => xs.map((x) => serialize(x).toString('latin1')).sort();

describe('repartition positions', () => {
  const positions = (records: unknown[], sortFirst: boolean, budget?: number): unknown[] =>
    Array.from(runPartitionTransform(partitionTransform('distributeByPosition', { n: 5, seed: 7, sortFirst }), records, 3, taskContext(budget)));

  test('property: sorted first, each record goes to the same position whatever the input order (SPARK-23207)', () => {
    // Duplicates come from a small pool, so equal records meet in different orders.
    const pool = fc.array(carried, { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        pool.chain((p) => fc.tuple(fc.array(fc.nat(p.length - 1), { maxLength: 40 }), fc.array(fc.double(), { minLength: 40, maxLength: 40 })).map(([ix, keys]) => ({ p, ix, keys }))),
        ({ p, ix, keys }) => {
          const records = ix.map((i) => p[i]);
          const reordered = records.map((r, i) => [keys[i]!, i, r] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[2]);
          const a = positions(records, true);
          const b = positions(reordered, true);
          // Multisets compared by bytes: bag's order by canonical text ties -0 with 0, leaving their order to the input's.
          expect(byBytes(b)).toEqual(byBytes(a));
          // Every record once, round-robin: position counts differ by at most one.
          expect(byBytes(a.map((e) => (e as unknown[])[1]))).toEqual(byBytes(records));
          const counts = [0, 0, 0, 0, 0];
          for (const e of a) counts[(e as [number])[0]]!++;
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('sorted first under a small memory budget (the sort spills), the same positions as in memory', () => {
    const records = Array.from({ length: 20_000 }, (_, i) => `record ${(i * 7919) % 20_000} ${'x'.repeat(i % 50)}`);
    const reversed = [...records].reverse();
    const inMemory = positions(records, true);
    const spilled = positions(reversed, true, 64 << 10);
    expect(spilled).toEqual(inMemory);
  });
});
