import {
  type Transport,
  type TransportConnection,
  type TransportServer,
  MessageClient,
  formatTransportAddress,
  loadTransport,
  messageHandler,
} from '@flint/core/transport';
import { type DriverProtocol, type MasterProtocol } from '@flint/core/protocol';
import '@flint/transport-tcp';
import '@flint/transport-http';

type Req<K extends keyof DriverProtocol> = DriverProtocol[K]['request'];

/**
 * Stands in for a driver program: a server that records `executorRemoved`
 * and `applicationKilled` from the master, and a client connection to the
 * master to register an application and heartbeat. `close()` releases both.
 */
export class FakeDriver {
  private heartbeat: NodeJS.Timeout | null = null;

  private constructor(
    readonly removed: Req<'executorRemoved'>[],
    readonly killed: Req<'applicationKilled'>[],
    private readonly transport: Transport,
    private readonly server: TransportServer,
    private readonly connection: TransportConnection,
    readonly master: MessageClient<MasterProtocol>,
  ) {}

  static async start(transportName: 'tcp' | 'http', masterAddress: string, secret?: string): Promise<FakeDriver> {
    const transport = await loadTransport(transportName, secret ? { secret } : {});
    const removed: Req<'executorRemoved'>[] = [];
    const killed: Req<'applicationKilled'>[] = [];
    const server = await transport.listen(
      messageHandler<DriverProtocol>({
        messages: {
          executorRemoved: (m) => void removed.push(m),
          applicationKilled: (m) => void killed.push(m),
        },
      }),
      { host: '127.0.0.1', port: 0 },
    );
    const connection = await transport.connect(masterAddress);
    return new FakeDriver(removed, killed, transport, server, connection, new MessageClient<MasterProtocol>(connection));
  }

  get driverAddress(): string {
    return formatTransportAddress(this.server.address);
  }

  /** Registers an application (one whole-worker executor per worker unless told otherwise). */
  async register(over: Partial<MasterProtocol['registerApplication']['request']> = {}): Promise<string> {
    const r = await this.master.request('registerApplication', {
      appName: 'fake-driver',
      user: 'test',
      driverAddress: this.driverAddress,
      coresPerExecutor: null,
      memoryPerExecutorMb: 256,
      maxCores: null,
      transport: this.transport.name,
      conf: {},
      ...over,
    });
    return r.appId;
  }

  startHeartbeats(appId: string, everyMs = 500): void {
    this.heartbeat = setInterval(() => void this.master.request('driverHeartbeat', { appId }).catch(() => undefined), everyMs);
  }

  stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Closes the connection to the master, as a driver process that dies or exits would. */
  async disconnect(): Promise<void> {
    this.stopHeartbeats();
    await this.connection.close();
  }

  async close(): Promise<void> {
    this.stopHeartbeats();
    await this.server.close().catch(() => undefined);
    await this.transport.close().catch(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
