/**
 * Entry of an executor process, started by a worker for one application.
 * Settings come from the environment the worker sets (FLINT_APP_ID,
 * FLINT_EXECUTOR_ID, FLINT_DRIVER_ADDRESS, ...); the runtime is core's. With
 * OTEL_EXPORTER_OTLP_ENDPOINT set, task spans are exported by OTLP and flushed
 * before the process exits.
 */
import { runExecutorFromEnv } from '@flint/core/internal';
import { startTelemetry } from '@flint/telemetry';
import { executorIdentity } from './env.ts';

const identity = executorIdentity();
const telemetry = startTelemetry({
  serviceName: 'flint-executor',
  attributes: { 'flint.app.id': identity.appId, 'flint.executor.id': identity.executorId },
});

async function exit(code: number): Promise<never> {
  await telemetry?.shutdown().catch((e: Error) => process.stderr.write(`executor: cannot flush telemetry: ${e.message}\n`));
  process.exit(code);
}

try {
  await exit(await runExecutorFromEnv());
} catch (e) {
  process.stderr.write(`executor failed to start: ${(e as Error).stack ?? String(e)}\n`);
  await exit(1);
}
