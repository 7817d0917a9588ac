import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { closestSettingKey, compileSetting, compileSettings, parseSize, parseTime } from './conf.ts';
import { FlintError } from './errors.ts';
import { silentLogger } from './logging/logger.ts';
import { settingsDoc } from './settings-doc.ts';
import { FLINT_SETTINGS } from './settings-schema.ts';

const MB = 1024 * 1024;
const quiet = { env: {}, onUnknownKey: () => undefined };

function configError(f: () => unknown): FlintError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FlintError);
    expect((e as FlintError).code).toBe('CONFIG');
    return e as FlintError;
  }
  throw new Error('expected a CONFIG error, nothing was thrown');
}

describe('compileSettings', () => {
  test('an empty conf gives every documented default', () => {
    const s = compileSettings({}, quiet);
    const { setKeys, ...values } = s;
    expect(setKeys.size).toBe(0);
    expect(values).toEqual({
      maxTaskFailures: 4,
      maxStageAttempts: 4,
      localityWaitMs: 3000,
      defaultParallelism: null,
      maxResultSize: 1024 * MB,
      memoryBudget: 256 * MB,
      storageMemory: 1024 * MB,
      localDir: os.tmpdir(),
      showProgress: false,
      secret: null,
      transport: 'tcp',
      driverHost: '127.0.0.1',
      driverPort: 0,
      driverHeartbeatIntervalMs: 1000,
      maxRegisteredResourcesWaitingTimeMs: 30_000,
      executorCores: null,
      maxCores: null,
      executorMemory: 1024 * MB,
      executorHeartbeatIntervalMs: 2000,
      eventLogEnabled: true,
      eventLogDir: path.join(os.homedir(), '.flint', 'events'),
      eventLogDirExplicit: false,
      eventLogBatchEvents: 1000,
      eventLogMaxBatchesInFlight: 4,
      eventLogLingerMs: 50,
      eventLogFlushTimeoutMs: 10_000,
      workerTimeoutMs: 60_000,
      driverTimeoutMs: null,
      deploySpreadOut: true,
      deployDefaultCores: null,
      deployMaxExecutorRetries: 10,
    });
  });

  test('values given as their type or as strings compile to the same numbers', () => {
    const conf = {
      'flint.task.maxFailures': '7',
      'flint.stage.maxConsecutiveAttempts': 2,
      'flint.locality.wait': '1.5s',
      'flint.default.parallelism': 12,
      'flint.driver.maxResultSize': '2g',
      'flint.shuffle.memoryBudget': '64m',
      'flint.storage.memory': 1000,
      'flint.executor.memory': '512mb',
      'flint.eventLog.linger': '2min',
      'flint.eventLog.flushTimeout': 250,
      'flint.driver.port': '7078',
      'flint.ui.showProgress': 'true',
      'flint.eventLog.enabled': false,
      'flint.deploy.maxExecutorRetries': '-1',
      'flint.driver.timeout': '1h',
    };
    const s = compileSettings(conf, quiet);
    expect(s.maxTaskFailures).toBe(7);
    expect(s.maxStageAttempts).toBe(2);
    expect(s.localityWaitMs).toBe(1500);
    expect(s.defaultParallelism).toBe(12);
    expect(s.maxResultSize).toBe(2 * 1024 * MB);
    expect(s.memoryBudget).toBe(64 * MB);
    expect(s.storageMemory).toBe(1000);
    expect(s.executorMemory).toBe(512 * MB);
    expect(s.eventLogLingerMs).toBe(120_000);
    expect(s.eventLogFlushTimeoutMs).toBe(250);
    expect(s.driverPort).toBe(7078);
    expect(s.showProgress).toBe(true);
    expect(s.eventLogEnabled).toBe(false);
    expect(s.deployMaxExecutorRetries).toBe(-1);
    expect(s.driverTimeoutMs).toBe(3_600_000);
    expect([...s.setKeys].sort()).toEqual(Object.keys(conf).sort());
  });

  test('a bad value is a CONFIG error naming the key, what it expects and what it got', () => {
    const cases: [string, unknown, RegExp][] = [
      ['flint.task.maxFailures', 0, /^flint\.task\.maxFailures: expected an integer >= 1, got 0$/],
      ['flint.task.maxFailures', '2.5', /expected an integer >= 1, got "2.5"/],
      ['flint.eventLog.batchEvents', 20_000, /^flint\.eventLog\.batchEvents: expected an integer from 1 to 10000, got 20000$/],
      ['flint.shuffle.memoryBudget', '12 parsecs', /^flint\.shuffle\.memoryBudget: expected a size in bytes or like "64m"\/"1g", got "12 parsecs"$/],
      ['flint.shuffle.memoryBudget', -1, /expected a size/],
      ['flint.locality.wait', 'soon', /^flint\.locality\.wait: expected a time in ms or like "3s", got "soon"$/],
      ['flint.ui.showProgress', 'yes', /^flint\.ui\.showProgress: expected true or false, got "yes"$/],
      ['flint.eventLog.dir', '', /^flint\.eventLog\.dir: expected a directory path, got ""$/],
      ['flint.authenticate.secret', 42, /flint\.authenticate\.secret: expected a string, got 42/],
      ['flint.driver.port', 70_000, /flint\.driver\.port: expected an integer from 0 to 65535/],
      ['flint.transport', 'TCP!', /flint\.transport: expected a transport name/],
    ];
    for (const [key, value, message] of cases) {
      expect(configError(() => compileSettings({ [key]: value }, quiet)).message, `${key} = ${JSON.stringify(value)}`).toMatch(message);
    }
  });

  test('an environment variable stands in for its unset key, is validated like it, and the conf wins over it', () => {
    const env = { FLINT_SECRET: 'from-env', FLINT_EVENT_LOG_ENABLED: 'false', FLINT_EVENT_LOG_DIR: '/tmp/ev', FLINT_LOCAL_DIRS: '/tmp/local', FLINT_TRANSPORT: 'http' };
    const s = compileSettings({}, { env, onUnknownKey: () => undefined });
    expect([s.secret, s.eventLogEnabled, s.eventLogDir, s.localDir, s.transport]).toEqual(['from-env', false, '/tmp/ev', '/tmp/local', 'http']);
    expect(s.eventLogDirExplicit).toBe(true);
    const c = compileSettings({ 'flint.authenticate.secret': 'from-conf', 'flint.eventLog.enabled': true, 'flint.transport': 'tcp' }, { env, onUnknownKey: () => undefined });
    expect([c.secret, c.eventLogEnabled, c.transport]).toEqual(['from-conf', true, 'tcp']);
    expect(configError(() => compileSettings({}, { env: { FLINT_EVENT_LOG_ENABLED: 'maybe' } })).message).toMatch(/^flint\.eventLog\.enabled \(from FLINT_EVENT_LOG_ENABLED\): expected true or false, got "maybe"$/);
  });

  test('an unknown flint.* key is reported once with the closest known key and ignored; other keys pass silently', () => {
    const reports: [string, string, string | null][] = [];
    const s = compileSettings(
      { 'flint.task.maxFailure': 9, 'flint.Shuffle.MemoryBudget': '1m', 'flint.app.token': 'x', 'spark.whatever': 1, myOwn: { a: 1 } },
      { env: {}, onUnknownKey: (m, k, c) => reports.push([m, k, c]) },
    );
    expect(reports.map(([, k, c]) => [k, c])).toEqual([
      ['flint.task.maxFailure', 'flint.task.maxFailures'],
      ['flint.Shuffle.MemoryBudget', 'flint.shuffle.memoryBudget'],
      ['flint.app.token', null],
    ]);
    expect(reports[0]![0]).toBe('flint: unknown setting flint.task.maxFailure (did you mean flint.task.maxFailures?); it is ignored. Settings: docs/settings.md');
    expect(reports[2]![0]).not.toContain('did you mean');
    expect(s.maxTaskFailures).toBe(4);
    expect(s.memoryBudget).toBe(256 * MB);
  });

  test('an unknown key goes to the logger it is given (the context\'s), not to process warnings', async () => {
    const warned: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void warned.push(m) };
    const processWarnings: string[] = [];
    const onWarning = (w: Error) => void processWarnings.push(w.message);
    process.on('warning', onWarning);
    try {
      compileSettings({ 'flint.locality.wiat': '1s', 'flint.task.maxFailures': 2 }, { env: {}, logger });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warned).toEqual(['unknown setting flint.locality.wiat (did you mean flint.locality.wait?); it is ignored. Settings: docs/settings.md']);
    expect(processWarnings.filter((w) => w.includes('flint.locality.wiat'))).toEqual([]);
  });

  test('without a handler an unknown key is a process warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      compileSettings({ 'flint.locality.wiat': '1s' }, { env: {} });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('flint.locality.wiat'))).toEqual(['flint: unknown setting flint.locality.wiat (did you mean flint.locality.wait?); it is ignored. Settings: docs/settings.md']);
  });

  test('compileSetting reads one key with the same rules', () => {
    expect(compileSetting({}, 'workerTimeoutMs')).toBe(60_000);
    expect(compileSetting({ 'flint.worker.timeout': '5s' }, 'workerTimeoutMs')).toBe(5000);
    expect(configError(() => compileSetting({ 'flint.deploy.spreadOut': 'sometimes' }, 'deploySpreadOut')).message).toMatch(/flint\.deploy\.spreadOut: expected true or false/);
  });
});

