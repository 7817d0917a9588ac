/** Entry of the master daemon: `tsx src/main.ts [options]` (the same as `flint master`). */
import { masterCommand } from './master-command.ts';
import { startTelemetry } from '@flint/telemetry';

// OTLP export of the daemon's traces and metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing otherwise).
startTelemetry({ serviceName: 'flint-master' });

try {
  await masterCommand().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`flint master: ${(err as Error).message}\n`);
  process.exit(1);
}
