import { Command, Option } from 'commander';
import { portArg, stopOnSignals } from '@flint/daemon';
import { startMaster } from './master.ts';
import { MASTER_DEFAULTS, type MasterOptions } from './master-options.ts';
import { DEFAULT_MASTER_DB } from './store/prisma-master-store.ts';
import { loadUiForCli } from './ui-handler.ts';

/** `flint master [options]`: runs the master until SIGINT or SIGTERM. */
export function masterCommand(): Command {
  return new Command('master')
    .description('start the master: it keeps the cluster state, accepts workers and applications, and places executors')
    .option('--host <host>', 'address to listen on (anything but loopback needs FLINT_SECRET)', MASTER_DEFAULTS.host)
    .option('--port <port>', 'port of the cluster transport (0 = any free port)', portArg('--port'), MASTER_DEFAULTS.port)
    .option('--ui-port <port>', 'port of the UI and API (/api/trpc, /metrics; 0 = any free port)', portArg('--ui-port'), MASTER_DEFAULTS.uiPort)
    .option('--ui-host <host>', 'address the UI and API bind (anything but loopback needs FLINT_SECRET)', MASTER_DEFAULTS.uiHost)
    .option('--no-ui', 'serve no UI or API')
    .option('--db <path>', 'SQLite database of the cluster state', DEFAULT_MASTER_DB)
    .option('--events-db <path>', 'SQLite event store of every application (default: beside --db, <db>-events.db)')
    .addOption(new Option('--transport <name>', 'cluster transport').choices(['tcp', 'http']).default(MASTER_DEFAULTS.transport))
    .addHelpText('after', '\nEnvironment: FLINT_SECRET (cluster secret), FLINT_WORKER_TIMEOUT_MS (default 60000), FLINT_DRIVER_TIMEOUT_MS, FLINT_LOG_LEVEL.')
    .action(async (o: { host: string; port: number; uiPort: number; uiHost: string; ui: boolean; db: string; eventsDb?: string; transport: string }) => {
      const webUi = o.ui ? await loadUiForCli() : {};
      await runMasterCommand({ host: o.host, port: o.port, uiPort: o.ui ? o.uiPort : null, uiHost: o.uiHost, dbPath: o.db, eventsDbPath: o.eventsDb, transport: o.transport, ...webUi });
    });
}

/** Starts a master and stops it cleanly on SIGINT/SIGTERM (a second signal exits at once). */
export async function runMasterCommand(opts: MasterOptions): Promise<void> {
  const master = await startMaster(opts);
  // Plain lines beside the JSON log, for people and scripts: where to connect.
  process.stdout.write(`master    ${master.url}\n`);
  if (master.uiUrl) process.stdout.write(`ui/api    ${master.uiUrl}\n`);
  stopOnSignals('master', master);
}
