import { Command, InvalidArgumentError, Option } from 'commander';
import { intArg, stopOnSignals } from '@flint/daemon';
import { startWorker } from './worker.ts';
import { type WorkerOptions, DEFAULT_EXECUTOR_ENTRY, DEFAULT_WORK_DIR, parseMemoryMb } from './worker-options.ts';
import { readWorkerEnv } from './env.ts';

/** `flint worker flint://HOST:PORT [options]`: runs a worker until SIGINT or SIGTERM. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('start a worker that offers this machine\'s cores and memory to the master')
    .argument('<master>', 'the master URL, flint://HOST:PORT')
    .option('--cores <n>', 'cores offered to executors (default: all of this machine)', intArg('--cores', 1))
    .option('--memory <size>', 'memory offered to executors, like 2g or 512m (default: machine memory less 1g)', (v) => {
      try {
        parseMemoryMb(v, '--memory');
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
      return v;
    })
    .option('--host <host>', 'address to listen on and advertise to the master', '127.0.0.1')
    .option('--port <port>', 'port of the worker\'s transport server (0 = any free port)', intArg('--port', 0), 0)
    .option('--web-port <port>', 'port of the worker\'s metrics server, GET /metrics (0 = any free port)', intArg('--web-port', 0), 0)
    .option('--no-web', 'serve no metrics')
    .option('--work-dir <dir>', 'where executors run and keep their logs', DEFAULT_WORK_DIR)
    .option('--db <path>', 'SQLite database of this worker\'s executors (default: ~/.flint/worker-<port>.db)')
    .addOption(new Option('--transport <name>', 'cluster transport').choices(['tcp', 'http']).default('tcp'))
    .addOption(new Option('--executor-entry <path>', 'module each executor process runs').default(DEFAULT_EXECUTOR_ENTRY).hideHelp())
    .action(async (master: string, o: { cores?: number; memory?: string; host: string; port: number; webPort: number; web: boolean; workDir: string; db?: string; transport: string; executorEntry?: string }) => {
      await runWorkerCommand({
        master,
        cores: o.cores,
        memory: o.memory,
        host: o.host,
        port: o.port,
        webPort: o.web ? o.webPort : null,
        workDir: o.workDir,
        dbPath: o.db,
        transport: o.transport,
        executorEntry: readWorkerEnv().FLINT_EXECUTOR_ENTRY && o.executorEntry === DEFAULT_EXECUTOR_ENTRY ? undefined : o.executorEntry,
      });
    });
}

/** Starts a worker and stops it cleanly on SIGINT/SIGTERM (a second signal exits at once). */
export async function runWorkerCommand(opts: WorkerOptions): Promise<void> {
  const worker = await startWorker(opts);
  stopOnSignals('worker', worker);
}
