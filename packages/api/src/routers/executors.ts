/**
 * executors.list({ appId }) → ExecutorSummary[]
 *   ExecutorSummary { executorId, host, workerId, cores, addedTime, removedTime,
 *     removedReason, active, tasks: { completed, failed, active },
 *     totals: { durationMs, gcTime, shuffleReadBytes, shuffleWriteBytes, inputBytes },
 *     logs: LogRef[] }
 * executors.get({ appId, executorId }) → ExecutorSummary   (NOT_FOUND when unknown)
 */
import { z } from 'zod';
import { createTRPCRouter, notFound, publicProcedure } from '../trpc.ts';
import { idSchema } from './inputs.ts';

export const executorsRouter = createTRPCRouter({
  list: publicProcedure.input(z.object({ appId: idSchema })).query(({ ctx, input }) => ctx.queries.listExecutors(input.appId)),
  get: publicProcedure.input(z.object({ appId: idSchema, executorId: idSchema })).query(async ({ ctx, input }) => {
    const e = await ctx.queries.getExecutor(input.appId, input.executorId);
    if (!e) throw notFound(`executor ${input.executorId} in application ${input.appId}`);
    return e;
  }),
});
