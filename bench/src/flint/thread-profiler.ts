import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

interface WorkerInfo {
  workerId: string;
  type: string;
  title: string;
}

/**
 * ThreadProfiler records V8 CPU profiles of this process's worker threads
 * (Flint's executor threads) and of the main thread over one window, through
 * the inspector's NodeWorker domain. `--cpu-prof` cannot do this here: the
 * engine starts its executor threads without profiler flags. Owns one
 * inspector session from start() until stop(); single-threaded use only.
 */
export class ThreadProfiler {
  private readonly workers = new Map<string, WorkerInfo>();
  private readonly pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  private nextId = 0;

  private constructor(private readonly session: Session) {}

  static async start(): Promise<ThreadProfiler> {
    const session = new Session();
    session.connect();
    const profiler = new ThreadProfiler(session);
    session.on('NodeWorker.attachedToWorker', (event) => {
      const { sessionId, workerInfo } = (event as unknown as { params: { sessionId: string; workerInfo: WorkerInfo } }).params;
      profiler.workers.set(sessionId, workerInfo);
    });
    session.on('NodeWorker.receivedMessageFromWorker', (event) => {
      const { message } = (event as unknown as { params: { message: string } }).params;
      const m = JSON.parse(message) as { id?: number; result?: unknown; error?: unknown };
      if (m.id !== undefined) {
        profiler.pending.get(m.id)?.(m);
        profiler.pending.delete(m.id);
      }
    });
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    // Attachment events for threads that already exist arrive right after enable.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const sessionId of profiler.workers.keys()) {
      await profiler.send(sessionId, 'Profiler.enable');
      await profiler.send(sessionId, 'Profiler.start');
    }
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return profiler;
  }

  private send(sessionId: string, method: string): Promise<{ result?: unknown; error?: unknown }> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      void this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) });
    });
  }

  /** Stops every profile and writes them into dir; returns the files written. */
  async stop(dir: string): Promise<string[]> {
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    const main = (await this.session.post('Profiler.stop')) as { profile: unknown };
    const mainFile = join(dir, 'run-window.main-thread.cpuprofile');
    writeFileSync(mainFile, JSON.stringify(main.profile));
    files.push(mainFile);
    for (const [sessionId, info] of this.workers) {
      const reply = await this.send(sessionId, 'Profiler.stop');
      const profile = (reply.result as { profile?: unknown } | undefined)?.profile;
      if (!profile) continue;
      const file = join(dir, `run-window.worker-${info.workerId}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      files.push(file);
    }
    this.session.disconnect();
    return files;
  }
}
