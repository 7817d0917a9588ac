import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretKey, redactConf, withoutSecrets } from './redact.ts';

describe('redactConf', () => {
  const conf = {
    'flint.authenticate.secret': 's3cret',
    'flint.app.name': 'job',
    'flint.executor.memory': '512m',
    'my.db.password': 'pw',
    'flint.hadoop.fs.s3a.access.key': 'AKIA',
    'api.token': 't',
    'flint.cores.max': 4,
  };

  it('keeps every key, and hides exactly the values of secret keys', () => {
    const r = redactConf(conf);
    expect(Object.keys(r)).toEqual(Object.keys(conf));
    const hidden = Object.keys(conf).filter((k) => /secret|password|token|access.key/i.test(k));
    for (const [k, v] of Object.entries(r)) expect(v).toBe(hidden.includes(k) ? REDACTED : conf[k as keyof typeof conf]);
    expect(JSON.stringify(r)).not.toContain('s3cret');
    expect(conf['flint.authenticate.secret']).toBe('s3cret');
  });

  it('drops secret keys for a process that must not receive them', () => {
    expect(withoutSecrets(conf)).toEqual({ 'flint.app.name': 'job', 'flint.executor.memory': '512m', 'flint.cores.max': 4 });
    expect(isSecretKey('flint.executor.memory')).toBe(false);
    expect(isSecretKey('FLINT.AUTHENTICATE.SECRET')).toBe(true);
  });
});
