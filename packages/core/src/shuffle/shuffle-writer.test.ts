/**
 * The shuffle writer against a plain split of its input: every reduce partition's segment
 * holds exactly the records of that partition, in input order, whatever mix of column
 * frames and msgpack frames they are written as, with and without spills.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { hashKey } from '../keys/key-hash.ts';
import { readFrameRange } from '../frame/frame-file.ts';
import { ShuffleWriter } from './shuffle-writer.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-shuffle-writer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Records of every kind the writer sorts into column batches or msgpack: string/number pairs
// (both ways round), pairs of other values, and arrays that are not pairs.
const record = fc.oneof(
  fc.tuple(fc.string({ maxLength: 8 }), fc.integer()),
  fc.tuple(fc.string({ maxLength: 8 }), fc.double({ noNaN: true })),
  fc.tuple(fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 8 })),
  fc.tuple(fc.string({ maxLength: 3 }), fc.constantFrom(null, true, { a: 1 }, [1, 2])),
  fc.tuple(fc.string({ maxLength: 3 }), fc.integer(), fc.integer()),
  fc.tuple(fc.constant('long'), fc.constant('y'.repeat(70_000))),
);

let task = 0;

function written(records: unknown[][], partitions: number, memoryBudget: number): { parts: unknown[][]; spilled: number } {
  let spilled = 0;
  const w = new ShuffleWriter(partitions, (k) => hashKey(k) % partitions, null, {
    localDir: dir,
    memoryBudget,
    taskId: ++task,
    onSpill: (bytes) => (spilled += bytes),
    onPeakMemory: () => {},
  });
  const out = w.write(records, 1, task);
  const parts = out.offsets.map((o, p) => Array.from(readFrameRange(out.path, o, out.lengths[p]!)));
  expect(out.records).toEqual(parts.map((r) => r.length));
  fs.rmSync(out.path);
  return { parts, spilled };
}

describe('ShuffleWriter', () => {
  test('each partition gets its records in input order, across column and msgpack frames', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 3000 }), fc.integer({ min: 1, max: 5 }), (records, partitions) => {
        const want: unknown[][] = Array.from({ length: partitions }, () => []);
        for (const r of records) want[hashKey(r[0]) % partitions]!.push(r);
        expect(written(records, partitions, 1 << 30).parts).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  test('the same when the writer spills', () => {
    const records: unknown[][] = [];
    for (let i = 0; i < 60_000; i++) {
      const k = `k${i % 997}`;
      // Runs of each kind, so both column batches and msgpack batches fill up and spill.
      records.push((i >> 9) % 3 === 0 ? [k, i] : (i >> 9) % 3 === 1 ? [i % 13, k] : [k, { i }]);
    }
    const want: unknown[][] = [[], [], []];
    for (const r of records) want[hashKey(r[0]) % 3]!.push(r);
    const { parts, spilled } = written(records, 3, 256 << 10);
    expect(spilled).toBeGreaterThan(0);
    expect(parts).toEqual(want);
  });
});
