/**
 * logs.read({ workerId, appId, executorId, stream: 'stdout'|'stderr', offset?, length? }) → LogChunk
 *   LogChunk { data, offset, nextOffset, size, eof }
 *   A log is named by ids only; the worker serves only the files it wrote for
 *   its own executors (FORBIDDEN / NOT_FOUND otherwise). offset defaults to 0,
 *   a negative offset counts from the end (−65536: the last 64 KiB); length
 *   1..1 MiB, default 64 KiB.
 */
import { z } from 'zod';
import { createTRPCRouter, publicProcedure } from '../trpc.ts';
import { idSchema } from './inputs.ts';

export const MAX_LOG_READ = 1 << 20;

export const logsRouter = createTRPCRouter({
  read: publicProcedure
    .input(
      z.object({
        workerId: idSchema,
        appId: idSchema,
        executorId: idSchema,
        stream: z.enum(['stdout', 'stderr']),
        offset: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0),
        length: z.number().int().min(1).max(MAX_LOG_READ).default(64 * 1024),
      }),
    )
    .query(({ ctx, input }) => ctx.queries.readLog(input)),
});
