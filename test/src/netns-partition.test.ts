/**
 * The cluster on separate addresses: the master and each worker run in a
 * network namespace of their own, joined to the driver (this process) by veth
 * pairs on a bridge. One worker is cut off mid-job (its link set down), then
 * healed: the job returns the exact answer, the master declares the worker
 * dead, and the worker registers again once its link is back. Needs root and
 * iproute2 (`ip netns`); skipped with the reason otherwise. Every namespace,
 * veth and bridge it creates is removed by the test itself.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { MessageClient, loadTransport } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import { TSX_LOADER_URL, WORKER_MAIN } from '@flint/cluster-worker';

const MASTER_MAIN = fileURLToPath(new URL('../../apps/master/src/main.ts', import.meta.url));
const SECRET = 'netns-suite-secret';
const WORKER_TIMEOUT_MS = 4000;

const tag = (process.pid % 46656).toString(36);
const subnet = `10.213.${process.pid % 250}`;
const BRIDGE = `flb${tag}`;
const nodes = [
  { name: 'm', ns: `flint-${tag}-m`, ip: `${subnet}.10` },
  { name: 'w0', ns: `flint-${tag}-w0`, ip: `${subnet}.11` },
  { name: 'w1', ns: `flint-${tag}-w1`, ip: `${subnet}.12` },
];
const DRIVER_IP = `${subnet}.1`;
const rootSide = (n: { name: string }) => `flv${tag}${n.name}`;
const nsSide = (n: { name: string }) => `flp${tag}${n.name}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be used here, or null when they can. */
function whyNoNamespaces(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 is not installed (apt-get install -y iproute2)';
  }
  const probe = `flint-${tag}-probe`;
  try {
    ip('netns', 'add', probe);
  } catch (e) {
    return `cannot create a network namespace (needs root or CAP_SYS_ADMIN): ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`;
  }
  try {
    ip('netns', 'del', probe);
  } catch {
    // gone already
  }
  return null;
}

const skipReason = whyNoNamespaces();
if (skipReason) process.stdout.write(`[netns] skipping the network-namespace suite: ${skipReason}\n`);

function setUpNetwork(): void {
  ip('link', 'add', BRIDGE, 'type', 'bridge');
  ip('addr', 'add', `${DRIVER_IP}/24`, 'dev', BRIDGE);
  ip('link', 'set', BRIDGE, 'up');
  for (const n of nodes) {
    ip('netns', 'add', n.ns);
    ip('link', 'add', rootSide(n), 'type', 'veth', 'peer', 'name', nsSide(n));
    ip('link', 'set', nsSide(n), 'netns', n.ns);
    ip('link', 'set', rootSide(n), 'master', BRIDGE);
    ip('link', 'set', rootSide(n), 'up');
    ip('-n', n.ns, 'addr', 'add', `${n.ip}/24`, 'dev', nsSide(n));
    ip('-n', n.ns, 'link', 'set', nsSide(n), 'up');
    ip('-n', n.ns, 'link', 'set', 'lo', 'up');
  }
}

/** Removes whatever of the network exists (a veth goes with its namespace). */
function tearDownNetwork(): void {
  for (const n of nodes) {
    try {
      ip('netns', 'del', n.ns);
    } catch {
      // not created
    }
    try {
      ip('link', 'del', rootSide(n));
    } catch {
      // gone with its namespace
    }
  }
  try {
    ip('link', 'del', BRIDGE);
  } catch {
    // not created
  }
}

interface Daemon {
  child: ChildProcess;
  pid: number;
  lines: string[];
  exited: Promise<void>;
}

/** Starts `node --import tsx entry args` inside namespace `ns`, in its own process group. */
function startIn(ns: string, entry: string, args: string[], logPath: string): Daemon {
  const env = { ...process.env, FLINT_SECRET: SECRET, FLINT_WORKER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS), FLINT_DRIVER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS), FLINT_LOG_LEVEL: 'debug' };
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', TSX_LOADER_URL, entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`cannot start ${entry} in ${ns}`);
  const log = fs.createWriteStream(logPath, { flags: 'a' });
  const lines: string[] = [];
  const onLine = (l: string) => {
    lines.push(l);
    log.write(`${l}\n`);
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, pid: child.pid, lines, exited };
}

async function waitFor<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return Date.now() - start;
    } catch {
      // not yet
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function expectedSums(n: number, mod: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let x = 0; x < n; x++) m.set(x % mod, (m.get(x % mod) ?? 0) + x);
  return m;
}

