import { z } from 'zod';
import { MasterError } from './master-error.ts';

const ms = z
  .string()
  .regex(/^\d+$/, 'expected a whole number of milliseconds')
  .transform(Number)
  .refine((n) => n > 0, 'must be positive');

const MasterEnvSchema = z.object({
  FLINT_WORKER_TIMEOUT_MS: ms.optional(),
  FLINT_DRIVER_TIMEOUT_MS: ms.optional(),
  FLINT_SECRET: z.string().optional(),
  /** A file of mode 0600 holding the secret (kept out of the environment children inherit). */
  FLINT_SECRET_FILE: z.string().optional(),
  FLINT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

export type MasterEnv = z.infer<typeof MasterEnvSchema>;

/** The environment variables the master reads, validated once. */
export function readMasterEnv(env: NodeJS.ProcessEnv = process.env): MasterEnv {
  const picked = Object.fromEntries(Object.keys(MasterEnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])));
  const r = MasterEnvSchema.safeParse(picked);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new MasterError('CONFIG', `bad environment for the master (${why}); fix or unset those variables`);
}
