/** Entry of the master daemon: `tsx src/main.ts [options]` (the same as `flint master`). */
import { masterCommand } from './master-command.ts';
import { startTelemetry } from '@flint/telemetry';
import { runCommand } from '@flint/daemon';

// OTLP export of the daemon's traces and metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing otherwise).
startTelemetry({ serviceName: 'flint-master' });

await runCommand('flint master', masterCommand());
