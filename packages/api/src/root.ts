/**
 * The whole API: one router per domain, merged here. `AppRouter` is the only
 * thing clients import from the server side (as a type).
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { appsRouter } from './routers/apps.ts';
import { clusterRouter } from './routers/cluster.ts';
import { eventsRouter } from './routers/events.ts';
import { executorsRouter } from './routers/executors.ts';
import { jobsRouter } from './routers/jobs.ts';
import { logsRouter } from './routers/logs.ts';
import { stagesRouter } from './routers/stages.ts';
import { tasksRouter } from './routers/tasks.ts';
import { workersRouter } from './routers/workers.ts';
import { createCallerFactory, createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  cluster: clusterRouter,
  workers: workersRouter,
  apps: appsRouter,
  jobs: jobsRouter,
  stages: stagesRouter,
  tasks: tasksRouter,
  executors: executorsRouter,
  logs: logsRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Calls procedures in-process (tests, `flint history` checks): `createCaller(ctx).jobs.list(…)`. */
export const createCaller = createCallerFactory(appRouter);
