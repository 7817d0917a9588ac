/**
 * Executor-side definitions of the helper functions that TypeScript compilers
 * emit at module scope and call from function bodies (tsc's tslib helpers,
 * esbuild's runtime helpers). A shipped function carries only its own source,
 * so executors provide these under the same names. Each follows the calling
 * convention of the compiler that emits it. Stateless.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { COMPILER_HELPERS } from './closure.ts';

type Obj = Record<PropertyKey, unknown>;
type AnyFn = (...a: unknown[]) => unknown;

const defProp = Object.defineProperty;

function ownEnumerableKeys(o: object): PropertyKey[] {
  const keys: PropertyKey[] = Object.keys(o);
  for (const s of Object.getOwnPropertySymbols(o)) if (Object.prototype.propertyIsEnumerable.call(o, s)) keys.push(s);
  return keys;
}

function restOf(source: Obj, exclude: PropertyKey[]): Obj {
  const out: Obj = {};
  for (const k of ownEnumerableKeys(source)) if (!exclude.includes(k)) out[k] = source[k];
  return out;
}

/** Runs a generator whose yields are awaited values: the shape of tsc's __awaiter and esbuild's __async. */
function runAsync(gen: Generator<unknown, unknown, unknown>, P: PromiseConstructor): Promise<unknown> {
  return new P((resolve, reject) => {
    const step = (next: () => IteratorResult<unknown>): void => {
      let r: IteratorResult<unknown>;
      try {
        r = next();
      } catch (e) {
        reject(e);
        return;
      }
      if (r.done) resolve(r.value);
      else
        P.resolve(r.value).then(
          (v) => step(() => gen.next(v)),
          (e) => step(() => gen.throw(e)),
        );
    };
    step(() => gen.next());
  });
}

/**
 * tsc's down-levelled generators (target ES5): `body` is a state machine that runs from
 * `state.label` and returns an instruction [opcode, operand]. Opcodes: 0 next, 1 throw,
 * 2 return, 3 break to a label, 4 yield, 5 yield*, 6 an exception in flight (internal),
 * 7 end of a finally block. `state.trys` holds the open try regions as
 * [tryStart, catchLabel, finallyLabel, end]; `state.ops` the instructions waiting for a
 * finally block to end; `state.sent()` gives the body the value sent in (or throws it).
 */
type Instr = [number, unknown?];
interface GeneratorState {
  label: number;
  sent(): unknown;
  trys: (number | undefined)[][];
  ops: Instr[];
}

