import net from 'node:net';
import { MessageClient, isTransportError, loadTransport, parseTransportAddress } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import '@flint/transport-tcp';
import '@flint/transport-http';
import { describe, expect, it } from 'vitest';
import { processAlive, startTestCluster } from './test-cluster.ts';

const WORKER_TIMEOUT_MS = 3_000;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** Writes junk on a raw socket and resolves when the server closes it. */
function sendGarbage(address: string): Promise<void> {
  const { host, port } = parseTransportAddress(address);
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => s.write(Buffer.from('\u0000\u0000\u0000\u0007GARBAGE\r\n\r\n\xff\xfe', 'latin1')));
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      reject(new Error('the master kept a garbage connection open for 15 s'));
    }, 15_000).unref();
  });
}

describe.each(['tcp', 'http'] as const)('malformed input to the master over %s', (transport) => {
  it('is refused with a clear error, and the master keeps serving', async () => {
    await using cluster = await startTestCluster({ workers: 1, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS });
    const t = await loadTransport(transport);
    try {
      const master = new MessageClient<MasterProtocol>(await t.connect(cluster.masterAddress));

      const badWorker = await rejection(master.request('registerWorker', { workerId: 'w', host: 'h', address: 'nowhere', cores: -2, memoryMb: 1, webPort: null, executors: [] }));
      expect(isTransportError(badWorker, 'REMOTE')).toBe(true);
      expect(badWorker.message).toMatch(/INVALID_MESSAGE: malformed registerWorker message/);
      expect(badWorker.message).toMatch(/address/);
      expect(badWorker.message).toMatch(/cores/);

      const badApp = await rejection(master.request('registerApplication', { appName: 'x' } as never));
      expect(badApp.message).toMatch(/INVALID_MESSAGE: malformed registerApplication message: .*driverAddress/);

      const notAnObject = await rejection(master.request('workerHeartbeat', 'hello' as never));
      expect(notAnObject.message).toMatch(/INVALID_MESSAGE: malformed workerHeartbeat message/);

      const unknownKind = await rejection((master as MessageClient).request('launchMissiles', {}));
      expect(unknownKind.message).toMatch(/no request handler for kind 'launchMissiles'/);

      await master.send('executorStateChanged', { nonsense: true } as never);
      await sendGarbage(cluster.masterAddress);

      const s = await master.request('clusterState', {});
      expect(s.workers).toHaveLength(1);
      expect(s.workers[0]!.state).toBe('ALIVE');
      expect(s.applications).toEqual([]);
      expect(processAlive(cluster.masterPid)).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('a cluster with a secret', () => {
  it('runs with the secret everywhere and refuses clients without it', async () => {
    await using cluster = await startTestCluster({ workers: 1, coresPerWorker: 1, transport: 'tcp', workerTimeoutMs: WORKER_TIMEOUT_MS, secret: 'the-cluster-secret' });
    expect((await cluster.clusterState()).workers[0]!.state).toBe('ALIVE');
    const stranger = await loadTransport('tcp');
    try {
      const err = await rejection(stranger.connect(cluster.masterAddress).then((c) => new MessageClient<MasterProtocol>(c).request('clusterState', {})));
      expect(isTransportError(err)).toBe(true);
    } finally {
      await stranger.close();
    }
    expect(processAlive(cluster.masterPid)).toBe(true);
  });
});
