/** Runs the `flint` command line with this process's arguments; a failure prints one line and exits 1. */
import { buildCli } from './cli.ts';
import { runCommand } from '@flint/daemon';

await runCommand('flint', buildCli());
