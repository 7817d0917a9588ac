/**
 * jobs.list({ appId }) → JobSummary[]   (by jobId)
 *   JobSummary { jobId, description, state: 'running'|'succeeded'|'failed'|'cancelled',
 *     submissionTime, completionTime, durationMs, stageIds, jobGroup, traceId, error,
 *     tasks: { total, running, succeeded, failed, killed } }
 * jobs.get({ appId, jobId }) → JobDetail = JobSummary & { stages: StageNode[] }
 *   StageNode { stageId, attempt, name, kind, parentIds, numTasks,
 *     state: 'pending'|'active'|'complete'|'failed'|'skipped' } — the stage DAG
 * jobs.cancel({ appId, jobId }) → { cancelled, message }   (mutation; reaches the
 *   driver, whose job promise rejects with a cancellation error)
 */
import { z } from 'zod';
import { createTRPCRouter, mutatingProcedure, notFound, publicProcedure } from '../trpc.ts';
import { idSchema, intIdSchema } from './inputs.ts';

export const jobsRouter = createTRPCRouter({
  list: publicProcedure.input(z.object({ appId: idSchema })).query(({ ctx, input }) => ctx.queries.listJobs(input.appId)),
  get: publicProcedure.input(z.object({ appId: idSchema, jobId: intIdSchema })).query(async ({ ctx, input }) => {
    const job = await ctx.queries.getJob(input.appId, input.jobId);
    if (!job) throw notFound(`job ${input.jobId} in application ${input.appId}`);
    return job;
  }),
  cancel: mutatingProcedure
    .input(z.object({ appId: idSchema, jobId: intIdSchema }))
    .mutation(({ ctx, input }) => ctx.queries.cancelJob(input.appId, input.jobId)),
});
