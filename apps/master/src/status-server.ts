import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';

/**
 * A small read-only HTTP API beside the cluster transport: `GET /api/cluster-state`
 * (JSON of the clusterState reply) and `GET /healthz`. Owns its server only.
 */
export class StatusServer {
  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(host: string, port: number, clusterState: () => Promise<unknown>, log: Logger): Promise<StatusServer> {
    const server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') return reply(res, 405, { error: 'only GET is served' });
      if (url === '/healthz') return reply(res, 200, { ok: true });
      if (url === '/api/cluster-state') {
        clusterState().then(
          (s) => reply(res, 200, s),
          (err: Error) => reply(res, 503, { error: err.message }),
        );
        return;
      }
      reply(res, 404, { error: `no such path ${url}; try /api/cluster-state` });
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot serve the status API on ${host}:${port}: ${err.message}${err.code === 'EADDRINUSE' ? ' (choose another --ui-port, or 0 for any free port)' : ''}`, { cause: err });
    });
    server.unref();
    const bound = (server.address() as AddressInfo).port;
    log.info({ event: 'uiListening', address: `${host}:${bound}` }, `status API on http://${host}:${bound}/api/cluster-state`);
    return new StatusServer(server, bound);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
