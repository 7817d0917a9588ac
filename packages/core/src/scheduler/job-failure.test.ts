/**
 * Failures: a task that throws is retried up to flint.task.maxFailures, then the
 * job rejects with a JobFailedError carrying the executor-side stack and the
 * failing function's source; the context keeps working. Empty-RDD errors,
 * atomic saveAsTextFile, stopping a context with a running job.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { FlintError, JobFailedError } from '../errors.ts';
import type { FlintEvent } from '../listener/events.ts';
import { moduleRef } from '../closure/ship.ts';

let sc: FlintContext;
let tmp: string;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'failure-test', progress: false });
  sc.addListener((e) => {
    events.push(e);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-failure-test-'));
});

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function failureOf(p: Promise<unknown>): Promise<Error> {
  const r = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!r) throw new Error('expected the job to fail');
  return r;
}

function taskEndsOfJob(jobId: number): Extract<FlintEvent, { type: 'taskEnd' }>[] {
  const start = events.find((e): e is Extract<FlintEvent, { type: 'jobStart' }> => e.type === 'jobStart' && e.jobId === jobId)!;
  return events.filter((e): e is Extract<FlintEvent, { type: 'taskEnd' }> => e.type === 'taskEnd' && start.stageIds.includes(e.stageId));
}

describe('a failing task', () => {
  test('is retried maxFailures (default 4) times, then the job fails with the executor stack and the function source', async () => {
    expect(sc.conf.maxTaskFailures).toBe(4);
    const err = await failureOf(
      sc
        .parallelize([1, 2, 3, 4, 5, 6], 3)
        .map((x) => {
          if (x === 5) throw new Error(`boom at ${x}`);
          return x * 2;
        })
        .collect(),
    );
    expect(err).toBeInstanceOf(JobFailedError);
    const jf = err as JobFailedError;
    expect(jf.code).toBe('JOB_FAILED');
    expect(jf.message).toContain('boom at 5');
    expect(jf.message).toContain('failed 4 times');
    expect(jf.message).toMatch(/Executor stack:\n(Error: )?boom at 5/);
    expect(jf.executorStack).toContain('boom at 5');
    expect(jf.functionSource).toContain('x === 5');
    expect(jf.message).toContain('x === 5');
    expect(jf.message).toContain('map()');
    await sc.flushEvents();
    const ends = taskEndsOfJob(jf.jobId);
    const failed = ends.filter((e) => e.reason.kind === 'exception');
    expect(failed.length).toBe(4);
    expect(failed.every((e) => e.taskInfo.index === 2)).toBe(true);
    expect(failed.map((e) => e.taskInfo.attempt).sort()).toEqual([0, 1, 2, 3]);
    const jobEnd = events.find((e) => e.type === 'jobEnd' && e.jobId === jf.jobId) as Extract<FlintEvent, { type: 'jobEnd' }>;
    expect(jobEnd.result.status).toBe('failed');
    // The context still runs jobs.
    expect(await sc.parallelize([1, 2, 3], 3).map((x) => x + 1).collect()).toEqual([2, 3, 4]);
  });

  test('a failure in a shuffle map stage fails the job; later jobs on the same data work', async () => {
    const data = Array.from({ length: 20 }, (_, i) => i);
    const err = await failureOf(
      sc
        .parallelize(data, 4)
        .map((x) => {
          if (x === 13) throw new TypeError('bad record 13');
          return [x % 3, x] as [number, number];
        })
        .reduceByKey((a, b) => a + b)
        .collect(),
    );
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.message).toContain('TypeError: bad record 13');
    expect((err as JobFailedError).executorStack).toContain('bad record 13');
    const ok = await sc
      .parallelize(data, 4)
      .map((x) => [x % 3, x] as [number, number])
      .reduceByKey((a, b) => a + b)
      .collect();
    expect(ok.sort((a, b) => a[0] - b[0])).toEqual([
      [0, 63],
      [1, 70],
      [2, 57],
    ]);
  });

  test('failures inside reduce functions, sort keys and non-Error throws are reported', async () => {
    const e1 = await failureOf(sc.parallelize([1, 2, 3], 1).reduce((a, b) => (b === 3 ? (null as unknown as number).valueOf() : a + b)));
    expect(e1).toBeInstanceOf(JobFailedError);
    expect(e1.message).toMatch(/TypeError/);
    expect((e1 as JobFailedError).functionSource).toContain('b === 3');
    const e2 = await failureOf(
      sc
        .parallelize([1, 2, 3], 2)
        .map((x) => {
          if (x === 2) throw 'a plain string';
          return x;
        })
        .count(),
    );
    expect(e2).toBeInstanceOf(JobFailedError);
    expect(e2.message).toContain('a plain string');
    const e3 = await failureOf(
      sc
        .parallelize([3, 1, 2], 2)
        .sortBy((x) => {
          if (x === 2) throw new RangeError('no key for 2');
          return x;
        })
        .collect(),
    );
    expect(e3.message).toContain('no key for 2');
    expect(await sc.parallelize([3, 1, 2], 2).sortBy((x) => x).collect()).toEqual([1, 2, 3]);
  });

  test('maxFailures is configurable', async () => {
    const sc2 = await FlintContext.create({ master: 'local[2]', progress: false, conf: { 'flint.task.maxFailures': 2 } });
    try {
      const seen: FlintEvent[] = [];
      sc2.addListener((e) => {
        seen.push(e);
      });
      const err = await failureOf(
        sc2
          .parallelize([1], 1)
          .map(() => {
            throw new Error('always');
          })
          .collect(),
      );
      expect(err.message).toContain('failed 2 times');
      await sc2.flushEvents();
      expect(seen.filter((e) => e.type === 'taskEnd' && e.reason.kind === 'exception').length).toBe(2);
    } finally {
      await sc2.stop();
    }
  });
});

describe('actions that need an element', () => {
  test('reduce() and first() on an empty RDD reject with a clear error', async () => {
    for (const rdd of [sc.emptyRDD<number>(), sc.parallelize<number>([], 3), sc.parallelize([1, 2], 2).filter((x) => x > 2)]) {
      const r = await failureOf(rdd.reduce((a, b) => a + b));
      expect(r).toBeInstanceOf(FlintError);
      expect((r as FlintError).code).toBe('EMPTY_RDD');
      expect(r.message).toMatch(/reduce\(\).*empty/);
      const f = await failureOf(rdd.first());
      expect((f as FlintError).code).toBe('EMPTY_RDD');
      expect(f.message).toMatch(/first\(\).*empty/);
    }
  });
});

describe('saveAsTextFile commits atomically', () => {
  test('a failing job leaves no output directory and no staging directory', async () => {
    const parent = path.join(tmp, 'atomic');
    fs.mkdirSync(parent);
    const out = path.join(parent, 'result');
    const err = await failureOf(
      sc
        .parallelize(Array.from({ length: 30 }, (_, i) => i), 3)
        .map((x) => {
          if (x === 25) throw new Error('write fails');
          return `line ${x}`;
        })
        .saveAsTextFile(out),
    );
    expect(err).toBeInstanceOf(JobFailedError);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(parent)).toEqual([]);
    // The same path works afterwards.
    await sc
      .parallelize(Array.from({ length: 30 }, (_, i) => i), 3)
      .map((x) => `line ${x}`)
      .saveAsTextFile(out);
    expect(fs.readdirSync(out).sort()).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    expect(fs.readdirSync(parent)).toEqual(['result']);
    const lines = ['part-00000', 'part-00001', 'part-00002'].flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i}`));
  });

  test('a task that fails once while writing is retried; the output has no leftovers of the failed attempt', async () => {
    const out = path.join(tmp, 'retried');
    const marker = path.join(tmp, 'save-failed-once');
    const fsm = fs; // the closure's name for the module its env ships
    await sc
      .parallelize(Array.from({ length: 30 }, (_, i) => i), 3)
      .map(
        (x) => {
          if (x === 15 && !fsm.existsSync(marker)) {
            fsm.writeFileSync(marker, 'x');
            throw new Error('fails once mid-partition');
          }
          return `r${x}`;
        },
        { marker, fsm: moduleRef('node:fs') },
      )
      .saveAsTextFile(out);
    expect(fs.readdirSync(out).sort()).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    const lines = ['part-00000', 'part-00001', 'part-00002'].flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`));
  });

  test('an existing output directory is an error and is left untouched', async () => {
    const out = path.join(tmp, 'exists');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'keep');
    const err = await failureOf(sc.parallelize(['a']).saveAsTextFile(out));
    expect((err as FlintError).code).toBe('FILE_EXISTS');
    expect(err.message).toContain(out);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });
});

describe('stopping', () => {
  test('stop() cancels a running job, is idempotent, and later calls fail clearly', async () => {
    const sc2 = await FlintContext.create({ master: 'local[2]', progress: false });
    const dir = sc2.localDir;
    const pre = sc2.parallelize([1, 2, 3]);
    const running = sc2
      .parallelize([1, 2], 2)
      .map((x) => {
        const end = Date.now() + 3000;
        while (Date.now() < end) {
          /* busy */
        }
        return x;
      })
      .collect();
    const outcome = running.then(
      () => 'resolved',
      (e: unknown) => e as Error,
    );
    await new Promise((r) => setTimeout(r, 200));
    await sc2.stop();
    await sc2.stop();
    const r = await outcome;
    expect(r).toBeInstanceOf(FlintError);
    expect((r as FlintError).code).toBe('JOB_CANCELLED');
    expect(sc2.isStopped).toBe(true);
    expect(fs.existsSync(dir)).toBe(false);
    expect(() => sc2.parallelize([1])).toThrow(/stopped/);
    const e = await failureOf(pre.collect());
    expect((e as FlintError).code).toBe('CONTEXT_STOPPED');
  });
});