describe('closestSettingKey', () => {
  test('finds a key a typo or a case slip away, and nothing for an unrelated key', () => {
    for (const s of Object.values(FLINT_SETTINGS)) {
      expect(closestSettingKey(s.key)).toBe(s.key);
      expect(closestSettingKey(s.key.toUpperCase())).toBe(s.key);
      expect(closestSettingKey(`${s.key.slice(0, -1)}`)).toBe(s.key);
    }
    expect(closestSettingKey('flint.db.password')).toBeNull();
    expect(closestSettingKey('flint.x')).toBeNull();
  });
});

describe('parseSize / parseTime', () => {
  test('units, and errors naming the key', () => {
    expect([parseSize('1k', 'k'), parseSize('1.5m', 'k'), parseSize('2GiB', 'k'), parseSize('1t', 'k'), parseSize(10, 'k')]).toEqual([1024, 1.5 * MB, 2 * 1024 * MB, 1024 ** 4, 10]);
    expect([parseTime('10', 'k'), parseTime('10ms', 'k'), parseTime('2s', 'k'), parseTime('3m', 'k'), parseTime('1min', 'k'), parseTime('1h', 'k')]).toEqual([10, 10, 2000, 180_000, 60_000, 3_600_000]);
    expect(configError(() => parseSize('lots', 'my.key')).message).toMatch(/^my\.key: expected a size/);
    expect(configError(() => parseTime(-5, 'my.key')).message).toMatch(/^my\.key: expected a time/);
  });
});

describe('the settings doc', () => {
  test('docs/settings.md is generated from the schema (run `pnpm --filter @flint/core settings-doc` after changing it)', () => {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/settings.md');
    expect(fs.readFileSync(file, 'utf8')).toBe(settingsDoc());
  });

  test('every setting has a row with its key, default and doc', () => {
    const doc = settingsDoc();
    const rows = doc.split('\n').filter((l) => l.startsWith('| `flint.'));
    expect(rows).toHaveLength(Object.keys(FLINT_SETTINGS).length);
    for (const s of Object.values(FLINT_SETTINGS)) {
      const row = rows.find((r) => r.startsWith(`| \`${s.key}\` |`));
      expect(row, s.key).toBeDefined();
      expect(row).toContain(s.defaultDoc);
      expect(row).toContain(s.doc);
    }
  });
});
