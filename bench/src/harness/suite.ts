import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAnswers, summarizeAnswer, type AnswerCheck, type WorkloadId } from '../answers.ts';
import type { ChildMessage } from '../child-protocol.ts';
import { BENCH_SIZES, type BenchSize } from '../data/bench-size.ts';
import { ensureDataset, type DatasetFiles } from '../data/dataset-cache.ts';
import type { DatasetName } from '../data/generators.ts';
import { ensureSkale, type SkaleInstall } from '../baselines/skale-install.ts';
import { flintTargets, type FlintTarget } from '../flint/flint-targets.ts';
import { WORKLOADS, type BaselineId, type JobSpec } from '../workloads.ts';
import { BENCH_DIR, type BenchOptions } from './bench-options.ts';
import { runChild, type ChildRunResult } from './child-runner.ts';
import { formatMs, type BenchProgress } from './progress.ts';
import { inheritedEnv } from '../env.ts';

/** One engine configuration on one workload, as measured and checked. */
export interface EngineRow {
  /** `plain-js`, `skale`, `duckdb`, `raw-socket` or `flint local[2]` … */
  readonly engine: string;
  readonly kind: 'baseline' | 'flint';
  readonly status: 'ok' | 'wrong' | 'failed' | 'unavailable';
  readonly reason?: string;
  readonly setup?: string;
  readonly runsMs: number[];
  /** Warm-up runs made before them, left out of the median. */
  readonly warmupMs?: number[];
  /** Set when fewer runs than asked were made because the time budget ran out. */
  readonly note?: string;
  /** Share of the machine's CPU used by processes outside the benchmark while this row ran (noise). */
  readonly otherCpuShare?: number;
  readonly medianMs?: number;
  readonly startupMs?: number;
  readonly processWallMs?: number;
  readonly peakRssBytes?: number;
  readonly throughput?: { readonly value: number; readonly unit: string };
  readonly check?: AnswerCheck;
  readonly answerSummary?: unknown;
}

export interface WorkloadResult {
  readonly workload: WorkloadId;
  readonly title: string;
  readonly timed: string;
  readonly checkedBy: string;
  /** The engine whose answer the others were compared with (plain JS unless it failed). */
  readonly reference?: string;
  readonly rows: EngineRow[];
}

export interface SuiteResult {
  readonly size: BenchSize;
  readonly runs: number;
  readonly warmup: number;
  readonly seed: number;
  readonly datasets: Partial<Record<DatasetName, { files: number; bytes: number; dir: string }>>;
  readonly workloads: WorkloadResult[];
}

