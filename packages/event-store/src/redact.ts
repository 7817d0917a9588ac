/** Keys whose values the store never keeps: any key naming a secret, password or token (or access key, credential). */
const SECRET_KEY = /secret|password|token|access[._-]?key|credential/i;

export const REDACTED_VALUE = '[redacted]';

/** A copy of `conf` in which the value of every secret-looking key is replaced by `[redacted]`. */
export function redactSecrets(conf: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(conf)) out[k] = SECRET_KEY.test(k) ? REDACTED_VALUE : v;
  return out;
}
