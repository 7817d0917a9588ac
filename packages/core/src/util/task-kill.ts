/**
 * A thread's kill signal: the pool that owns an executor thread sets it to ask the thread's
 * running task to stop, and the task's record loops look at it between batches (an Atomics load,
 * no message: the thread is busy in synchronous code). Thread-local: each executor thread has its
 * own signal, set once by its entry.
 */
let signal: Int32Array | null = null;

/** Thrown in a task whose pool asked it to stop; the pool reports the task as killed, not this. */
export class TaskKilledSignal extends Error {
  constructor() {
    super('task killed');
    this.name = 'TaskKilledSignal';
  }
}

export function useKillSignal(s: Int32Array): void {
  signal = s;
}

/** Stops the running task when its pool has asked it to (see ExecutorThreadPool.kill). */
export function checkKilled(): void {
  if (signal !== null && Atomics.load(signal, 0) !== 0) throw new TaskKilledSignal();
}
