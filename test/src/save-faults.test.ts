/**
 * saveAsTextFile on a standalone cluster under faults: an executor SIGKILLed
 * while its tasks write, and an executor frozen mid-write until the driver
 * declares it lost and the job commits, then thawed. The committed output
 * holds exactly `_SUCCESS` and one part file per partition, its lines equal
 * plain JS, nothing is left beside it, and a late attempt changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { processAlive } from './cluster/test-cluster.ts';

const PARTS = 8;
const N = 1600;

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The committed output: its listing, and every line of its part files in order. */
function readOutput(dir: string): { files: string[]; lines: string[]; sizes: Record<string, number> } {
  const files = fs.readdirSync(dir).sort();
  const parts = files.filter((f) => f.startsWith('part-'));
  const sizes = Object.fromEntries(files.map((f) => [f, fs.statSync(path.join(dir, f)).size]));
  return { files, lines: parts.flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean)), sizes };
}

const expectedFiles = ['_SUCCESS', ...Array.from({ length: PARTS }, (_, i) => `part-${String(i).padStart(5, '0')}`)];
const expectedLines = Array.from({ length: N }, (_, i) => `line ${i} ${i * i}`);

describe('saveAsTextFile under executor faults', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  }, 60_000);

  async function setUp(transport: 'tcp' | 'http') {
    const cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: 5000 });
    cleanups.push(() => cluster.stop());
    const events: FlintEvent[] = [];
    const pids = new Map<string, number>();
    const sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `save-faults-${transport}`,
      progress: false,
      listeners: [
        (e) => {
          events.push(e);
          if (e.type === 'executorAdded' && e.pid !== null) pids.set(e.executorId, e.pid);
        },
      ],
    });
    cleanups.push(() => sc.stop());
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-save-faults-'));
    cleanups.push(async () => fs.rmSync(parent, { recursive: true, force: true }));
    const save = (out: string, ms: number) =>
      sc
        .parallelize(Array.from({ length: N }, (_, i) => i), PARTS)
        .map(
          (x) => {
            const end = Date.now() + ms;
            while (Date.now() < end);
            return `line ${x} ${x * x}`;
          },
          { ms },
        )
        .saveAsTextFile(out);
    return { cluster, sc, events, pids, parent, save };
  }

  it.each(['tcp', 'http'] as const)('an executor SIGKILLed mid-save leaves nothing in the output (%s)', async (transport) => {
    const { events, pids, parent, save } = await setUp(transport);
    const out = path.join(parent, 'out');
    const job = save(out, 3);
    // An executor in the middle of a save task (started, not ended: its attempt file is open).
    const writing = () => {
      const ended = new Set(events.flatMap((e) => (e.type === 'taskEnd' ? [e.taskInfo.taskId] : [])));
      return events.flatMap((e) => (e.type === 'taskStart' && !ended.has(e.taskInfo.taskId) ? [e.taskInfo.executorId] : []));
    };
    await waitFor('a finished save task and one still writing', () => events.some((e) => e.type === 'taskEnd' && e.reason.kind === 'success') && writing().some((id) => pids.has(id)), 60_000);
    const victimId = writing().find((id) => pids.has(id))!;
    const t0 = Date.now();
    process.kill(pids.get(victimId)!, 'SIGKILL');
    await job;
    process.stdout.write(`[save ${transport}] executor ${victimId} killed mid-save; the job committed ${Date.now() - t0} ms later\n`);
    expect(events.some((e) => e.type === 'executorRemoved' && e.executorId === victimId)).toBe(true);
    const got = readOutput(out);
    expect(got.files).toEqual(expectedFiles);
    expect(got.lines).toEqual(expectedLines);
    expect(fs.readdirSync(parent)).toEqual(['out']);
  }, 180_000);

  it('an attempt frozen past the commit cannot touch the committed output (tcp)', async () => {
    const { events, pids, parent, save } = await setUp('tcp');
    const out = path.join(parent, 'out');
    const job = save(out, 5);
    await waitFor('a finished save task', () => events.some((e) => e.type === 'taskEnd' && e.reason.kind === 'success'), 60_000);
    const [victimId, victimPid] = [...pids.entries()][0]!;
    process.kill(victimPid, 'SIGSTOP');
    try {
      await job; // finishes once the driver has declared the frozen executor lost and rerun its task
      expect(events.some((e) => e.type === 'executorRemoved' && e.executorId === victimId)).toBe(true);
      const committed = readOutput(out);
      expect(committed.files).toEqual(expectedFiles);
      expect(committed.lines).toEqual(expectedLines);
      process.kill(victimPid, 'SIGCONT');
      // The thawed attempt runs on until its executor notices it was removed and exits.
      await waitFor('the thawed executor to exit', () => !processAlive(victimPid), 30_000);
      expect(readOutput(out)).toEqual(committed);
      expect(fs.readdirSync(parent)).toEqual(['out']);
    } finally {
      if (processAlive(victimPid)) process.kill(victimPid, 'SIGCONT');
    }
  }, 240_000);
});
