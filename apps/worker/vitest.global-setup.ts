import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The Prisma client is generated source: make sure it exists when tests run without a build first. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('./scripts/generate-prisma-client.mjs', import.meta.url))], { stdio: 'inherit' });
}
