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

/** Parent pid of every process, from /proc/<pid>/stat (the field after the command's closing parenthesis). */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(pid);
  }
  return children;
}

/** The resident set size of a process tree (the root and all its descendants), in bytes. */
export function treeRssBytes(rootPid: number): number {
  const children = parentMap();
  const stack = [rootPid];
  let pages = 0;
  while (stack.length > 0) {
    const pid = stack.pop()!;
    try {
      pages += Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]);
    } catch {
      // exited meanwhile
    }
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return pages * pageBytes();
}

/**
 * ProcessTreeSampler polls /proc for the RSS of one process tree and keeps the
 * peak. Owns one timer between start() and stop(); it reads /proc only and
 * never signals a process. Sampling misses spikes shorter than its interval,
 * so the harness also takes each child's own peak (getrusage) into account.
 */
export class ProcessTreeSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  sample(): void {
    const rss = treeRssBytes(this.rootPid);
    if (rss > this.peak) this.peak = rss;
  }

  /** Stops sampling and returns the peak seen, in bytes. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peak;
  }
}
