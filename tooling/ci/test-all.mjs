#!/usr/bin/env node
// Runs the whole test suite: type checks (turbo build), the workspace lint, then
// every workspace package's vitest suite one package at a time, and prints one summary line:
// "N passed, N failed[, N skipped]". Exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1', DO_NOT_TRACK: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };

console.log('== type checks (turbo run build)');
const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--continue', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit', env });
if (build.status !== 0) {
  failed++;
  failures.push('type check (turbo run build)');
}

// The workspace lint (eslint.config.mjs): env read only in env.ts, no reach into another package's src/, a few bug rules.
console.log('\n== lint (eslint .)');
const lint = spawnSync('pnpm', ['exec', 'eslint', '.'], { cwd: root, stdio: 'inherit', env });
if (lint.status !== 0) {
  failed++;
  failures.push('lint (eslint .)');
}

const dirs = [];
for (const group of ['packages', 'apps', 'examples', 'test', 'bench']) {
  const base = path.join(root, group);
  if (!fs.existsSync(base)) continue;
  const candidates = fs.existsSync(path.join(base, 'package.json')) ? [base] : fs.readdirSync(base).map((d) => path.join(base, d));
  for (const d of candidates) {
    const pj = path.join(d, 'package.json');
    if (!fs.existsSync(pj)) continue;
    const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
    if (!pkg.scripts?.test) continue;
    if (only.length && !only.some((o) => d.includes(o))) continue;
    dirs.push({ dir: d, name: pkg.name });
  }
}

for (const { dir, name } of dirs) {
  console.log(`\n== ${name} (${path.relative(root, dir)})`);
  const out = path.join(os.tmpdir(), `flint-vitest-${process.pid}-${name.replace(/\W/g, '_')}.json`);
  fs.rmSync(out, { force: true });
  const r = spawnSync('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${out}`], { cwd: dir, stdio: 'inherit', env });
  let counted = false;
  if (fs.existsSync(out)) {
    try {
      const j = JSON.parse(fs.readFileSync(out, 'utf8'));
      passed += j.numPassedTests ?? 0;
      failed += j.numFailedTests ?? 0;
      skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
      if ((j.numFailedTests ?? 0) > 0) failures.push(name);
      // A suite that failed to load has no failed tests but a failed file.
      const brokenFiles = (j.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).every((a) => a.status !== 'failed'));
      if (brokenFiles.length > 0) {
        failed += brokenFiles.length;
        failures.push(`${name}: ${brokenFiles.length} file(s) failed to run`);
      }
      counted = true;
    } catch {
      /* fall through */
    }
    fs.rmSync(out, { force: true });
  }
  if (!counted || (r.status !== 0 && !failures.some((f) => f.startsWith(name)))) {
    if (r.status !== 0) {
      failed++;
      failures.push(`${name}: vitest exited with ${r.status}`);
    }
  }
}

if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
console.log('');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
