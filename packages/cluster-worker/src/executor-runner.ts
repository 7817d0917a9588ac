import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ExecutorState } from '@flint/core/protocol';
import { EXECUTOR_LAUNCH_PIPE, executorHeapLimits, withoutSecrets } from '@flint/core/internal';
import { executorNodeArgs } from './env.ts';

/** The tsx loader, resolved from this package, that executor processes import to run TypeScript. */
export const TSX_LOADER_URL = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** What one executor process is started with. */
export interface ExecutorLaunchSpec {
  appId: string;
  executorId: string;
  cores: number;
  memoryMb: number;
  driverAddress: string;
  transport: string;
  conf: Record<string, unknown>;
  workerId: string;
  /** The worker's host: where the executor listens and what it advertises. */
  host: string;
  secret: string | undefined;
  /** The executor's own directory: its cwd, and where stdout/stderr go. */
  workDir: string;
  /** Module run under tsx. */
  entry: string;
  /** Environment the FLINT_* variables are added to. */
  baseEnv: NodeJS.ProcessEnv;
}

export interface ExecutorChange {
  state: ExecutorState;
  pid: number | null;
  exitCode: number | null;
  message: string | null;
}

/**
 * The command line of an executor process: node, the tsx loader, the entry. Extra node flags for
 * executor processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) come from FLINT_EXECUTOR_NODE_ARGS.
 */
export function executorCommand(entry: string, memoryMb?: number, cores = 1): { command: string; args: string[] } {
  const extra = executorNodeArgs();
  // The main thread's share of flint.executor.memory (task threads get theirs as resource limits).
  const heap = memoryMb === undefined ? [] : [`--max-old-space-size=${executorHeapLimits(memoryMb, cores).mainMb}`];
  // The main thread moves shuffle blocks (many short-lived socket buffers): a young generation
  // larger than V8's default keeps it out of frequent scavenges.
  return { command: process.execPath, args: ['--max-semi-space-size=64', ...heap, ...extra, '--import', TSX_LOADER_URL, entry] };
}

/** The environment of an executor process. */
export function executorEnv(spec: ExecutorLaunchSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...spec.baseEnv,
    FLINT_APP_ID: spec.appId,
    FLINT_EXECUTOR_ID: spec.executorId,
    FLINT_WORKER_ID: spec.workerId,
    FLINT_DRIVER_ADDRESS: spec.driverAddress,
    FLINT_EXECUTOR_CORES: String(spec.cores),
    FLINT_EXECUTOR_MEMORY_MB: String(spec.memoryMb),
    FLINT_TRANSPORT: spec.transport,
    FLINT_HOST: spec.host,
    FLINT_WORK_DIR: spec.workDir,
    FLINT_EXECUTOR_CONF: JSON.stringify(withoutSecrets(spec.conf)),
    FLINT_EXECUTOR_STDIN: EXECUTOR_LAUNCH_PIPE,
  };
  // The secret goes through the launch pipe (see launchLine), never through the environment.
  delete env.FLINT_SECRET;
  delete env.FLINT_SECRET_FILE;
  return env;
}

/** The first line an executor reads on its stdin: what must not be in its environment. */
export function launchLine(spec: ExecutorLaunchSpec): string {
  return `${JSON.stringify({ secret: spec.secret ?? null })}\n`;
}

/**
 * One executor process: starts it (stdout and stderr appended to files in
 * its work dir, stdin a pipe the worker holds open so the executor sees EOF
 * if the worker dies), follows it to its end, and kills it on request —
 * SIGTERM, then SIGKILL after the grace period. Reports each state change
 * through `onChange`: RUNNING once the process exists, then exactly one end
 * state: KILLED (killed on request), EXITED (code 0) or FAILED. Owns the
 * child process; not the work dir.
 */
export class ExecutorRunner {
  private _state: ExecutorState = 'LAUNCHING';
  private child: ChildProcess | null = null;
  private killRequested: string | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private resolveExited!: () => void;
  /** Settles once the process is gone (or never started). */
  readonly exited: Promise<void> = new Promise((r) => (this.resolveExited = r));
  readonly stdoutPath: string;
  readonly stderrPath: string;

  constructor(
    readonly spec: ExecutorLaunchSpec,
    private readonly killGraceMs: number,
    private readonly onChange: (runner: ExecutorRunner, change: ExecutorChange) => void,
  ) {
    this.stdoutPath = path.join(spec.workDir, 'stdout');
    this.stderrPath = path.join(spec.workDir, 'stderr');
  }

  get state(): ExecutorState {
    return this._state;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get live(): boolean {
    return this._state === 'LAUNCHING' || this._state === 'RUNNING';
  }

  /** Starts the process; failures to start are reported as FAILED, never thrown. */
  start(): void {
    let out: number | undefined;
    let err: number | undefined;
    try {
      // Shuffle files, results and logs of an application are its owner's alone.
      fs.mkdirSync(this.spec.workDir, { recursive: true, mode: 0o700 });
      fs.chmodSync(this.spec.workDir, 0o700);
      out = fs.openSync(this.stdoutPath, 'a', 0o600);
      err = fs.openSync(this.stderrPath, 'a', 0o600);
      const { command, args } = executorCommand(this.spec.entry, this.spec.memoryMb, this.spec.cores);
      const child = spawn(command, args, { cwd: this.spec.workDir, env: executorEnv(this.spec), stdio: ['pipe', out, err] });
      this.child = child;
      child.stdin?.on('error', () => undefined);
      // Kept open for the executor's life: its end tells the executor this worker is gone.
      child.stdin?.write(launchLine(this.spec));
      child.once('spawn', () => {
        if (this._state !== 'LAUNCHING') return;
        this._state = 'RUNNING';
        this.onChange(this, { state: 'RUNNING', pid: child.pid ?? null, exitCode: null, message: null });
      });
      child.once('error', (e) => {
        if (child.pid === undefined) this.end('FAILED', null, `cannot start the executor process: ${e.message}`);
      });
      child.once('exit', (code, signal) => this.onExit(code, signal));
    } catch (e) {
      this.end('FAILED', null, `cannot start the executor in ${this.spec.workDir}: ${(e as Error).message}`);
    } finally {
      if (out !== undefined) fs.closeSync(out);
      if (err !== undefined) fs.closeSync(err);
    }
  }

  /** SIGTERM now, SIGKILL after the grace period; resolves when the process is gone. */
  kill(reason: string): Promise<void> {
    if (!this.live) return this.exited;
    this.killRequested ??= reason;
    const child = this.child;
    if (!child || child.pid === undefined) {
      this.end('KILLED', null, reason);
      return this.exited;
    }
    child.kill('SIGTERM');
    this.killTimer ??= setTimeout(() => child.kill('SIGKILL'), this.killGraceMs);
    return this.exited;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : null);
    const how = code !== null ? `exited with code ${code}` : `ended by ${signal}`;
    if (this.killRequested !== null) this.end('KILLED', exitCode, `${this.killRequested} (${how})`);
    else this.end(code === 0 ? 'EXITED' : 'FAILED', exitCode, how);
  }

  private end(state: ExecutorState, exitCode: number | null, message: string): void {
    if (!this.live) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.child?.stdin?.destroy();
    this._state = state;
    this.onChange(this, { state, pid: this.pid, exitCode, message });
    this.resolveExited();
  }
}
