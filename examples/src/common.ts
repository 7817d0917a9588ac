/**
 * What the example programs share on the driver side: the common command-line
 * flags, finding (or generating) their input, timing and table printing.
 * Nothing here runs on executors.
 */
import { FlintContext } from '@flint/core';
import { DEFAULT_DATA_DIR, ensureData, isSizeName, SIZES, type DataPaths, type Part } from './data.ts';
import { exampleEnv } from './env.ts';

/** Flags every example accepts; spread into a `parseArgs` options object. */
export const commonOptions = {
  master: { type: 'string', default: 'local[2]' },
  /** An explicit input path (file, directory or glob); otherwise the generated data set is used. */
  input: { type: 'string' },
  /** Size of the generated data set when no --input is given: tiny, small or demo. */
  size: { type: 'string', default: 'small' },
  /** Where generated data sets live. */
  data: { type: 'string', default: DEFAULT_DATA_DIR },
  /** Turn the console progress bar off. */
  quiet: { type: 'boolean', default: false },
} as const;

export interface CommonValues {
  master: string;
  input?: string;
  size: string;
  data: string;
  quiet: boolean;
}

/** The generated data set's paths for the given parts, generating them first if needed (progress goes to stderr). */
export function generatedInput(values: CommonValues, parts: readonly Part[]): DataPaths {
  if (!isSizeName(values.size)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}, got "${values.size}"`);
  return ensureData({ dir: values.data, size: values.size, parts, log: (line) => console.error(line) });
}

/** Creates the context an example runs in. */
export function createContext(values: CommonValues, appName: string): Promise<FlintContext> {
  return FlintContext.create({ master: values.master, appName, progress: !values.quiet });
}

/** Runs `f` and returns its result with the elapsed wall time in milliseconds. */
export async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await f();
  return [result, performance.now() - start];
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Thousands separators: 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Lays out rows as a text table; columns whose header starts with a space are
 * right-aligned (numbers), the others left-aligned.
 */
export function table(headers: string[], rows: (string | number)[][], indent = '  '): string {
  const cells = rows.map((r) => r.map(String));
  const right = headers.map((h) => h.startsWith(' '));
  const heads = headers.map((h) => h.trim());
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    indent +
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(heads), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Runs a program's main: on failure prints the error's message (not a stack trace) and sets exit code 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`${name} failed: ${err.message}`);
    if (exampleEnv.debug()) console.error(err.stack);
    process.exitCode = 1;
  });
}
