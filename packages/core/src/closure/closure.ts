/// <reference path="../types/acorn-globals.d.ts" />
/**
 * Driver side of closure shipping: turns a function plus its `env` into a FnSpec,
 * after checking that every free variable of the function is either in env or a
 * standard global. A missing one is a ClosureError raised when the transformation
 * is defined, naming the variable and the method.
 */
import vm from 'node:vm';
import findGlobals from 'acorn-globals';
import { ClosureError } from '../errors.ts';
import { type FnSpec, isShippable, SHIP } from './ship.ts';

/** Helpers that TypeScript compilers emit into function bodies; executors define them. */
export const COMPILER_HELPERS = [
  '__name',
  '__assign',
  '__rest',
  '__spreadArray',
  '__awaiter',
  '__values',
  '__read',
  '__spread',
  '__publicField',
  '__defProp',
  '__require',
] as const;

const NODE_GLOBALS = [
  'Buffer', 'process', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval',
  'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'URL', 'URLSearchParams',
  'TextEncoder', 'TextDecoder', 'performance', 'fetch', 'AbortController', 'AbortSignal', 'Blob',
  'atob', 'btoa', 'crypto', 'global', 'globalThis', 'undefined', 'NaN', 'Infinity', 'arguments',
  'Intl', 'WebAssembly', 'BroadcastChannel', 'MessageChannel', 'EventTarget', 'Event',
];

const STANDARD_GLOBALS = new Set<string>([
  ...(vm.runInNewContext('Object.getOwnPropertyNames(globalThis)') as string[]),
  ...NODE_GLOBALS,
  ...COMPILER_HELPERS,
]);

const freeVarCache = new Map<string, string[]>();

/** Wraps a function's source so that it parses as an expression (method shorthand becomes a function). */
export function expressionSource(src: string): string {
  const s = src.trim();
  if (/^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>|class\b)/.test(s)) return s;
  if (/^async\s+[A-Za-z_$][\w$]*\s*=>/.test(s)) return s;
  // Method shorthand: `name(args) { ... }`, `async name() {}`, `*gen() {}`.
  if (s.startsWith('async ')) return `async function ${s.slice(6).replace(/^\*\s*/, '* ')}`;
  if (s.startsWith('*')) return `function${s}`;
  return `function ${s}`;
}

function freeVariables(src: string, method: string): string[] {
  let cached = freeVarCache.get(src);
  if (cached) return cached;
  try {
    cached = (findGlobals(`(${src})`) as { name: string }[]).map((g) => g.name);
  } catch (e) {
    throw new ClosureError(
      `${method}(): cannot parse the function's source to ship it (${(e as Error).message}); pass an arrow function or a function expression`,
      null,
      method,
    );
  }
  if (freeVarCache.size > 10_000) freeVarCache.clear();
  freeVarCache.set(src, cached);
  return cached;
}

/** Encodes an env value: functions become FnSpecs, shippable objects their markers, data ships as is. */
function encodeEnvValue(v: unknown, method: string, path: string, flags: { special: boolean }, depth: number): unknown {
  if (typeof v === 'function') {
    flags.special = true;
    return { $flint: 'fn', fn: serializeFn(v as (...a: never[]) => unknown, undefined, `${method} env "${path}"`) };
  }
  if (typeof v !== 'object' || v === null || depth > 32) return v;
  if (isShippable(v)) {
    flags.special = true;
    return v[SHIP]();
  }
  if (ArrayBuffer.isView(v) || v instanceof Date || v instanceof RegExp) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (typeof e === 'object' && e !== null ? true : typeof e === 'function') {
        const enc = encodeEnvValue(e, method, `${path}[${i}]`, flags, depth + 1);
        if (enc !== e) {
          out ??= v.slice();
          out[i] = enc;
        }
      }
    }
    return out ?? v;
  }
  if (v instanceof Map || v instanceof Set) return v;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new ClosureError(
      `${method}(): env value "${path}" is an instance of ${proto?.constructor?.name ?? 'a class'}, which cannot be shipped to executors; pass plain data, functions, broadcasts or moduleRef()`,
      path,
      method,
    );
  }
  let out: Record<string, unknown> | null = null;
  for (const [k, e] of Object.entries(v)) {
    if ((typeof e === 'object' && e !== null) || typeof e === 'function') {
      const enc = encodeEnvValue(e, method, `${path}.${k}`, flags, depth + 1);
      if (enc !== e) {
        out ??= { ...(v as Record<string, unknown>) };
        out[k] = enc;
      }
    }
  }
  return out ?? v;
}

/**
 * Serializes `fn` with its `env` for the RDD method `method`. Throws ClosureError when the
 * function uses a free variable that is neither in env nor a standard global.
 */
export function serializeFn(fn: (...args: never[]) => unknown, env: Record<string, unknown> | undefined, method: string): FnSpec {
  if (typeof fn !== 'function') {
    throw new ClosureError(`${method}(): expected a function, got ${fn === null ? 'null' : typeof fn}`, null, method);
  }
  const raw = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(raw)) {
    throw new ClosureError(
      `${method}(): ${fn.name ? `"${fn.name}"` : 'the function'} is native or bound and has no source to ship; wrap it: x => ${fn.name || 'f'}(x)`,
      fn.name || null,
      method,
    );
  }
  // Vite's SSR transform (vitest) rewrites imported names to `__vite_ssr_import_N__.name`;
  // such a function refers to `name`, which env must provide like any other import.
  const src = expressionSource(raw.includes('__vite_ssr_import_') ? raw.replace(/__vite_ssr_import_\d+__\.([A-Za-z_$][\w$]*)/g, '$1') : raw);
  const envNames = env ? Object.keys(env) : [];
  for (const name of freeVariables(src, method)) {
    if (STANDARD_GLOBALS.has(name) || envNames.includes(name)) continue;
    throw new ClosureError(
      `${method}(): the function uses "${name}", which is not in its env. Functions run on executors and can capture nothing else: pass it as the last argument, e.g. .${method.replace(/\(.*$/, '')}(fn, { ${name} })`,
      name,
      method,
    );
  }
  if (!env || envNames.length === 0) return { src, env: null, special: false, method };
  const flags = { special: false };
  const encoded: Record<string, unknown> = {};
  for (const name of envNames) encoded[name] = encodeEnvValue(env[name], method, name, flags, 0);
  return { src, env: encoded, special: flags.special, method };
}
