import { type MessageClient as MessageClientType, type Transport, MessageClient } from '@flint/core/transport';
import { type DriverProtocol, type WorkerProtocol } from '@flint/core/protocol';
import type { DaemonLogger as Logger } from '@flint/daemon';

type LaunchExecutor = WorkerProtocol['launchExecutor'];
type KillExecutor = WorkerProtocol['killExecutor'];

/**
 * Everything the master says to other processes: to workers (launch, kill,
 * application finished) and to drivers (executor removed, application
 * killed). The master's event loop calls these without waiting on them in
 * the loop; a failure comes back as a rejected promise.
 */
export interface ClusterMessenger {
  launchExecutor(workerAddress: string, msg: LaunchExecutor['request']): Promise<LaunchExecutor['response']>;
  killExecutor(workerAddress: string, msg: KillExecutor['request']): Promise<KillExecutor['response']>;
  applicationFinished(workerAddress: string, msg: WorkerProtocol['applicationFinished']['request']): Promise<void>;
  executorRemoved(driverAddress: string, msg: DriverProtocol['executorRemoved']['request']): Promise<void>;
  applicationKilled(driverAddress: string, msg: DriverProtocol['applicationKilled']['request']): Promise<void>;
  /** Relays the API's jobs.cancel to the application's driver. */
  cancelJob(driverAddress: string, msg: DriverProtocol['cancelJob']['request']): Promise<DriverProtocol['cancelJob']['response']>;
  /** A slice of an executor's log from the worker that ran it (for the API's logs.read). */
  readExecutorLog(workerAddress: string, msg: WorkerProtocol['readExecutorLog']['request']): Promise<WorkerProtocol['readExecutorLog']['response']>;
  close(): Promise<void>;
}

/**
 * `ClusterMessenger` over a transport: one connection per peer address,
 * opened on first use and forgotten when it closes (the next message opens a
 * new one). Owns those connections, not the transport.
 */
export class TransportClusterMessenger implements ClusterMessenger {
  private readonly clients = new Map<string, Promise<MessageClientType<any>>>();
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly log: Logger,
    private readonly requestTimeoutMs = 15_000,
  ) {}

  async launchExecutor(workerAddress: string, msg: LaunchExecutor['request']): Promise<LaunchExecutor['response']> {
    return (await this.client<WorkerProtocol>(workerAddress)).request('launchExecutor', msg, { timeoutMs: this.requestTimeoutMs });
  }

  async killExecutor(workerAddress: string, msg: KillExecutor['request']): Promise<KillExecutor['response']> {
    return (await this.client<WorkerProtocol>(workerAddress)).request('killExecutor', msg, { timeoutMs: this.requestTimeoutMs });
  }

  async applicationFinished(workerAddress: string, msg: { appId: string }): Promise<void> {
    await (await this.client<WorkerProtocol>(workerAddress)).send('applicationFinished', msg);
  }

  async executorRemoved(driverAddress: string, msg: DriverProtocol['executorRemoved']['request']): Promise<void> {
    await (await this.client<DriverProtocol>(driverAddress)).send('executorRemoved', msg);
  }

  async applicationKilled(driverAddress: string, msg: DriverProtocol['applicationKilled']['request']): Promise<void> {
    await (await this.client<DriverProtocol>(driverAddress)).send('applicationKilled', msg);
  }

  async cancelJob(driverAddress: string, msg: DriverProtocol['cancelJob']['request']): Promise<DriverProtocol['cancelJob']['response']> {
    return (await this.client<DriverProtocol>(driverAddress)).request('cancelJob', msg, { timeoutMs: this.requestTimeoutMs });
  }

  async readExecutorLog(workerAddress: string, msg: WorkerProtocol['readExecutorLog']['request']): Promise<WorkerProtocol['readExecutorLog']['response']> {
    return (await this.client<WorkerProtocol>(workerAddress)).request('readExecutorLog', msg, { timeoutMs: this.requestTimeoutMs });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((p) => p.then((c) => c.connection.close()).catch(() => undefined)));
  }

  private client<S extends Record<string, { request: unknown; response: unknown }>>(address: string): Promise<MessageClientType<S>> {
    if (this.closed) return Promise.reject(new Error('the master is stopping: no more messages to other processes'));
    let p = this.clients.get(address);
    if (!p) {
      p = this.transport.connect(address).then((conn) => {
        conn.on('close', () => {
          if (this.clients.get(address) === p) this.clients.delete(address);
        });
        return new MessageClient<S>(conn);
      });
      p.catch((err: Error) => {
        if (this.clients.get(address) === p) this.clients.delete(address);
        this.log.debug({ address, err: err.message }, `cannot connect to ${address}`);
      });
      this.clients.set(address, p);
    }
    return p as Promise<MessageClientType<S>>;
  }
}
