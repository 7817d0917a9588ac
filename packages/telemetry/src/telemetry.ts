/**
 * The OpenTelemetry SDK for Flint's processes: registers a tracer provider and a
 * meter provider globally, so the spans and instruments Flint's packages make
 * through `@opentelemetry/api` are recorded, and exports them by OTLP over HTTP
 * (JSON) when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces/metrics variants) is
 * set. Only apps and tests import this package; packages use the api alone.
 *
 * `startTelemetry()` returns null, and registers nothing, when there is nowhere
 * to send data; `Telemetry.shutdown()` flushes what is buffered and is idempotent.
 */
import { metrics, trace } from '@opentelemetry/api';
import { telemetryEnv, type TelemetryEnv } from './env.ts';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type MetricReader, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TelemetryOptions {
  /** `service.name` of the resource: flint-driver, flint-executor, flint-master, flint-worker. */
  serviceName: string;
  /** More resource attributes (e.g. `flint.executor.id`). */
  attributes?: Record<string, string | number>;
  /** The environment to read OTEL_EXPORTER_OTLP_* from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Span processors to add (tests: a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /** Metric readers to add (tests: a reader over an InMemoryMetricExporter). */
  metricReaders?: MetricReader[];
  /** How often metrics are exported by OTLP. @default OTEL_METRIC_EXPORT_INTERVAL, else 10 s */
  metricIntervalMs?: number;
}

export interface Telemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Exports what is buffered now. */
  forceFlush(): Promise<void>;
  /** Exports what is buffered and unregisters the providers. Idempotent. */
  shutdown(): Promise<void>;
}

/** True when the environment names an OTLP endpoint for traces or metrics. */
export function otlpConfigured(env: TelemetryEnv = telemetryEnv()): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
}

/** Registers the SDK (see the file header); null when there is nothing to export to. */
export function startTelemetry(opts: TelemetryOptions): Telemetry | null {
  const env = opts.env ?? telemetryEnv();
  const otlp = otlpConfigured(env);
  const spanProcessors = [...(opts.spanProcessors ?? [])];
  const readers = [...(opts.metricReaders ?? [])];
  if (otlp) {
    // The exporters read OTEL_EXPORTER_OTLP_ENDPOINT (appending /v1/traces, /v1/metrics) and the *_TRACES_/*_METRICS_ variants.
    if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
    if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) {
      const interval = opts.metricIntervalMs ?? (Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 10_000);
      readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: interval, exportTimeoutMillis: Math.min(interval, 30_000) }));
    }
  }
  if (spanProcessors.length === 0 && readers.length === 0) return null;
  const resource = resourceFromAttributes({ 'service.name': opts.serviceName, 'process.pid': process.pid, ...(opts.attributes ?? {}) });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  const meterProvider = new MeterProvider({ resource, readers });
  // No context manager: Flint passes span contexts explicitly, and an AsyncLocalStorage one taxes
  // every promise of the driver's event loop (2,000 one-element tasks on local[2], tracing on:
  // 2.74 s with it, 1.29 s without, 1.04-1.15 s with tracing off; one loaded machine, few runs).
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  let stopped: Promise<void> | null = null;
  return {
    tracerProvider,
    meterProvider,
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown() {
      stopped ??= (async () => {
        await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
        trace.disable();
        metrics.disable();
      })();
      return stopped;
    },
  };
}
