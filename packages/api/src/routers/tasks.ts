/**
 * tasks.list({ appId, stageId, attempt, sortBy?, desc?, status?, executorId?, cursor?, limit? }) → Page<TaskRow> & { total? }
 *   sortBy: 'taskId' (default) | 'index' | 'launchTime' | 'duration' | any metric
 *   (TASK_METRIC_NAMES) | any phase (TASK_PHASE_NAMES); ties broken by taskId.
 *   TaskRow { taskId, index, attempt, status: 'running'|'success'|'failed'|'killed',
 *     executorId, host, slot, locality, speculative, launchTime, finishTime,
 *     durationMs, failureReason, metrics: { [metric]: number } | null,
 *     phases: { schedulerDelay, deserialize, compute, shuffleWrite,
 *               resultSerialize, resultFetch } (ms or null) | null }
 * tasks.timeline({ appId, stageId, attempt, afterTaskId?, limit? }) → { tasks, nextAfterTaskId, columns }
 *   the timeline fields of every task attempt column-wise in taskId order, up to
 *   `limit` (default and most TIMELINE_MAX_TASKS) a page; `columns` is the
 *   TaskTimeline as one JSON string (parse it with JSON.parse): the transformer
 *   walks every value it is given, and 1.8 million of them (100,000 tasks) took
 *   it 7.2 s against 0.8 s for JSON.stringify.
 */
import { z } from 'zod';
import { TASK_SORT_KEYS, TIMELINE_MAX_TASKS, type TaskTimeline } from '../queries.ts';
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
    .query(async ({ ctx, input }) => {
      const t = await ctx.queries.taskTimeline(input);
      return { tasks: t.taskId.length, nextAfterTaskId: t.nextAfterTaskId, columns: JSON.stringify(t) as TimelineJson };
    }),
});

/** A TaskTimeline as JSON text: `JSON.parse(columns) as TaskTimeline`. */
export type TimelineJson = string & { readonly __columns?: TaskTimeline };
