import { describe, expect, it } from 'vitest';
import { flagThresholds, isSkewed, median, SKEW_METRICS, stageFlags, taskFlags, type FlagTask, type StageMedians } from './flags.ts';

function mkTasks(n: number, f: (i: number) => Partial<FlagTask['values']> & { duration?: number }): FlagTask[] {
  return Array.from({ length: n }, (_, i) => {
    const { duration, ...values } = f(i);
    return { index: i, executorId: String(i % 3), status: 'SUCCESS', launchTime: 1000, duration: duration ?? 100, values };
  });
}

/** Medians computed independently, straight from the rows. */
function mediansOf(tasks: FlagTask[]): StageMedians {
  const values: StageMedians['values'] = {};
  for (const m of SKEW_METRICS) values[m] = median(tasks.map((t) => t.values[m] ?? 0));
  return { duration: median(tasks.map((t) => t.duration ?? 0)), values, doneFraction: tasks.filter((t) => t.status === 'SUCCESS').length / tasks.length };
}

function quantileView(tasks: FlagTask[]) {
  const metrics: Record<string, { median: number; max: number }> = {};
  for (const m of [...SKEW_METRICS, 'duration'] as const) {
    const vs = tasks.map((t) => (m === 'duration' ? t.duration! : (t.values[m] ?? 0)));
    metrics[m] = { median: median(vs)!, max: Math.max(...vs) };
  }
  return { count: tasks.length, numTasks: tasks.length, metrics };
}

describe('flags', () => {
  it('a uniform job gets no flags, even with jitter of a few percent', () => {
    const tasks = mkTasks(200, (i) => ({ shuffleReadRecords: 50_000 + ((i * 7919) % 2000), shuffleReadBytes: 4e6 + ((i * 31) % 1000) * 100, inputBytes: 0, duration: 400 + ((i * 13) % 40) }));
    const med = mediansOf(tasks);
    for (const t of tasks) expect(taskFlags(t, med, 10_000)).toEqual([]);
    expect(stageFlags(quantileView(tasks))).toEqual({ skew: [], straggler: false });
  });

  it('tiny stages are never flagged for skew, whatever the ratio', () => {
    const tasks = mkTasks(8, (i) => ({ shuffleReadRecords: i === 5 ? 900 : 10, shuffleReadBytes: i === 5 ? 90_000 : 1_000 }));
    const med = mediansOf(tasks);
    expect(tasks.flatMap((t) => taskFlags(t, med, 0))).toEqual([]);
    expect(stageFlags(quantileView(tasks)).skew).toEqual([]);
  });

  it('flags the skewed partition only, naming partition and executor', () => {
    const tasks = mkTasks(8, (i) => ({ shuffleReadRecords: i === 5 ? 200_000 : 10_000, duration: 100 }));
    const med = mediansOf(tasks);
    const flagged = tasks.map((t) => taskFlags(t, med, 0)).map((f, i) => ({ i, f })).filter((x) => x.f.length > 0);
    expect(flagged.map((x) => x.i)).toEqual([5]);
    const flag = flagged[0]!.f[0]!;
    expect(flag).toMatchObject({ kind: 'skew', partition: 5, executorId: '2', metric: 'shuffleReadRecords', value: 200_000, median: 10_000 });
    expect(flag.text).toContain('partition 5');
    expect(flag.text).toContain('executor 2');
    expect(stageFlags(quantileView(tasks)).skew).toEqual(['shuffleReadRecords']);
  });

  it('flags a straggler once most tasks are done, and not before', () => {
    const tasks = mkTasks(20, (i) => ({ duration: i === 7 ? 9_000 : 1_000 }));
    const med = mediansOf(tasks);
    const flags = tasks.flatMap((t) => taskFlags(t, med, 0));
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'straggler', partition: 7, executorId: '1', value: 9_000, median: 1_000 });
    expect(stageFlags(quantileView(tasks)).straggler).toBe(true);
    // Half the stage still running: the median is not yet meaningful.
    expect(taskFlags(tasks[7]!, { ...med, doneFraction: 0.5 }, 0)).toEqual([]);
  });

  it('a running task is a straggler by its elapsed time', () => {
    const running: FlagTask = { index: 3, executorId: 'e9', status: 'running', launchTime: 10_000, duration: null, values: {} };
    const med: StageMedians = { duration: 500, values: {}, doneFraction: 0.9 };
    expect(taskFlags(running, med, 10_400)).toEqual([]);
    const f = taskFlags(running, med, 13_000);
    expect(f).toHaveLength(1);
    expect(f[0]!.text).toContain('has run');
  });

  it('skew needs both the factor and the floor', () => {
    expect(isSkewed('shuffleReadBytes', 3 * 1024 * 1024, 1024 * 1024)).toBe(true);
    expect(isSkewed('shuffleReadBytes', 1.4 * 1024 * 1024, 0.5 * 1024 * 1024)).toBe(false); // 2.8x but under 1 MiB above
    expect(isSkewed('inputRecords', 19_000, 10_000)).toBe(false);
    expect(isSkewed('inputRecords', 20_000, 10_000)).toBe(true);
    expect(isSkewed('inputRecords', 10_000, 0)).toBe(true);
  });

  it('median is exact', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('thresholds flag exactly the tasks the rules flag (by the measures the timeline carries), running tasks by elapsed time', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let flagged = 0;
    for (let round = 0; round < 2000; round++) {
      const med: StageMedians = {
        duration: rand() < 0.1 ? null : Math.floor(rand() * 3000) + (rand() < 0.5 ? 0.5 : 0),
        values: { inputBytes: rand() < 0.2 ? null : Math.floor(rand() * 4e6), inputRecords: Math.floor(rand() * 30_000), shuffleReadRecords: rand() < 0.2 ? null : Math.floor(rand() * 30_000) },
        doneFraction: rand(),
      };
      const running = rand() < 0.2;
      const now = 1_000_000;
      const launch = now - Math.floor(rand() * 20_000);
      const pick = (m: number | null | undefined, span: number) => (rand() < 0.1 ? undefined : Math.floor((m ?? 0) * rand() * 2.2 + rand() * span * 0.5));
      const task: FlagTask = {
        index: round,
        executorId: '1',
        status: running ? 'RUNNING' : 'SUCCESS',
        launchTime: launch,
        duration: running ? null : Math.floor(rand() * 9000),
        values: { inputBytes: pick(med.values.inputBytes, 3e6), inputRecords: pick(med.values.inputRecords, 30_000), shuffleReadRecords: pick(med.values.shuffleReadRecords, 30_000) },
      };
      const t = flagThresholds(med);
      const duration = task.duration ?? now - launch;
      const byThreshold =
        (['inputBytes', 'inputRecords', 'shuffleReadRecords'] as const).some((m) => task.values[m] != null && t[m] != null && task.values[m]! >= t[m]!) || (t.duration != null && duration >= t.duration);
      const byRules = taskFlags(task, med, now).length > 0;
      expect(byThreshold, JSON.stringify({ med, task, t })).toBe(byRules);
      if (byRules) flagged++;
    }
    // Both outcomes were exercised many times.
    expect(flagged).toBeGreaterThan(200);
    expect(flagged).toBeLessThan(1800);
    expect(flagThresholds({ duration: 100, values: {}, doneFraction: 0.5 }).duration).toBeUndefined();
    expect(flagThresholds({ duration: 100, values: { inputBytes: 10 }, doneFraction: 0.9 })).toEqual({ duration: 1100, inputBytes: 10 + 1024 * 1024 });
  });
});