describe.skipIf(skipReason !== null)('a cluster across network namespaces', () => {
  const daemons: Daemon[] = [];
  let baseDir = '';
  let sc: FlintContext | null = null;
  let master: MessageClient<MasterProtocol>;
  let closeMaster: () => Promise<void> = async () => {};
  const events: FlintEvent[] = [];
  const masterUrl = `flint://${nodes[0]!.ip}:7077`;

  const state = () => master.request('clusterState', {}, { timeoutMs: 5000 });
  const workerState = async (ipAddr: string) => (await state()).workers.filter((w) => w.host === ipAddr).map((w) => w.state);
  const logs = () => fs.readdirSync(baseDir).filter((f) => f.endsWith('.log')).map((f) => `---- ${f}\n${fs.readFileSync(path.join(baseDir, f), 'utf8').split('\n').slice(-30).join('\n')}`).join('\n');

  beforeAll(async () => {
    baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-netns-'));
    tearDownNetwork();
    setUpNetwork();
    const [m, w0, w1] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    daemons.push(startIn(m.ns, MASTER_MAIN, ['--host', m.ip, '--port', '7077', '--db', path.join(baseDir, 'master.db'), '--transport', 'tcp', '--no-ui'], path.join(baseDir, 'master.log')));
    for (const [i, w] of [w0, w1].entries()) {
      const args = [masterUrl, '--cores', '1', '--memory', '1g', '--host', w.ip, '--port', '7078', '--work-dir', path.join(baseDir, `work-${i}`), '--db', path.join(baseDir, `worker-${i}.db`), '--transport', 'tcp'];
      daemons.push(startIn(w.ns, WORKER_MAIN, args, path.join(baseDir, `worker-${i}.log`)));
    }
    const transport = await loadTransport('tcp', { secret: SECRET });
    closeMaster = () => transport.close();
    await waitFor(
      'the master to listen',
      async () => {
        master = new MessageClient<MasterProtocol>(await transport.connect(`${m.ip}:7077`));
        return true;
      },
      (v) => v,
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    await waitFor('both workers ALIVE', state, (s) => s.workers.filter((w) => w.state === 'ALIVE').length === 2, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    sc = await FlintContext.create({
      master: masterUrl,
      transport: 'tcp',
      appName: 'netns-partition',
      progress: false,
      conf: { 'flint.authenticate.secret': SECRET, 'flint.driver.host': DRIVER_IP },
      listeners: [
        (e) => {
          events.push(e);
        },
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await sc?.stop().catch(() => undefined);
    await closeMaster().catch(() => undefined);
    for (const d of daemons) {
      try {
        process.kill(-d.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await Promise.all(daemons.map((d) => d.exited));
    tearDownNetwork();
    if (baseDir) fs.rmSync(baseDir, { recursive: true, force: true });
    // Nothing of the suite's network is left behind.
    const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
    expect(links).not.toContain(`flv${tag}`);
    expect(links).not.toContain(BRIDGE);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`flint-${tag}-`);
  }, 60_000);

  it('runs on executors at the workers addresses', async () => {
    const got = new Map(await sc!.parallelize(Array.from({ length: 2000 }, (_, i) => i), 8).map((x) => [x % 17, x] as [number, number]).reduceByKey((a, b) => a + b, 4).collect());
    expect(got).toEqual(expectedSums(2000, 17));
    const hosts = new Set(events.flatMap((e) => (e.type === 'executorAdded' ? [e.host] : [])));
    expect(hosts).toEqual(new Set([nodes[1]!.ip, nodes[2]!.ip]));
  });

  it('a worker cut off mid-job is declared dead, the job is exact, and the worker rejoins once healed', async () => {
    const cut = nodes[2]!;
    const n = 4000;
    const job = sc!
      .parallelize(Array.from({ length: n }, (_, i) => i), 16)
      .map(
        (x) => {
          const end = Date.now() + 2;
          while (Date.now() < end);
          return [x % 23, x] as [number, number];
        },
        {},
      )
      .reduceByKey((a, b) => a + b, 4)
      .collect();
    const ended = () => events.filter((e) => e.type === 'taskEnd' && e.reason.kind === 'success').length;
    await waitFor('a finished task', ended, (k) => k > 0, 60_000);
    const cutAt = Date.now();
    ip('link', 'set', rootSide(cut), 'down');
    let healed = false;
    try {
      const deadMs = await waitFor(`worker ${cut.ip} DEAD`, () => workerState(cut.ip), (s) => s.includes('DEAD'), WORKER_TIMEOUT_MS * 6);
      const got = new Map(await job);
      const jobMs = Date.now() - cutAt;
      expect(got).toEqual(expectedSums(n, 23));
      ip('link', 'set', rootSide(cut), 'up');
      healed = true;
      const healedAt = Date.now();
      const rejoinMs = await waitFor(`worker ${cut.ip} ALIVE again`, () => workerState(cut.ip), (s) => s.includes('ALIVE'), 60_000);
      process.stdout.write(`[netns] worker declared DEAD ${deadMs} ms after its link went down; the job finished ${jobMs} ms after the cut; the worker was ALIVE again ${rejoinMs} ms after the link came back (${Date.now() - healedAt} ms)\n`);
      // The executors the cut worker ran, declared lost, end once they can hear the driver again.
      const lostThere = events.flatMap((e) => (e.type === 'executorAdded' && e.host === cut.ip && e.pid !== null && events.some((r) => r.type === 'executorRemoved' && r.executorId === e.executorId) ? [e.pid] : []));
      expect(lostThere.length).toBeGreaterThan(0);
      const goneMs = await waitFor('the cut worker\'s lost executors to exit', () => lostThere.filter((p) => processAlive(p)), (left) => left.length === 0, 30_000);
      process.stdout.write(`[netns] the lost executors of the cut worker exited ${goneMs} ms after it rejoined\n`);
      // The healed cluster answers exactly.
      const again = new Map(await sc!.parallelize(Array.from({ length: 3000 }, (_, i) => i), 8).map((x) => [x % 7, x] as [number, number]).reduceByKey((a, b) => a + b, 4).collect());
      expect(again).toEqual(expectedSums(3000, 7));
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    } finally {
      if (!healed) ip('link', 'set', rootSide(cut), 'up');
    }
  }, 240_000);
});
