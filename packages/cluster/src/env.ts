/**
 * The environment the `flint` command line and the local-cluster launcher read:
 * the inherited environment of the processes they start, and FLINT_MASTER
 * (`flint submit --master`'s default). Empty values count as unset.
 */

/** The whole environment, for a child process (a driver, the local cluster's daemons) to inherit. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** What the command line reads as defaults its flags override. */
export function readCliEnv(env: NodeJS.ProcessEnv = process.env): { FLINT_MASTER?: string } {
  return env.FLINT_MASTER ? { FLINT_MASTER: env.FLINT_MASTER } : {};
}
