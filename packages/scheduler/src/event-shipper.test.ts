/**
 * EventShipper against the master's side of the appEvents contract: an in-memory
 * store that keeps events by number, skips the ones it has, and answers with the
 * highest number it holds contiguously from 1. The store can be slowed, taken
 * down (requests fail), and made to forget batches in flight (a master that died
 * before storing them). Every test checks the stored events against the posted
 * ones, one by one.
 */
import { describe, expect, test } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { EventShipper, eventShipperSettings } from './event-shipper.ts';

class StoreMaster {
  readonly stored = new Map<number, Record<string, unknown>>();
  storedThrough = 0;
  inFlight = 0;
  maxInFlight = 0;
  batches = 0;
  maxBatch = 0;
  delayMs = 0;
  down = false;
  /** Batches starting at these numbers are lost before they are stored (answered with an error). */
  readonly loseFirstSeqs = new Set<number>();
  /** Answers without storing anything (a master that does not keep events). */
  refuse = false;

  readonly send = async (b: { appId: string; firstSeq: number; events: Record<string, unknown>[] }): Promise<{ storedThrough: number }> => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      else await new Promise((r) => setImmediate(r));
      if (this.down) throw new Error('connection closed');
      if (this.loseFirstSeqs.delete(b.firstSeq)) throw new Error('master died before storing the batch');
      this.batches++;
      this.maxBatch = Math.max(this.maxBatch, b.events.length);
      if (!this.refuse) {
        b.events.forEach((e, i) => {
          if (!this.stored.has(b.firstSeq + i)) this.stored.set(b.firstSeq + i, e);
        });
        while (this.stored.has(this.storedThrough + 1)) this.storedThrough++;
      }
      return { storedThrough: this.storedThrough };
    } finally {
      this.inFlight--;
    }
  };
}

function taskEnd(i: number): FlintEvent {
  return {
    type: 'taskEnd',
    time: i,
    stageId: 0,
    stageAttempt: 0,
    taskType: 'result',
    reason: { kind: 'success' },
    taskInfo: { taskId: i, index: i, attempt: 0, launchTime: i, finishTime: i + 1, executorId: '0', host: 'h', slot: 0, locality: 'ANY', speculative: false },
    metrics: null,
  };
}

/** Every posted event is stored exactly once, under its own number. */
function expectComplete(master: StoreMaster, posted: FlintEvent[]): void {
  expect(master.storedThrough).toBe(posted.length);
  expect(master.stored.size).toBe(posted.length);
  for (let i = 0; i < posted.length; i++) {
    if (master.stored.get(i + 1) !== (posted[i] as unknown)) throw new Error(`event ${i + 1} stored wrong: ${JSON.stringify(master.stored.get(i + 1))}`);
  }
}

