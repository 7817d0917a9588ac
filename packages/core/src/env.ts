/**
 * The environment variables @flint/core reads, in one place: everything else in
 * core takes their values from here (or as arguments), never from
 * `process.env`. Read on each call, so a process that sets a variable before
 * creating a context sees it. Empty values count as unset.
 */
import type { SettingsEnvironment } from './settings-schema.ts';

const CORE_ENV_KEYS = [
  /** Master URL of a context created without `master`. */
  'FLINT_MASTER',
  /** Transport of a context created without `transport` (flint.transport). */
  'FLINT_TRANSPORT',
  /** The cluster secret (flint.authenticate.secret). */
  'FLINT_SECRET',
  /** flint.local.dir's default. */
  'FLINT_LOCAL_DIRS',
  /** flint.eventLog.dir's default. */
  'FLINT_EVENT_LOG_DIR',
  /** flint.eventLog.enabled's default. */
  'FLINT_EVENT_LOG_ENABLED',
  /** Extra per-thread node flags for executor threads (space-separated), e.g. `--cpu-prof`. */
  'FLINT_EXECUTOR_THREAD_ARGS',
  /** Young-generation size of executor threads in MiB. */
  'FLINT_EXECUTOR_YOUNG_GEN_MB',
] as const;

export type CoreEnvKey = (typeof CORE_ENV_KEYS)[number];
export type CoreEnv = { readonly [K in CoreEnvKey]?: string };

/** Core's variables from `env` (the process's environment unless given). */
export function readCoreEnv(env: Readonly<Record<string, string | undefined>> = process.env): CoreEnv {
  const out: { [K in CoreEnvKey]?: string } = {};
  for (const k of CORE_ENV_KEYS) {
    const v = env[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

/** What setting defaults may depend on: core's variables and whether stderr is a terminal. */
export function settingsEnvironment(env: CoreEnv = readCoreEnv()): SettingsEnvironment {
  return { ...env, stderrIsTTY: !!process.stderr.isTTY };
}

/** The whole environment, for a child process that inherits it. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return process.env;
}
