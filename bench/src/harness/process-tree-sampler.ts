import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let pageSize: number | undefined;
function pageBytes(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

interface ProcEntry {
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly cpu: number;
}

/** Every process's parent and CPU time, from /proc/<pid>/stat (fields after the command's closing parenthesis). */
function procTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(pid, { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) });
  }
  return table;
}

/** The pids of a process tree (the root and all its descendants). */
function treeOf(rootPid: number, table: Map<number, ProcEntry>): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, e] of table) {
    let list = children.get(e.ppid);
    if (!list) children.set(e.ppid, (list = []));
    list.push(pid);
  }
  const tree = new Set<number>();
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (tree.has(pid)) continue;
    tree.add(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return tree;
}

function rssBytes(pids: Iterable<number>): number {
  let pages = 0;
  for (const pid of pids) {
    try {
      pages += Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]);
    } catch {
      // exited meanwhile
    }
  }
  return pages * pageBytes();
}

/** Total jiffies of all cores, from the first line of /proc/stat. */
function machineJiffies(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/);
  return fields.slice(0, 8).map(Number).reduce((a, b) => a + b, 0);
}

/** What one sampling window saw. */
export interface TreeSample {
  /** Peak RSS of the process tree, in bytes. */
  readonly peakRssBytes: number;
  /**
   * Share (0–1) of all cores' time used by processes outside the tree and
   * this harness: other people's builds and tests make numbers noisy.
   */
  readonly otherCpuShare: number;
}

/**
 * ProcessTreeSampler polls /proc for the RSS of one process tree and keeps the
 * peak, and adds up the CPU time of every process outside that tree over the
 * same window. Owns one timer between start() and stop(); it reads /proc only
 * and never signals a process. Sampling misses RSS spikes shorter than its
 * interval, so the harness also takes each child's own getrusage peak.
 */
export class ProcessTreeSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  private readonly firstCpu = new Map<number, number>();
  private readonly lastCpu = new Map<number, number>();
  /** Every pid ever seen in the tree: a worker orphaned when its parent exits stays ours. */
  private readonly ours = new Set<number>();
  private startJiffies = 0;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): void {
    this.startJiffies = machineJiffies();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), this.intervalMs);
  }

  private sample(first: boolean): void {
    const table = procTable();
    const tree = treeOf(this.rootPid, table);
    const rss = rssBytes(tree);
    if (rss > this.peak) this.peak = rss;
    for (const pid of tree) {
      this.ours.add(pid);
      this.firstCpu.delete(pid);
      this.lastCpu.delete(pid);
    }
    for (const [pid, e] of table) {
      if (this.ours.has(pid) || pid === process.pid) continue;
      // A process born during the window counts from zero.
      if (!this.firstCpu.has(pid)) this.firstCpu.set(pid, first ? e.cpu : 0);
      this.lastCpu.set(pid, e.cpu);
    }
  }

  /** Stops sampling and returns what the window saw. */
  stop(): TreeSample {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    let others = 0;
    for (const [pid, last] of this.lastCpu) others += Math.max(0, last - (this.firstCpu.get(pid) ?? 0));
    const total = machineJiffies() - this.startJiffies;
    return { peakRssBytes: this.peak, otherCpuShare: total > 0 ? Math.min(1, others / total) : 0 };
  }
}
