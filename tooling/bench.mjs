#!/usr/bin/env node
// `pnpm bench [args]` runs the engine suite (bench/src/main.ts);
// `pnpm bench transport [args]` runs the transport bench (test/bench/transport-bench.ts);
// `pnpm bench events [--quick]` runs the event store bench (bench/src/event-store-bench.ts).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const named = { transport: 'test/bench/transport-bench.ts', events: 'bench/src/event-store-bench.ts' };
const entry = named[args[0]] ?? 'bench/src/main.ts';
const r = spawnSync('pnpm', ['exec', 'tsx', entry, ...(named[args[0]] ? args.slice(1) : args)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
