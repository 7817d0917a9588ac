/**
 * Cogroup's memory estimate (issue 13: subtract and intersection stayed within their tracked 1 MiB
 * budget while peak RSS reached 0.5–0.8 GB). A cogroup holds, per key, one array per input: its
 * tracked size must cover what those groups really take on the heap, or it spills far too late.
 * Measured here against V8's own heap count of the same groups, and its answer against plain JS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, expect, test } from 'vitest';
import { compileFn, type ClosureRuntime } from '../closure/compile.ts';
import { emptyTaskMetrics } from '../executor/task-metrics.ts';
import type { PlanNode, Split } from '../plan/plan.ts';
import type { TaskContext } from '../plan/task-context.ts';
import { BlockStore } from '../storage/block-store.ts';
import { bag, cogroupPairs } from '../testing/plain.ts';
import { cogroup } from './cogroup.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cogroup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function taskContext(memoryBudget: number): TaskContext {
  const runtime: ClosureRuntime = { broadcastValue: () => undefined, accumulatorAdd: () => undefined, fetchBroadcasts: async () => undefined };
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
      throw new Error('narrow inputs only');
    },
  };
}

/** Cogroups two narrow inputs (given as the records of each). */
function cogroupOf(inputs: [unknown, unknown][][], ctx: TaskContext): unknown[] {
  const node = { t: 'cogroup', id: 9, method: 'cogroup', inputs: inputs.map((_, k) => ({ narrow: { t: 'parallel', id: k } })) } as Extract<PlanNode, { t: 'cogroup' }>;
  const split = inputs.map((_, k) => ({ split: { t: 'parallel', i: k, bytes: new Uint8Array() } as Split }));
  return Array.from(cogroup(node, split, ctx, (n) => inputs[n.id]!));
}

test('the tracked size of a cogroup of distinct keys covers the heap its groups take (it counted records: ~1/5 of it)', () => {
  const n = 60_000;
  // Keys seen once (as subtract and intersection of distinct records give), half of them on both sides.
  const left = Array.from({ length: n }, (_, i): [number, null] => [i * 2 + 0.5, null]);
  const right = Array.from({ length: n / 2 }, (_, i): [number, null] => [i * 4 + 0.5, null]);
  const ctx = taskContext(1 << 30);
  gc();
  const before = process.memoryUsage().heapUsed;
  const out = cogroupOf([left, right], ctx);
  gc();
  const held = process.memoryUsage().heapUsed - before;
  expect(out.length).toBe(n);
  // What the groups take once the table is gone (the table itself is on top of this while it aggregates).
  const tracked = ctx.metrics.peakExecutionMemory;
  expect(tracked, `tracked ${tracked} B for ${held} B of groups`).toBeGreaterThanOrEqual(held);
  expect(tracked, `tracked ${tracked} B for ${held} B of groups`).toBeLessThan(6 * held);
  console.log(`[cogroup] ${n} keys: groups ${(held / n).toFixed(0)} B/key on the heap, tracked peak ${(tracked / n).toFixed(0)} B/key`);
});

test('under a small budget the cogroup spills and answers as plain JS', () => {
  const left = Array.from({ length: 30_000 }, (_, i): [number, number] => [i % 7_001, i]);
  const right = Array.from({ length: 10_000 }, (_, i): [number, string] => [i % 5_003, `r${i}`]);
  const ctx = taskContext(64 << 10);
  const out = cogroupOf([left, right], ctx) as [number, unknown[][]][];
  expect(ctx.metrics.diskBytesSpilled).toBeGreaterThan(0);
  const norm = (gs: [number, unknown[][]][]): unknown[] => bag(gs.map(([k, g]) => [k, g.map((vs) => bag(vs))]));
  expect(norm(out)).toEqual(norm(cogroupPairs<number>([left, right])));
});
