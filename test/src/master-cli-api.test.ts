/**
 * `flint master` as people start it: it prints its cluster URL and its UI/API
 * address on stdout, that address answers the API, and it refuses to serve the
 * API beyond loopback without the cluster secret (exit code and message).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFlintClient } from '@flint/api';
import { afterAll, describe, expect, it } from 'vitest';

const FLINT = fileURLToPath(new URL('../../apps/master/bin/flint.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-master-cli-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  delete baseEnv.FLINT_SECRET;
  Object.assign(baseEnv, env);
  const child = spawn(process.execPath, [FLINT, ...args], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function waitFor(what: string, f: () => RegExpExecArray | null, ms = 90_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = f();
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('flint master', () => {
  it('prints its master URL and UI/API address, which serves the API', { timeout: 120_000 }, async () => {
    const m = run(['master', '--port', '0', '--ui-port', '0', '--db', path.join(dir, 'm.db')]);
    const ui = await waitFor('the ui/api line', () => /^ui\/api\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(m.out()));
    expect(m.out()).toMatch(/^master\s+flint:\/\/127\.0\.0\.1:\d+$/m);
    const o = await createFlintClient({ url: ui[1] }).cluster.overview.query();
    expect(o).toMatchObject({ mode: 'master', workers: { alive: 0 } });
    expect((await fetch(`${ui[1]}/metrics`)).status).toBe(200);
    m.child.kill('SIGTERM');
    expect(await m.exited).toBe(0);
  });

  it('refuses to serve the API beyond loopback without the secret', { timeout: 120_000 }, async () => {
    const m = run(['master', '--port', '0', '--ui-port', '0', '--ui-host', '0.0.0.0', '--db', path.join(dir, 'n.db')]);
    const code = await m.exited;
    expect(code).not.toBe(0);
    expect(m.err() + m.out()).toMatch(/without a cluster secret.*FLINT_SECRET/);
  });
});
