/**
 * Executor side of closure shipping: turns FnSpecs back into functions. Compiled
 * functions are cached per thread (by source when the env is empty, by spec
 * identity otherwise), so a stage's closures compile once per thread.
 * Env markers are resolved through a ClosureRuntime that the executor provides.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compilerHelpers } from './compiler-helpers.ts';
import { accumulatorTypeError, type FnSpec, type ShipMarker } from './ship.ts';

/** What compiled closures need from the executor they run in. */
export interface ClosureRuntime {
  /** The value of a broadcast that `prefetch` has made available. */
  broadcastValue(id: number): unknown;
  /** Adds to an accumulator on behalf of the task running now. */
  accumulatorAdd(id: number, value: unknown, merge: ((a: unknown, b: unknown) => unknown) | null): void;
  /** Makes broadcasts available before the task runs. */
  fetchBroadcasts(ids: number[]): Promise<void>;
}

const helpers = compilerHelpers;
const HELPER_NAMES = Object.keys(helpers);
const HELPER_VALUES = Object.values(helpers);

const bySource = new Map<string, (...a: never[]) => unknown>();
const TEMPLATE_CACHE = /\btemplateObject_\d+\b/g;
/** Compiled functions by the sourceURL number they carry, so a stack trace names the user function. */
const compiledSpecs = new Map<number, FnSpec>();
let fnSeq = 0;

/** A sourceURL comment that lets `functionInStack` find `spec` from a stack trace. */
function sourceTag(spec: FnSpec): string {
  const n = ++fnSeq;
  if (compiledSpecs.size > 10_000) compiledSpecs.clear();
  compiledSpecs.set(n, spec);
  return `//# sourceURL=flint-fn-${n}-${spec.method.replace(/[^\w]/g, '_')}.js`;
}

/** Module-level caches that tsc's down-levelled tagged templates use (`templateObject_1 || (templateObject_1 = ...)`). */
function templateCaches(spec: FnSpec): string {
  const names = [...new Set(spec.src.match(TEMPLATE_CACHE))].filter((n) => !spec.env || !(n in spec.env));
  return names.length > 0 ? `var ${names.join(', ')};\n` : '';
}

function tagged(spec: FnSpec): string {
  return `${templateCaches(spec)}return (${spec.src}\n);\n${sourceTag(spec)}`;
}

/** The user function that appears first in an error's stack, if any. */
export function functionInStack(stack: string | undefined): FnSpec | null {
  if (!stack) return null;
  const m = /flint-fn-(\d+)-/.exec(stack);
  return m ? (compiledSpecs.get(Number(m[1])) ?? null) : null;
}
const bySpec = new WeakMap<FnSpec, (...a: never[]) => unknown>();
const modules = new Map<string, unknown>();

function isMarker(v: unknown): v is ShipMarker {
  return typeof v === 'object' && v !== null && typeof (v as { $flint?: unknown }).$flint === 'string';
}

/** Walks specs and collects broadcast ids and module specifiers that must be loaded first. */
function collectNeeds(spec: FnSpec, out: { broadcasts: Set<number>; modules: Set<string> }): void {
  if (!spec.special || !spec.env) return;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || depth > 34) return;
    if (isMarker(v)) {
      if (v.$flint === 'broadcast') out.broadcasts.add(v.id);
      else if (v.$flint === 'module') out.modules.add(v.specifier);
      else if (v.$flint === 'fn') collectNeeds(v.fn, out);
      else if (v.$flint === 'accumulator' && v.merge) collectNeeds(v.merge, out);
      return;
    }
    if (Array.isArray(v)) for (const e of v) visit(e, depth + 1);
    else if (Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v)) visit(e, depth + 1);
  };
  for (const v of Object.values(spec.env)) visit(v, 0);
}

async function importModule(specifier: string): Promise<unknown> {
  const cached = modules.get(specifier);
  if (cached !== undefined) return cached;
  let target = specifier;
  if (!specifier.startsWith('node:')) {
    try {
      const req = createRequire(path.join(process.cwd(), 'noop.js'));
      target = pathToFileURL(req.resolve(specifier)).href;
    } catch {
      target = specifier;
    }
  }
  const ns = (await import(target)) as Record<string, unknown>;
  const keys = Object.keys(ns);
  const value = keys.length === 1 && keys[0] === 'default' ? ns.default : ns.default && !specifier.startsWith('node:') ? ns.default : ns;
  modules.set(specifier, value);
  return value;
}

/** Loads what a set of specs needs (modules, broadcasts) so that `compileFn` can run synchronously. */
export async function prepareFns(specs: Iterable<FnSpec>, runtime: ClosureRuntime): Promise<void> {
  const needs = { broadcasts: new Set<number>(), modules: new Set<string>() };
  for (const s of specs) collectNeeds(s, needs);
  for (const m of needs.modules) await importModule(m);
  if (needs.broadcasts.size > 0) await runtime.fetchBroadcasts([...needs.broadcasts]);
}

