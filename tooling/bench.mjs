#!/usr/bin/env node
// `pnpm bench [args]` runs the engine suite (bench/src/main.ts);
// `pnpm bench transport [args]` runs the transport bench (test/bench/transport-bench.ts);
// `pnpm bench events [--quick]` runs the event store bench (bench/src/event-store-bench.ts).
//
// The local-cluster rows start a master (its store and the event store) and workers
// (their store): their Prisma clients are generated first, as `pnpm demo` does, so a
// fresh clone measures those rows instead of reporting them as not available.
// Generation is skipped when a schema is unchanged, so this costs nothing after the first time.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const named = { transport: 'test/bench/transport-bench.ts', events: 'bench/src/event-store-bench.ts' };
const entry = named[args[0]] ?? 'bench/src/main.ts';

const PRISMA_PACKAGES = ['packages/cluster-master', 'packages/cluster-worker', 'packages/event-store'];
const generated = spawnSync(process.execPath, [path.join(root, 'tooling/prisma/generate-prisma-client.mjs'), ...PRISMA_PACKAGES.map((p) => path.join(root, p))], {
  cwd: root,
  stdio: 'inherit',
});
if (generated.status !== 0) {
  console.error('pnpm bench: generating the Prisma clients failed (see above); the local-cluster rows need them');
  process.exit(generated.status ?? 1);
}

const r = spawnSync('pnpm', ['exec', 'tsx', entry, ...(named[args[0]] ? args.slice(1) : args)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
