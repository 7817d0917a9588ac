import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The Prisma clients are generated source: make sure the master's, the worker's (the master's
 * tests start workers) and the event store's exist when tests run without a build first.
 */
export default function setup(): void {
  const script = fileURLToPath(new URL('../../tooling/prisma/generate-prisma-client.mjs', import.meta.url));
  execFileSync(process.execPath, [script, fileURLToPath(new URL('.', import.meta.url)), fileURLToPath(new URL('../cluster-worker', import.meta.url)), fileURLToPath(new URL('../event-store', import.meta.url))], { stdio: 'inherit' });
}
