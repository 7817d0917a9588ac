import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { FlintContext, loadTransport, messageHandler, type MasterProtocol } from '@flint/core';

const transportName = process.argv[2] ?? 'tcp';
const t = await loadTransport(transportName);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const entry = path.resolve('apps/worker/src/executor-main.ts');
const children: ReturnType<typeof spawn>[] = [];
let execs: { appId: string; executorId: string; workerId: string; cores: number; state: 'RUNNING' }[] = [];
const server = await t.listen(messageHandler<MasterProtocol>({
  requests: {
    registerApplication: (m) => {
      const appId = 'app-smoke';
      for (let i = 0; i < 2; i++) {
        const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-'));
        const c = spawn(process.execPath, ['--import', tsx, entry], { cwd: wd, stdio: 'inherit', env: { ...process.env, FLINT_APP_ID: appId, FLINT_EXECUTOR_ID: String(i), FLINT_WORKER_ID: 'w' + i, FLINT_DRIVER_ADDRESS: m.driverAddress, FLINT_EXECUTOR_CORES: '1', FLINT_TRANSPORT: transportName, FLINT_WORK_DIR: wd, FLINT_HOST: '127.0.0.1' } });
        children.push(c);
        execs.push({ appId, executorId: String(i), workerId: 'w' + i, cores: 1, state: 'RUNNING' });
      }
      return { appId, masterId: 'm' };
    },
    clusterState: () => ({ masterId: 'm', workers: [], applications: [], executors: execs }),
    driverHeartbeat: () => ({ known: true }),
    unregisterApplication: () => ({ ok: true }),
  },
}), { host: '127.0.0.1', port: 0 });
const sc = await FlintContext.create({ master: `flint://127.0.0.1:${server.address.port}`, transport: transportName, progress: false });
const words = sc.parallelize(Array.from({ length: 1000 }, (_, i) => `w${i % 37} x${i % 5}`), 4).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b, 3);
const res = await words.collect();
console.log('distinct', res.length, 'total', res.reduce((a, [, n]) => a + n, 0));
const big = await sc.range(0, 2_000_000, 1, 2).collect();
console.log('big collect', big.length, big[1999999]);
const j = await sc.parallelize([[1, 'a'], [2, 'b']] as [number, string][]).join(sc.parallelize([[1, 'x'], [1, 'y']] as [number, string][])).collect();
console.log('join', JSON.stringify(j));
const sorted = await sc.parallelize(Array.from({ length: 100 }, (_, i) => (i * 37) % 100), 3).map((x) => [x, x] as [number, number]).sortByKey().keys().collect();
console.log('sorted ok', sorted.every((x, i) => x === i));
// executor loss mid-job: a slow two-stage job; kill executor 0 during the reduce stage
const data = Array.from({ length: 4000 }, (_, i) => i);
const slow = sc.parallelize(data, 8).map((x) => { const end = Date.now() + 2; while (Date.now() < end); return [x % 50, x] as [number, number]; }).reduceByKey((a, b) => a + b, 4).mapValues((v) => { const end = Date.now() + 100; while (Date.now() < end); return v; });
setTimeout(() => { console.log('killing executor 0 pid', children[0]!.pid); children[0]!.kill('SIGKILL'); }, 2500);
const t0 = Date.now();
const off = sc.addListener((e) => { if (e.type === 'taskEnd' || e.type === 'stageSubmitted' || e.type === 'stageCompleted' || e.type === 'executorRemoved') console.log(Date.now() - t0, e.type, 'stageId' in e ? e.stageId : '', e.type === 'taskEnd' ? `${e.taskInfo.index} ex${e.taskInfo.executorId} ${e.reason.kind}` : '', e.type === 'stageSubmitted' || e.type === 'stageCompleted' ? `${e.stageInfo.stageId}.${e.stageInfo.attempt} ${e.stageInfo.failureReason ?? ''}` : ''); });
const out = await slow.collect();
const expected = new Map<number, number>(); for (const x of data) expected.set(x % 50, (expected.get(x % 50) ?? 0) + x);
console.log('after kill: ok', out.length === 50 && out.every(([k, v]) => expected.get(k) === v), 'ms', Date.now() - t0);
await sc.stop();
await server.close(); await t.close();
setTimeout(() => { for (const c of children) c.kill('SIGKILL'); process.exit(0); }, 1500).unref();
