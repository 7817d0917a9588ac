import { z } from 'zod';
import { daemonEnvShape, envMilliseconds, parseEnv } from '@flint/daemon';

const MasterEnvSchema = z.object({
  ...daemonEnvShape,
  FLINT_WORKER_TIMEOUT_MS: envMilliseconds.optional(),
  FLINT_DRIVER_TIMEOUT_MS: envMilliseconds.optional(),
});

export type MasterEnv = z.infer<typeof MasterEnvSchema>;

/** The environment variables the master reads, validated once. */
export function readMasterEnv(env: NodeJS.ProcessEnv = process.env): MasterEnv {
  return parseEnv('master', MasterEnvSchema, env);
}
