/** The environment the benchmarks read, in one place. */

/** The whole environment, the base of every process a benchmark starts. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** NODE_OPTIONS with `flags` appended (for a child process). */
export function nodeOptionsWith(flags: string): string {
  return `${process.env.NODE_OPTIONS ?? ''} ${flags}`;
}

/** Where a benchmark child writes its CPU profile (FLINT_BENCH_PROFILE_DIR), or undefined. */
export function benchProfileDir(): string | undefined {
  return process.env.FLINT_BENCH_PROFILE_DIR || undefined;
}
