/**
 * cluster.overview → ClusterOverview
 *   { mode: 'master'|'history', masterId, version, startedAt, uptimeMs,
 *     workers: { alive, dead, unknown }, cores: { total, used },
 *     memoryMb: { total, used }, applications: { waiting, running, finished } }
 * In history mode the worker and core counts are zero.
 */
import { createTRPCRouter, publicProcedure } from '../trpc.ts';

export const clusterRouter = createTRPCRouter({
  overview: publicProcedure.query(({ ctx }) => ctx.queries.overview()),
});