describe('EventShipper', () => {
  test('20,000 events arrive numbered 1..20,000, in batches of at most maxBatchEvents, with at most maxInFlight requests open', async () => {
    const master = new StoreMaster();
    const shipper = new EventShipper({ appId: 'app-1', send: master.send, maxBatchEvents: 500, maxInFlight: 3, lingerMs: 5 });
    const posted: FlintEvent[] = [];
    for (let i = 0; i < 20_000; i++) {
      const e = taskEnd(i);
      posted.push(e);
      shipper.listener(e);
    }
    expect(shipper.posted).toBe(20_000);
    expect(await shipper.flush(10_000)).toBe(0);
    expectComplete(master, posted);
    expect(master.maxBatch).toBeLessThanOrEqual(500);
    expect(master.maxInFlight).toBeLessThanOrEqual(3);
    expect(master.maxInFlight).toBeGreaterThan(1);
    expect(master.batches).toBe(40);
  });

  test('a slow master makes the shipper wait, never exceeding the window; posting never blocks', async () => {
    const master = new StoreMaster();
    master.delayMs = 20;
    const shipper = new EventShipper({ appId: 'app-1', send: master.send, maxBatchEvents: 100, maxInFlight: 2, lingerMs: 1 });
    const posted: FlintEvent[] = [];
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) {
      posted.push(taskEnd(i));
      shipper.listener(posted[i]!);
    }
    const postMs = performance.now() - t0;
    expect(shipper.pending).toBe(2000);
    expect(postMs).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(master.storedThrough).toBeLessThan(2000);
    expect(await shipper.flush(20_000)).toBe(0);
    expectComplete(master, posted);
    expect(master.maxInFlight).toBe(2);
  });

  test('a master that goes down and comes back gets everything above its last acknowledgement', async () => {
    const master = new StoreMaster();
    const shipper = new EventShipper({ appId: 'app-1', send: master.send, maxBatchEvents: 100, maxInFlight: 4, lingerMs: 1, retryDelayMs: 10 });
    const posted: FlintEvent[] = [];
    const post = (n: number) => {
      for (let i = 0; i < n; i++) {
        const e = taskEnd(posted.length);
        posted.push(e);
        shipper.listener(e);
      }
    };
    post(1000);
    await shipper.flush(5000);
    expect(master.storedThrough).toBe(1000);
    master.down = true;
    post(1500);
    await new Promise((r) => setTimeout(r, 100));
    expect(master.storedThrough).toBe(1000);
    master.down = false;
    post(500);
    expect(await shipper.flush(10_000)).toBe(0);
    expectComplete(master, posted);
  });

  test('a batch lost in flight while later ones are stored is resent (the master answers below the batch)', async () => {
    const master = new StoreMaster();
    master.loseFirstSeqs.add(201);
    master.loseFirstSeqs.add(601);
    const shipper = new EventShipper({ appId: 'app-1', send: master.send, maxBatchEvents: 100, maxInFlight: 4, lingerMs: 1, retryDelayMs: 10 });
    const posted = Array.from({ length: 1000 }, (_, i) => taskEnd(i));
    for (const e of posted) shipper.listener(e);
    expect(await shipper.flush(10_000)).toBe(0);
    expectComplete(master, posted);
  });

  test('flush gives up after its timeout and says how many events were not delivered', async () => {
    const master = new StoreMaster();
    const shipper = new EventShipper({ appId: 'app-1', send: master.send, maxBatchEvents: 100, lingerMs: 1, retryDelayMs: 10 });
    const posted = Array.from({ length: 250 }, (_, i) => taskEnd(i));
    for (const e of posted.slice(0, 100)) shipper.listener(e);
    await shipper.flush(5000);
    master.down = true;
    for (const e of posted.slice(100)) shipper.listener(e);
    expect(await shipper.flush(100)).toBe(150);
    expect(shipper.storedThrough).toBe(100);
    shipper.close();
  });

  test('a master that answers without storing is given up on with a warning, not retried forever', async () => {
    const master = new StoreMaster();
    master.refuse = true;
    const warnings: string[] = [];
    const shipper = new EventShipper({ appId: 'app-7', send: master.send, maxBatchEvents: 10, lingerMs: 1, retryDelayMs: 1, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 30; i++) shipper.listener(taskEnd(i));
    expect(await shipper.flush(5000)).toBe(30);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('app-7');
    await new Promise((r) => setTimeout(r, 20)); // batches sent before it gave up are answered
    const batches = master.batches;
    await new Promise((r) => setTimeout(r, 50));
    expect(master.batches).toBe(batches);
    expect(master.inFlight).toBe(0);
  });

  test('settings: defaults, and a clear error for a bad value', () => {
    expect(eventShipperSettings({})).toEqual({ enabled: true, maxBatchEvents: 1000, maxInFlight: 4, lingerMs: 50, flushTimeoutMs: 10_000 });
    expect(eventShipperSettings({ 'flint.eventLog.enabled': 'false' }).enabled).toBe(false);
    expect(() => eventShipperSettings({ 'flint.eventLog.batchEvents': 20_000 })).toThrow(/flint.eventLog.batchEvents: expected an integer from 1 to 10000/);
  });
});

describe('events of a real job are plain data', () => {
  test('every event of a job with a shuffle, a cached RDD and a failed task survives JSON unchanged', async () => {
    const events: FlintEvent[] = [];
    const sc = await FlintContext.create({ master: 'local[2]', appName: 'plain-events', progress: false, conf: { 'flint.task.maxFailures': 1, someObject: { a: [1, 2] }, aMap: new Map([[1, 2]]) }, listeners: [(e) => void events.push(e)] });
    try {
      const pairs = sc.parallelize(Array.from({ length: 100 }, (_, i) => i), 4).map((x) => [x % 7, x] as [number, number]).cache();
      const sums = await pairs.reduceByKey((a, b) => a + b).collect();
      const expected = new Map<number, number>();
      for (let i = 0; i < 100; i++) expected.set(i % 7, (expected.get(i % 7) ?? 0) + i);
      expect(new Map(sums)).toEqual(expected);
      await expect(sc.parallelize([1, 2, 3], 1).map((x) => {
        if (x === 2) throw new Error('boom');
        return x;
      }).collect()).rejects.toThrow(/boom/);
    } finally {
      await sc.stop();
    }
    const types = new Set(events.map((e) => e.type));
    for (const t of ['applicationStart', 'jobStart', 'stageSubmitted', 'taskStart', 'taskEnd', 'stageCompleted', 'jobEnd', 'blockUpdated', 'executorAdded', 'applicationEnd']) expect(types).toContain(t);
    for (const e of events) {
      const json = JSON.parse(JSON.stringify(e)) as unknown;
      expect(json).toEqual(e);
    }
    const start = events.find((e) => e.type === 'applicationStart') as Extract<FlintEvent, { type: 'applicationStart' }>;
    expect(start.conf.someObject).toEqual({ a: [1, 2] });
    expect(typeof start.conf.aMap).toBe('string');
    expect(start.appId).toMatch(/^local-/);
    expect(start.appId).toBe(sc.applicationId);
  });
});
