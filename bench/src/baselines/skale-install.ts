import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inheritedEnv } from '../env.ts';

export const SKALE_VERSION = '1.2.2';

export type SkaleInstall = { readonly ok: true; readonly moduleDir: string } | { readonly ok: false; readonly reason: string };

function installedVersion(moduleDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure skale is installed in a private directory (`bench/.baselines/skale`,
 * git-ignored, with its own package.json) so it never enters the workspace,
 * its lockfile or CI. `--legacy-peer-deps` is required: a plain install tries
 * to build the optional `node-parquet` peer and fails.
 */
export async function ensureSkale(
  baselinesDir: string,
  onProgress: (text: string) => void,
): Promise<SkaleInstall> {
  const dir = join(baselinesDir, 'skale');
  const moduleDir = join(dir, 'node_modules', 'skale');
  if (installedVersion(moduleDir) === SKALE_VERSION) return { ok: true, moduleDir };
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name: 'flint-bench-skale-baseline', private: true, description: 'skale for pnpm bench only', dependencies: { skale: SKALE_VERSION } },
      null,
      2,
    ),
  );
  // A clean npm: the variables pnpm sets for its own scripts mean nothing to this install.
  const env = Object.fromEntries(Object.entries(inheritedEnv()).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)));
  const child = spawn(
    'npm',
    ['install', '--legacy-peer-deps', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=http'],
    { cwd: dir, env: { ...env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let fetched = 0;
  const tail: string[] = [];
  const onLine = (line: string): void => {
    if (/\bfetch GET\b/.test(line)) {
      fetched++;
      if (fetched % 10 === 0) onProgress(`installing skale ${SKALE_VERSION}: ${fetched} registry requests`);
    } else if (line.trim()) {
      tail.push(line);
      if (tail.length > 10) tail.shift();
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  onProgress(`installing skale ${SKALE_VERSION} into ${dir} (npm, --legacy-peer-deps)`);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (c) => resolve(c));
  });
  if (code === 0 && installedVersion(moduleDir) === SKALE_VERSION && existsSync(moduleDir)) return { ok: true, moduleDir };
  return { ok: false, reason: `npm install of skale ${SKALE_VERSION} failed (exit ${code}): ${tail.slice(-3).join(' | ')}` };
}
