/** Entry of the worker daemon: `tsx src/main.ts flint://HOST:PORT [options]` (the same as `flint worker`). */
import { workerCommand } from './worker-command.ts';

try {
  await workerCommand().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`flint worker: ${(err as Error).message}\n`);
  process.exit(1);
}
