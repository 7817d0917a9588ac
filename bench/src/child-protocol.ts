/**
 * The line protocol between the harness and a measured child process. A child
 * prints ordinary output as it likes; lines starting with RESULT_MARKER carry
 * one JSON ChildMessage each. The harness trusts nothing else a child prints.
 */
export const RESULT_MARKER = '@@flint-bench@@ ';

export type ChildMessage =
  | { readonly type: 'ready'; readonly setup: string; readonly startupMs: number }
  | { readonly type: 'run'; readonly run: number; readonly ms: number; readonly answer: unknown }
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

/** Runs a measured job `runs` times in this process and reports each run, then exits. */
export async function runMeasured(
  runs: number,
  once: (run: number) => Promise<unknown>,
): Promise<void> {
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const answer = await once(run);
    const ms = performance.now() - t0;
    await emit({ type: 'run', run, ms, answer });
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
