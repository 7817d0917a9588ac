/**
 * One trace per job across processes: the driver (this process) records its job
 * and stage spans in an in-memory exporter; the executor processes of a real
 * local cluster export their task spans by OTLP (http/json) to a small node:http
 * endpoint in this test, which decodes them. For a job with two shuffles the
 * job → stage attempt → task attempt tree has the job's exact counts, and each
 * task span, made in the executor process that ran the task, sits under its own
 * stage attempt's span in the job's trace. The same tasks' phase timestamps,
 * taken in the executor processes, are ordered within [launch, result received].
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { startTelemetry, type Telemetry } from '@flint/telemetry';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttr {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttr[];
}
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  attrs: Record<string, string | number | boolean>;
  resource: Record<string, string | number | boolean>;
}

/** OTLP/JSON ids are hex; some encoders send base64 (as the protobuf JSON mapping does). */
function hexId(id: string, bytes: number): string {
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(id)) return id;
  return Buffer.from(id, 'base64').toString('hex');
}

function attrs(list: OtlpAttr[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const a of list ?? []) {
    const v = a.value;
    out[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
  }
  return out;
}

/** A minimal OTLP/HTTP receiver: keeps every span posted to /v1/traces; answers other signals with 200. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; requests: { path: string; type: string }[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const requests: { path: string; type: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const type = String(req.headers['content-type'] ?? '');
      requests.push({ path: req.url ?? '', type });
      if (req.url === '/v1/traces') {
        if (!type.includes('json')) {
          res.writeHead(415).end();
          return;
        }
        const doc = JSON.parse(body.toString('utf8')) as { resourceSpans: { resource?: { attributes?: OtlpAttr[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) {
          const resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) {
              spans.push({
                traceId: hexId(s.traceId, 16),
                spanId: hexId(s.spanId, 8),
                parentSpanId: s.parentSpanId ? hexId(s.parentSpanId, 8) : null,
                name: s.name,
                attrs: attrs(s.attributes),
                resource,
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, spans, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe('traces across processes', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let cluster: LocalCluster;
  let telemetry: Telemetry | null;
  const driverSpans = new InMemorySpanExporter();

  beforeAll(async () => {
    receiver = await startReceiver();
    cluster = await LocalCluster.start({
      workers: 2,
      coresPerWorker: 1,
      transport: 'tcp',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_METRIC_EXPORT_INTERVAL: '1000' },
    });
    telemetry = startTelemetry({ serviceName: 'flint-driver', env: {}, spanProcessors: [new SimpleSpanProcessor(driverSpans)] });
  }, 120_000);

  afterAll(async () => {
    await telemetry?.shutdown();
    await cluster?.stop();
    await receiver?.close();
  }, 60_000);

  it('puts the task spans of executor processes under their stage attempt spans in the job trace, with exact counts', async () => {
    const events: FlintEvent[] = [];
    const sc = await FlintContext.create({ master: cluster.masterUrl, appName: 'traced', transport: 'tcp', progress: false, listeners: [(e) => void events.push(e)] });
    const data = Array.from({ length: 4000 }, (_, i) => i);
    try {
      const got = await sc
        .parallelize(data, 6)
        .map((x) => [x % 23, x] as [number, number])
        .reduceByKey((a, b) => a + b, 4)
        .map(([k, v]) => [v % 7, k] as [number, number])
        .groupByKey(3)
        .mapValues((ks) => ks.length)
        .collect();
      const sums = new Map<number, number>();
      for (const x of data) sums.set(x % 23, (sums.get(x % 23) ?? 0) + x);
      const expected = new Map<number, number>();
      for (const v of sums.values()) expected.set(v % 7, (expected.get(v % 7) ?? 0) + 1);
      expect(new Map(got)).toEqual(expected);
      // Executors export their spans in batches while they run (OTEL_BSP_SCHEDULE_DELAY 200 ms):
      // all 13 arrive before the application ends, so none depends on the exit flush racing the worker's kill.
      const t0 = Date.now();
      while (receiver.spans.filter((s) => s.name.startsWith('task ')).length < 13 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await sc.stop();
    }
    const taskEnds = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
    expect(taskEnds).toHaveLength(6 + 4 + 3);
    // Task phases measured in the executor processes: ordered, inside [launch, result received].
    for (const e of taskEnds) {
      const m = e.metrics!;
      const seq = [e.taskInfo.launchTime, m.executorReceivedTime, m.deserializeEndTime, m.computeEndTime, m.shuffleWriteEndTime, m.resultSerializedTime, e.taskInfo.finishTime!];
      for (let i = 1; i < seq.length; i++) if (!(seq[i]! >= seq[i - 1]!)) throw new Error(`task ${e.taskInfo.taskId}: phase ${i} before phase ${i - 1}: ${JSON.stringify(seq)}`);
      expect(m.executorReceivedTime).toBeGreaterThan(0);
    }
    await telemetry!.forceFlush();
    const start = events.find((e): e is Ev<'jobStart'> => e.type === 'jobStart')!;
    const local = driverSpans.getFinishedSpans();
    const jobSpans = local.filter((s) => s.name.startsWith('job '));
    const stageSpans = local.filter((s) => s.name.startsWith('stage '));
    expect(jobSpans).toHaveLength(1);
    const job = jobSpans[0]!;
    expect(job.spanContext().traceId).toBe(start.traceId);
    expect(job.parentSpanContext).toBeUndefined();
    const submitted = events.filter((e): e is Ev<'stageSubmitted'> => e.type === 'stageSubmitted');
    expect(stageSpans).toHaveLength(submitted.length);
    expect(stageSpans).toHaveLength(3);
    for (const s of stageSpans) expect(s.parentSpanContext?.spanId).toBe(job.spanContext().spanId);

    const taskSpans = receiver.spans.filter((s) => s.name.startsWith('task '));
    expect(receiver.spans.length).toBe(taskSpans.length);
    expect(taskSpans).toHaveLength(taskEnds.length);
    const executorOfTask = new Map(taskEnds.map((e) => [e.taskInfo.taskId, e.taskInfo.executorId]));
    const executors = new Set<string>();
    for (const t of taskSpans) {
      expect(t.traceId).toBe(start.traceId);
      const stage = stageSpans.find((s) => s.attributes['flint.stage.id'] === t.attrs['flint.stage.id'] && s.attributes['flint.stage.attempt'] === t.attrs['flint.stage.attempt'])!;
      expect(stage).toBeDefined();
      expect(t.parentSpanId).toBe(stage.spanContext().spanId);
      const taskId = Number(t.attrs['flint.task.id']);
      expect(t.resource['service.name']).toBe('flint-executor');
      expect(t.resource['flint.executor.id']).toBe(executorOfTask.get(taskId));
      expect(t.attrs['flint.executor.id']).toBe(executorOfTask.get(taskId));
      expect(t.resource['process.pid']).not.toBe(process.pid);
      executors.add(String(t.resource['flint.executor.id']));
    }
    expect(new Set(taskSpans.map((t) => Number(t.attrs['flint.task.id'])))).toEqual(new Set(taskEnds.map((e) => e.taskInfo.taskId)));
    for (const s of stageSpans) {
      const ends = taskEnds.filter((e) => e.stageId === s.attributes['flint.stage.id'] && e.stageAttempt === s.attributes['flint.stage.attempt']);
      expect(taskSpans.filter((t) => t.parentSpanId === s.spanContext().spanId)).toHaveLength(ends.length);
    }
    expect(executors.size).toBe(2);
  }, 180_000);
});
