/**
 * events.live({ appId?, sinceCursor? }) → subscription (server-sent events) of
 *   tracked(id = String(cursor of the last change in the batch), { cursor, changes: ChangeRecord[] })
 *   ChangeRecord { cursor, appId, kind: 'cluster'|'app'|'job'|'stage'|'task'|'executor',
 *     jobId, stageId, stageAttempt, executorId } — "refetch this".
 * Starts after `sinceCursor` (default: now, i.e. only new changes). After a
 * reconnect the client sends the last id it saw as `lastEventId` and the
 * stream resumes right after it: no change is skipped, none repeated. Changes
 * are batched (up to 1,000 per message) so a stage of 100,000 tasks does not
 * become 100,000 messages.
 */
import { tracked } from '@trpc/server';
import { z } from 'zod';
import type { ChangeRecord } from '../queries.ts';
import { createTRPCRouter, publicProcedure } from '../trpc.ts';
import { idSchema } from './inputs.ts';

/** How often the store is asked for new changes while a subscription is open. */
export const LIVE_POLL_MS = 200;
const BATCH = 1000;

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
      while (!signal?.aborted) {
        const changes = await ctx.queries.changesSince({ appId: input.appId, cursor, limit: BATCH });
        if (changes.length > 0) {
          cursor = changes[changes.length - 1].cursor;
          yield tracked(String(cursor), { cursor, changes } satisfies LiveBatch);
        }
        if (changes.length < BATCH) await sleep(LIVE_POLL_MS, signal);
      }
    }),
});

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
