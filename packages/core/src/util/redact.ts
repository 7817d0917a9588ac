/**
 * Redaction of secrets from configurations before they are stored, logged,
 * shown or sent to another process: a key whose name says it holds a secret
 * (as Spark's `spark.redaction.regex` default: secret, password, token, access
 * key) keeps its key and loses its value. Pure functions; no state.
 */

/** Keys whose values are never stored, logged or shown. */
export const SECRET_KEY_PATTERN = /secret|password|token|access[._-]?key|credential/i;

/** What a redacted value reads as. */
export const REDACTED = '*********(redacted)';

/** Whether `key` names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/** A copy of `conf` with the value of every secret key replaced by {@link REDACTED}. */
export function redactConf<T>(conf: Record<string, T>): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const [k, v] of Object.entries(conf)) out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : v;
  return out;
}

/** A copy of `conf` without its secret keys (for a process that must not receive them at all). */
export function withoutSecrets<T>(conf: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(conf)) if (!isSecretKey(k)) out[k] = v;
  return out;
}
