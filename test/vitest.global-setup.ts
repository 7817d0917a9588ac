import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The daemons' Prisma clients are generated source: make sure they exist before clusters start. */
export default function setup(): void {
  for (const app of ['master', 'worker']) {
    execFileSync(process.execPath, [fileURLToPath(new URL(`../apps/${app}/scripts/generate-prisma-client.mjs`, import.meta.url))], { stdio: 'inherit' });
  }
}
