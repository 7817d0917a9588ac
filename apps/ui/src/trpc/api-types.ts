/** The API's shapes as the UI sees them: inferred from the router type, the only thing imported from @flint/api. */
import type { AppRouter } from '@flint/api';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export type { AppRouter };
export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;

export type ClusterOverview = Outputs['cluster']['overview'];
export type WorkerSummary = Outputs['workers']['list'][number];
export type WorkerDetail = Outputs['workers']['get'];
export type AppSummary = Outputs['apps']['list']['items'][number];
export type AppDetail = Outputs['apps']['get'];
export type JobSummary = Outputs['jobs']['list'][number];
export type JobDetail = Outputs['jobs']['get'];
export type StageNode = JobDetail['stages'][number];
export type StageSummary = Outputs['stages']['list'][number];
export type StageDetail = Outputs['stages']['get'];
export type TaskRow = Outputs['tasks']['list']['items'][number];
export type { TaskTimeline } from '@flint/api';
export type TaskSortKey = Inputs['tasks']['list']['sortBy'];
export type ExecutorSummary = Outputs['executors']['list'][number];
export type LogRef = ExecutorSummary['logs'][number];
type LiveMessage = Outputs['events']['live'] extends AsyncIterable<infer T> ? T : never;
/** One batch of changes from the live subscription (the payload of a tracked message). */
export type LiveBatch = LiveMessage extends { data: infer D } ? D : LiveMessage;
export type { TimedTimelineView } from '@flint/api';
