import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RESULT_MARKER, type ChildMessage } from '../child-protocol.ts';
import { ProcessTreeSampler } from './process-tree-sampler.ts';

export interface ChildRunOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** Called for every protocol message as it arrives (progress display). */
  readonly onMessage?: (message: ChildMessage) => void;
}

export interface ChildRunResult {
  readonly messages: ChildMessage[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** Peak RSS of the child's whole process tree, sampled from /proc. */
  readonly peakTreeRssBytes: number;
  /** Share of the machine's CPU used by processes outside the child's tree meanwhile. */
  readonly otherCpuShare: number;
  readonly wallMs: number;
  /** The last lines the child printed outside the protocol (for failure reasons). */
  readonly outputTail: string[];
}

const TAIL_LINES = 30;

/**
 * Runs one measured child process in its own process group, samples the RSS
 * of its process tree, enforces a time limit and collects its protocol
 * messages. On timeout, and after it exits, the group is killed so that no
 * worker it forked outlives it (skale's workers, Flint's cluster processes).
 */
export async function runChild(options: ChildRunOptions): Promise<ChildRunResult> {
  const started = performance.now();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  const sampler = pid !== undefined ? new ProcessTreeSampler(pid) : undefined;
  sampler?.start();
  const messages: ChildMessage[] = [];
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const stdoutDone = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith(RESULT_MARKER)) {
        try {
          const message = JSON.parse(line.slice(RESULT_MARKER.length)) as ChildMessage;
          messages.push(message);
          options.onMessage?.(message);
        } catch {
          keep(line);
        }
      } else {
        keep(line);
      }
    }).on('close', resolve);
  });
  const stderrDone = new Promise<void>((resolve) => {
    createInterface({ input: child.stderr! }).on('line', keep).on('close', resolve);
  });
  const killGroup = (): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('error', (error) => {
      keep(String(error));
      resolve([null, null]);
    });
    child.once('exit', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  killGroup();
  await Promise.race([Promise.all([stdoutDone, stderrDone]), new Promise((r) => setTimeout(r, 2000))]);
  const window = sampler?.stop() ?? { peakRssBytes: 0, otherCpuShare: 0 };
  return {
    messages,
    exitCode,
    signal,
    timedOut,
    peakTreeRssBytes: window.peakRssBytes,
    otherCpuShare: window.otherCpuShare,
    wallMs: performance.now() - started,
    outputTail: tail,
  };
}
