/**
 * The program's own command-line arguments. A leading `--` is dropped, so both
 * `pnpm --filter @flint/examples wordcount --top 5` and `… wordcount -- --top 5` work.
 */
export function cliArgs(argv: string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : argv;
}

/** A flag's value as an integer ≥ min, or a clear error. */
export function intFlag(name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** A flag's value as a finite number ≥ 0, or a clear error. */
export function numberFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got "${value}"`);
  return n;
}
