import { z } from 'zod';
import { daemonEnvShape, envMillisecondsOrZero, parseEnv } from '@flint/daemon';

const WorkerEnvSchema = z.object({
  ...daemonEnvShape,
  FLINT_EXECUTOR_ENTRY: z.string().optional(),
  FLINT_WORKER_KILL_GRACE_MS: envMillisecondsOrZero.optional(),
});

export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/** The environment variables the worker reads, validated once. */
export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv('worker', WorkerEnvSchema, env);
}

/** The whole environment: the base of every executor's environment. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Extra node flags for executor processes (space-separated), from FLINT_EXECUTOR_NODE_ARGS. */
export function executorNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.FLINT_EXECUTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/** What an executor process is told about itself by its worker, for its telemetry (unvalidated: the runtime checks them). */
export function executorIdentity(env: NodeJS.ProcessEnv = process.env): { appId: string; executorId: string } {
  return { appId: env.FLINT_APP_ID ?? '', executorId: env.FLINT_EXECUTOR_ID ?? '' };
}