/** One measured child to start. */
interface Step {
  readonly workload: WorkloadId;
  readonly engine: string;
  readonly kind: 'baseline' | 'flint';
  readonly baseline?: BaselineId;
  readonly target?: FlintTarget;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const RUN_BASELINE = join(BENCH_DIR, 'src', 'run-baseline.ts');
const RUN_FLINT = join(BENCH_DIR, 'src', 'run-flint.ts');
const SKALE_JOB = join(BENCH_DIR, 'src', 'skale', 'skale-job.cjs');

export function flintEngineName(target: FlintTarget): string {
  return `flint ${target.id}`;
}

function wants(options: BenchOptions, engine: string, target?: FlintTarget): boolean {
  if (target) return options.engines.includes('flint') || options.engines.includes(target.id);
  return options.engines.includes(engine);
}

/** The child command of a step. */
function commandOf(step: Step, specJson: string, skale: SkaleInstall | undefined, options: BenchOptions): {
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Removes what the child left behind (skale never deletes its shuffle files). */
  cleanup: () => void;
} {
  const env = { ...inheritedEnv(), AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' };
  const none = (): void => {};
  if (step.target) return { args: ['--import', 'tsx', RUN_FLINT, step.workload, step.target.id, specJson], env, cleanup: none };
  if (step.baseline === 'skale') {
    // skale writes every shuffle under $SKALE_TMP/skale/<context id> and never removes it (78 GB had
    // piled up in /tmp after a day of medium runs), so each skale child gets its own directory, removed after it.
    const tmp = mkdtempSync(join(tmpdir(), 'flint-bench-skale-'));
    return {
      args: [SKALE_JOB, specJson],
      env: { ...env, SKALE_MODULE: skale?.ok ? skale.moduleDir : '', SKALE_WORKERS: String(options.skaleWorkers), SKALE_TMP: tmp },
      cleanup: () => rmSync(tmp, { recursive: true, force: true }),
    };
  }
  return { args: ['--import', 'tsx', RUN_BASELINE, step.baseline!, specJson], env, cleanup: none };
}

/** The first line of a failure, without the stack or long absolute paths. */
function firstLine(text: string): string {
  const line = text.split('\n')[0].replace(/ imported from \S+/, '').replaceAll(`${BENCH_DIR}`, 'bench/');
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

function failureOf(result: ChildRunResult, runsWanted: number, timeoutMs: number): { reason: string; unavailable: boolean } | undefined {
  const error = result.messages.find((m): m is Extract<ChildMessage, { type: 'error' }> => m.type === 'error');
  if (error) return { reason: firstLine(error.message), unavailable: error.unavailable === true };
  if (result.timedOut) return { reason: `timed out after ${(timeoutMs / 1000).toFixed(0)} s`, unavailable: false };
  const runs = result.messages.filter((m) => m.type === 'run' && !m.warmup).length;
  const finished = result.messages.some((m) => m.type === 'done');
  // Fewer runs than asked is fine when the child finished cleanly: its time budget ran out.
  if ((runs < runsWanted && !(finished && runs >= 1)) || result.exitCode !== 0) {
    const last = result.outputTail.filter((l) => l.trim()).slice(-3).join(' | ');
    return {
      reason: `exited ${result.exitCode ?? result.signal} after ${runs} of ${runsWanted} runs${last ? `: ${last}` : ''}`,
      unavailable: false,
    };
  }
  return undefined;
}

/**
 * Runs the selected workloads on every selected engine, each (engine,
 * workload) in its own child process, checks every answer against the
 * reference and returns what was measured. Never throws for an engine's
 * failure: that becomes a row with its reason.
 */
export async function runSuite(options: BenchOptions, progress: BenchProgress): Promise<SuiteResult> {
  const size = BENCH_SIZES[options.size];
  const workloads = options.only.map((id) => WORKLOADS[id]);

  // Data first: only the datasets the selected workloads read.
  const needed = [...new Set(workloads.flatMap((w) => w.inputs))];
  const inputs: Partial<Record<DatasetName, DatasetFiles>> = {};
  const reporter = progress.generationReporter();
  for (const name of needed) inputs[name] = await ensureDataset(options.dataDir, size, options.seed, name, reporter);

  // The steps, baselines first (plain JS is the reference), then Flint.
  const targets = flintTargets().filter((t) => wants(options, '', t));
  const steps: Step[] = [];
  for (const w of workloads) {
    for (const b of w.baselines) if (wants(options, b)) steps.push({ workload: w.id, engine: b, kind: 'baseline', baseline: b });
    for (const t of targets) steps.push({ workload: w.id, engine: flintEngineName(t), kind: 'flint', target: t });
  }

  let skale: SkaleInstall | undefined;
  if (steps.some((s) => s.baseline === 'skale')) {
    skale = await ensureSkale(options.baselinesDir, (text) => progress.status(text));
    progress.log(skale.ok ? `skale ready: ${skale.moduleDir}` : `skale unavailable: ${skale.reason}`);
  }

  // Feature check of the Flint modes that may not exist yet: the first row of such a
  // target that cannot create its context marks the target not yet available, and
  // its remaining rows are skipped (no separate probe: that would cost a cluster start).
  const unavailable = new Map<string, string>();

  progress.setTotalSteps(steps.length);
  const results: WorkloadResult[] = [];
  for (const w of workloads) {
    const rows: EngineRow[] = [];
    let reference: { engine: string; answer: unknown } | undefined;
    const spec: JobSpec = { workload: w.id, runs: options.runs, warmup: options.warmup, budgetMs: options.budgetMs, size, inputs };
    const specJson = JSON.stringify(spec);
    const work = w.throughput(size, inputs);
    for (const step of steps.filter((s) => s.workload === w.id)) {
      if (step.target && unavailable.has(step.target.id)) {
        rows.push({ engine: step.engine, kind: 'flint', status: 'unavailable', reason: unavailable.get(step.target.id), runsMs: [], setup: step.target.setup });
        progress.beginStep(`${w.id} · ${step.engine}`, options.runs);
        progress.endStep('not yet available (skipped)');
        continue;
      }
      if (step.baseline === 'skale' && skale && !skale.ok) {
        rows.push({ engine: step.engine, kind: 'baseline', status: 'failed', reason: skale.reason, runsMs: [] });
        continue;
      }
      progress.beginStep(`${w.id} · ${step.engine}`, options.runs);
      const { args, env, cleanup } = commandOf(step, specJson, skale, options);
      let child: ChildRunResult;
      try {
        child = await runChild({
          command: process.execPath,
          args,
          cwd: BENCH_DIR,
          env,
          timeoutMs: options.timeoutMs,
          onMessage: (m) => {
            if (m.type === 'run') progress.runDone(m.run, m.ms, m.warmup === true);
          },
        });
      } finally {
        cleanup();
      }
      const ready = child.messages.find((m): m is Extract<ChildMessage, { type: 'ready' }> => m.type === 'ready');
      const done = child.messages.find((m): m is Extract<ChildMessage, { type: 'done' }> => m.type === 'done');
      const allRuns = child.messages.filter((m): m is Extract<ChildMessage, { type: 'run' }> => m.type === 'run');
      const runs = allRuns.filter((r) => !r.warmup);
      const warmups = allRuns.filter((r) => r.warmup);
      const runsMs = runs.map((r) => r.ms);
      const common = {
        engine: step.engine,
        kind: step.kind,
        setup: ready?.setup ?? step.target?.setup,
        runsMs,
        warmupMs: warmups.map((r) => r.ms),
        startupMs: ready?.startupMs,
        processWallMs: child.wallMs,
        peakRssBytes: Math.max(child.peakTreeRssBytes, done?.maxRssBytes ?? 0),
        otherCpuShare: child.otherCpuShare,
      };
      const failure = failureOf(child, options.runs, options.timeoutMs);
      if (failure?.unavailable && step.target?.needsProbe) unavailable.set(step.target.id, failure.reason);
      if (failure) {
        const row: EngineRow = { ...common, status: failure.unavailable ? 'unavailable' : 'failed', reason: failure.reason };
        rows.push(row);
        progress.endStep(failure.unavailable ? `not available: ${failure.reason}` : `failed: ${failure.reason}`);
        continue;
      }
      // Every run's answer is checked, against the reference or (for the reference) its own first run.
      if (!reference) reference = { engine: step.engine, answer: runs[0].answer };
      let check: AnswerCheck = { ok: true, detail: '' };
      let warning: string | undefined;
      for (const r of allRuns) {
        check = compareAnswers(w.id, reference.answer as never, r.answer as never);
        warning ??= check.warning;
        if (!check.ok) {
          check = { ok: false, detail: `${r.warmup ? 'warm-up' : 'run'} ${r.run + 1}: ${check.detail}` };
          break;
        }
      }
      if (warning && check.ok) check = { ...check, warning };
      const medianMs = median(runsMs);
      const row: EngineRow = {
        ...common,
        note: runs.length < options.runs ? `${runs.length} of ${options.runs} runs (time budget ${(options.budgetMs / 1000).toFixed(0)} s)` : undefined,
        status: check.ok ? 'ok' : 'wrong',
        reason: check.ok ? undefined : `wrong answer vs ${reference.engine}: ${check.detail}`,
        medianMs,
        throughput: { value: work.amount / (medianMs / 1000), unit: work.unit },
        check,
        answerSummary: summarizeAnswer(w.id, runs[0].answer as never),
      };
      rows.push(row);
      progress.endStep(check.ok ? `median ${formatMs(medianMs)}, answer ok${check.warning ? ` (warning: ${check.warning})` : ''}` : `WRONG ANSWER: ${check.detail}`);
    }
    results.push({ workload: w.id, title: w.title, timed: w.timed, checkedBy: w.checkedBy, reference: reference?.engine, rows });
  }
  const datasets = Object.fromEntries(
    Object.entries(inputs).map(([k, d]) => [k, { files: d.files.length, bytes: d.bytes, dir: d.dir }]),
  ) as SuiteResult['datasets'];
  return { size, runs: options.runs, warmup: options.warmup, seed: options.seed, datasets, workloads: results };
}
