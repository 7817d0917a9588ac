/** Entry of the worker daemon: `tsx src/main.ts flint://HOST:PORT [options]` (the same as `flint worker`). */
import { workerCommand } from './worker-command.ts';
import { startTelemetry } from '@flint/telemetry';
import { runCommand } from '@flint/daemon';

// OTLP export of the daemon's traces and metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing otherwise).
startTelemetry({ serviceName: 'flint-worker' });

await runCommand('flint worker', workerCommand());
