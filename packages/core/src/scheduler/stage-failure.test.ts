/**
 * Stage failures travel as data and become text only where they are shown: the
 * strings here are the ones stored events and the UI have always carried, written
 * out by hand so a change to the wording fails here first.
 */
import { describe, expect, test } from 'vitest';
import { describeStageFailure, failureDetails, type StageFailure } from './stage-failure.ts';

const task = { stageId: 3, stageAttempt: 1, partition: 7, failures: 4, taskId: 42, executorId: 'e-2' };

describe('describeStageFailure', () => {
  test('a task that threw: class, message, the function it was given to, the executor stack', () => {
    const f: StageFailure = {
      kind: 'taskFailures',
      ...task,
      exception: { kind: 'exception', className: 'TypeError', message: 'bad record', stack: 'TypeError: bad record\n    at f', fnMethod: 'map', fnSource: '(x) => x.y.z' },
    };
    expect(describeStageFailure(f)).toBe(
      'Task 7 in stage 3.1 failed 4 times; most recent failure: task 42 on executor e-2: TypeError: bad record\n' +
        '  in the function given to map(): (x) => x.y.z\n' +
        'Executor stack:\nTypeError: bad record\n    at f',
    );
    expect(failureDetails(f)).toEqual({ executorStack: 'TypeError: bad record\n    at f', functionSource: '(x) => x.y.z' });
  });

  test('a long function source is quoted up to 500 characters; without a source there is no function line', () => {
    const src = `(x) => ${'x + '.repeat(200)}1`;
    const f: StageFailure = { kind: 'taskFailures', ...task, exception: { kind: 'exception', className: 'Error', message: 'm', stack: 's', fnMethod: 'filter', fnSource: src } };
    expect(describeStageFailure(f)).toContain(`in the function given to filter(): ${src.slice(0, 500)}…\nExecutor stack:\ns`);
    expect(failureDetails(f).functionSource).toBe(`${src.slice(0, 500)}…`);
    const bare: StageFailure = { kind: 'taskFailures', ...task, exception: { kind: 'exception', className: 'Error', message: 'm', stack: 's', fnMethod: null, fnSource: null } };
    expect(describeStageFailure(bare)).toBe('Task 7 in stage 3.1 failed 4 times; most recent failure: task 42 on executor e-2: Error: m\nExecutor stack:\ns');
    expect(failureDetails(bare)).toEqual({ executorStack: 's', functionSource: null });
  });

  test('a task whose executors were lost names every exit', () => {
    const f: StageFailure = {
      kind: 'executorLosses',
      ...task,
      exits: [
        { attempt: 0, taskId: 40, executorId: 'e-1', message: 'exited with signal SIGKILL' },
        { attempt: 1, taskId: 42, executorId: 'e-2', message: 'exit code 137' },
      ],
    };
    expect(describeStageFailure(f)).toBe(
      'Task 7 in stage 3.1 failed 4 times (flint.task.maxFailures); most recent failure: task 42 on executor e-2: the executor was lost while running it. ' +
        'Its executors exited each time it ran (a task that kills its process, e.g. by running out of memory, is retried on a new executor until the bound):\n' +
        '  attempt 0 (task 40) on executor e-1: exited with signal SIGKILL\n' +
        '  attempt 1 (task 42) on executor e-2: exit code 137',
    );
    expect(failureDetails(f)).toEqual({ executorStack: null, functionSource: null });
  });

  test('fetch failures past the bound, and a plan that cannot be serialized', () => {
    expect(describeStageFailure({ kind: 'fetchFailures', stageId: 5, failedAttempts: 4, mostRecent: { shuffleId: 1, mapId: 2, executorId: null, message: 'map output 2 of shuffle 1 is missing' } })).toBe(
      'stage 5 failed 4 times because of fetch failures; most recent: map output 2 of shuffle 1 is missing',
    );
    expect(describeStageFailure({ kind: 'planNotSerializable', stageId: 6, message: 'cannot serialize a socket' })).toBe('cannot serialize the plan of stage 6: cannot serialize a socket');
  });
});
