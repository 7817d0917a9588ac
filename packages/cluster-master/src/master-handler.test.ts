import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageClient, isTransportError, loadTransport } from '@flint/core/transport';
import { MasterMessages, type MasterProtocol } from '@flint/core/protocol';
import '@flint/transport-tcp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@flint/daemon';
import { Master } from './master.ts';
import type { MasterEventLoop } from './master-event-loop.ts';
import { InMemoryMasterStore } from './store/in-memory-master-store.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-master-handler-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

/** A body that breaks each kind's schema, and the field the refusal must name. */
const MALFORMED: { [K in keyof MasterProtocol]: [body: unknown, names: RegExp] } = {
  registerWorker: [{ workerId: 'w-1', host: 'h', address: 'no port', cores: 2, memoryMb: 512, webPort: null, executors: [] }, /address: /],
  workerHeartbeat: [{ workerId: 'w-1', time: 'now' }, /time: /],
  executorStateChanged: [{ workerId: 'w-1', appId: 'a', executorId: '0', state: 'HAPPY', exitCode: null, message: null }, /state: /],
  registerApplication: [{ appName: 'x', user: 'u', driverAddress: '127.0.0.1:1', coresPerExecutor: 0, memoryPerExecutorMb: 128, maxCores: null, transport: 'tcp', conf: {} }, /coresPerExecutor: /],
  unregisterApplication: [{ appId: 'a', state: 'DONE' }, /state: /],
  driverHeartbeat: [{ appId: 42 }, /appId: /],
  appEvents: [{ appId: 'a', firstSeq: 0, events: [] }, /firstSeq: /],
  clusterState: ['everything', /\(message\): /],
};

describe('master message validation at the network edge', () => {
  it('refuses a malformed message of every kind with INVALID_MESSAGE naming the kind and field, and runs no handler', async () => {
    const master = await Master.create({ port: 0, uiPort: null, workerTimeoutMs: 3_000, store: new InMemoryMasterStore(), logger: silentLogger(), eventsDbPath: path.join(root, 'events.db') });
    cleanup.push(() => master.stop());
    // Watch the real loop and event store: a handler that runs posts to the loop or ingests.
    const loop = (master as unknown as { loop: MasterEventLoop }).loop;
    const posted: string[] = [];
    const post = loop.post.bind(loop);
    loop.post = ((ev: Parameters<MasterEventLoop['post']>[0]) => {
      // The master's own timer posts too (checkTimeouts): only the protocol's kinds count here.
      if (Object.hasOwn(MasterMessages, ev.type)) posted.push(ev.type);
      return post(ev);
    }) as MasterEventLoop['post'];
    let ingested = 0;
    const ingest = master.eventStore.ingest.bind(master.eventStore);
    master.eventStore.ingest = ((...args: Parameters<typeof ingest>) => {
      ingested++;
      return ingest(...args);
    }) as typeof ingest;

    const t = await loadTransport('tcp');
    cleanup.push(() => t.close());
    const conn = await t.connect(master.address);
    const client = new MessageClient<MasterProtocol>(conn);

    expect(Object.keys(MALFORMED).sort()).toEqual(Object.keys(MasterMessages).sort());
    for (const [kind, [body, names]] of Object.entries(MALFORMED) as [keyof MasterProtocol, [unknown, RegExp]][]) {
      const err = await client.request(kind, body as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isTransportError(err, 'REMOTE'), kind).toBe(true);
      expect((err as Error).message, kind).toMatch(new RegExp(`INVALID_MESSAGE: malformed ${kind} message: `));
      expect((err as Error).message, kind).toMatch(names);
    }
    // One-way messages: refused the same way (logged by the transport, nothing to answer).
    await client.send('executorStateChanged', MALFORMED.executorStateChanged[0] as never);
    await client.send('appEvents', MALFORMED.appEvents[0] as never);
    // A request after them on the same connection: the messages above have been read by now.
    const state = await client.request('clusterState', {});
    expect(state.workers).toEqual([]);
    expect(posted).toEqual(['clusterState']);
    expect(ingested).toBe(0);

    // Well-formed messages reach their handlers (so the watch above can see one).
    const { appId } = await client.request('registerApplication', { appName: 'ok', user: 'u', driverAddress: '127.0.0.1:1', coresPerExecutor: null, memoryPerExecutorMb: 128, maxCores: null, transport: 'tcp', conf: {} });
    expect(await client.request('appEvents', { appId, firstSeq: 1, events: [] })).toEqual({ storedThrough: 0 });
    expect(await client.request('clusterState', null as never)).toMatchObject({ applications: [{ appId }] });
    expect(posted).toEqual(['clusterState', 'registerApplication', 'clusterState']);
    expect(ingested).toBe(1);
  });
});
