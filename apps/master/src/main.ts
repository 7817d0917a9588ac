/** Entry of the master daemon: `tsx src/main.ts [options]` (the same as `flint master`). */
import { masterCommand } from './master-command.ts';

try {
  await masterCommand().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`flint master: ${(err as Error).message}\n`);
  process.exit(1);
}
