/**
 * Child process entry for the in-Node baselines:
 *   node --import tsx bench/src/run-baseline.ts <plain-js|plain-js-split|duckdb|raw-socket> <job-spec-json>
 * Runs the workload `runs` times and reports each answer and time on stdout
 * (see child-protocol.ts).
 */
import { emit, errorText, runMeasured, selfMaxRssBytes } from './child-protocol.ts';
import type { JobSpec } from './workloads.ts';
import { closePlainJs, PLAIN_JS_SETUP, PLAIN_JS_SPLIT_SETUP, plainWordCountSplit, preparePlainJs, runPlainJs } from './baselines/plain-js-workloads.ts';
import { RAW_SOCKET_SETUP, rawSocketShuffle } from './baselines/raw-socket-shuffle.ts';

const startedAt = performance.now();
const [engine, specJson] = process.argv.slice(2);

async function main(): Promise<void> {
  const spec = JSON.parse(specJson ?? '') as JobSpec;
  switch (engine) {
    case 'plain-js':
      await preparePlainJs(spec);
      await emit({ type: 'ready', setup: PLAIN_JS_SETUP[spec.workload], startupMs: performance.now() - startedAt });
      await runMeasured(spec.runs, () => runPlainJs(spec), spec.budgetMs, spec.warmup);
      await closePlainJs();
      break;
    case 'plain-js-split':
      if (spec.workload !== 'wordcount') throw new Error('the split baseline only runs wordcount');
      await emit({ type: 'ready', setup: PLAIN_JS_SPLIT_SETUP, startupMs: performance.now() - startedAt });
      await runMeasured(spec.runs, async () => plainWordCountSplit(spec), spec.budgetMs, spec.warmup);
      break;
    case 'raw-socket':
      if (spec.workload !== 'shuffle') throw new Error('the raw socket baseline only runs shuffle');
      await emit({ type: 'ready', setup: RAW_SOCKET_SETUP, startupMs: performance.now() - startedAt });
      await runMeasured(spec.runs, () => rawSocketShuffle(spec), spec.budgetMs, spec.warmup);
      break;
    case 'duckdb': {
      const { DuckDbBaseline } = await import('./baselines/duckdb-workloads.ts');
      const duck = await DuckDbBaseline.create();
      await emit({ type: 'ready', setup: duck.setup, startupMs: performance.now() - startedAt });
      await runMeasured(spec.runs, () => duck.run(spec), spec.budgetMs, spec.warmup);
      break;
    }
    default:
      throw new Error(`unknown baseline ${engine}`);
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