function makeGenerator(thisArg: unknown, body: (s: GeneratorState) => Instr): Generator {
  let received: Instr = [0, undefined];
  let state: GeneratorState | null = {
    label: 0,
    sent() {
      if (received[0] === 1) throw received[1];
      return received[1];
    },
    trys: [],
    ops: [],
  };
  let started = false;
  let running = false;
  let inner: Iterator<unknown> | null = null;

  const resume = (instr: Instr): IteratorResult<unknown> => {
    if (running) throw new TypeError('Generator is already executing.');
    if (!started) {
      started = true;
      if (instr[0] !== 0) state = null; // throw() or return() before the first next(): finished at once
    }
    let op = instr;
    running = true;
    try {
      while (state) {
        const st: GeneratorState = state;
        try {
          if (inner) {
            // Forward to the iterator of a yield*; its last value resumes (or returns from) the body.
            const it = inner;
            const method = op[0] === 2 ? it.return : op[0] === 1 ? it.throw : it.next;
            if (!method && op[0] === 1) it.return?.call(it);
            inner = null;
            if (method) {
              const r = method.call(it, op[1]);
              if (!r.done) {
                inner = it;
                return r;
              }
              op = [op[0] === 2 ? 2 : 0, r.value];
            }
          }
          switch (op[0]) {
            case 0:
            case 1:
              received = op;
              break;
            case 4:
              st.label++;
              return { value: op[1], done: false };
            case 5:
              st.label++;
              inner = op[1] as Iterator<unknown>;
              op = [0, undefined];
              continue;
            case 7:
              op = st.ops.pop()!;
              st.trys.pop();
              continue;
            default: {
              // return (2), break (3) or an exception (6): find where it goes through the open try regions.
              const region = st.trys.length > 0 ? st.trys[st.trys.length - 1]! : null;
              const target = op[1] as number;
              if (!region && (op[0] === 6 || op[0] === 2)) {
                state = null;
                continue;
              }
              if (op[0] === 3 && (!region || (target > region[0]! && target < region[3]!))) {
                st.label = target;
                break;
              }
              if (op[0] === 6 && region![1] !== undefined && st.label < region![1]!) {
                st.label = region![1]!;
                received = op;
                break;
              }
              if (region![2] !== undefined && st.label < region![2]!) {
                st.label = region![2]!;
                st.ops.push(op);
                break;
              }
              if (region![2] !== undefined) st.ops.pop();
              st.trys.pop();
              continue;
            }
          }
          op = body.call(thisArg, st);
        } catch (e) {
          op = [6, e];
          inner = null;
        }
      }
    } finally {
      running = false;
    }
    if (op[0] === 1 || op[0] === 6) throw op[1];
    return { value: op[0] === 2 ? op[1] : undefined, done: true };
  };

  const IteratorCtor = (globalThis as { Iterator?: { prototype: object } }).Iterator;
  const g = Object.create(IteratorCtor ? IteratorCtor.prototype : Object.prototype) as Generator;
  g.next = (v?: unknown) => resume([0, v]);
  g.throw = (e?: unknown) => resume([1, e]);
  g.return = (v?: unknown) => resume([2, v]);
  (g as unknown as Obj)[Symbol.iterator] = function (this: unknown) {
    return this;
  };
  return g;
}

function checkPrivate(obj: unknown, member: WeakMap<object, unknown> | WeakSet<object>, what: string): void {
  if (!member.has(obj as object)) throw new TypeError(`Cannot ${what} private member from an object whose class did not declare it`);
}

