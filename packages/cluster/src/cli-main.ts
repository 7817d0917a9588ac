/** Runs the `flint` command line with this process's arguments; a failure prints one line and exits 1. */
import { buildCli } from './cli.ts';

try {
  await buildCli().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`flint: ${(err as Error).message}\n`);
  process.exit(1);
}
