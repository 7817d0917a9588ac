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
