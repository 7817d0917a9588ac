/**
 * tasks.list({ appId, stageId, attempt, sortBy?, desc?, status?, executorId?, cursor?, limit? }) → Page<TaskRow> & { total? }
 *   sortBy: 'taskId' (default) | 'index' | 'launchTime' | 'duration' | any metric
 *   (TASK_METRIC_NAMES) | any phase (TASK_PHASE_NAMES); ties broken by taskId.
 *   TaskRow { taskId, index, attempt, status: 'running'|'success'|'failed'|'killed',
 *     executorId, host, slot, locality, speculative, launchTime, finishTime,
 *     durationMs, failureReason, metrics: { [metric]: number } | null,
 *     phases: { schedulerDelay, deserialize, compute, shuffleWrite,
 *               resultSerialize, resultFetch } (ms or null) | null }
 * tasks.timeline({ appId, stageId, attempt, afterTaskId?, limit? }) → TaskTimeline
 *   the timeline fields of every task attempt column-wise in taskId order, up to
 *   `limit` (default and most TIMELINE_MAX_TASKS) a page; then nextAfterTaskId.
 */
import { z } from 'zod';
import { TASK_SORT_KEYS, TIMELINE_MAX_TASKS } from '../queries.ts';
import { createTRPCRouter, publicProcedure } from '../trpc.ts';
import { cursorSchema, idSchema, intIdSchema, limitSchema } from './inputs.ts';

export const tasksRouter = createTRPCRouter({
  list: publicProcedure
    .input(
      z.object({
        appId: idSchema,
        stageId: intIdSchema,
        attempt: intIdSchema.default(0),
        sortBy: z.enum(TASK_SORT_KEYS).default('taskId'),
        desc: z.boolean().default(false),
        status: z.enum(['running', 'success', 'failed', 'killed']).optional(),
        executorId: idSchema.optional(),
        cursor: cursorSchema.optional(),
        limit: limitSchema,
      }),
    )
    .query(({ ctx, input }) => ctx.queries.listTasks(input)),
  timeline: publicProcedure
    .input(
      z.object({
        appId: idSchema,
        stageId: intIdSchema,
        attempt: intIdSchema.default(0),
        afterTaskId: intIdSchema.optional(),
        limit: z.number().int().min(1).max(TIMELINE_MAX_TASKS).default(TIMELINE_MAX_TASKS),
      }),
    )
    .query(({ ctx, input }) => ctx.queries.taskTimeline(input)),
});
