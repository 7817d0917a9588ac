import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { EventStoreReadThread } from '@flint/event-store';
import { type MasterApi, type MasterApiOptions, startMasterApi } from './api/master-api.ts';
import { portArg } from '@flint/daemon';
import { loadUiForCli } from './ui-handler.ts';
import { readCliEnv } from './env.ts';

/** Where local-mode drivers keep their event log unless `flint.eventLog.dir` says otherwise. */
export const DEFAULT_EVENT_LOG_DIR = path.join(os.homedir(), '.flint', 'events');

export interface HistoryServerOptions {
  /** An event store file; default `<dir>/events.db`. */
  file?: string;
  dir?: string;
  host?: string;
  port?: number;
  /** @default FLINT_SECRET */
  secret?: string | null;
  /** The web UI's handler (the CLI passes apps/ui's build). */
  ui?: MasterApiOptions['ui'];
  isPublicUiPath?: MasterApiOptions['isPublicUiPath'];
}

export interface HistoryServer extends MasterApi {
  readonly file: string;
}

/**
 * `flint history`: the same API (and UI hook) over an event store file — a
 * local-mode event log or a copy of a master's — without a cluster: cluster
 * and worker procedures answer empty, cancel and kill refuse, logs refuse.
 */
export async function startHistoryServer(o: HistoryServerOptions = {}): Promise<HistoryServer> {
  const file = path.resolve(o.file ?? path.join(o.dir ?? DEFAULT_EVENT_LOG_DIR, 'events.db'));
  if (!fs.existsSync(file)) {
    throw new Error(`no event log at ${file}: run an application in local mode first (it writes <flint.eventLog.dir>/events.db), or point --dir or --file at one`);
  }
  // Reads on their own thread, as on the master: a slow query never holds this server's loop.
  const store = await EventStoreReadThread.open(file);
  try {
    const api = await startMasterApi({
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 18080,
      secret: o.secret === undefined ? (readCliEnv().FLINT_SECRET ?? null) : o.secret,
      masterId: null,
      startedAt: Date.now(),
      clusterState: null,
      events: () => store,
      ui: o.ui,
      isPublicUiPath: o.isPublicUiPath,
    });
    const close = api.close;
    return Object.assign(api, {
      file,
      close: async () => {
        await close();
        await store.close();
      },
    });
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** `flint history [--dir PATH | --file FILE]`: serves until SIGINT or SIGTERM. */
export function historyCommand(): Command {
  return new Command('history')
    .description('serve the API (and UI) over a local-mode event log, or any Flint event store file, without a cluster')
    .option('--dir <dir>', 'directory of the event log (its events.db)', DEFAULT_EVENT_LOG_DIR)
    .option('--file <file>', 'an event store file instead (e.g. a copy of a master\'s master-events.db)')
    .option('--ui-port <port>', 'port to serve on (0 = any free port)', portArg('--ui-port'), 18080)
    .option('--ui-host <host>', 'address to bind (anything but loopback needs FLINT_SECRET)', '127.0.0.1')
    .action(async (o: { dir: string; file?: string; uiPort: number; uiHost: string }) => {
      const server = await startHistoryServer({ dir: o.dir, file: o.file, host: o.uiHost, port: o.uiPort, ...(await loadUiForCli()) });
      process.stdout.write(`history   ${server.file}\nui/api    ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve, resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
