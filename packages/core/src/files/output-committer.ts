/**
 * The commit protocol of file output (saveAsTextFile), after Hadoop's
 * FileOutputCommitter: every task attempt writes into a directory of its own
 * inside a staging area beside the final directory
 * (`<parent>/.<name>._flint_temporary_<pid>_<time>/attempt-<taskId>/part-NNNNN`)
 * and reports the file it wrote as its result. The driver takes the first
 * successful attempt of each partition (the scheduler accepts one result per
 * partition), moves exactly those files into a directory that becomes the
 * final one by a single rename, and removes the staging area with every
 * other attempt's file in it.
 *
 * So the final directory never holds an attempt's file, a partial file, or a
 * file of a job that failed; and an attempt that outlives its job (frozen,
 * then thawed) can only write into the staging area, which is gone: its
 * attempt directory cannot be created there again, and a file it had open is
 * no longer linked anywhere. The driver side (`OutputCommitter`) runs on the
 * driver's event loop; `openAttemptFile` runs in the task.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FlintError, FlintErrorCode } from '../errors.ts';

const STAGING_MARK = '._flint_temporary_';
const COMMITTING = '_committing';

/** The name of partition `p`'s file in the output. */
export function partFileName(partition: number): string {
  return `part-${String(partition).padStart(5, '0')}`;
}

/**
 * Opens the file task attempt `attemptId` writes partition `partition` to, inside `staging`.
 * Returns the open descriptor, its path, and the path relative to `staging` that the task reports
 * as its result. Refuses when the staging area is gone: its job has committed or aborted.
 */
export function openAttemptFile(staging: string, partition: number, attemptId: number): { fd: number; file: string; relative: string } {
  const dir = path.join(staging, `attempt-${attemptId}`);
  try {
    // Not recursive: a staging area that was removed must not be made again by a late attempt.
    fs.mkdirSync(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `saveAsTextFile: the staging area ${staging} is gone (its job has committed or failed); task attempt ${attemptId} writes nothing`);
    }
    if (err.code !== 'EEXIST') throw e;
  }
  const relative = path.join(`attempt-${attemptId}`, partFileName(partition));
  const file = path.join(staging, relative);
  return { fd: fs.openSync(file, 'w'), file, relative };
}

/** The driver's side of one save: sets up the staging area, then commits the winners or aborts. */
export class OutputCommitter {
  private done = false;

  private constructor(
    /** The final directory. */
    readonly dir: string,
    /** Where attempts write; removed by commit() and abort(). */
    readonly staging: string,
    private readonly action: string,
  ) {}

  /** Refuses an existing output directory; creates the staging area beside it. */
  static setup(dir: string, action: string): OutputCommitter {
    if (fs.existsSync(dir)) {
      throw new FlintError(FlintErrorCode.FILE_EXISTS, `${action}: output directory ${dir} already exists; remove it or choose another path`);
    }
    const parent = path.dirname(dir);
    fs.mkdirSync(parent, { recursive: true });
    const staging = path.join(parent, `.${path.basename(dir)}${STAGING_MARK}${process.pid}_${Date.now()}`);
    fs.mkdirSync(staging);
    return new OutputCommitter(dir, staging, action);
  }

  /**
   * Moves the file each partition's winning attempt reported (paths relative to the staging area,
   * in partition order) into the output, adds `_SUCCESS`, makes the output appear by one rename,
   * and removes the staging area with everything else in it.
   */
  commit(results: unknown[]): void {
    if (this.done) throw new Error(`${this.action}: the output ${this.dir} was already committed or aborted`);
    this.done = true;
    try {
      const committing = path.join(this.staging, COMMITTING);
      fs.mkdirSync(committing);
      results.forEach((r, partition) => {
        if (typeof r !== 'string' || path.isAbsolute(r) || r.split(path.sep)[0] === '..') {
          throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `${this.action}: partition ${partition} reported ${JSON.stringify(r)} instead of the file it wrote in ${this.staging}`);
        }
        fs.renameSync(path.join(this.staging, r), path.join(committing, partFileName(partition)));
      });
      fs.writeFileSync(path.join(committing, '_SUCCESS'), '');
      if (fs.existsSync(this.dir)) {
        throw new FlintError(FlintErrorCode.FILE_EXISTS, `${this.action}: output directory ${this.dir} appeared while the job ran; its output is not committed`);
      }
      fs.renameSync(committing, this.dir);
    } finally {
      removeStaging(this.staging);
    }
  }

  /** Removes the staging area and everything attempts wrote; the output directory never appears. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    removeStaging(this.staging);
  }
}

function removeStaging(staging: string): void {
  // An attempt still running may add a file while the tree is removed: try again a few times.
  for (let i = 0; i < 5; i++) {
    try {
      fs.rmSync(staging, { recursive: true, force: true });
      return;
    } catch {
      // ENOTEMPTY from a concurrent writer
    }
  }
}
