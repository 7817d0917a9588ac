/**
 * A typed client of a Flint master's API: lists the workers, the running
 * applications, and the ten slowest tasks of the last stage of an
 * application (the newest running one unless --app names another).
 *
 *   tsx examples/src/api-client.ts --url http://127.0.0.1:8080 [--app APP_ID] [--secret S]
 *
 * The URL is the UI/API address `flint master` / `flint local-cluster`
 * print; FLINT_API_URL and FLINT_SECRET work too. Every field below is
 * type-checked against the API's router: renaming one in the API breaks the
 * build of this file.
 */
import { parseArgs } from 'node:util';
import { type RouterOutputs, createFlintClient } from '@flint/api';
import { exampleEnv } from './env.ts';

type Task = RouterOutputs['tasks']['list']['items'][number];

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: exampleEnv.apiUrl() ?? 'http://127.0.0.1:8080' },
    secret: { type: 'string', default: exampleEnv.secret() },
    app: { type: 'string' },
  },
});

const api = createFlintClient({ url: values.url!, secret: values.secret || undefined });

const overview = await api.cluster.overview.query();
console.log(`Flint ${overview.version} (${overview.mode}), up ${Math.round(overview.uptimeMs / 1000)} s: ${overview.workers.alive} workers alive, ${overview.cores.used}/${overview.cores.total} cores in use`);

console.log('\nworkers');
for (const w of await api.workers.list.query()) {
  console.log(`  ${w.workerId.padEnd(44)} ${w.state.padEnd(6)} ${w.coresUsed}/${w.cores} cores  ${w.memoryUsedMb}/${w.memoryMb} MB`);
}

const running = await api.apps.list.query({ state: 'active' });
console.log('\nrunning applications');
for (const a of running.items) console.log(`  ${a.appId.padEnd(28)} ${a.name.padEnd(20)} ${a.cores} cores, ${Math.round(a.durationMs / 1000)} s`);
if (running.items.length === 0) console.log('  (none)');

const appId = values.app ?? running.items[0]?.appId ?? (await api.apps.list.query({ limit: 1 })).items[0]?.appId;
if (!appId) {
  console.log('\nno application to look into');
  process.exit(0);
}
const stages = await api.stages.list.query({ appId });
const last = stages.reduce<(typeof stages)[number] | null>((best, s) => (!best || s.stageId > best.stageId || (s.stageId === best.stageId && s.attempt > best.attempt) ? s : best), null);
if (!last) {
  console.log(`\n${appId} has no stage yet`);
  process.exit(0);
}
const slowest = await api.tasks.list.query({ appId, stageId: last.stageId, attempt: last.attempt, sortBy: 'duration', desc: true, status: 'success', limit: 10 });
console.log(`\nten slowest tasks of stage ${last.stageId}.${last.attempt} (${last.name}) of ${appId}, ${last.tasks.succeeded}/${last.numTasks} tasks done`);
console.log('  task  partition  executor  duration  compute  shuffle read  shuffle write');
const row = (t: Task) =>
  `  ${String(t.taskId).padStart(4)}  ${String(t.index).padStart(9)}  ${t.executorId.padStart(8)}  ${`${t.durationMs ?? '-'} ms`.padStart(8)}  ${`${t.phases?.compute ?? '-'} ms`.padStart(7)}  ${`${(t.metrics?.shuffleReadLocalBytes ?? 0) + (t.metrics?.shuffleReadRemoteBytes ?? 0)} B`.padStart(12)}  ${`${t.metrics?.shuffleWriteBytes ?? 0} B`.padStart(13)}`;
for (const t of slowest.items) console.log(row(t));
