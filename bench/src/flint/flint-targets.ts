import type { FlintContextOptions } from './flint-api.ts';

/** Where a Flint row runs. */
export interface FlintTarget {
  /** Stable id used in results and on the command line: `local[2]`, `local-cluster[2,1]/tcp`. */
  readonly id: string;
  readonly kind: 'local' | 'local-cluster';
  readonly master: string;
  readonly transport?: 'tcp' | 'http';
  /** What the configuration is, for the report. */
  readonly setup: string;
  /**
   * A mode the engine may not have yet: if its first row cannot create a
   * context, all its rows print "not yet available" (never a number).
   */
  readonly needsProbe: boolean;
}

/**
 * The Flint configurations the bench measures. To add one (another transport,
 * a bigger cluster), add an entry here: the harness, the child runner and the
 * report take it from this list.
 */
export function flintTargets(): FlintTarget[] {
  const cluster = (transport: 'tcp' | 'http'): FlintTarget => ({
    id: `local-cluster[2,1]/${transport}`,
    kind: 'local-cluster',
    master: 'local-cluster[2,1]',
    transport,
    setup: `master + 2 workers × 1 core as child processes, ${transport} transport`,
    needsProbe: true,
  });
  return [
    { id: 'local[1]', kind: 'local', master: 'local[1]', setup: 'in-process driver, 1 executor thread', needsProbe: false },
    { id: 'local[2]', kind: 'local', master: 'local[2]', setup: 'in-process driver, 2 executor threads', needsProbe: false },
    cluster('tcp'),
    cluster('http'),
  ];
}

export function findFlintTarget(id: string): FlintTarget | undefined {
  return flintTargets().find((t) => t.id === id || (t.transport === undefined && t.master === id));
}

/** The context options for a target; the one place that knows how a target maps onto FlintContext.create. */
export function contextOptions(target: FlintTarget, appName: string): FlintContextOptions {
  return { master: target.master, appName, ...(target.transport ? { transport: target.transport } : {}) };
}
