import { z } from 'zod';
import { DaemonError } from './daemon-error.ts';
import { LOG_LEVELS } from './logger.ts';

/** A whole, positive number of milliseconds in an environment variable. */
export const envMilliseconds = z
  .string()
  .regex(/^\d+$/, 'expected a whole number of milliseconds')
  .transform(Number)
  .refine((n) => n > 0, 'must be positive');

/** A whole number of milliseconds, zero allowed. */
export const envMillisecondsOrZero = z.string().regex(/^\d+$/, 'expected a whole number of milliseconds').transform(Number);

/** The variables every daemon reads: the cluster secret (or a 0600 file holding it) and the log level. */
export const daemonEnvShape = {
  FLINT_SECRET: z.string().optional(),
  /** A file of mode 0600 holding the secret (kept out of the environment children inherit). */
  FLINT_SECRET_FILE: z.string().optional(),
  FLINT_LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
};

/**
 * Validates the variables `schema` names (an empty value counts as unset) once;
 * a bad one is a `DaemonError(CONFIG)` naming every problem and the fix.
 */
export function parseEnv<S extends z.ZodObject>(daemon: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const picked = Object.fromEntries(Object.keys(schema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])));
  const r = schema.safeParse(picked);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new DaemonError('CONFIG', `bad environment for the ${daemon} (${why}); fix or unset those variables`);
}
