import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The daemons' Prisma clients are generated source: make sure they exist before clusters start. */
export default function setup(): void {
  const root = new URL('../', import.meta.url);
  execFileSync(process.execPath, [fileURLToPath(new URL('tooling/prisma/generate-prisma-client.mjs', root)), fileURLToPath(new URL('packages/cluster-master', root)), fileURLToPath(new URL('packages/cluster-worker', root)), fileURLToPath(new URL('packages/event-store', root))], { stdio: 'inherit' });
}
