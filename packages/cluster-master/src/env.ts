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

/**
 * What the master's commands read beside the daemons' variables, unvalidated (each is a default
 * a flag overrides): FLINT_SECRET (`flint history`), FLINT_UI_DIR (where the built UI is),
 * FLINT_WEB_UI (`off` serves the API alone).
 */
export function readCliEnv(env: NodeJS.ProcessEnv = process.env): { FLINT_SECRET?: string; FLINT_UI_DIR?: string; FLINT_WEB_UI?: string } {
  const pick = (k: string) => (env[k] === undefined || env[k] === '' ? {} : { [k]: env[k] });
  return { ...pick('FLINT_SECRET'), ...pick('FLINT_UI_DIR'), ...pick('FLINT_WEB_UI') };
}

/** Next.js reads NODE_ENV: a production server must see 'production' (and sends no telemetry). */
export function prepareNextEnv(): void {
  const env = process.env as Record<string, string | undefined>;
  env.NODE_ENV ??= 'production';
  env.NEXT_TELEMETRY_DISABLED ??= '1';
}
