/**
 * Flint's settings: user conf (Spark-style dotted keys) compiled once, against
 * the one table in settings-schema.ts, into typed values with documented
 * defaults. Sizes accept numbers (bytes) or strings like "64m", "1g"; times
 * accept numbers (ms) or "3s". Components take the compiled `FlintSettings`,
 * never the raw conf.
 */
import { settingsEnvironment } from './env.ts';
import { FlintError, FlintErrorCode } from './errors.ts';
import { processWarningLogger, type Logger } from './logging/logger.ts';
import { FLINT_SETTINGS, sizeInBytes, timeInMs, type FlintSettingField, type FlintSettingKey, type FlintSettingValues, type SettingSpec, type SettingsEnvironment } from './settings-schema.ts';

export interface FlintSettings extends FlintSettingValues {
  /** The keys the conf (or their environment variable) set, as opposed to defaulted. */
  readonly setKeys: ReadonlySet<FlintSettingKey>;
  /** Whether `eventLogDir` was set (then a directory it cannot write is an error, not a warning). */
  eventLogDirExplicit: boolean;
}

export interface CompileSettingsOptions {
  /** What defaults may depend on. @default the process's (env.ts) */
  env?: SettingsEnvironment;
  /**
   * Told about each `flint.*` key no setting has, with the closest known key when one is near.
   * @default a warning through `logger`
   */
  onUnknownKey?: (message: string, key: string, closest: FlintSettingKey | null) => void;
  /** Where an unknown key is reported when there is no `onUnknownKey`. @default processWarningLogger */
  logger?: Logger;
}

export function parseSize(v: unknown, key: string): number {
  const n = sizeInBytes(v);
  if (n === null) throw new FlintError(FlintErrorCode.CONFIG, `${key}: expected a size in bytes or like "64m"/"1g", got ${JSON.stringify(v)}`);
  return n;
}

export function parseTime(v: unknown, key: string): number {
  const n = timeInMs(v);
  if (n === null) throw new FlintError(FlintErrorCode.CONFIG, `${key}: expected a time in ms or like "3s", got ${JSON.stringify(v)}`);
  return n;
}

const BY_KEY = new Map<string, FlintSettingField>(Object.entries(FLINT_SETTINGS).map(([field, s]) => [s.key, field as FlintSettingField]));

/** The known setting key nearest to `key` (edit distance, ignoring case), or null when none is near. */
export function closestSettingKey(key: string): FlintSettingKey | null {
  const k = key.toLowerCase();
  let best: FlintSettingKey | null = null;
  let bestD = Infinity;
  for (const s of Object.values(FLINT_SETTINGS)) {
    const d = editDistance(k, s.key.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = s.key;
    }
  }
  // Near: a typo or two, or a missing/extra word part, not an unrelated key of similar length.
  return bestD <= Math.max(2, Math.floor(k.length / 5)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function compileOne<T>(spec: SettingSpec<T>, raw: unknown, from: string): T {
  const r = spec.schema.safeParse(raw);
  if (!r.success) throw new FlintError(FlintErrorCode.CONFIG, `${spec.key}${from}: expected ${spec.expects}, got ${JSON.stringify(raw)}`);
  return r.data;
}

/** Compiles one setting of `conf` alone (for a component that reads a single key, like the master). */
export function compileSetting<F extends FlintSettingField>(conf: Readonly<Record<string, unknown>>, field: F, env: SettingsEnvironment = {}): FlintSettingValues[F] {
  const spec = FLINT_SETTINGS[field] as SettingSpec<FlintSettingValues[F]>;
  const v = conf[spec.key];
  if (v !== undefined) return compileOne(spec, v, '');
  const fromEnv = spec.env ? env[spec.env] : undefined;
  if (fromEnv !== undefined) return compileOne(spec, fromEnv, ` (from ${spec.env})`);
  return spec.default(env);
}

/**
 * Validates every `flint.*` key of `conf` once and returns every setting's value (the conf's, its
 * environment variable's, or the default). A bad value is a CONFIG error naming the key and what it
 * expects; an unknown `flint.*` key is reported (with the closest known key) and ignored. Keys
 * outside `flint.*` are the application's own and pass unchecked.
 */
export function compileSettings(conf: Readonly<Record<string, unknown>>, opts: CompileSettingsOptions = {}): FlintSettings {
  const env = opts.env ?? settingsEnvironment();
  for (const key of Object.keys(conf)) {
    if (!key.startsWith('flint.') || BY_KEY.has(key)) continue;
    const closest = closestSettingKey(key);
    const message = `unknown setting ${key}${closest ? ` (did you mean ${closest}?)` : ''}; it is ignored. Settings: docs/settings.md`;
    if (opts.onUnknownKey) opts.onUnknownKey(`flint: ${message}`, key, closest);
    else (opts.logger ?? processWarningLogger).warn(message);
  }
  const values: Record<string, unknown> = {};
  const setKeys = new Set<FlintSettingKey>();
  for (const [field, spec] of Object.entries(FLINT_SETTINGS) as [FlintSettingField, SettingSpec<unknown>][]) {
    values[field] = compileSetting(conf, field, env);
    if (conf[spec.key] !== undefined || (spec.env && env[spec.env] !== undefined)) setKeys.add(spec.key);
  }
  return { ...(values as unknown as FlintSettingValues), setKeys, eventLogDirExplicit: setKeys.has('flint.eventLog.dir') };
}