export const compilerHelpers: Record<(typeof COMPILER_HELPERS)[number], unknown> = {
  // ---- tsc ----
  __assign: Object.assign,
  __rest: (s: Obj, e: PropertyKey[]) => restOf(s, e),
  __spreadArray: (to: unknown[], from: ArrayLike<unknown>) => to.concat(Array.prototype.slice.call(from)),
  __spread: (...arrs: Iterable<unknown>[]) => arrs.flatMap((a) => [...a]),
  __awaiter: (thisArg: unknown, args: unknown, P: PromiseConstructor | undefined, generator: (...a: unknown[]) => Generator) =>
    runAsync(generator.apply(thisArg, (args as unknown[]) || []), P || Promise),
  __generator: makeGenerator,
  __values: (o: unknown) => {
    const it = o !== null && o !== undefined ? (o as { [Symbol.iterator]?: () => Iterator<unknown> })[Symbol.iterator] : undefined;
    if (typeof it === 'function') return it.call(o);
    if (o !== null && o !== undefined && typeof (o as ArrayLike<unknown>).length === 'number') {
      const a = o as ArrayLike<unknown>;
      let i = 0;
      return { next: () => (i < a.length ? { value: a[i++], done: false } : { value: undefined, done: true }) };
    }
    throw new TypeError(o === null || o === undefined ? `${o} is not iterable` : 'Symbol.iterator is not defined.');
  },
  __read: (o: unknown, n?: number) => {
    if (o === null || o === undefined || typeof (o as Iterable<unknown>)[Symbol.iterator] !== 'function') return o;
    const out: unknown[] = [];
    if (n === 0) return out;
    for (const x of o as Iterable<unknown>) {
      out.push(x);
      if (n !== undefined && out.length >= n) break;
    }
    return out;
  },
  __extends: (d: AnyFn & { prototype: object }, b: (AnyFn & { prototype: object }) | null) => {
    if (typeof b !== 'function' && b !== null) throw new TypeError(`Class extends value ${String(b)} is not a constructor or null`);
    Object.setPrototypeOf(d, b);
    d.prototype = Object.create(b === null ? null : b.prototype, { constructor: { value: d, writable: true, configurable: true } });
  },
  __makeTemplateObject: (cooked: string[], raw: string[]) => {
    defProp(cooked, 'raw', { value: raw });
    return cooked;
  },
  __classPrivateFieldGet: (receiver: object, state: WeakMap<object, unknown> | WeakSet<object> | AnyFn, kind: string, f?: AnyFn) => {
    if (kind === 'a' && !f) throw new TypeError('Private accessor was defined without a getter');
    if (typeof state === 'function' ? receiver !== state || !f : !state.has(receiver)) {
      throw new TypeError('Cannot read private member from an object whose class did not declare it');
    }
    return kind === 'm' ? f : kind === 'a' ? f!.call(receiver) : f ? (f as unknown as { value: unknown }).value : (state as WeakMap<object, unknown>).get(receiver);
  },
  __classPrivateFieldSet: (receiver: object, state: WeakMap<object, unknown> | WeakSet<object> | AnyFn, value: unknown, kind: string, f?: AnyFn) => {
    if (kind === 'm') throw new TypeError('Private method is not writable');
    if (kind === 'a' && !f) throw new TypeError('Private accessor was defined without a setter');
    if (typeof state === 'function' ? receiver !== state || !f : !state.has(receiver)) {
      throw new TypeError('Cannot write private member to an object whose class did not declare it');
    }
    if (kind === 'a') f!.call(receiver, value);
    else if (f) (f as unknown as { value: unknown }).value = value;
    else (state as WeakMap<object, unknown>).set(receiver, value);
    return value;
  },
  // ---- esbuild ----
  __name: (target: unknown, value: string) => {
    try {
      defProp(target, 'name', { value, configurable: true });
    } catch {
      /* non-configurable name: harmless */
    }
    return target;
  },
  __spreadValues: (a: Obj, b: Obj | null | undefined) => {
    if (b !== null && b !== undefined) {
      for (const k of ownEnumerableKeys(b)) {
        if (k in a) defProp(a, k, { enumerable: true, configurable: true, writable: true, value: b[k] });
        else a[k] = b[k];
      }
    }
    return a;
  },
  __spreadProps: (a: object, b: object) => Object.defineProperties(a, Object.getOwnPropertyDescriptors(b)),
  __objRest: (source: Obj, exclude: PropertyKey[]) => restOf(source, exclude),
  __async: (thisArg: unknown, args: unknown[] | null, generator: (...a: unknown[]) => Generator) =>
    runAsync(generator.apply(thisArg, args ?? []), Promise),
  __pow: Math.pow,
  __publicField: (obj: object, key: PropertyKey, value: unknown) => {
    defProp(obj, typeof key === 'symbol' ? key : String(key), { enumerable: true, configurable: true, writable: true, value });
    return value;
  },
  __privateGet: (obj: object, member: WeakMap<object, unknown>, getter?: AnyFn) => {
    checkPrivate(obj, member, 'read from');
    return getter ? getter.call(obj) : member.get(obj);
  },
  __privateSet: (obj: object, member: WeakMap<object, unknown>, value: unknown, setter?: AnyFn) => {
    checkPrivate(obj, member, 'write to');
    if (setter) setter.call(obj, value);
    else member.set(obj, value);
    return value;
  },
  __privateAdd: (obj: object, member: WeakMap<object, unknown> | WeakSet<object>, value?: unknown) => {
    if (member.has(obj)) throw new TypeError('Cannot add the same private member more than once');
    if (member instanceof WeakSet) member.add(obj);
    else member.set(obj, value);
  },
  __privateMethod: (obj: object, member: WeakMap<object, unknown> | WeakSet<object>, method: AnyFn) => {
    checkPrivate(obj, member, 'access');
    return method;
  },
  __defProp: Object.defineProperty,
  __require: createRequire(path.join(process.cwd(), 'noop.js')),
};
