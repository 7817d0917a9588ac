/**
 * The contract every SchedulerBackend passes, as one vitest suite: call
 * `schedulerBackendContractSuite(name, target)` from a `*.test.ts` beside the
 * implementation (`local[N]`: a unit test in @flint/scheduler; standalone: a
 * cross-process test in test/ against a real local cluster).
 *
 * The suite runs a real FlintContext (DAGScheduler, TaskScheduler) over the
 * backend the target makes, registered under a master URL of its own, and
 * watches the seam: a recording port between the backend and the TaskScheduler
 * checks on every call that offers name registered executors and free slots
 * only, that every launched task ends exactly once, and that nothing is
 * reported after `stop()`; a recording broadcast source checks that broadcasts
 * come from the source the context gives. Every answer is compared with a
 * plain-JS computation over the same input. Time bounds are liveness bounds.
 *
 * Not exported from core's index (it imports vitest): import it from
 * `@flint/core/backend-contract`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { FlintSettings } from '../conf.ts';
import { FlintContext, registerSchedulerBackend } from '../context.ts';
import { JobCancelledError, JobFailedError } from '../errors.ts';
import type { TaskOutcome } from '../executor/task-description.ts';
import type {
  BroadcastSource,
  ExecutorDescription,
  SchedulerBackend,
  SchedulerBackendContext,
  TaskLaunch,
  TaskSchedulerPort,
  WorkerOffer,
} from '../scheduler/scheduler-backend.ts';
import type { MapStatus } from '../scheduler/map-output-tracker.ts';

export interface BackendContractTarget {
  /** A new, not yet started backend for a context with these compiled settings (they carry the transport). */
  makeBackend(settings: FlintSettings): SchedulerBackend | Promise<SchedulerBackend>;
  /** Transport of the context (standalone backends use it). @default 'tcp' */
  transport?: 'tcp' | 'http';
  /** Bound on starting the context (a cluster launches executor processes). @default 60 s */
  startTimeoutMs?: number;
}

/** What the recording port saw; `violations` must stay empty. */
class SeamRecorder {
  readonly violations: string[] = [];
  readonly executors = new Map<string, ExecutorDescription>();
  /** Running tasks by id, with their slot. */
  readonly running = new Map<number, { executorId: string; slot: number; stageId: number; partition: number }>();
  readonly launched: TaskLaunch[] = [];
  readonly ended: { taskId: number; partition: number; stageId: number; outcome: TaskOutcome }[] = [];
  readonly lost: string[] = [];
  readonly broadcastReads: number[] = [];
  stopped = false;

  private violation(m: string): void {
    this.violations.push(m);
  }

  wrapPort(inner: TaskSchedulerPort): TaskSchedulerPort {
    return {
      resourceOffers: (offers: WorkerOffer[]) => {
        if (this.stopped) this.violation(`resourceOffers after stop()`);
        const busy = new Set([...this.running.values()].map((r) => `${r.executorId}#${r.slot}`));
        const seen = new Set<string>();
        for (const o of offers) {
          const e = this.executors.get(o.executorId);
          const key = `${o.executorId}#${o.slot}`;
          if (!e) this.violation(`offer of unregistered executor ${o.executorId}`);
          else if (!Number.isInteger(o.slot) || o.slot < 0 || o.slot >= e.cores) this.violation(`offer of slot ${o.slot} of ${o.executorId}, which has ${e.cores} cores`);
          if (busy.has(key)) this.violation(`offer of slot ${key} while a task runs there`);
          if (seen.has(key)) this.violation(`slot ${key} offered twice in one call`);
          seen.add(key);
        }
        const launches = inner.resourceOffers(offers);
        for (const l of launches) {
          this.launched.push(l);
          this.running.set(l.task.taskId, { executorId: l.offer.executorId, slot: l.offer.slot, stageId: l.task.stageId, partition: l.task.partition });
        }
        return launches;
      },
      statusUpdate: (taskId: number, outcome: TaskOutcome) => {
        if (this.stopped) this.violation(`statusUpdate of task ${taskId} after stop()`);
        const r = this.running.get(taskId);
        if (!r) this.violation(`statusUpdate of task ${taskId}, which is not running (never launched, or already ended)`);
        else {
          this.running.delete(taskId);
          this.ended.push({ taskId, partition: r.partition, stageId: r.stageId, outcome });
        }
        inner.statusUpdate(taskId, outcome);
      },
      executorAdded: (e: ExecutorDescription) => {
        if (this.executors.has(e.executorId)) this.violation(`executor ${e.executorId} added twice`);
        if (!(e.cores >= 1)) this.violation(`executor ${e.executorId} added with ${e.cores} cores`);
        this.executors.set(e.executorId, e);
        inner.executorAdded(e);
      },
      executorLost: (executorId: string, reason: string) => {
        this.executors.delete(executorId);
        this.lost.push(executorId);
        // Its running tasks end as lost inside the TaskScheduler, not through the port.
        for (const [id, r] of this.running) if (r.executorId === executorId) this.running.delete(id);
        inner.executorLost(executorId, reason);
      },
      slotReset: (executorId: string, slot: number) => inner.slotReset(executorId, slot),
      applicationKilled: (reason: string) => inner.applicationKilled(reason),
    };
  }

