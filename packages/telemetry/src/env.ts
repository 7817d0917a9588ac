/**
 * The environment @flint/telemetry reads: the OpenTelemetry variables
 * (OTEL_EXPORTER_OTLP_*, OTEL_METRIC_EXPORT_INTERVAL, OTEL_SDK_DISABLED), which the
 * OTLP exporters also read themselves.
 */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

/** The process's environment, where the OTLP settings live. */
export function telemetryEnv(): TelemetryEnv {
  return process.env;
}
