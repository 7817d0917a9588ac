#!/usr/bin/env node
// Generates the Prisma client (TypeScript source) of each package directory given
// (default: the current one) into <app>/src/generated/prisma.
//   node tooling/prisma/generate-prisma-client.mjs [--force] [APP_DIR ...]
// Runs offline: the `prisma-client` generator needs no engine binary, so the
// schema engine that `prisma generate` would otherwise download is replaced by
// /bin/true. Skips an app whose schema and Prisma version are unchanged.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const args = process.argv.slice(2);
const force = args.includes('--force');
const apps = args.filter((a) => a !== '--force');

function generate(appDir) {
  const schema = path.join(appDir, 'prisma', 'schema.prisma');
  const outDir = path.join(appDir, 'src', 'generated', 'prisma');
  const stamp = path.join(outDir, '.schema-hash');
  const require = createRequire(path.join(appDir, 'package.json'));
  const prismaPkg = require.resolve('prisma/package.json');
  const version = JSON.parse(fs.readFileSync(prismaPkg, 'utf8')).version;
  const hash = createHash('sha256').update(fs.readFileSync(schema)).update(version).digest('hex');
  if (!force && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && fs.existsSync(path.join(outDir, 'client.ts'))) return;
  const cli = path.join(path.dirname(prismaPkg), 'build', 'index.js');
  const r = spawnSync(process.execPath, [cli, 'generate', '--schema', schema], {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  if (r.status !== 0 || !fs.existsSync(path.join(outDir, 'client.ts'))) {
    process.stdout.write(r.stdout ?? '');
    console.error(`prisma generate failed for ${schema} (exit ${r.status}); the client is needed by the Prisma store`);
    process.exit(1);
  }
  fs.writeFileSync(stamp, hash);
}

// The daemons' stores moved from apps/ to packages/: the old directories still name them.
const MOVED = { 'apps/master': 'packages/cluster-master', 'apps/worker': 'packages/cluster-worker' };
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

for (const app of apps.length > 0 ? apps : ['.']) {
  let dir = path.resolve(app);
  const moved = MOVED[path.relative(root, dir)];
  if (!fs.existsSync(path.join(dir, 'prisma', 'schema.prisma')) && moved) dir = path.join(root, moved);
  generate(dir);
}
