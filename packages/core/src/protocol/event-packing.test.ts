/**
 * The packed wire form of listener events: the events of real local[2] jobs (a
 * shuffle, a failing task) survive pack → msgpack → unpack exactly, task events
 * are the ones packed, anything with unknown fields passes as it is, and a
 * malformed item is refused with its position.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';
import { decodeBody, encodeBody } from '../transport/body-codec.ts';
import { packEvents, unpackEvents } from './event-packing.ts';

let sc: FlintContext;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'packing-test', progress: false, conf: { 'flint.task.maxFailures': 1 } });
  sc.addListener((e) => void events.push(e));
  await sc
    .parallelize(Array.from({ length: 200 }, (_, i) => [i % 7, i] as [number, number]), 6)
    .reduceByKey((a, b) => a + b, 3)
    .collect();
  await expect(
    sc
      .parallelize([1, 2, 3, 4], 2)
      .map((x) => {
        if (x === 3) throw new Error('boom on three');
        return x;
      })
      .collect(),
  ).rejects.toThrow();
  await sc.flushEvents();
});

afterAll(async () => {
  await sc?.stop();
});

function wire(list: readonly unknown[]): unknown[] {
  return decodeBody<unknown[]>(encodeBody(list));
}

describe('packEvents / unpackEvents', () => {
  test('the events of real jobs come back deep-equal through msgpack, task events packed, in fewer bytes', () => {
    const plain = events as unknown as Record<string, unknown>[];
    const taskEvents = plain.filter((e) => e.type === 'taskStart' || e.type === 'taskEnd');
    expect(taskEvents.length).toBeGreaterThanOrEqual(2 * (6 + 3 + 2));
    expect(plain.some((e) => e.type === 'taskEnd' && (e.reason as { kind: string }).kind !== 'success')).toBe(true);
    const packed = packEvents(plain);
    // Exactly the task events are packed, and the input is left as it was.
    expect(packed.filter((p) => Array.isArray(p)).length).toBe(taskEvents.length);
    expect(packed.map((p, i) => (Array.isArray(p) ? 'packed' : p === plain[i] ? 'same' : 'copy'))).not.toContain('copy');
    const back = unpackEvents(wire(packed));
    expect(back).toEqual(wire(plain));
    expect(back).toEqual(plain);
    const packedBytes = encodeBody(packEvents(taskEvents)).length;
    const plainBytes = encodeBody(taskEvents).length;
    expect(packedBytes * 3).toBeLessThan(plainBytes);
  });

  test('task events with fields beyond the known ones, or missing ones, travel as objects', () => {
    const end = events.find((e) => e.type === 'taskEnd')! as unknown as Record<string, unknown>;
    const extra = { ...end, note: 'x' };
    const extraInfo = { ...end, taskInfo: { ...(end.taskInfo as object), rack: 'r1' } };
    const extraMetric = { ...end, metrics: { ...(end.metrics as object), newMetric: 5 } };
    const { time: _t, ...missing } = end;
    const nullMetrics = { ...end, metrics: null };
    const failed = { ...end, reason: { kind: 'exception', message: 'm', className: 'Error', stack: '' } };
    const list = [extra, extraInfo, extraMetric, missing, nullMetrics, failed];
    const packed = packEvents(list);
    expect(packed.slice(0, 4)).toEqual([extra, extraInfo, extraMetric, missing]);
    expect(Array.isArray(packed[4])).toBe(true);
    expect(Array.isArray(packed[5])).toBe(true);
    expect(unpackEvents(wire(packed))).toEqual(list);
  });

  test('malformed items are refused naming their position', () => {
    expect(() => unpackEvents([{ type: 'x' }, null])).toThrow(/events\[1\]: expected an event object/);
    expect(() => unpackEvents([7])).toThrow(/events\[0\]: expected an event object or a packed task event, got number/);
    expect(() => unpackEvents([[1, 2, 3]])).toThrow(/events\[0\]: a packed event must be/);
    expect(() => unpackEvents([[9, ...new Array(13).fill(0)]])).toThrow(/got \[9, …\] with 14/);
  });
});
