/**
 * Traces and metrics of real jobs in local[2], recorded by the SDK this package
 * registers (in-memory exporter and reader): with no SDK registered a job has
 * no trace id and its tasks carry no traceparent; with it, every job is one
 * trace — a root job span, a span per stage attempt under it, a span per task
 * attempt under its stage attempt's span — and the counts equal the listener
 * events of the same jobs; the metrics equal sums over the task end events.
 */
import { afterAll, expect, test } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import '@flint/scheduler';
import { AggregationTemporality, DataPointType, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type Telemetry } from './telemetry.ts';

class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let telemetry: Telemetry | null = null;
afterAll(async () => {
  await telemetry?.shutdown();
});

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

/** A job with two shuffles, and a second job over a cached RDD; answers checked against plain JS. */
async function runJobs(sc: FlintContext): Promise<void> {
  const data = Array.from({ length: 5000 }, (_, i) => i);
  const words = sc.parallelize(data, 5).map((x) => [x % 17, x] as [number, number]);
  const byKey = words.reduceByKey((a, b) => a + b, 3).map(([k, v]) => [v % 5, k] as [number, number]).groupByKey(2);
  const got = await byKey.mapValues((ks) => ks.length).collect();
  const sums = new Map<number, number>();
  for (const x of data) sums.set(x % 17, (sums.get(x % 17) ?? 0) + x);
  const expected = new Map<number, number>();
  for (const v of sums.values()) expected.set(v % 5, (expected.get(v % 5) ?? 0) + 1);
  expect(new Map(got)).toEqual(expected);
  expect(await sc.parallelize(data, 4).filter((x) => x % 3 === 0).count()).toBe(data.filter((x) => x % 3 === 0).length);
}

test('with no SDK registered, jobs have no trace id', async () => {
  const events: FlintEvent[] = [];
  const sc = await FlintContext.create({ master: 'local[2]', progress: false, listeners: [(e) => void events.push(e)] });
  try {
    await runJobs(sc);
  } finally {
    await sc.stop();
  }
  const starts = events.filter((e): e is Ev<'jobStart'> => e.type === 'jobStart');
  expect(starts).toHaveLength(2);
  for (const s of starts) expect(s.traceId ?? null).toBeNull();
});

