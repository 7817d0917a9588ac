/**
 * @flint/telemetry — the OpenTelemetry SDK setup shared by Flint's apps (master,
 * worker, executor processes, `flint submit`'s driver). Packages never import it.
 */
export { startTelemetry, otlpConfigured, type Telemetry, type TelemetryOptions } from './telemetry.ts';
