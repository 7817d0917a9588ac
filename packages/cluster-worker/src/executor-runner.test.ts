import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ExecutorChange, type ExecutorLaunchSpec, ExecutorRunner, executorCommand } from './executor-runner.ts';
import { executorHeapLimits } from '@flint/core/internal';
import { STUB_EXECUTOR_ENTRY } from './index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-runner-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const runners: ExecutorRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.kill('test over')));
});

let n = 0;
function start(conf: Record<string, unknown> = {}, over: Partial<ExecutorLaunchSpec> = {}, graceMs = 5_000) {
  const changes: ExecutorChange[] = [];
  const id = String(n++);
  const spec: ExecutorLaunchSpec = {
    appId: 'app-test',
    executorId: id,
    cores: 2,
    memoryMb: 512,
    driverAddress: '127.0.0.1:4040',
    transport: 'tcp',
    conf,
    workerId: 'worker-test',
    host: '127.0.0.1',
    secret: undefined,
    workDir: path.join(root, 'app-test', id),
    entry: STUB_EXECUTOR_ENTRY,
    baseEnv: { ...process.env, FLINT_SECRET: 'leaked' },
    ...over,
  };
  const runner = new ExecutorRunner(spec, graceMs, (_r, c) => changes.push(c));
  runners.push(runner);
  runner.start();
  return { runner, changes, spec };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ExecutorRunner', () => {
  it('runs node with the tsx loader and the entry', () => {
    const { command, args } = executorCommand('/x/entry.ts');
    expect(command).toBe(process.execPath);
    expect(args.slice(-3, -2)).toEqual(['--import']);
    expect(args.at(-2)).toMatch(/^file:\/\/.*tsx.*loader\.mjs$/);
    expect(args.at(-1)).toBe('/x/entry.ts');
    expect(args).toContain('--max-semi-space-size=64');
    expect(args.some((a) => a.startsWith('--max-old-space-size'))).toBe(false);
  });

  it("limits the main thread's heap to its share of the executor's memory", () => {
    const { args } = executorCommand('/x/entry.ts', 512, 2);
    expect(args).toContain('--max-old-space-size=128');
    expect(args.at(-1)).toBe('/x/entry.ts');
    // Shares never exceed the executor's memory, whatever the cores.
    for (const [mb, cores] of [[512, 2], [1024, 8], [4096, 3], [300, 1]] as const) {
      const { mainMb, threadMb } = executorHeapLimits(mb, cores);
      expect(mainMb + threadMb * cores).toBeLessThanOrEqual(mb);
    }
  });

  it('starts the process in its work dir with the FLINT_* environment, logs to files, and is killed on request', async () => {
    const { runner, changes, spec } = start({ 'flint.x': 1 });
    await until(() => fs.existsSync(path.join(spec.workDir, 'started')), 'the stub to start');
    expect(changes[0]).toMatchObject({ state: 'RUNNING', exitCode: null });
    expect(changes[0]!.pid).toBe(runner.pid);
    await until(() => fs.readFileSync(runner.stdoutPath, 'utf8').includes('env '), 'the env line');
    const envLine = fs.readFileSync(runner.stdoutPath, 'utf8').split('\n').find((l) => l.startsWith('env '))!;
    const env = JSON.parse(envLine.slice(4)) as Record<string, string>;
    expect(env).toMatchObject({
      FLINT_APP_ID: 'app-test',
      FLINT_EXECUTOR_ID: spec.executorId,
      FLINT_WORKER_ID: 'worker-test',
      FLINT_DRIVER_ADDRESS: '127.0.0.1:4040',
      FLINT_EXECUTOR_CORES: '2',
      FLINT_EXECUTOR_MEMORY_MB: '512',
      FLINT_TRANSPORT: 'tcp',
      FLINT_HOST: '127.0.0.1',
      FLINT_WORK_DIR: spec.workDir,
      FLINT_EXECUTOR_CONF: '{"flint.x":1}',
      FLINT_EXECUTOR_STDIN: 'launch-pipe',
    });
    expect(env).not.toHaveProperty('FLINT_SECRET');
    expect(fs.readFileSync(runner.stdoutPath, 'utf8')).toContain(`in ${spec.workDir}`);
    expect(fs.readFileSync(runner.stderrPath, 'utf8')).toContain('writes to stderr');
    await runner.kill('test asked');
    expect(changes.at(-1)).toMatchObject({ state: 'KILLED', exitCode: 0 });
    expect(changes.at(-1)!.message).toContain('test asked');
    expect(changes).toHaveLength(2);
  });

  it('passes the cluster secret through the launch pipe, never the environment, and keeps secret conf keys out', async () => {
    const { runner, spec } = start({ 'flint.authenticate.secret': 'app-s3cret', 'flint.x': 2 }, { secret: 's3cret' });
    const out = () => fs.readFileSync(runner.stdoutPath, 'utf8');
    await until(() => fs.existsSync(path.join(spec.workDir, 'started')) && out().includes('env ') && out().includes('launch line'), 'the stub');
    expect(out()).toContain('launch line {"secret":"s3cret"}');
    const env = JSON.parse(out().split('\n').find((l) => l.startsWith('env '))!.slice(4)) as Record<string, string>;
    expect(env).not.toHaveProperty('FLINT_SECRET');
    expect(env.FLINT_EXECUTOR_CONF).toBe('{"flint.x":2}');
    const environ = fs.readFileSync(`/proc/${runner.pid}/environ`, 'latin1');
    expect(environ).not.toContain('s3cret');
    // Work dir and logs are the owner's alone.
    expect(fs.statSync(spec.workDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(runner.stdoutPath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(runner.stderrPath).mode & 0o777).toBe(0o600);
  });

  it('reports EXITED for code 0 and FAILED with the code otherwise', async () => {
    const ok = start({ 'stub.exitAfterMs': 10 });
    const bad = start({ 'stub.exitAfterMs': 10, 'stub.exitCode': 3 });
    await Promise.all([ok.runner.exited, bad.runner.exited]);
    expect(ok.changes.map((c) => c.state)).toEqual(['RUNNING', 'EXITED']);
    expect(bad.changes.at(-1)).toMatchObject({ state: 'FAILED', exitCode: 3, message: 'exited with code 3' });
  });

  it('SIGKILLs an executor that ignores SIGTERM after the grace period', async () => {
    const { runner, changes, spec } = start({ 'stub.ignoreSigterm': true }, {}, 300);
    await until(() => fs.existsSync(path.join(spec.workDir, 'started')), 'the stub to start');
    await runner.kill('stop now');
    expect(changes.at(-1)).toMatchObject({ state: 'KILLED', exitCode: 137 });
    expect(fs.readFileSync(runner.stdoutPath, 'utf8')).toContain('ignoring SIGTERM');
  });

  it('reports FAILED when the entry does not exist', async () => {
    const { runner, changes } = start({}, { entry: path.join(root, 'missing.ts') });
    await runner.exited;
    expect(changes.at(-1)!.state).toBe('FAILED');
    expect(fs.readFileSync(runner.stderrPath, 'utf8').length).toBeGreaterThan(0);
  });
});