/** A function shipped in an env without an env of its own: it is compiled in its parent's scope. */
function isScopedFn(v: ShipMarker): v is Extract<ShipMarker, { $flint: 'fn' }> {
  return v.$flint === 'fn' && v.fn.env === null;
}

/** The scoped functions of an env, in the order `decodeEnvValue` meets them. */
function collectScopedFns(v: unknown, out: FnSpec[], depth: number): void {
  if (typeof v !== 'object' || v === null || depth > 34) return;
  if (isMarker(v)) {
    if (isScopedFn(v)) out.push(v.fn);
    return;
  }
  if (Array.isArray(v)) for (const e of v) collectScopedFns(e, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v)) collectScopedFns(e, out, depth + 1);
}

function decodeEnvValue(v: unknown, runtime: ClosureRuntime, depth: number, scoped: () => unknown): unknown {
  if (typeof v !== 'object' || v === null || depth > 34) return v;
  if (isMarker(v)) {
    switch (v.$flint) {
      case 'fn':
        return v.fn.env === null ? scoped() : compileFn(v.fn, runtime);
      case 'module': {
        const m = modules.get(v.specifier);
        if (m === undefined) throw new Error(`module "${v.specifier}" was not loaded before the task ran`);
        return m;
      }
      case 'broadcast': {
        const id = v.id;
        return { id, get value() { return runtime.broadcastValue(id); } };
      }
      case 'accumulator': {
        const id = v.id;
        const merge = v.merge ? (compileFn(v.merge, runtime) as (a: unknown, b: unknown) => unknown) : null;
        const kind = v.kind ?? null;
        return {
          id,
          add(x: unknown) {
            // Checked here, where the task can fail naming it: on the driver a wrong type would only surface when merged.
            if (kind && typeof x !== kind) throw accumulatorTypeError(id, kind, x);
            runtime.accumulatorAdd(id, x, merge);
          },
          get value(): never { throw new Error(`accumulator ${id}: .value can only be read on the driver`); },
        };
      }
    }
  }
  if (Array.isArray(v)) return v.map((e) => decodeEnvValue(e, runtime, depth + 1, scoped));
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = decodeEnvValue(e, runtime, depth + 1, scoped);
    return out;
  }
  return v;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const bindable = new Map<string, boolean>();
/** Whether `name` can be a binding (not `default`, `class`, ...): other env keys cannot be used by the function anyway. */
function isBindable(name: string): boolean {
  let ok = bindable.get(name);
  if (ok === undefined) {
    ok = IDENTIFIER.test(name);
    if (ok) {
      try {
        new Function(`let ${name};`);
      } catch {
        ok = false;
      }
    }
    bindable.set(name, ok);
  }
  return ok;
}

/** Compiles a FnSpec into a function (cached). `prepareFns` must have run for specs with markers. */
export function compileFn<F = (...args: never[]) => unknown>(spec: FnSpec, runtime: ClosureRuntime): F {
  if (!spec.env) {
    let f = bySource.get(spec.src);
    if (!f) {
      f = new Function(...HELPER_NAMES, tagged(spec))(...HELPER_VALUES) as (...a: never[]) => unknown;
      if (bySource.size > 50_000) bySource.clear();
      bySource.set(spec.src, f);
    }
    return f as F;
  }
  let f = bySpec.get(spec);
  if (!f) {
    const env = spec.env;
    // Env names shadow compiler helpers of the same name.
    const names = Object.keys(env).filter(isBindable);
    const helperNames = HELPER_NAMES.filter((n) => !names.includes(n));
    const helperValues = helperNames.map((n) => helpers[n as keyof typeof helpers]);
    if (!spec.special) {
      f = new Function(...helperNames, ...names, tagged(spec))(...helperValues, ...names.map((n) => env[n])) as (...a: never[]) => unknown;
    } else {
      // Functions shipped in the env share one scope with the env's names, so they can use each
      // other (and themselves) as module-level helpers do; the names are bound once decoded.
      const nested: FnSpec[] = [];
      for (const n of names) collectScopedFns(env[n], nested, 0);
      const body =
        (names.length > 0 ? `let ${names.join(', ')};\n` : '') +
        templateCaches({ ...spec, src: [spec.src, ...nested.map((n) => n.src)].join('\n') }) +
        `return [\n${nested.map((n) => `(${n.src}\n),\n`).join('')}` +
        `function (__flint_values) { ${names.map((n, i) => `${n} = __flint_values[${i}];`).join(' ')} },\n` +
        `(${spec.src}\n)];\n${sourceTag(spec)}`;
      const made = new Function(...helperNames, body)(...helperValues) as ((...a: never[]) => unknown)[];
      const main = made.pop()!;
      const bind = made.pop() as (values: unknown[]) => void;
      let k = 0;
      bind(names.map((n) => decodeEnvValue(env[n], runtime, 0, () => made[k++])));
      f = main;
    }
    bySpec.set(spec, f);
  }
  return f as F;
}
