/**
 * events.live({ appId?, sinceCursor? }) → subscription (server-sent events) of
 *   tracked(id = String(cursor of the last change in the batch), { cursor, changes: ChangeRecord[] })
 *   ChangeRecord { cursor, appId, kind: 'cluster'|'app'|'job'|'stage'|'task'|'executor',
 *     jobId, stageId, stageAttempt, executorId } — "refetch this".
 * Starts after `sinceCursor` (default: now, i.e. only new changes). After a
 * reconnect the client sends the last id it saw as `lastEventId` and the
 * stream resumes right after it: no change is skipped, none repeated. Changes
 * are batched (up to 1,000 per message) so a stage of 100,000 tasks does not
 * become 100,000 messages. Every subscription of a server reads through one
 * LiveChangeHub: one store read per poll for all of them.
 */
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { LIVE_POLL_MS, liveChangeHub } from '../live-change-hub.ts';
import type { ChangeRecord } from '../queries.ts';
import { createTRPCRouter, publicProcedure } from '../trpc.ts';
import { idSchema } from './inputs.ts';

export { LIVE_POLL_MS };

export interface LiveBatch {
  cursor: number;
  changes: ChangeRecord[];
}

export const eventsRouter = createTRPCRouter({
  live: publicProcedure
    .input(
      z
        .object({
          appId: idSchema.optional(),
          sinceCursor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
          lastEventId: z.string().regex(/^\d{1,16}$/).nullish(),
        })
        .default({}),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      let cursor = input.lastEventId != null ? Number(input.lastEventId) : (input.sinceCursor ?? (await ctx.queries.latestCursor()));
      const hub = liveChangeHub(ctx.queries);
      while (!signal?.aborted) {
        const changes = await hub.next(cursor, input.appId, signal);
        if (changes.length > 0) {
          cursor = changes[changes.length - 1].cursor;
          yield tracked(String(cursor), { cursor, changes } satisfies LiveBatch);
        }
      }
    }),
});
