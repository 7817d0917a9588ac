import Database from 'better-sqlite3';
import fs from 'node:fs';
import { EventStore, syntheticApplication } from './index.ts';
const file = '/tmp/d-prof.db';
if (!fs.existsSync(file)) {
  const s = await EventStore.open(file, { readOnlyQueriesWithoutPrisma: true });
  const ev = syntheticApplication({ appId: 'done', shape: 'oneStage', tasks: 100_000, seed: 3 });
  for (let i = 0; i < ev.length; i += 10000) await s.ingest('done', i + 1, ev.slice(i, i + 10000));
  await s.close();
}
const db = new Database(file);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t = (label: string, f: () => unknown, n = 5) => {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) { const c = cpu(); f(); xs.push(cpu() - c); }
  xs.sort((a, b) => a - b);
  console.log(label.padEnd(60), 'cpu ms median', xs[Math.floor(n / 2)].toFixed(1));
};
const W = `"appId"='done' AND "stageId"=0 AND "stageAttempt"=0`;
t('count', () => db.prepare(`SELECT COUNT(*) FROM "Task" WHERE ${W}`).get());
for (const off of [0, 50000, 99900]) {
  t(`duration desc offset ${off}`, () => db.prepare(`SELECT rowid FROM "Task" WHERE ${W} ORDER BY "duration" DESC NULLS LAST, "taskId" DESC LIMIT 100 OFFSET ${off}`).all());
  t(`duration desc (no tiebreak) offset ${off}`, () => db.prepare(`SELECT rowid FROM "Task" WHERE ${W} ORDER BY "duration" DESC LIMIT 100 OFFSET ${off}`).all());
  t(`gcTime desc offset ${off}`, () => db.prepare(`SELECT rowid FROM "Task" WHERE ${W} ORDER BY "gcTime" DESC NULLS LAST, "taskId" DESC LIMIT 100 OFFSET ${off}`).all());
  t(`taskId offset ${off}`, () => db.prepare(`SELECT rowid FROM "Task" WHERE ${W} ORDER BY "taskId" LIMIT 100 OFFSET ${off}`).all());
}
const s2 = await EventStore.open(file, { readOnlyQueriesWithoutPrisma: true });
const c0 = cpu(); await s2.listTasks({ appId: 'done', stageId: 0, attempt: 0, sortBy: 'duration', desc: true, offset: 50000, limit: 100 }); console.log('listTasks duration desc 50000', (cpu() - c0).toFixed(1));
const c1 = cpu(); await s2.getStage('done', 0, 0); console.log('getStage first', (cpu() - c1).toFixed(1));
