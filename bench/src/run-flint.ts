/**
 * Child process entry for one measured Flint configuration:
 *   node --import tsx bench/src/run-flint.ts <workload> <target> <job-spec-json>
 *   node --import tsx bench/src/run-flint.ts probe <target>
 * <target> is an id from flintTargets() (`local[2]`, `local-cluster[2,1]/tcp`).
 * Creates one FlintContext, runs the workload `runs` times, reports each answer
 * and time on stdout (child-protocol.ts), stops the context and exits.
 */
import { emit, errorText, runMeasured, selfMaxRssBytes } from './child-protocol.ts';
import { loadFlintCore, type FlintContextLike } from './flint/flint-api.ts';
import { contextOptions, findFlintTarget } from './flint/flint-targets.ts';
import { FLINT_WORKLOADS } from './flint/flint-workloads.ts';
import { ThreadProfiler } from './flint/thread-profiler.ts';
import type { JobSpec } from './workloads.ts';
import { benchProfileDir } from './env.ts';

const startedAt = performance.now();
const [workload, targetId, specJson] = process.argv.slice(2);

async function main(): Promise<void> {
  const target = findFlintTarget(targetId ?? '');
  if (!target) throw new Error(`unknown Flint target ${targetId}`);
  const probing = workload === 'probe';
  let core;
  try {
    core = await loadFlintCore();
  } catch (error) {
    // Local rows say why they failed; modes that may not exist yet are "not yet available".
    await emit({ type: 'error', message: errorText(error), unavailable: target.kind !== 'local' });
    process.exit(1);
  }
  let sc: FlintContextLike;
  try {
    sc = await core.FlintContext.create(contextOptions(target, `bench-${workload}`));
  } catch (error) {
    // A master URL the engine does not accept yet means the mode is not there yet.
    await emit({ type: 'error', message: errorText(error), unavailable: target.kind !== 'local' });
    process.exit(1);
  }
  try {
    if (probing) {
      const n = await sc.parallelize([1, 2, 3], 2).count();
      if (n !== 3) throw new Error(`probe job counted ${n}, expected 3`);
      await emit({ type: 'ready', setup: target.setup, startupMs: performance.now() - startedAt });
      return;
    }
    const spec = JSON.parse(specJson ?? '') as JobSpec;
    const job = FLINT_WORKLOADS[spec.workload];
    if (!job) throw new Error(`unknown workload ${spec.workload}`);
    await emit({ type: 'ready', setup: target.setup, startupMs: performance.now() - startedAt });
    const profileDir = benchProfileDir();
    if (profileDir) {
      // One run with every thread profiled over the timed part (executor threads included).
      const profiler = await ThreadProfiler.start();
      await runMeasured(1, () => job(sc, spec));
      await profiler.stop(profileDir);
    } else {
      await runMeasured(spec.runs, () => job(sc, spec), spec.budgetMs, spec.warmup);
    }
  } finally {
    await sc.stop();
  }
}

try {
  await main();
  await emit({ type: 'done', maxRssBytes: selfMaxRssBytes() });
  process.exit(0);
} catch (error) {
  await emit({ type: 'error', message: errorText(error) });
  process.exit(1);
}
