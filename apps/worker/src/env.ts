import { z } from 'zod';
import { WorkerError } from './worker-error.ts';

const WorkerEnvSchema = z.object({
  FLINT_SECRET: z.string().optional(),
  /** A file of mode 0600 holding the secret (kept out of the environment children inherit). */
  FLINT_SECRET_FILE: z.string().optional(),
  FLINT_EXECUTOR_ENTRY: z.string().optional(),
  FLINT_WORKER_KILL_GRACE_MS: z
    .string()
    .regex(/^\d+$/, 'expected a whole number of milliseconds')
    .transform(Number)
    .optional(),
  FLINT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/** The environment variables the worker reads, validated once. */
export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const picked = Object.fromEntries(Object.keys(WorkerEnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])));
  const r = WorkerEnvSchema.safeParse(picked);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new WorkerError('CONFIG', `bad environment for the worker (${why}); fix or unset those variables`);
}
