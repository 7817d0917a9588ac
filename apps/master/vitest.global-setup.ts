import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The Prisma clients are generated source: make sure the master's and the worker's (the master's
 * tests start workers) exist when tests run without a build first.
 */
export default function setup(): void {
  for (const script of ['./scripts/generate-prisma-client.mjs', '../worker/scripts/generate-prisma-client.mjs']) {
    execFileSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], { stdio: 'inherit' });
  }
}
