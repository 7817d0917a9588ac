/**
 * `pnpm bench`: Flint side by side with the engines a user would pick instead,
 * on the same generated data, in one run. See bench/README.md.
 */
import { join, resolve } from 'node:path';
import { BENCH_SIZES } from './data/bench-size.ts';
import { ensureDataset, type DatasetFiles } from './data/dataset-cache.ts';
import type { DatasetName } from './data/generators.ts';
import { BENCH_DIR, parseBenchOptions, type BenchOptions } from './harness/bench-options.ts';
import { runChild } from './harness/child-runner.ts';
import { hottestFunctions, listProfiles } from './harness/cpu-profile.ts';
import { describeMachine } from './harness/machine.ts';
import { BenchProgress, formatMs } from './harness/progress.ts';
import { renderReport, writeResultsJson } from './harness/report.ts';
import { runSuite } from './harness/suite.ts';
import { findFlintTarget } from './flint/flint-targets.ts';
import { WORKLOADS, type JobSpec } from './workloads.ts';
import { inheritedEnv } from './env.ts';

const REPO_DIR = resolve(BENCH_DIR, '..');

async function profile(options: BenchOptions): Promise<number> {
  const workload = WORKLOADS[options.only[0]];
  const target = findFlintTarget(options.profileTarget);
  if (!target) throw new Error(`unknown Flint target ${options.profileTarget}`);
  const size = BENCH_SIZES[options.size];
  const progress = new BenchProgress(1);
  const inputs: Partial<Record<DatasetName, DatasetFiles>> = {};
  for (const name of workload.inputs) {
    inputs[name] = await ensureDataset(options.dataDir, size, options.seed, name, progress.generationReporter());
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(BENCH_DIR, 'profiles', `${workload.id}-${options.size}-${stamp}`);
  const spec: JobSpec = { workload: workload.id, runs: 1, warmup: 0, budgetMs: options.budgetMs, size, inputs };
  progress.beginStep(`profiling ${workload.id} on flint ${target.id}`, 1);
  const child = await runChild({
    command: process.execPath,
    args: ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', join(BENCH_DIR, 'src', 'run-flint.ts'), workload.id, target.id, JSON.stringify(spec)],
    cwd: BENCH_DIR,
    env: { ...inheritedEnv(), FLINT_BENCH_PROFILE_DIR: dir },
    timeoutMs: options.timeoutMs,
    onMessage: (m) => {
      if (m.type === 'run') progress.runDone(m.run, m.ms);
    },
  });
  const run = child.messages.find((m) => m.type === 'run');
  const error = child.messages.find((m) => m.type === 'error');
  progress.endStep(run && run.type === 'run' ? `run took ${formatMs(run.ms)}` : `failed: ${error && error.type === 'error' ? error.message.split('\n')[0] : `exit ${child.exitCode}`}`);
  progress.stop();
  const files = listProfiles(dir);
  if (files.length === 0) {
    console.log(`no CPU profile was written (expected under ${dir})`);
    return 1;
  }
  console.log(`\nCPU profiles went to ${dir}`);
  console.log('  CPU.*.cpuprofile: the driver process\'s main thread, whole life (--cpu-prof)');
  console.log('  run-window.*.cpuprofile: every thread (main, executor threads) over the timed run only (inspector)');
  console.log('  open them in Chrome DevTools › Performance, or speedscope');
  for (const file of files) {
    const { totalMs, hot } = hottestFunctions(file, 12, REPO_DIR);
    console.log(`\n${file}  (${formatMs(totalMs)} busy)`);
    for (const h of hot) {
      console.log(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${formatMs(h.selfMs).padStart(8)}  ${h.name}  ${h.where}`);
    }
  }
  return run ? 0 : 1;
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.profile) return profile(options);
  const startedAt = new Date();
  const machine = describeMachine(REPO_DIR);
  const progress = new BenchProgress(0);
  progress.log(`pnpm bench: size ${options.size}, ${options.runs} run(s) each, workloads ${options.only.join(', ')}`);
  let result;
  try {
    result = await runSuite(options, progress);
  } finally {
    progress.stop();
  }
  console.log(`\n${renderReport(result, machine)}`);
  const path = writeResultsJson(result, machine, options, startedAt);
  console.log(`\nresults: ${path}`);
  return 0;
}

process.exitCode = await main();
