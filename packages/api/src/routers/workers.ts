/**
 * workers.list → WorkerSummary[]
 *   { workerId, host, address, state: 'ALIVE'|'DEAD'|'UNKNOWN', cores, coresUsed,
 *     memoryMb, memoryUsedMb, lastHeartbeat, webPort }
 * workers.get({ workerId }) → WorkerDetail = WorkerSummary &
 *   { executors: { appId, executorId, cores, memoryMb, state, exitCode, message,
 *                  logs: LogRef[] }[] }   (NOT_FOUND for an unknown worker)
 * Both answer empty / NOT_FOUND in history mode (no cluster there).
 */
import { z } from 'zod';
import { createTRPCRouter, notFound, publicProcedure } from '../trpc.ts';
import { idSchema } from './inputs.ts';

export const workersRouter = createTRPCRouter({
  list: publicProcedure.query(({ ctx }) => ctx.queries.listWorkers()),
  get: publicProcedure.input(z.object({ workerId: idSchema })).query(async ({ ctx, input }) => {
    const w = await ctx.queries.getWorker(input.workerId);
    if (!w) throw notFound(`worker ${input.workerId}`);
    return w;
  }),
});
