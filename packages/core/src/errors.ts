/**
 * Errors are typed data: one base class with a closed set of codes, a `retryable`
 * flag and an optional `cause`. Subclasses exist only to carry extra fields.
 */
import type { BlockFetchFailure } from './shuffle/fetch-failure.ts';

export const FlintErrorCode = {
  CLOSURE: 'CLOSURE',
  TASK_FAILED: 'TASK_FAILED',
  JOB_FAILED: 'JOB_FAILED',
  JOB_CANCELLED: 'JOB_CANCELLED',
  FETCH_FAILED: 'FETCH_FAILED',
  EMPTY_RDD: 'EMPTY_RDD',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  CONTEXT_STOPPED: 'CONTEXT_STOPPED',
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  FILE_EXISTS: 'FILE_EXISTS',
  RESULT_TOO_LARGE: 'RESULT_TOO_LARGE',
  EXECUTOR_LOST: 'EXECUTOR_LOST',
  /** The master ended the application (e.g. too many executors failed in a row): no job can run. */
  APPLICATION_KILLED: 'APPLICATION_KILLED',
  CONFIG: 'CONFIG',
  INTERNAL: 'INTERNAL',
} as const;
export type FlintErrorCode = (typeof FlintErrorCode)[keyof typeof FlintErrorCode];

export class FlintError extends Error {
  readonly code: FlintErrorCode;
  readonly retryable: boolean;
  constructor(code: FlintErrorCode, message: string, opts: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

/** A closure captures a variable that its `env` does not provide, or cannot be shipped at all. */
export class ClosureError extends FlintError {
  readonly variable: string | null;
  readonly method: string;
  constructor(message: string, variable: string | null, method: string) {
    super(FlintErrorCode.CLOSURE, message);
    this.variable = variable;
    this.method = method;
  }
}

/** A job failed: carries the failing stage, the executor-side stack and the failing function's source when known. */
export class JobFailedError extends FlintError {
  readonly jobId: number;
  readonly stageId: number | null;
  readonly executorStack: string | null;
  readonly functionSource: string | null;
  constructor(
    message: string,
    fields: { jobId: number; stageId?: number | null; executorStack?: string | null; functionSource?: string | null; cause?: unknown },
  ) {
    super(FlintErrorCode.JOB_FAILED, message, { cause: fields.cause });
    this.jobId = fields.jobId;
    this.stageId = fields.stageId ?? null;
    this.executorStack = fields.executorStack ?? null;
    this.functionSource = fields.functionSource ?? null;
  }
}

/**
 * A job was cancelled (`sc.cancelJob`, `sc.cancelJobGroup`, `sc.cancelAllJobs`, `sc.stop()`,
 * or a cancel request relayed by the master): its promise rejects with this, and its running
 * tasks are killed.
 */
export class JobCancelledError extends FlintError {
  readonly jobId: number;
  readonly jobGroup: string | null;
  /** Why, as given to the cancel call. */
  readonly reason: string;
  constructor(message: string, fields: { jobId: number; jobGroup?: string | null; reason: string }) {
    super(FlintErrorCode.JOB_CANCELLED, message);
    this.jobId = fields.jobId;
    this.jobGroup = fields.jobGroup ?? null;
    this.reason = fields.reason;
  }
}

/** A reduce task could not read a map output: drives resubmission of the parent stage. */
export class FetchFailedError extends FlintError {
  readonly shuffleId: number;
  readonly mapId: number;
  readonly executorId: string;
  readonly reduceId: number;
  /** The failure as it was created where the read failed (see shuffle/fetch-failure.ts). */
  readonly failure: BlockFetchFailure;
  constructor(failure: BlockFetchFailure, cause?: unknown) {
    super(FlintErrorCode.FETCH_FAILED, failure.message, { cause, retryable: true });
    this.failure = failure;
    this.shuffleId = failure.shuffleId;
    this.mapId = failure.mapId;
    this.executorId = failure.executorId;
    this.reduceId = failure.reduceId;
  }
}

/** Turns anything thrown into an Error with a message and a stack. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
