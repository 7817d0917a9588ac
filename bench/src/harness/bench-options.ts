import { Command, InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOAD_IDS, type WorkloadId } from '../answers.ts';
import { SIZE_NAMES, type SizeName } from '../data/bench-size.ts';
import { flintTargets } from '../flint/flint-targets.ts';
import { BASELINE_IDS } from '../workloads.ts';

/** The bench package's directory (bench/). */
export const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Options of one `pnpm bench` invocation, compiled once from the command line. */
export interface BenchOptions {
  /** @default 'medium' */
  readonly size: SizeName;
  /** Runs per engine and workload; the report quotes medians. @default 3 */
  readonly runs: number;
  /** Warm-up runs before them, left out of the median (answers still checked). @default 1 */
  readonly warmup: number;
  /** @default every workload */
  readonly only: readonly WorkloadId[];
  /** Engines to run: baseline ids, `flint` (every target) or one Flint target id. @default all */
  readonly engines: readonly string[];
  /** @default 42 */
  readonly seed: number;
  /** @default bench/data */
  readonly dataDir: string;
  /** @default bench/results */
  readonly resultsDir: string;
  /** @default bench/.baselines */
  readonly baselinesDir: string;
  /** Time limit of one measured child process. @default 120 s small, 1800 s medium, 3600 s large */
  readonly timeoutMs: number;
  /** Run one Flint workload under --cpu-prof instead of the suite. @default false */
  readonly profile: boolean;
  /** The Flint target profiled. @default 'local[2]' */
  readonly profileTarget: string;
  /** Skale workers (SKALE_WORKERS). @default all cores */
  readonly skaleWorkers: number;
  /**
   * Time budget of one engine on one workload: no further run starts once the
   * runs so far plus one more would pass it (at least one run always happens).
   * @default 120 s small, 600 s medium, 1800 s large
   */
  readonly budgetMs: number;
}

const DEFAULT_TIMEOUT_S: Record<SizeName, number> = { small: 120, medium: 1800, large: 3600 };
const DEFAULT_BUDGET_S: Record<SizeName, number> = { small: 120, medium: 600, large: 1800 };

function list<T extends string>(allowed: readonly T[], what: string) {
  return (value: string): T[] => {
    // Commas inside brackets belong to a target id: local-cluster[2,1]/tcp.
    const items = value.split(/,(?![^[]*\])/).map((s) => s.trim()).filter(Boolean);
    for (const item of items) {
      if (!allowed.includes(item as T)) throw new InvalidArgumentError(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
    }
    return items as T[];
  };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const engineNames = ['flint', ...BASELINE_IDS, ...flintTargets().map((t) => t.id)];
  const program = new Command('pnpm bench')
    .description('Flint side by side with single-threaded Node.js, skale, DuckDB and raw sockets, on the same generated data')
    .option('--size <size>', `data size: ${SIZE_NAMES.join(' | ')}`, 'medium')
    .option('--runs <n>', 'runs per engine and workload (medians are reported)', positiveInt, 3)
    .option('--warmup <n>', 'warm-up runs before them, left out of the median (a warm-up longer than half the time budget counts as a run)', nonNegativeInt, 1)
    .option('--only <workloads>', `comma-separated subset of: ${WORKLOAD_IDS.join(', ')}`, list(WORKLOAD_IDS, 'workload'))
    .option('--engines <engines>', `comma-separated subset of: ${engineNames.join(', ')}`, list(engineNames, 'engine'))
    .option('--seed <n>', 'seed of the data generators', positiveInt, 42)
    .option('--data-dir <dir>', 'where generated data is cached', join(BENCH_DIR, 'data'))
    .option('--results-dir <dir>', 'where the JSON results go', join(BENCH_DIR, 'results'))
    .option('--timeout <seconds>', 'time limit of one measured process', positiveInt)
    .option('--budget <seconds>', 'start no further run of an engine once its runs would pass this', positiveInt)
    .option('--skale-workers <n>', 'SKALE_WORKERS for the skale baseline', positiveInt, availableParallelism())
    .option('--profile', 'run one Flint workload (the first of --only, default wordcount) under --cpu-prof', false)
    .option('--profile-target <target>', 'Flint target to profile', 'local[2]')
    .allowExcessArguments(false);
  // `pnpm bench -- --size small` passes a lone "--" through.
  program.parse(argv.filter((a) => a !== '--'), { from: 'user' });
  const o = program.opts<{
    size: string;
    runs: number;
    warmup: number;
    only?: WorkloadId[];
    engines?: string[];
    seed: number;
    dataDir: string;
    resultsDir: string;
    timeout?: number;
    budget?: number;
    skaleWorkers: number;
    profile: boolean;
    profileTarget: string;
  }>();
  if (!SIZE_NAMES.includes(o.size as SizeName)) program.error(`--size must be one of ${SIZE_NAMES.join(', ')}`);
  const size = o.size as SizeName;
  return {
    size,
    runs: o.runs,
    warmup: o.warmup,
    only: o.only && o.only.length > 0 ? o.only : [...WORKLOAD_IDS],
    engines: o.engines && o.engines.length > 0 ? o.engines : engineNames,
    seed: o.seed,
    dataDir: resolve(o.dataDir),
    resultsDir: resolve(o.resultsDir),
    baselinesDir: join(BENCH_DIR, '.baselines'),
    timeoutMs: (o.timeout ?? DEFAULT_TIMEOUT_S[size]) * 1000,
    budgetMs: (o.budget ?? DEFAULT_BUDGET_S[size]) * 1000,
    profile: o.profile,
    profileTarget: o.profileTarget,
    skaleWorkers: o.skaleWorkers,
  };
}
