/**
 * The line protocol between the harness and a measured child process. A child
 * prints ordinary output as it likes; lines starting with RESULT_MARKER carry
 * one JSON ChildMessage each. The harness trusts nothing else a child prints.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const RESULT_MARKER = '@@flint-bench@@ ';

export type ChildMessage =
  | { readonly type: 'ready'; readonly setup: string; readonly startupMs: number }
  | { readonly type: 'run'; readonly run: number; readonly ms: number; readonly answer: unknown; readonly warmup?: boolean }
  | { readonly type: 'error'; readonly message: string; readonly unavailable?: boolean }
  | { readonly type: 'done'; readonly maxRssBytes: number };

/** Writes one message and resolves once it is flushed (large answers span many pipe writes). */
export function emit(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(message)}\n`, () => resolve());
  });
}

/** The peak RSS of this process alone (threads included), in bytes. */
export function selfMaxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * A full garbage collection of this thread, obtained without the --expose-gc
 * command-line flag (Flint passes the parent's flags to its executor threads,
 * and a Worker rejects --expose-gc).
 */
function garbageCollector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
const collectGarbage = garbageCollector();

/**
 * Runs a measured job `warmup` times and then up to `runs` times in this process, and
 * reports each run (warm-ups flagged). Before each run, outside the timed part, the main
 * thread's garbage is collected (and its finalizers given time to run) so one run's
 * garbage does not slow the next. A warm-up that takes more than half of `budgetMs`
 * counts as the first run instead (the engine is too slow to warm up within its budget).
 * After a run, if another run would take the total past `budgetMs`, it stops early: an
 * engine whose single run takes many minutes gets fewer runs, and the report says so.
 */
export async function runMeasured(
  runs: number,
  once: (run: number) => Promise<unknown>,
  budgetMs = Number.POSITIVE_INFINITY,
  warmup = 0,
): Promise<void> {
  let spent = 0;
  let run = 0;
  let last = 0;
  for (let w = 0; w < warmup; w++) {
    const { ms, answer } = await timedRun(() => once(-1 - w));
    if (ms > budgetMs / 2) {
      spent = last = ms;
      await emit({ type: 'run', run: run++, ms, answer });
      break;
    }
    await emit({ type: 'run', run: w, ms, answer, warmup: true });
  }
  for (; run < runs; run++) {
    if (run > 0 && spent + last > budgetMs) break;
    const { ms, answer } = await timedRun(() => once(run));
    spent += ms;
    last = ms;
    await emit({ type: 'run', run, ms, answer });
  }
}

async function timedRun(job: () => Promise<unknown>): Promise<{ ms: number; answer: unknown }> {
  collectGarbage?.();
  // Let finalizers of the collected objects run (Flint deletes a dropped shuffle's files then),
  // so that cleanup of one run is not timed in the next.
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const answer = await job();
  return { ms: performance.now() - t0, answer };
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