  wrapBroadcasts(inner: BroadcastSource): BroadcastSource {
    return {
      broadcastBytes: (id: number) => {
        this.broadcastReads.push(id);
        return inner.broadcastBytes(id);
      },
    };
  }
}

/** The backend under test, with the recorder on its seam to the scheduler. */
class RecordedBackend implements SchedulerBackend {
  constructor(
    readonly inner: SchedulerBackend,
    private readonly rec: SeamRecorder,
  ) {}
  get registersApplication(): boolean | undefined {
    return this.inner.registersApplication;
  }
  start(scheduler: TaskSchedulerPort, ctx: SchedulerBackendContext): Promise<void> {
    return this.inner.start(this.rec.wrapPort(scheduler), { ...ctx, broadcasts: this.rec.wrapBroadcasts(ctx.broadcasts) });
  }
  async stop(): Promise<void> {
    await this.inner.stop();
    this.rec.stopped = true;
  }
  reviveOffers(): void {
    this.inner.reviveOffers();
  }
  killTask(taskId: number, executorId: string, reason: string): void {
    this.inner.killTask(taskId, executorId, reason);
  }
  defaultParallelism(): number {
    return this.inner.defaultParallelism();
  }
  removeRdd(rddId: number): void {
    this.inner.removeRdd(rddId);
  }
  removeBroadcast(id: number): void {
    this.inner.removeBroadcast(id);
  }
  removeShuffle(shuffleId: number, outputs: MapStatus[]): void {
    this.inner.removeShuffle(shuffleId, outputs);
  }
}

let suiteSeq = 0;

