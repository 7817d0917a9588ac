/**
 * Entry of an executor process, started by a worker for one application.
 * Settings come from the environment the worker sets (FLINT_APP_ID,
 * FLINT_EXECUTOR_ID, FLINT_DRIVER_ADDRESS, ...); the runtime is core's.
 */
import { runExecutorFromEnv } from '@flint/core';

try {
  const code = await runExecutorFromEnv();
  process.exit(code);
} catch (e) {
  process.stderr.write(`executor failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
}
