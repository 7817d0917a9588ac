/**
 * apps.list({ state?, cursor?, limit? }) → Page<AppSummary>
 *   state: an AppState ('WAITING'|'RUNNING'|'FINISHED'|'FAILED'|'KILLED'), or
 *   'active' (waiting or running) or 'ended'; newest first; limit 1..1000 (100).
 *   AppSummary { appId, name, state, user, startTime, endTime, durationMs, cores, endReason }
 * apps.get({ appId }) → AppDetail = AppSummary & { conf, master, droppedEvents,
 *   jobs: { total, running, succeeded, failed, cancelled }, executors: { total, active } }
 * apps.kill({ appId }) → { killed, message }   (mutation; needs the secret, or
 *   loopback when none is set; PRECONDITION_FAILED in history mode)
 */
import { z } from 'zod';
import { createTRPCRouter, mutatingProcedure, notFound, publicProcedure } from '../trpc.ts';
import { cursorSchema, idSchema, limitSchema } from './inputs.ts';

const appStateSchema = z.enum(['WAITING', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'active', 'ended']);

export const appsRouter = createTRPCRouter({
  list: publicProcedure
    .input(z.object({ state: appStateSchema.optional(), cursor: cursorSchema.optional(), limit: limitSchema }).default({ limit: 100 }))
    .query(({ ctx, input }) => ctx.queries.listApps(input)),
  get: publicProcedure.input(z.object({ appId: idSchema })).query(async ({ ctx, input }) => {
    const app = await ctx.queries.getApp(input.appId);
    if (!app) throw notFound(`application ${input.appId}`);
    return app;
  }),
  kill: mutatingProcedure
    .input(z.object({ appId: idSchema, reason: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) => ctx.queries.killApp(input.appId, input.reason ?? 'killed through the API')),
});
