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
  // tsc (tslib names)
  '__assign',
  '__rest',
  '__spreadArray',
  '__spread',
  '__awaiter',
  '__generator',
  '__values',
  '__read',
  '__extends',
  '__makeTemplateObject',
  '__classPrivateFieldGet',
  '__classPrivateFieldSet',
  // esbuild
  '__name',
  '__spreadValues',
  '__spreadProps',
  '__objRest',
  '__async',
  '__pow',
  '__publicField',
  '__privateGet',
  '__privateSet',
  '__privateAdd',
  '__privateMethod',
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
/** Module objects that vite/vitest's SSR transform uses in place of imported names. */
const REWRITTEN_IMPORT = /^(__vite_ssr_import_\d+__|__vi_import_\d+__)$/;
const REWRITTEN_IMPORT_USE = /\b(?:__vite_ssr_import_\d+__|__vi_import_\d+__)\.([A-Za-z_$][\w$]*)/g;

/**
 * vite/vitest rewrite a use of a named import `helper` as `__vite_ssr_import_0__.helper`: where
 * `helper` is in env, the function's source gets its own name back.
 */
function restoreImportNames(src: string, envNames: readonly string[], scope: readonly string[]): string {
  if (!src.includes('_import_')) return src;
  return src.replace(REWRITTEN_IMPORT_USE, (use, name: string) => (envNames.includes(name) || scope.includes(name) ? name : use));
}
/** Module-level caches of tsc's down-levelled tagged templates; executors declare them. */
const TEMPLATE_CACHE = /^templateObject_\d+$/;

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

interface FoundGlobal {
  name: string;
  nodes: { parents?: { type: string }[] }[];
}

/**
 * A `this` that acorn-globals reports as free is the enclosing scope's `this` unless it sits in a
 * class static block, where it is the class: esbuild's keepNames (tsx) puts
 * `static { __name(this, "P") }` into every class, which made any class in a closure or an env a
 * free `this`.
 */
function isLexicalThis(node: { parents?: { type: string }[] }): boolean {
  return !(node.parents ?? []).some((p) => p.type === 'StaticBlock');
}

function freeVariables(src: string, method: string): string[] {
  let cached = freeVarCache.get(src);
  if (cached) return cached;
  try {
    cached = (findGlobals(`(${src})`) as FoundGlobal[]).filter((g) => g.name !== 'this' || g.nodes.some(isLexicalThis)).map((g) => g.name);
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

/**
 * Encodes an env value: functions become FnSpecs, shippable objects their markers, data ships as is.
 * A function in env may use the other names of the same env (`scope`), as module-level helpers use
 * each other: executors compile it in one scope with them.
 */
function encodeEnvValue(v: unknown, method: string, path: string, flags: { special: boolean }, depth: number, scope: readonly string[]): unknown {
  if (typeof v === 'function') {
    flags.special = true;
    return { $flint: 'fn', fn: serializeFnIn(v as (...a: never[]) => unknown, undefined, method, scope, path) };
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
        const enc = encodeEnvValue(e, method, `${path}[${i}]`, flags, depth + 1, scope);
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
      const enc = encodeEnvValue(e, method, `${path}.${k}`, flags, depth + 1, scope);
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
  return serializeFnIn(fn, env, method, [], null);
}

/** `serializeFn` for a function that may also use the names in `scope`; `envPath` names it when it sits in an env. */
function serializeFnIn(
  fn: (...args: never[]) => unknown,
  env: Record<string, unknown> | undefined,
  method: string,
  scope: readonly string[],
  envPath: string | null,
): FnSpec {
  const where = envPath === null ? `${method}()` : `${method}(): env value "${envPath}"`;
  if (typeof fn !== 'function') {
    throw new ClosureError(`${where}: expected a function, got ${fn === null ? 'null' : typeof fn}`, null, method);
  }
  const kind = Object.getPrototypeOf(fn)?.constructor?.name;
  if (kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') {
    throw new ClosureError(
      `${where}: ${fn.name ? `"${fn.name}"` : 'the function'} is async; executors call functions synchronously, so its results would be Promises. Pass a synchronous function`,
      envPath ?? (fn.name || null),
      method,
    );
  }
  const raw = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(raw)) {
    throw new ClosureError(
      `${where}: ${fn.name ? `"${fn.name}"` : 'the function'} is native or bound and has no source to ship; wrap it: x => ${fn.name || 'f'}(x)`,
      envPath ?? (fn.name || null),
      method,
    );
  }
  const envNames = env ? Object.keys(env) : [];
  const src = restoreImportNames(expressionSource(raw), envNames, scope);
  for (const name of freeVariables(src, method)) {
    if (STANDARD_GLOBALS.has(name) || envNames.includes(name) || scope.includes(name) || TEMPLATE_CACHE.test(name)) continue;
    if (REWRITTEN_IMPORT.test(name)) {
      // Name what the function takes from the import, as the user wrote it.
      const members = [...new Set([...src.matchAll(new RegExp(`\\b${name}\\.([A-Za-z_$][\\w$]*)`, 'g'))].map((m) => m[1]!))];
      const named = members.filter((m) => m !== 'default');
      throw new ClosureError(
        `${where}: the function uses ${members.map((m) => `"${m}"`).join(', ') || 'an import'} from an import that a test runner or bundler ` +
          `rewrote to "${name}", which is not in its env. Pass ${named.length > 0 ? `{ ${named.join(', ')} }` : 'what it uses'} in env under ` +
          `the names they are imported as, or copy them to local consts first (default and namespace imports cannot be matched)`,
        named[0] ?? name,
        method,
      );
    }
    if (name === 'this') {
      throw new ClosureError(
        `${where}: the function uses "this" from where it was written, which executors do not have. Copy what it reads from "this" to a local const and pass that in env`,
        name,
        method,
      );
    }
    const hint =
      envPath === null
        ? `pass it as the last argument, e.g. .${method}(fn, { ${name} })`
        : `add it to the same env, e.g. .${method}(fn, { ${envPath.replace(/[.[].*$/, '')}, ${name} })`;
    throw new ClosureError(
      `${where}: the function uses "${name}", which is not in its env. Functions run on executors and can capture nothing else: ${hint}`,
      name,
      method,
    );
  }
  const specMethod = envPath === null ? method : `${method} env "${envPath}"`;
  if (!env || envNames.length === 0) return { src, env: null, special: false, method: specMethod };
  const flags = { special: false };
  const encoded: Record<string, unknown> = {};
  for (const name of envNames) encoded[name] = encodeEnvValue(env[name], method, name, flags, 0, envNames);
  return { src, env: encoded, special: flags.special, method: specMethod };
}
