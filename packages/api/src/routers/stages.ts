/**
 * stages.list({ appId, jobId? }) → StageSummary[]   (every attempt, by stageId then attempt)
 *   StageSummary { stageId, attempt, jobIds, name, kind, numTasks, state,
 *     submissionTime, completionTime, failureReason,
 *     tasks: { total, running, succeeded, failed, killed },
 *     totals: { durationMs, executorRunTime, executorCpuTime, gcTime, inputBytes,
 *       inputRecords, outputBytes, outputRecords, shuffleReadBytes, shuffleReadRecords,
 *       shuffleWriteBytes, shuffleWriteRecords, memoryBytesSpilled, diskBytesSpilled } }
 * stages.get({ appId, stageId, attempt }) → StageDetail = StageSummary &
 *   { executors: { executorId, host, tasks, durationMs, inputBytes, shuffleReadBytes,
 *       shuffleWriteBytes, memoryBytesSpilled, diskBytesSpilled, gcTime }[] (per executor) } &
 *   { rdds: RddNode[] (the operations inside the stage as a graph),
 *     quantiles: { [QUANTILE_FIELDS name]: { min, p25, median, p75, p95, max } | null },
 *     quantilesExact, quantileTaskCount }
 *   Quantiles are over the attempt's successful tasks, by `quantileIndex`.
 */
import { z } from 'zod';
import { createTRPCRouter, notFound, publicProcedure } from '../trpc.ts';
import { idSchema, intIdSchema } from './inputs.ts';

export const stagesRouter = createTRPCRouter({
  list: publicProcedure
    .input(z.object({ appId: idSchema, jobId: intIdSchema.optional() }))
    .query(({ ctx, input }) => ctx.queries.listStages(input.appId, input.jobId)),
  get: publicProcedure.input(z.object({ appId: idSchema, stageId: intIdSchema, attempt: intIdSchema.default(0) })).query(async ({ ctx, input }) => {
    const s = await ctx.queries.getStage(input.appId, input.stageId, input.attempt);
    if (!s) throw notFound(`stage ${input.stageId} attempt ${input.attempt} in application ${input.appId}`);
    return s;
  }),
});