async function eventually(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers one vitest suite checking `target` against the SchedulerBackend contract. */
export function schedulerBackendContractSuite(name: string, target: BackendContractTarget): void {
  const master = `backend-contract-${process.pid}-${suiteSeq++}://`;
  describe(`SchedulerBackend contract: ${name}`, () => {
    const rec = new SeamRecorder();
    let backend: RecordedBackend | null = null;
    let sc: FlintContext;

    beforeAll(async () => {
      registerSchedulerBackend(async (url, settings) => {
        if (url !== master) return null;
        backend = new RecordedBackend(await target.makeBackend(settings), rec);
        return backend;
      });
      sc = await FlintContext.create({
        master,
        appName: `backend-contract-${name}`,
        transport: target.transport ?? 'tcp',
        progress: false,
        conf: { 'flint.task.maxFailures': 2, 'flint.eventLog.enabled': false, 'flint.locality.wait': 0 },
      });
    }, target.startTimeoutMs ?? 60_000);

    afterAll(async () => {
      await sc?.stop();
    }, 60_000);

    afterEach(() => {
      expect(rec.violations).toEqual([]);
    });

    test('start resolves with executors registered, and they give the default parallelism', () => {
      expect(backend).not.toBeNull();
      expect(rec.executors.size).toBeGreaterThanOrEqual(1);
      const cores = [...rec.executors.values()].reduce((t, e) => t + e.cores, 0);
      expect(cores).toBeGreaterThanOrEqual(1);
      const dp = backend!.defaultParallelism();
      expect(Number.isInteger(dp) && dp >= 1).toBe(true);
    });

    test('every launched task ends exactly once, and the results are right', async () => {
      const data = Array.from({ length: 2000 }, (_, i) => i);
      const first = rec.launched.length;
      const got = await sc
        .parallelize(data, 9)
        .map((x) => x * 3 + 1)
        .filter((x) => x % 2 === 0)
        .collect();
      expect(got).toEqual(data.map((x) => x * 3 + 1).filter((x) => x % 2 === 0));
      const launched = rec.launched.slice(first);
      expect(launched.length).toBe(9);
      expect(launched.map((l) => l.task.partition).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      await eventually('every task to end', () => launched.every((l) => !rec.running.has(l.task.taskId)));
      for (const l of launched) expect(rec.ended.filter((e) => e.taskId === l.task.taskId)).toHaveLength(1);
    });

    test('a shuffle across the executors gives the plain answer', async () => {
      const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 7) % 101}`);
      const got = await sc
        .parallelize(words, 6)
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 4)
        .collect();
      const plain = new Map<string, number>();
      for (const w of words) plain.set(w, (plain.get(w) ?? 0) + 1);
      expect(new Map(got)).toEqual(plain);
      expect(got.length).toBe(plain.size);
    });

    test('executors read broadcasts from the source the context gives the backend', async () => {
      const table = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i * i]));
      const b = sc.broadcast(table);
      const keys = Array.from({ length: 1000 }, (_, i) => `k${(i * 13) % 500}`);
      const got = await sc
        .parallelize(keys, 4)
        .map((k) => b.value[k]!, { b })
        .collect();
      expect(got).toEqual(keys.map((k) => table[k]));
      expect(rec.broadcastReads).toContain(b.id);
      b.destroy();
    });

    test('a task that always throws is retried up to flint.task.maxFailures and fails its job with its error', async () => {
      const first = rec.ended.length;
      const err = await sc
        .parallelize([1, 2, 3, 4, 5, 6], 3)
        .map((x) => {
          if (x === 4) throw new Error(`contract failure at ${x}`);
          return x;
        })
        .collect()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(JobFailedError);
      expect((err as Error).message).toContain('contract failure at 4');
      expect((err as Error).message).toContain('failed 2 times');
      const failures = rec.ended.slice(first).filter((e) => e.partition === 1 && e.outcome.status === 'failed');
      expect(failures.map((e) => (e.outcome.status === 'failed' ? e.outcome.reason.kind : 'success'))).toEqual(['exception', 'exception']);
      // The context goes on.
      expect(await sc.parallelize([1, 2, 3], 3).map((x) => x + 1).collect()).toEqual([2, 3, 4]);
    });

    test('killing a running task ends it as killed, and its slot runs the next job', async () => {
      const first = rec.launched.length;
      const job = sc
        .parallelize([0], 1)
        .map((x) => {
          const end = Date.now() + 120_000;
          while (Date.now() < end) {
            /* runs until killed */
          }
          return x;
        })
        .collect();
      const outcome = job.then(
        () => null,
        (e: unknown) => e,
      );
      await eventually('the long task to launch', () => rec.launched.length > first);
      const task = rec.launched[first]!.task;
      expect(sc.cancelAllJobs('contract: kill it')).toHaveLength(1);
      expect(await outcome).toBeInstanceOf(JobCancelledError);
      await eventually('the killed task to end', () => rec.ended.some((e) => e.taskId === task.taskId));
      const end = rec.ended.find((e) => e.taskId === task.taskId)!;
      expect(end.outcome.status === 'failed' && end.outcome.reason.kind).toBe('killed');
      const data = Array.from({ length: 100 }, (_, i) => i);
      expect(await sc.parallelize(data, 4).map((x) => -x).collect()).toEqual(data.map((x) => -x));
    });

    test('stop() is idempotent and nothing reaches the scheduler after it', async () => {
      await sc.stop();
      expect(rec.stopped).toBe(true);
      await backend!.inner.stop();
      await new Promise((r) => setTimeout(r, 200));
      expect(rec.running.size).toBe(0);
    });
  });
}
