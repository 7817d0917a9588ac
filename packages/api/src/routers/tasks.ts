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
 * tasks.timelineView({ appId, stageId, attempt, width, from?, to?, firstLane?, lastLane?, flagAt? })
 *   → { tasks, view }: what the event timeline draws for one window at `width`
 *   pixels (see TimelineIndex): tasks at least MIN_TASK_PX wide as bars with
 *   their phases, narrower ones counted into runs of pixel columns; `flagAt`
 *   thresholds mark tasks flagged. `view` is the TimelineView as one JSON string.
 *   The attempt's tasks are read and laid out once (TimelineCache) and every
 *   view after walks only the window. NOT_FOUND for an unknown attempt.
 */
import { z } from 'zod';
import { TASK_SORT_KEYS, TIMELINE_MAX_TASKS, type TaskTimeline } from '../queries.ts';
import { timelineCacheFor, type TimedTimelineView } from '../timeline-cache.ts';
import { TIMELINE_VIEW_MAX_LANES, TIMELINE_VIEW_MAX_WIDTH } from '../timeline-index.ts';
import { createTRPCRouter, notFound, publicProcedure } from '../trpc.ts';
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
  timelineView: publicProcedure
    .input(
      z
        .object({
          appId: idSchema,
          stageId: intIdSchema,
          attempt: intIdSchema.default(0),
          width: z.number().int().min(1).max(TIMELINE_VIEW_MAX_WIDTH),
          from: z.number().finite().optional(),
          to: z.number().finite().optional(),
          firstLane: z.number().int().min(0).optional(),
          lastLane: z.number().int().min(0).optional(),
          flagAt: z
            .object({ duration: z.number().min(0), inputBytes: z.number().min(0), inputRecords: z.number().min(0), shuffleReadRecords: z.number().min(0) })
            .partial()
            .optional(),
        })
        .refine((v) => v.from === undefined || v.to === undefined || v.to > v.from, { message: 'to must be after from (a window of epoch ms)' })
        .refine((v) => v.firstLane === undefined || v.lastLane === undefined || (v.lastLane >= v.firstLane && v.lastLane - v.firstLane < TIMELINE_VIEW_MAX_LANES), {
          message: `lastLane must be at or after firstLane, at most ${TIMELINE_VIEW_MAX_LANES} lanes a view`,
        }),
    )
    .query(async ({ ctx, input }) => {
      const { appId, stageId, attempt, ...q } = input;
      const v = await timelineCacheFor(ctx.queries).view(appId, stageId, attempt, q);
      if (!v) throw notFound(`stage ${stageId} attempt ${attempt} in application ${appId}`);
      return { tasks: v.totalTasks, view: JSON.stringify(v) as TimelineViewJson };
    }),
});

/** A TimedTimelineView as JSON text: `JSON.parse(view) as TimedTimelineView`. */
export type TimelineViewJson = string & { readonly __view?: TimedTimelineView };

/** A TaskTimeline as JSON text: `JSON.parse(columns) as TaskTimeline`. */
export type TimelineJson = string & { readonly __columns?: TaskTimeline };
