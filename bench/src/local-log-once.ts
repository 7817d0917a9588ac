// One short local[2] run in a fresh process, the event log's start-up included (`pnpm exec tsx bench/src/local-log-once.ts on|off DIR`; alternate on and off runs): prints wall and CPU ms as JSON.
import os from 'node:os';
import { FlintContext } from '@flint/core';

const on = process.argv[2] === 'on';
const dir = process.argv[3]!;
const t0 = performance.now();
const sc = await FlintContext.create({ master: 'local[2]', progress: false, conf: { 'flint.eventLog.enabled': on, 'flint.eventLog.dir': dir } });
const n = await sc.range(0, 200_000, 1, 2000).map((x) => x * 2).count();
await sc.stop();
if (n !== 200_000) throw new Error(`count ${n}`);
const u = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ on, ms: Math.round(performance.now() - t0), cpuMs: Math.round((u.user + u.system) / 1000), load: os.loadavg()[0] })}\n`);
