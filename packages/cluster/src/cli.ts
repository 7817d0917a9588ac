/**
 * The `flint` command line: master, worker, history, local-cluster, submit,
 * demo. Thin wiring over the daemons and `LocalCluster`; every subcommand has
 * --help. Run by apps/master/bin/flint.mjs through ./cli-main.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { otlpConfigured, startTelemetry } from '@flint/telemetry';
import { TSX_LOADER_URL, workerCommand } from '@flint/cluster-worker';
import { historyCommand, masterCommand } from '@flint/cluster-master';
import { LocalCluster } from './local-cluster.ts';
import { intArg, portArg } from '@flint/daemon';
import { inheritedEnv, readCliEnv } from './env.ts';

const DEMO_SCRIPT = fileURLToPath(new URL('../../../examples/src/demo.ts', import.meta.url));

/**
 * Runs a TypeScript or JavaScript program under tsx with `env` added, passing
 * SIGINT/SIGTERM on; resolves with its exit code.
 */
function runProgram(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const childEnv = { ...inheritedEnv(), ...env };
  // The driver records traces and metrics (exported by OTLP) when an endpoint is configured.
  const telemetry = otlpConfigured(childEnv) ? ['--import', import.meta.resolve('@flint/telemetry/register')] : [];
  const child = spawn(process.execPath, ['--import', TSX_LOADER_URL, ...telemetry, path.resolve(file), ...args], { stdio: 'inherit', env: childEnv });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ${file}: ${err.message}`)));
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}

/** Stops the cluster on the first SIGINT/SIGTERM; resolves when stopped. */
function stopOnSignal(cluster: LocalCluster, onStop: () => void = () => {}): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      onStop();
      void cluster.stop().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function describeCluster(cluster: LocalCluster): string {
  const lines = [`master    ${cluster.masterUrl}  (pid ${cluster.masterPid}, log ${cluster.masterInfo.logPath})`];
  cluster.workers.forEach((w, i) => lines.push(`worker ${i}  ${w.address}  (pid ${w.pid}, log ${w.logPath})`));
  if (cluster.uiPort !== null) lines.push(`ui/api    http://127.0.0.1:${cluster.uiPort}`);
  return lines.join('\n');
}

const transportOption = () => new Option('--transport <name>', 'cluster transport').choices(['tcp', 'http']).default('tcp');

export function buildCli(): Command {
  const program = new Command('flint').description('Flint: a Spark-style distributed data engine').showHelpAfterError();
  program.addCommand(masterCommand());
  program.addCommand(workerCommand());
  // `flint master` and `flint worker` are daemons like src/main.ts: OTLP export when an endpoint is set.
  program.hook('preAction', (_program, action) => {
    if (action.name() === 'master' || action.name() === 'worker') startTelemetry({ serviceName: `flint-${action.name()}` });
  });
  program.addCommand(historyCommand());

  program
    .command('local-cluster')
    .description('start a master and W workers as child processes on this machine; Ctrl-C stops them all')
    .requiredOption('--workers <w>', 'number of workers', intArg('--workers', 1))
    .requiredOption('--cores <c>', 'cores per worker', intArg('--cores', 1))
    .option('--memory <size>', 'memory per worker', '2g')
    .addOption(transportOption())
    .option('--ui-port <port>', 'port of the master\'s UI and API (0 = any free port)', portArg('--ui-port'), 0)
    .option('--dir <dir>', 'keep databases, work dirs and logs here (default: a temporary dir, removed at stop)')
    .action(async (o: { workers: number; cores: number; memory: string; transport: 'tcp' | 'http'; uiPort: number; dir?: string }) => {
      const cluster = await LocalCluster.start({ workers: o.workers, coresPerWorker: o.cores, memoryPerWorker: o.memory, transport: o.transport, uiPort: o.uiPort, baseDir: o.dir, keepBaseDir: o.dir !== undefined });
      console.log(describeCluster(cluster));
      console.log(`\nSubmit with: flint submit app.ts --master ${cluster.masterUrl}\nPress Ctrl-C to stop the cluster.`);
      await stopOnSignal(cluster, () => console.log('stopping the local cluster...'));
      console.log('local cluster stopped');
    });

  program
    .command('submit')
    .description('run an application (JS or TS) as a child process with FLINT_MASTER set')
    .argument('<app>', 'the application\'s entry file')
    .argument('[args...]', 'arguments for the application (after --)')
    .option('--master <url>', 'the master URL', readCliEnv().FLINT_MASTER ?? 'flint://127.0.0.1:7077')
    .action(async (app: string, args: string[], o: { master: string }) => {
      process.exitCode = await runProgram(app, args, { FLINT_MASTER: o.master });
    });

  program
    .command('demo')
    .description('start a local cluster of 2 workers x 1 core, run examples/src/demo.ts on it, then stop it')
    .addOption(transportOption())
    .addOption(new Option('--script <file>', 'program to run instead of the demo').default(DEMO_SCRIPT).hideHelp())
    .option('--ui-port <port>', 'port of the master\'s web UI and API (0 = any free port)', portArg('--ui-port'), 0)
    .action(async (o: { transport: 'tcp' | 'http'; script: string; uiPort: number }) => {
      const cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport: o.transport, uiPort: o.uiPort });
      let code = 1;
      try {
        console.log(describeCluster(cluster));
        const uiUrl = cluster.uiPort !== null ? `http://127.0.0.1:${cluster.uiPort}` : null;
        if (uiUrl) console.log(`\nWeb UI: ${uiUrl}  (open it to watch the jobs run)\n`);
        const interrupted = stopOnSignal(cluster);
        code = await Promise.race([runProgram(o.script, ['--master', cluster.masterUrl], { FLINT_MASTER: cluster.masterUrl, FLINT_TRANSPORT: o.transport, ...(uiUrl ? { FLINT_UI_URL: uiUrl } : {}) }), interrupted.then(() => 130)]);
        // In a terminal, keep the cluster up so its finished application can be explored in the UI.
        if (code !== 130 && uiUrl && process.stdout.isTTY) {
          console.log(`\nThe cluster and its web UI stay up at ${uiUrl} — press Ctrl-C to stop.`);
          await interrupted;
        }
      } finally {
        await cluster.stop();
      }
      process.exitCode = code;
    });

  return program;
}
