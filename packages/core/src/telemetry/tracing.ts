/**
 * OpenTelemetry traces of jobs, through `@opentelemetry/api` only (a no-op until
 * a process registers an SDK). One trace per job: a job span, a span per stage
 * attempt under it, and a span per task attempt under its stage attempt's span,
 * created where the task runs (the executor process, or the driver's own thread
 * pool in local mode) from the W3C traceparent the TaskDescription carries.
 *
 * JobTracing (driver) owns the open job and stage spans and is fed the listener
 * events as the DAGScheduler posts them, on the scheduler's loop; TaskSpans
 * (executor) owns the open task spans of one ExecutorThreadPool, on its owner's
 * event loop. With no SDK registered a job costs one no-op span and tasks none.
 */
import { ROOT_CONTEXT, type Span, type SpanContext, SpanKind, SpanStatusCode, TraceFlags, isSpanContextValid, trace } from '@opentelemetry/api';
import type { TaskDescription, TaskOutcome } from '../executor/task-description.ts';
import type { FlintEvent } from '../listener/events.ts';

/** Name of Flint's tracer and meter. */
export const TELEMETRY_SCOPE = 'flint';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C traceparent of a span, or null when the span is not part of a real trace (no SDK). */
export function formatTraceParent(span: Span): string | null {
  const c = span.spanContext();
  if (!isSpanContextValid(c)) return null;
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & TraceFlags.SAMPLED) !== 0 ? '01' : '00'}`;
}

/** The span context a W3C traceparent names (remote), or null when it is not one. */
export function parseTraceParent(value: string | null | undefined): SpanContext | null {
  if (!value) return null;
  const m = TRACEPARENT.exec(value);
  if (!m) return null;
  const c: SpanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(c) ? c : null;
}

type JobStart = Extract<FlintEvent, { type: 'jobStart' }>;

/** The driver's job and stage spans (see the file header). */
export class JobTracing {
  private readonly jobs = new Map<number, { span: Span; stageIds: number[] }>();
  /** Open stage attempt spans by `stageId.attempt`, with the job they were opened under. */
  private readonly stages = new Map<string, { span: Span; jobId: number }>();

  constructor(private readonly appId: () => string) {}

  /** Sees every event before the bus does: opens and closes spans, and sets jobStart's traceId. */
  onEvent(e: FlintEvent): void {
    switch (e.type) {
      case 'jobStart':
        return this.jobStarted(e);
      case 'stageSubmitted': {
        const jobId = this.jobOfStage(e.stageInfo.stageId);
        if (jobId === null) return;
        const job = this.jobs.get(jobId)!;
        const info = e.stageInfo;
        const span = trace.getTracer(TELEMETRY_SCOPE).startSpan(
          `stage ${info.stageId}.${info.attempt}`,
          {
            kind: SpanKind.INTERNAL,
            startTime: e.time,
            attributes: {
              'flint.app.id': this.appId(),
              'flint.job.id': jobId,
              'flint.stage.id': info.stageId,
              'flint.stage.attempt': info.attempt,
              'flint.stage.kind': info.kind,
              'flint.stage.name': info.name,
              'flint.stage.num_tasks': info.numTasks,
            },
          },
          trace.setSpan(ROOT_CONTEXT, job.span),
        );
        const key = `${info.stageId}.${info.attempt}`;
        this.stages.get(key)?.span.end(e.time);
        this.stages.set(key, { span, jobId });
        return;
      }
      case 'stageCompleted': {
        const key = `${e.stageInfo.stageId}.${e.stageInfo.attempt}`;
        const s = this.stages.get(key);
        if (!s) return;
        this.stages.delete(key);
        if (e.stageInfo.failureReason) s.span.setStatus({ code: SpanStatusCode.ERROR, message: e.stageInfo.failureReason });
        s.span.end(e.time);
        return;
      }
      case 'jobEnd': {
        const job = this.jobs.get(e.jobId);
        if (!job) return;
        this.jobs.delete(e.jobId);
        for (const [key, s] of this.stages) {
          if (s.jobId !== e.jobId) continue;
          this.stages.delete(key);
          s.span.end(e.time);
        }
        if (e.result.status !== 'succeeded') job.span.setStatus({ code: SpanStatusCode.ERROR, message: e.result.error });
        job.span.setAttribute('flint.job.status', e.result.status);
        job.span.end(e.time);
        return;
      }
      default:
        return;
    }
  }

  /** The traceparent tasks of a stage attempt carry (its span), or null when it is not traced. */
  traceParent(stageId: number, attempt: number): string | null {
    const s = this.stages.get(`${stageId}.${attempt}`);
    return s ? formatTraceParent(s.span) : null;
  }

  private jobStarted(e: JobStart): void {
    const span = trace.getTracer(TELEMETRY_SCOPE).startSpan(`job ${e.jobId}`, {
      kind: SpanKind.INTERNAL,
      root: true,
      startTime: e.time,
      attributes: {
        'flint.app.id': this.appId(),
        'flint.job.id': e.jobId,
        'flint.job.description': e.description,
        'flint.job.num_stages': e.stageIds.length,
        ...(e.jobGroup ? { 'flint.job.group': e.jobGroup } : {}),
      },
    });
    const c = span.spanContext();
    if (!isSpanContextValid(c)) return; // no SDK: nothing to record
    e.traceId = c.traceId;
    if (e.stageIds.length === 0) return void span.end(e.time);
    this.jobs.set(e.jobId, { span, stageIds: e.stageIds });
  }

  /** The earliest open job that has this stage (a stage shared by jobs runs for the first of them). */
  private jobOfStage(stageId: number): number | null {
    let best: number | null = null;
    for (const [jobId, j] of this.jobs) if (j.stageIds.includes(stageId) && (best === null || jobId < best)) best = jobId;
    return best;
  }

  /** Ends every open span (the context stops). */
  close(): void {
    const now = Date.now();
    for (const s of this.stages.values()) s.span.end(now);
    for (const j of this.jobs.values()) j.span.end(now);
    this.stages.clear();
    this.jobs.clear();
  }
}

/** The task spans of one executor's thread pool (see the file header). */
export class TaskSpans {
  private readonly open = new Map<number, Span>();

  constructor(private readonly executorId: string) {}

  /** Opens the span of a task attempt that carries a traceparent; `receivedTime` is when the executor got it. */
  start(task: TaskDescription, receivedTime: number): void {
    const parent = parseTraceParent(task.traceParent);
    if (!parent) return;
    const span = trace.getTracer(TELEMETRY_SCOPE).startSpan(
      `task ${task.taskId}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: receivedTime,
        attributes: {
          'flint.task.id': task.taskId,
          'flint.task.partition': task.partition,
          'flint.task.attempt': task.attempt,
          'flint.stage.id': task.stageId,
          'flint.stage.attempt': task.stageAttempt,
          'flint.executor.id': this.executorId,
        },
      },
      trace.setSpanContext(ROOT_CONTEXT, parent),
    );
    this.open.set(task.taskId, span);
  }

  /**
   * Closes a task's span with how it ended. Its phases and metrics are not copied onto it: they
   * are in the stored task rows, and each span event or attribute more costs every task (OTLP
   * export of 20,000 spans: ~0.55 s of CPU without events, ~1.1 s with three phase events).
   */
  end(taskId: number, outcome: TaskOutcome): void {
    const span = this.open.get(taskId);
    if (!span) return;
    this.open.delete(taskId);
    span.setAttribute('flint.task.status', outcome.status === 'success' ? 'success' : outcome.reason.kind);
    if (outcome.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: 'message' in outcome.reason ? outcome.reason.message : outcome.reason.reason });
    span.end();
  }

  /** Ends every open span (the pool stops). */
  close(): void {
    for (const s of this.open.values()) s.end();
    this.open.clear();
  }
}
