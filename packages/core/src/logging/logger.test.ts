import { describe, expect, it } from 'vitest';
import { lineLogger, processWarningLogger, silentLogger } from './logger.ts';

describe('Logger implementations', () => {
  it('lineLogger writes one line per event at info and above, with the fields as JSON', () => {
    const lines: string[] = [];
    const log = lineLogger('flint:transport', (l) => lines.push(l));
    log.debug('not shown');
    log.info('connection refused', { peer: '127.0.0.1:5000' });
    log.warn('closed for bad input');
    log.error('lost', {});
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO \[flint:transport\] connection refused \{"peer":"127\.0\.0\.1:5000"\}\n$/);
    expect(lines[1]).toMatch(/ WARN \[flint:transport\] closed for bad input\n$/);
    expect(lines[2]).toMatch(/ ERROR \[flint:transport\] lost\n$/);
  });

  it('processWarningLogger turns warnings and errors into process warnings and drops the rest', async () => {
    const seen: string[] = [];
    const onWarning = (w: Error) => seen.push(w.message);
    process.on('warning', onWarning);
    try {
      processWarningLogger.info('quiet');
      processWarningLogger.debug('quiet');
      processWarningLogger.warn('a listener is behind', { events: 3 });
      processWarningLogger.error('the event log failed');
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(seen).toEqual(['flint: a listener is behind {"events":3}', 'flint: the event log failed']);
  });

  it('silentLogger accepts every level and writes nothing', () => {
    expect(() => ['debug', 'info', 'warn', 'error'].forEach((l) => silentLogger[l as 'info']('x', { a: 1 }))).not.toThrow();
  });
});

describe("FlintContext's logger", () => {
  it('receives the unknown-setting warning of its own conf, and no process warning is raised', async () => {
    const { FlintContext } = await import('../context.ts');
    const warned: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void warned.push(m) };
    const processWarnings: string[] = [];
    const onWarning = (w: Error) => void processWarnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const sc = await FlintContext.create({ master: 'local[1]', appName: 'logger-test', progress: false, logger, conf: { 'flint.task.maxFailres': 2, 'flint.eventLog.enabled': false } });
      try {
        expect(await sc.parallelize([1, 2, 3], 2).count()).toBe(3);
      } finally {
        await sc.stop();
      }
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warned).toContain('unknown setting flint.task.maxFailres (did you mean flint.task.maxFailures?); it is ignored. Settings: docs/settings.md');
    expect(processWarnings.filter((w) => w.includes('maxFailres'))).toEqual([]);
  });
});
