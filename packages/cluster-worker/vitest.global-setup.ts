import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The Prisma client is generated source: make sure it exists when tests run without a build first. */
export default function setup(): void {
  const script = fileURLToPath(new URL('../../tooling/prisma/generate-prisma-client.mjs', import.meta.url));
  execFileSync(process.execPath, [script, fileURLToPath(new URL('.', import.meta.url))], { stdio: 'inherit' });
}
