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
