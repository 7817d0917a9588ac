/**
 * The glue every router is built with (create-t3-turbo's shape):
 *
 * 1. The context — what a procedure knows about its request: the data
 *    (`FlintQueries`) and who is calling. Authentication itself happens in
 *    the HTTP handler before tRPC runs (a request without the secret, when
 *    one is set, never reaches a procedure); the context only carries the
 *    result so mutations can apply their stricter rule.
 * 2. The tRPC instance: superjson on the wire, zod errors flattened into the
 *    error shape so clients can show which field was wrong, and server-sent
 *    event pings so idle subscriptions stay open through proxies and the
 *    client notices a dead connection.
 * 3. The procedures routers use: `publicProcedure` for reads,
 *    `mutatingProcedure` for apps.kill and jobs.cancel.
 */
import { TRPCError, initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { ApiRefusal, type FlintQueries } from './queries.ts';

export interface ApiCaller {
  /** The request carried the cluster secret (bearer token or login cookie). */
  authenticated: boolean;
  /** The request came from 127.0.0.1 / ::1. */
  loopback: boolean;
}

export interface ApiContext {
  queries: FlintQueries;
  caller: ApiCaller;
  /** A cluster secret is configured: every request has been checked against it. */
  secretConfigured: boolean;
}

/** Interval of the server's keep-alive pings on subscriptions; the client reconnects after twice as long without one. */
export const SSE_PING_MS = 5_000;

const t = initTRPC.context<ApiContext>().create({
  transformer: superjson,
  sse: {
    ping: { enabled: true, intervalMs: SSE_PING_MS },
    client: { reconnectAfterInactivityMs: SSE_PING_MS * 2 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Which fields were wrong and why, for forms and scripts; stack traces never leave the server.
        zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) : null,
        stack: undefined,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns an implementation's ApiRefusal into the matching tRPC error. */
const refusals = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ApiRefusal) {
    const r = result.error.cause;
    throw new TRPCError({ code: r.code === 'UNAVAILABLE' ? 'SERVICE_UNAVAILABLE' : r.code, message: r.message, cause: r });
  }
  return result;
});

export const publicProcedure = t.procedure.use(refusals);

/**
 * Procedures that change the cluster. With a secret configured the caller
 * must have presented it; without one, only loopback callers may use them
 * (the HTTP server refuses to bind beyond loopback without a secret anyway,
 * this holds even if a proxy forwards to it).
 */
export const mutatingProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.secretConfigured && !ctx.caller.authenticated) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'this action needs the cluster secret: send it as a bearer token or log in' });
  }
  if (!ctx.secretConfigured && !ctx.caller.loopback) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'without a cluster secret this action is taken only from 127.0.0.1; start the master with FLINT_SECRET to allow it remotely' });
  }
  return next();
});

/** NOT_FOUND naming what was asked for. */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `no ${what}` });
}