test('job → stage attempt → task attempt spans match the jobs, and the metrics match the task ends', async () => {
  const spans = new InMemorySpanExporter();
  const reader = new CollectingReader();
  telemetry = startTelemetry({ serviceName: 'flint-test', env: {}, spanProcessors: [new SimpleSpanProcessor(spans)], metricReaders: [reader] });
  expect(telemetry).not.toBeNull();
  const events: FlintEvent[] = [];
  const sc = await FlintContext.create({ master: 'local[2]', progress: false, listeners: [(e) => void events.push(e)] });
  try {
    await runJobs(sc);
  } finally {
    await sc.stop();
  }
  await telemetry!.forceFlush();
  const all = spans.getFinishedSpans();
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId ?? null;
  const jobSpans = all.filter((s) => s.name.startsWith('job '));
  const stageSpans = all.filter((s) => s.name.startsWith('stage '));
  const taskSpans = all.filter((s) => s.name.startsWith('task '));
  expect(jobSpans.length + stageSpans.length + taskSpans.length).toBe(all.length);

  const starts = events.filter((e): e is Ev<'jobStart'> => e.type === 'jobStart');
  expect(jobSpans).toHaveLength(starts.length);
  for (const start of starts) {
    const job = jobSpans.find((s) => s.attributes['flint.job.id'] === start.jobId)!;
    expect(job).toBeDefined();
    expect(parentOf(job)).toBeNull();
    expect(start.traceId).toBe(job.spanContext().traceId);
    // Stage attempts of this job: the stageSubmitted events of its stages while it ran.
    const submitted = events.filter((e): e is Ev<'stageSubmitted'> => e.type === 'stageSubmitted' && start.stageIds.includes(e.stageInfo.stageId));
    const mine = stageSpans.filter((s) => s.spanContext().traceId === start.traceId);
    expect(mine).toHaveLength(submitted.length);
    for (const st of mine) {
      expect(parentOf(st)).toBe(job.spanContext().spanId);
      const stageId = st.attributes['flint.stage.id'];
      const attempt = st.attributes['flint.stage.attempt'];
      const ends = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd' && e.stageId === stageId && e.stageAttempt === attempt);
      const tasks = taskSpans.filter((t) => parentOf(t) === st.spanContext().spanId);
      expect(tasks.length).toBe(ends.length);
      expect(new Set(tasks.map((t) => t.attributes['flint.task.id']))).toEqual(new Set(ends.map((e) => e.taskInfo.taskId)));
      for (const t of tasks) expect(t.spanContext().traceId).toBe(start.traceId);
    }
  }
  const taskEnds = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
  expect(taskSpans).toHaveLength(taskEnds.length);

  const { resourceMetrics } = await reader.collect();
  const sum = (rm: ResourceMetrics, name: string): number => {
    let total = 0;
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.descriptor.name === name) for (const dp of m.dataPoints) total += m.dataPointType === DataPointType.HISTOGRAM ? (dp.value as { count: number }).count : (dp.value as number);
    return total;
  };
  const ok = taskEnds.filter((e) => e.reason.kind === 'success');
  expect(sum(resourceMetrics, 'flint.tasks.completed')).toBe(ok.length);
  expect(sum(resourceMetrics, 'flint.tasks.failed')).toBe(taskEnds.length - ok.length);
  expect(sum(resourceMetrics, 'flint.task.duration')).toBe(taskEnds.length);
  expect(sum(resourceMetrics, 'flint.shuffle.write.bytes')).toBe(taskEnds.reduce((t, e) => t + (e.metrics?.shuffleWriteBytes ?? 0), 0));
  expect(sum(resourceMetrics, 'flint.shuffle.read.bytes')).toBe(taskEnds.reduce((t, e) => t + (e.metrics ? e.metrics.shuffleReadLocalBytes + e.metrics.shuffleReadRemoteBytes : 0), 0));
  expect(sum(resourceMetrics, 'flint.executors.alive')).toBe(0);

  // A failing job: its job span, the stage attempt that failed and the tasks that failed are errors,
  // and the parent stage that never ran (its child failed first) leaves no span open.
  spans.reset();
  const failEvents: FlintEvent[] = [];
  const sc2 = await FlintContext.create({ master: 'local[2]', progress: false, conf: { 'flint.task.maxFailures': 2 }, listeners: [(e) => void failEvents.push(e)] });
  try {
    await expect(
      sc2
        .parallelize([1, 2, 3, 4], 2)
        .map((x) => [x % 2, x] as [number, number])
        .reduceByKey((a, b) => a + b, 2)
        .map(([k, v]) => {
          if (k === 1) throw new Error(`bad key ${k}`);
          return v;
        })
        .collect(),
    ).rejects.toThrow(/bad key 1/);
  } finally {
    await sc2.stop();
  }
  await telemetry!.forceFlush();
  const failed = spans.getFinishedSpans();
  const fjob = failed.filter((s) => s.name.startsWith('job '));
  expect(fjob).toHaveLength(1);
  expect(fjob[0]!.status.code).toBe(SpanStatusCode.ERROR);
  expect(fjob[0]!.attributes['flint.job.status']).toBe('failed');
  const fstages = failed.filter((s) => s.name.startsWith('stage '));
  expect(fstages).toHaveLength(failEvents.filter((e) => e.type === 'stageSubmitted').length);
  const resultStage = fstages.find((s) => s.attributes['flint.stage.kind'] === 'result')!;
  expect(resultStage.status.code).toBe(SpanStatusCode.ERROR);
  const failedEnds = failEvents.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd' && e.reason.kind !== 'success');
  expect(failedEnds.length).toBeGreaterThanOrEqual(2);
  const ftasks = failed.filter((s) => s.name.startsWith('task '));
  expect(ftasks).toHaveLength(failEvents.filter((e) => e.type === 'taskEnd').length);
  expect(ftasks.filter((t) => t.status.code === SpanStatusCode.ERROR)).toHaveLength(failedEnds.length);
  for (const t of ftasks.filter((x) => x.status.code === SpanStatusCode.ERROR)) expect(t.attributes['flint.task.status']).toBe('exception');
});
