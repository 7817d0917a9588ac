/**
 * Preload for a driver program (`node --import @flint/telemetry/register app.ts`,
 * which `flint submit` adds when OTEL_EXPORTER_OTLP_ENDPOINT is set): registers
 * the SDK as `flint-driver` before the program creates its FlintContext, and
 * flushes when the program's event loop empties. A program that ends with
 * process.exit() loses what was not exported yet (at most the last 5 s of spans).
 */
import { startTelemetry } from './telemetry.ts';

const telemetry = startTelemetry({ serviceName: 'flint-driver' });
if (telemetry) {
  process.once('beforeExit', () => {
    void telemetry.shutdown();
  });
}
