/**
 * The browser tests need the UI's production build. `pnpm test` makes it in
 * its type-check step (turbo run build, cached); a test run on its own builds
 * it once here through turbo, so a second run finds it in turbo's cache.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function ensureUiBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'apps/ui/.next/BUILD_ID'))) return;
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@flint/ui', '--output-logs=errors-only'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1' },
  });
}
