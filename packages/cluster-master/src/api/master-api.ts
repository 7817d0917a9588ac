import { type FlintHttpServer, type HttpRoute, type LogChunk, type ReadLogQuery, listenFlintHttp } from '@flint/api';
import type { MasterProtocol } from '@flint/core/protocol';
import type { EventStoreReads } from '@flint/event-store';
import type { Registry } from 'prom-client';
import { createMasterMetrics } from './master-metrics.ts';
import { MasterFlintQueries } from './master-queries.ts';

type ClusterState = MasterProtocol['clusterState']['response'];

/** The version the API reports. */
export const FLINT_VERSION = '0.1.0';

export interface MasterApiOptions {
  host: string;
  port: number;
  secret: string | null;
  masterId: string | null;
  startedAt: number;
  /** Null in history mode. */
  clusterState: (() => Promise<ClusterState>) | null;
  events: () => EventStoreReads | null;
  readLog?: (q: ReadLogQuery) => Promise<LogChunk>;
  killApp?: (appId: string, reason: string) => Promise<{ killed: boolean; message: string }>;
  cancelJob?: (appId: string, jobId: number) => Promise<{ cancelled: boolean; message: string }>;
  /** The web UI's request handler (every path the API does not own). */
  ui?: HttpRoute | null;
  isPublicUiPath?: (pathname: string) => boolean;
}

export interface MasterApi extends FlintHttpServer {
  readonly metrics: Registry;
}

/**
 * The master's HTTP port (also `flint history`'s): the typed API under
 * /api/trpc, /metrics from the daemon's own registry, /healthz, login, and
 * the UI hook. Owns its server; `close()` ends it and its connections.
 */
export async function startMasterApi(o: MasterApiOptions): Promise<MasterApi> {
  const queries = new MasterFlintQueries({
    mode: o.clusterState ? 'master' : 'history',
    masterId: o.masterId,
    version: FLINT_VERSION,
    startedAt: o.startedAt,
    clusterState: o.clusterState,
    events: o.events,
    readLog: o.readLog,
    killApp: o.killApp,
    cancelJob: o.cancelJob,
  });
  const metrics = createMasterMetrics({ clusterState: o.clusterState, events: o.events, startedAt: o.startedAt });
  const server = await listenFlintHttp(o.host, o.port, {
    queries,
    secret: o.secret,
    ui: o.ui ?? null,
    isPublicUiPath: o.isPublicUiPath,
    routes: {
      '/metrics': async (_req, res) => {
        const text = await metrics.metrics();
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text);
      },
    },
  });
  return Object.assign(server, { metrics });
}
