import { describe, expect, it } from 'vitest';
import { encodeBody } from '../transport/body-codec.ts';
import type { HandlerContext, PeerInfo } from '../transport/interface.ts';
import { messageHandler } from '../transport/message-handler.ts';
import { DriverMessages, type DriverProtocol, ExecutorMessages, type ExecutorProtocol } from './cluster-protocol.ts';
import { InvalidMessageError, checkMessage } from './message-validation.ts';

const peer = {} as PeerInfo;
const ctx = {} as HandlerContext;

describe('protocol catalogue: driver and executor messages', () => {
  it('accepts every message kind in the shape the driver and executors send', () => {
    const driver: { [K in keyof DriverProtocol]: DriverProtocol[K]['request'] } = {
      registerExecutor: { appId: 'app-1', executorId: '0', workerId: 'w-1', host: '127.0.0.1', address: '127.0.0.1:4100', cores: 2, pid: 4242 },
      statusUpdate: { executorId: '0', taskId: 7, outcome: new Uint8Array([1, 2, 3]) },
      fetchBroadcast: { id: 3 },
      executorHeartbeat: { executorId: '0', time: 1_700_000_000_000 },
      executorRemoved: { executorId: '0', reason: 'exited', exitCode: null },
      applicationKilled: { appId: 'app-1', reason: 'killed' },
      cancelJob: { appId: 'app-1', jobId: 2, reason: 'from the UI' },
    };
    const executor: { [K in keyof ExecutorProtocol]: ExecutorProtocol[K]['request'] } = {
      launchTask: { slot: 0, task: Buffer.from('task'), plan: null },
      killTask: { taskId: 7, reason: 'job cancelled' },
      removeRdd: { rddId: 1 },
      removeBroadcast: { id: 3 },
      removeShuffle: { shuffleId: 0, paths: ['/tmp/w/shuffle_0_0.data'] },
      stopExecutor: { reason: 'driver stopping' },
      fetchBlock: { path: '/tmp/w/shuffle_0_0.data', offset: 0, length: 1024 },
      fetchResult: { taskId: 7 },
      dropResult: { taskId: 7 },
    };
    for (const [kind, msg] of Object.entries(driver)) expect(() => checkMessage(kind, DriverMessages[kind as keyof DriverProtocol], msg)).not.toThrow();
    for (const [kind, msg] of Object.entries(executor)) expect(() => checkMessage(kind, ExecutorMessages[kind as keyof ExecutorProtocol], msg)).not.toThrow();
    expect(Object.keys(driver).sort()).toEqual(Object.keys(DriverMessages).sort());
    expect(Object.keys(executor).sort()).toEqual(Object.keys(ExecutorMessages).sort());
  });

  it('refuses a malformed message at the edge, naming the kind and each bad field, before its handler runs', async () => {
    const seen: unknown[] = [];
    const handler = messageHandler<ExecutorProtocol>(
      { messages: { launchTask: (m) => void seen.push(m) } },
      { schemas: ExecutorMessages },
    );
    const good = { slot: 1, task: new Uint8Array([9]), plan: new Uint8Array([8]) };
    await handler.onMessage!('launchTask', encodeBody(good), peer);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ slot: 1 });
    let err: unknown;
    try {
      await handler.onMessage!('launchTask', encodeBody({ slot: 'one', task: 'not bytes', plan: null }), peer);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect(err).toMatchObject({ code: 'INVALID_MESSAGE', kind: 'launchTask' });
    expect((err as Error).message).toMatch(/^INVALID_MESSAGE: malformed launchTask message: slot: .*; task: expected bytes/);
    expect(seen).toHaveLength(1);
  });

  it('checks requests and streams too, and passes the decoded body on unchanged', async () => {
    const got: unknown[] = [];
    const handler = messageHandler<DriverProtocol>(
      { requests: { executorHeartbeat: (m) => (got.push(m), { known: true }) } },
      { schemas: DriverMessages },
    );
    await handler.onRequest!('executorHeartbeat', encodeBody({ executorId: '3', time: 5, extra: 'kept' }), peer, ctx);
    expect(got).toEqual([{ executorId: '3', time: 5, extra: 'kept' }]);
    await expect(handler.onRequest!('executorHeartbeat', encodeBody({ executorId: 3 }), peer, ctx)).rejects.toThrow(/malformed executorHeartbeat message: executorId: .*time: /);
    const streams = messageHandler<ExecutorProtocol>({ streams: { fetchBlock: () => [] as never } }, { schemas: ExecutorMessages });
    expect(() => streams.onStream!('fetchBlock', encodeBody({ path: '/x', offset: -1, length: 10 }), peer, ctx)).toThrow(/malformed fetchBlock message: offset: /);
  });
});
