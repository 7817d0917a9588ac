import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { daemonEnvShape, envMilliseconds, envMillisecondsOrZero, parseEnv } from './env.ts';

const schema = z.object({ ...daemonEnvShape, T_MS: envMilliseconds.optional(), G_MS: envMillisecondsOrZero.optional() });

describe('parseEnv', () => {
  it('reads only the variables the schema names, treating empty values as unset', () => {
    expect(parseEnv('master', schema, { T_MS: '250', G_MS: '0', FLINT_SECRET: '', FLINT_LOG_LEVEL: 'debug', OTHER: 'x' })).toEqual({ T_MS: 250, G_MS: 0, FLINT_LOG_LEVEL: 'debug' });
    expect(parseEnv('worker', schema, {})).toEqual({});
  });

  it('refuses bad values with a CONFIG error naming the daemon, every variable and the fix', () => {
    let err: unknown;
    try {
      parseEnv('master', schema, { T_MS: '0', G_MS: '1.5', FLINT_LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: 'DaemonError', code: 'CONFIG', retryable: false });
    const message = (err as Error).message;
    expect(message).toMatch(/^CONFIG: bad environment for the master \(/);
    for (const name of ['T_MS', 'G_MS', 'FLINT_LOG_LEVEL']) expect(message).toContain(name);
    expect(message).toContain('fix or unset those variables');
  });
});
