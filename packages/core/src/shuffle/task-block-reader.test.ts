/**
 * The task side of shuffle reads: which blocks of a split are remote (each fetched once), the
 * order blocks are read in (local first), reads from a real frame file with their metrics, and
 * the typed failures: a missing local file, and a failed fetch as the fetcher made it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FetchFailedError } from '../errors.ts';
import { emptyTaskMetrics } from '../executor/task-metrics.ts';
import { encodeFrame } from '../frame/frame.ts';
import type { BlockRef, Split } from '../plan/plan.ts';
import { blockFetchFailure } from './fetch-failure.ts';
import { splitBlocks, TaskBlockReader, type FetchRemoteBlocks } from './task-block-reader.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-block-reader-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const block = (mapId: number, executorId: string, extra: Partial<BlockRef> = {}): BlockRef => ({
  shuffleId: 3,
  mapId,
  executorId,
  address: executorId === 'me' ? '' : `host-${executorId}:1`,
  path: `/data/shuffle_3_${mapId}.data`,
  offset: 0,
  length: 100,
  records: 10,
  ...extra,
});

/** Every `blocks` array anywhere in a split, in key order: the walk the typed one replaced. */
function plainBlocks(v: unknown, out: BlockRef[] = []): BlockRef[] {
  if (Array.isArray(v)) for (const x of v) plainBlocks(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'blocks') out.push(...(x as BlockRef[]));
      else plainBlocks(x, out);
    }
  }
  return out;
}

describe('TaskBlockReader', () => {
  test('splitBlocks lists every block of a nested split in the order a plain walk finds them', () => {
    const b = (m: number) => block(m, `e${m % 3}`);
    const split: Split = {
      t: 'zip',
      i: 0,
      parents: [
        { t: 'cogroup', i: 0, inputs: [{ blocks: [b(0), b(1)] }, { split: { t: 'union', i: 0, which: 1, parent: { t: 'shuffled', i: 0, blocks: [b(2)] } } }] },
        { t: 'cartesian', i: 0, left: { t: 'coalesce', i: 0, parents: [{ t: 'shuffled', i: 0, blocks: [b(3)] }, { t: 'range', i: 0, start: 0, from: 0, to: 3, step: 1 }] }, right: { t: 'shuffled', i: 1, blocks: [b(4), b(5)] } },
        { t: 'parallel', i: 0, bytes: new Uint8Array([1, 2]) },
      ],
    };
    const got = splitBlocks(split);
    expect(got.map((x) => x.mapId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got).toEqual(plainBlocks(split));
  });

  test('remote blocks are fetched once each, read after the local ones, and counted', () => {
    const file = path.join(dir, 'local.data');
    const records = Array.from({ length: 30 }, (_, i) => [`k${i}`, i] as [string, number]);
    const frame = encodeFrame(records);
    fs.writeFileSync(file, Buffer.concat([Buffer.alloc(7), frame]));
    const local = block(0, 'me', { path: file, offset: 7, length: frame.length });
    const r1 = block(1, 'other');
    const r2 = block(2, 'other', { length: 0 });
    const split: Split = { t: 'zip', i: 0, parents: [{ t: 'shuffled', i: 0, blocks: [r1, local, r2] }, { t: 'shuffled', i: 0, blocks: [r1] }] };
    const asked: BlockRef[][] = [];
    const remoteBytes = encodeFrame([['r', 1]]);
    const fetch: FetchRemoteBlocks = (blocks, reduceId) => {
      asked.push(blocks);
      expect(reduceId).toBe(5);
      return { get: () => remoteBytes, close: () => undefined };
    };
    const metrics = emptyTaskMetrics();
    const reader = new TaskBlockReader(split, 5, metrics, 'me', fetch);
    // r1 once (listed twice), r2 not at all (empty), the local block not fetched.
    expect(asked).toEqual([[r1]]);
    expect(reader.readOrder!([r1, local, r2])).toEqual([local, r2, r1]);
    expect(Array.from(reader.readBlock(local))).toEqual(records);
    expect(Array.from(reader.readBlock(r1))).toEqual([['r', 1]]);
    expect(metrics.shuffleReadLocalBlocks).toBe(1);
    expect(metrics.shuffleReadLocalBytes).toBe(frame.length);
    expect(metrics.shuffleReadRemoteBlocks).toBe(1);
    expect(metrics.shuffleReadRemoteBytes).toBe(r1.length);
  });

  test('a missing local file and a failed fetch are FetchFailedErrors carrying the failure', () => {
    const gone = block(4, 'me', { path: path.join(dir, 'gone.data') });
    const remote = block(6, 'other');
    const failure = blockFetchFailure(remote, 2, 'fetching shuffle blocks failed: cannot reach the executor holding map 6');
    const fetch: FetchRemoteBlocks = () => ({
      get: () => {
        throw new FetchFailedError(failure);
      },
      close: () => undefined,
    });
    const reader = new TaskBlockReader({ t: 'shuffled', i: 2, blocks: [gone, remote] }, 2, emptyTaskMetrics(), 'me', fetch);
    const missing = (() => {
      try {
        reader.readBlock(gone);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(missing).toBeInstanceOf(FetchFailedError);
    expect((missing as FetchFailedError).failure).toEqual({ shuffleId: 3, mapId: 4, executorId: 'me', reduceId: 2, message: `shuffle block ${gone.path} of map 4 is missing` });
    expect(() => reader.readBlock(remote)).toThrow(FetchFailedError);
    try {
      reader.readBlock(remote);
    } catch (e) {
      expect((e as FetchFailedError).failure).toBe(failure);
    }
  });
});
