/**
 * Why a stage was aborted, as data: the TaskSetManager says why its task set gave
 * up, the DAGScheduler adds its own reasons (fetch failures past the bound, a plan
 * that cannot be serialized), and text is made only where it is shown — the
 * stage's `failureReason`, the job's error — by `describeStageFailure`, whose
 * strings are the ones events have always carried (stored events and the UI
 * read them). Plain data and pure functions.
 */
import type { TaskFailureReason } from '../executor/task-description.ts';

export type TaskException = Extract<TaskFailureReason, { kind: 'exception' }>;

/** One attempt of a task whose executor was lost while it ran. */
export interface ExecutorExit {
  attempt: number;
  taskId: number;
  executorId: string;
  message: string;
}

/** A map output a task needed was gone: found at launch (executorId null) or reported by the task. */
export interface FetchFailure {
  shuffleId: number;
  mapId: number;
  executorId: string | null;
  message: string;
}

/** The last failed attempt of the task that ended its task set. */
interface FailedTask {
  stageId: number;
  stageAttempt: number;
  /** The task's partition. */
  partition: number;
  /** Failures of this task so far (flint.task.maxFailures reached). */
  failures: number;
  taskId: number;
  executorId: string;
}

export type StageFailure =
  /** A task threw on every attempt, up to flint.task.maxFailures. */
  | ({ kind: 'taskFailures'; exception: TaskException } & FailedTask)
  /** A task's executor was lost on every attempt, up to flint.task.maxFailures. */
  | ({ kind: 'executorLosses'; exits: ExecutorExit[] } & FailedTask)
  /** The stage's map inputs went missing more often than flint.stage.maxConsecutiveAttempts allows. */
  | { kind: 'fetchFailures'; stageId: number; failedAttempts: number; mostRecent: FetchFailure }
  /** The stage's plan (a closure's env) could not be serialized. */
  | { kind: 'planNotSerializable'; stageId: number; message: string };

/** Longest function source quoted in a failure message. */
const MAX_QUOTED_SOURCE = 500;

/** The function's source as a failure message quotes it (cut after 500 characters). */
export function quotedSource(exception: TaskException): string | null {
  const src = exception.fnSource;
  if (!src) return null;
  return src.length > MAX_QUOTED_SOURCE ? `${src.slice(0, MAX_QUOTED_SOURCE)}…` : src;
}

/** The text a stage failure shows as: the stage's failureReason, and the job error's message after its prefix. */
export function describeStageFailure(f: StageFailure): string {
  switch (f.kind) {
    case 'taskFailures': {
      const e = f.exception;
      let msg =
        `Task ${f.partition} in stage ${f.stageId}.${f.stageAttempt} failed ${f.failures} times; most recent failure: ` +
        `task ${f.taskId} on executor ${f.executorId}: ${e.className}: ${e.message}`;
      const src = quotedSource(e);
      if (src) msg += `\n  in the function given to ${e.fnMethod}(): ${src}`;
      msg += `\nExecutor stack:\n${e.stack}`;
      return msg;
    }
    case 'executorLosses':
      return (
        `Task ${f.partition} in stage ${f.stageId}.${f.stageAttempt} failed ${f.failures} times (flint.task.maxFailures); most recent failure: ` +
        `task ${f.taskId} on executor ${f.executorId}: the executor was lost while running it. ` +
        `Its executors exited each time it ran (a task that kills its process, e.g. by running out of memory, is retried on a new executor until the bound):\n` +
        f.exits.map((x) => `  attempt ${x.attempt} (task ${x.taskId}) on executor ${x.executorId}: ${x.message}`).join('\n')
      );
    case 'fetchFailures':
      return `stage ${f.stageId} failed ${f.failedAttempts} times because of fetch failures; most recent: ${f.mostRecent.message}`;
    case 'planNotSerializable':
      return `cannot serialize the plan of stage ${f.stageId}: ${f.message}`;
  }
}

/** The executor-side details a job error carries for a stage failure (null where it has none). */
export function failureDetails(f: StageFailure): { executorStack: string | null; functionSource: string | null } {
  if (f.kind !== 'taskFailures') return { executorStack: null, functionSource: null };
  return { executorStack: f.exception.stack, functionSource: quotedSource(f.exception) };
}
