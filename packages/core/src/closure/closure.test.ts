/**
 * Closure shipping: free variables are checked when a transformation is defined;
 * env values, functions (and their helpers), modules, broadcasts and accumulators
 * reach executors; code emitted by tsc and esbuild runs there. One local[2]
 * context for the file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { ClosureError } from '../errors.ts';
import type { FlintEvent } from '../listener/events.ts';
import { moduleRef } from './ship.ts';
import { serializeFn } from './closure.ts';
import { canon } from '../testing/plain.ts';
import * as plainModule from '../testing/plain.ts';

let sc: FlintContext;
let tmp: string;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'closure-test', progress: false });
  sc.addListener((e) => {
    events.push(e);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-closure-test-'));
});

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function closureErrorOf(f: () => unknown): ClosureError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ClosureError);
    return e as ClosureError;
  }
  throw new Error('expected a ClosureError, nothing was thrown');
}

describe('free variables are checked when the transformation is defined', () => {
  test('a missing env variable is a ClosureError naming the variable and the method', async () => {
    const k = 3;
    const rdd = sc.parallelize([1, 2, 3]);
    const pairs = sc.parallelize<[number, number]>([[1, 2]]);
    const cases: [string, () => unknown][] = [
      ['map', () => rdd.map((x) => x * k)],
      ['filter', () => rdd.filter((x) => x > k)],
      ['flatMap', () => rdd.flatMap((x) => [x, k])],
      ['mapPartitions', () => rdd.mapPartitions((it) => [...it].map((x) => x + k))],
      ['mapPartitionsWithIndex', () => rdd.mapPartitionsWithIndex((i) => [i + k])],
      ['keyBy', () => rdd.keyBy((x) => x % k)],
      ['groupBy', () => rdd.groupBy((x) => x % k)],
      ['sortBy', () => rdd.sortBy((x) => x * k)],
      ['reduceByKey', () => pairs.reduceByKey((a, b) => a + b + k)],
      ['mapValues', () => pairs.mapValues((v) => v + k)],
      ['flatMapValues', () => pairs.flatMapValues((v) => [v, k])],
      ['foldByKey', () => pairs.foldByKey(0, (a, b) => a + b * k)],
      ['aggregateByKey', () => pairs.aggregateByKey(0, (a, b) => a + b * k, (a, b) => a + b)],
      ['combineByKey', () => pairs.combineByKey((v) => v * k, (c, v) => c + v, (a, b) => a + b)],
      ['partitionBy', () => pairs.partitionBy(2, (key) => key * k)],
      ['sortByKey', () => pairs.sortByKey(true, 2, (key) => key * k)],
    ];
    const jobsBefore = events.filter((e) => e.type === 'jobStart').length;
    for (const [method, define] of cases) {
      const err = closureErrorOf(define);
      expect(err.variable).toBe('k');
      expect(err.method).toBe(method);
      expect(err.code).toBe('CLOSURE');
      expect(err.message).toContain('"k"');
      expect(err.message).toContain(`${method}(`);
    }
    // Actions are async: the same error rejects them before any job starts.
    const actions: [string, () => Promise<unknown>][] = [
      ['reduce', () => rdd.reduce((a, b) => a + b + k)],
      ['fold', () => rdd.fold(0, (a, b) => a + b + k)],
      ['aggregate', () => rdd.aggregate(0, (a, b) => a + b + k, (a, b) => a + b)],
      ['foreach', () => rdd.foreach((x) => void (x + k))],
      ['foreachPartition', () => rdd.foreachPartition(() => void k)],
      ['takeOrdered', () => rdd.takeOrdered(2, (x) => x * k)],
      ['max', () => rdd.max((x) => x * k)],
      ['treeAggregate', () => rdd.treeAggregate(0, (a, b) => a + b + k, (a, b) => a + b)],
      ['reduceByKeyLocally', () => pairs.reduceByKeyLocally((a, b) => a + b + k)],
    ];
    for (const [method, run] of actions) {
      const err = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ClosureError);
      expect((err as ClosureError).variable).toBe('k');
      expect((err as ClosureError).method).toBe(method);
    }
    await sc.flushEvents();
    expect(events.filter((e) => e.type === 'jobStart').length).toBe(jobsBefore);
  });

  test('standard globals need no env; shadowed and local names are not free', async () => {
    const got = await sc
      .parallelize(['a', 'bb'], 2)
      .map((s) => {
        const k = s.length;
        const f = (k2: number): number => Math.max(k2, JSON.parse('1') as number);
        return [f(k), new Map([[s, k]]).size, encodeURIComponent(s), Number.isInteger(k), typeof Buffer, [1, 2].includes(k)];
      })
      .collect();
    expect(got).toEqual([
      [1, 1, 'a', true, 'function', true],
      [2, 1, 'bb', true, 'function', true],
    ]);
  });

  test('unshippable things are refused clearly', () => {
    const rdd = sc.parallelize([1]);
    class Box {
      constructor(readonly v: number) {}
    }
    const box = new Box(1);
    const e1 = closureErrorOf(() => rdd.map((x) => x + box.v, { box }));
    expect(e1.message).toMatch(/Box/);
    expect(e1.variable).toBe('box');
    const e2 = closureErrorOf(() => rdd.map(Math.abs));
    expect(e2.message).toMatch(/native or bound/);
    const e3 = closureErrorOf(() => rdd.map(((x: number) => x).bind(null)));
    expect(e3.message).toMatch(/native or bound/);
    const e4 = closureErrorOf(() => rdd.map(5 as never));
    expect(e4.message).toMatch(/expected a function/);
    const e5 = closureErrorOf(() => rdd.map(async (x) => x));
    expect(e5.message).toMatch(/is async/);
    const e6 = closureErrorOf(() => rdd.flatMap(async function* (x: number) {
      yield x;
    } as never));
    expect(e6.message).toMatch(/is async/);
  });

  test('method shorthand and function expressions ship', async () => {
    const obj = {
      twice(x: number): number {
        return x * 2;
      },
    };
    expect(await sc.parallelize([1, 2]).map(obj.twice).collect()).toEqual([2, 4]);
    expect(
      await sc
        .parallelize([1, 2])
        .map(function plusOne(x) {
          return x + 1;
        })
        .collect(),
    ).toEqual([2, 3]);
    const spec = serializeFn(obj.twice as never, undefined, 'map');
    expect(spec.src.startsWith('function')).toBe(true);
  });
});

describe('env values', () => {
  test('data of many kinds reaches the executors intact', async () => {
    const env = {
      n: 42,
      s: 'héllo ☃',
      arr: [1, [2, 3], null],
      obj: { a: { b: [true, false] }, c: null },
      map: new Map<string, number>([
        ['x', 1],
        ['y', 2],
      ]),
      set: new Set(['p', 'q']),
      date: new Date(Date.UTC(2020, 1, 2)),
      bytes: new Uint8Array([1, 2, 255]),
      nothing: null,
      undef: undefined,
      big: 2 ** 53 - 1,
    };
    const got = await sc
      .parallelize([0], 1)
      .map(
        () => [
          n,
          s,
          arr,
          obj,
          [...map.entries()],
          [...set],
          date instanceof Date ? date.toISOString() : 'not a date',
          [...bytes],
          nothing,
          undef === undefined,
          big,
        ],
        env,
      )
      .collect();
    expect(got[0]).toEqual([
      42,
      'héllo ☃',
      [1, [2, 3], null],
      { a: { b: [true, false] }, c: null },
      [
        ['x', 1],
        ['y', 2],
      ],
      ['p', 'q'],
      '2020-02-02T00:00:00.000Z',
      [1, 2, 255],
      null,
      true,
      2 ** 53 - 1,
    ]);
    // The free names refer to env entries of the same names.
    const { n, s, arr, obj, map, set, date, bytes, nothing, undef, big } = env;
    void [n, s, arr, obj, map, set, date, bytes, nothing, undef, big];
  });

  test('env keys that cannot be names are ignored', async () => {
    const k = 2;
    expect(await sc.parallelize([1, 2], 2).map((x) => x * k, { k, default: 1, 'not-a-name': 2, class: 3 }).collect()).toEqual([2, 4]);
    const f = (x: number): number => x + k;
    expect(await sc.parallelize([1], 1).map((x) => f(x), { f, k, default: () => 0 }).collect()).toEqual([3]);
  });

  test('env values are copies: executors cannot change the driver’s value', async () => {
    const state = { hits: [] as number[] };
    await sc.parallelize([1, 2, 3], 3).foreach((x) => void state.hits.push(x), { state });
    expect(state.hits).toEqual([]);
  });
});

describe('functions in env', () => {
  test('a function in env', async () => {
    const double = (x: number): number => x * 2;
    expect(await sc.parallelize([1, 2, 3]).map((x) => double(x) + 1, { double }).collect()).toEqual([3, 5, 7]);
  });

  test('functions in env use other functions and values of the same env', async () => {
    const base = 10;
    const inc = (x: number): number => x + base;
    const twiceInc = (x: number): number => inc(inc(x));
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    const got = await sc.parallelize([1, 2, 3, 4], 2).map((x) => [twiceInc(x), fact(x)], { twiceInc, inc, base, fact }).collect();
    expect(got).toEqual([1, 2, 3, 4].map((x) => [x + 20, [1, 1, 2, 6, 24][x]]));
    // Functions nested in objects and arrays, using top-level env names too.
    const util = { sq: (x: number): number => x * x, chain: [(x: number): number => inc(x) * 2] };
    const got2 = await sc.parallelize([1, 2], 2).map((x) => util.chain[0]!(util.sq(x)), { util, inc, base }).collect();
    expect(got2).toEqual([22, 28]);
  });

  test('a function in env with a missing variable is a ClosureError naming it', () => {
    const hidden = 5;
    const uses = (x: number): number => x + hidden;
    const err = closureErrorOf(() => sc.parallelize([1]).map((x) => uses(x), { uses }));
    expect(err.variable).toBe('hidden');
    expect(err.message).toContain('"hidden"');
    expect(err.message).toContain('map');
    expect(err.message).toContain('uses');
  });

  test('functions in env of pair and action methods', async () => {
    const pick = (a: number, b: number): number => Math.max(a, b);
    const got = await sc
      .parallelize<[string, number]>([
        ['a', 1],
        ['a', 5],
        ['b', 2],
      ])
      .reduceByKey((a, b) => pick(a, b), { pick })
      .collect();
    expect(got.sort()).toEqual([
      ['a', 5],
      ['b', 2],
    ]);
    expect(await sc.parallelize([3, 9, 4], 2).reduce((a, b) => pick(a, b), { pick })).toBe(9);
    expect(await sc.parallelize([3, 9, 4], 2).fold(0, (a, b) => pick(a, b), { pick })).toBe(9);
  });
});

describe('imported helpers under a test runner', () => {
  test('a named import passed in env works although vitest rewrote its uses', async () => {
    const f = (x: number): string => canon([x]);
    // Under vitest the source reads `(0,__vite_ssr_import_N__.canon)([x])`.
    expect(await sc.parallelize([1, 2], 2).map(f, { canon }).collect()).toEqual([canon([1]), canon([2])]);
    const g = (x: number): string => canon(x);
    const h = (x: number): string => g(x) + '!';
    expect(await sc.parallelize([3], 1).map((x) => h(x), { h, g, canon }).collect()).toEqual([`${canon(3)}!`]);
  });

  test('a namespace import cannot be matched: the ClosureError says what to do', () => {
    const err = closureErrorOf(() => sc.parallelize([1]).map((x) => plainModule.canon(x), { plainModule }));
    if (String((x: number) => plainModule.canon(x)).includes('_import_')) {
      expect(err.message).toMatch(/test runner or bundler/);
      expect(err.message).toContain('"canon"');
      expect(err.variable).toBe('canon');
      // A named import missing from env is named as written.
      const e2 = closureErrorOf(() => sc.parallelize([1]).map((x) => canon(x)));
      expect(e2.variable).toBe('canon');
      expect(e2.message).toContain('{ canon }');
    } else {
      throw new Error('expected the test runner to rewrite the import');
    }
  });
});

describe('modules, broadcasts, accumulators', () => {
  test("moduleRef('node:crypto') and moduleRef('node:path') in env", async () => {
    const words = ['a', 'héllo', '☃', ''];
    const [c, p] = [crypto, path]; // the closure's names for the modules its env ships
    const got = await sc
      .parallelize(words, 2)
      .map((w) => [c.createHash('md5').update(w).digest('hex'), p.basename(`/x/${w}.txt`)], { c: moduleRef('node:crypto'), p: moduleRef('node:path') })
      .collect();
    expect(got).toEqual(words.map((w) => [crypto.createHash('md5').update(w).digest('hex'), path.basename(`/x/${w}.txt`)]));
  });

  test('broadcast in env, also inside objects; b.value inside the closure', async () => {
    const table = sc.broadcast(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i * i])));
    const cfg = { t: table, offset: 1 };
    const got = await sc
      .parallelize(Array.from({ length: 50 }, (_, i) => `k${i * 7}`), 4)
      .map((k) => (table.value[k] ?? -1) + cfg.offset + cfg.t.value[k]!, { table, cfg })
      .collect();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => 2 * (i * 7) ** 2 + 1));
    // After unpersist, executors fetch the value again when a closure uses it.
    table.unpersist();
    expect(await sc.parallelize(['k3', 'k4'], 2).map((k) => table.value[k], { table }).collect()).toEqual([9, 16]);
    table.destroy();
    expect(() => sc.parallelize([1]).map((x) => table.value, { table })).toThrow(/destroyed/);
  });

  test('accumulators: updates of successful tasks count once', async () => {
    const acc = sc.accumulator(0);
    const data = Array.from({ length: 100 }, (_, i) => i);
    await sc.parallelize(data, 7).foreach((x) => acc.add(x), { acc });
    expect(acc.value).toBe(4950);
    // In a shuffle map stage and then the result stage.
    const mapped = sc.accumulator(0);
    const reduced = sc.accumulator(0);
    const res = await sc
      .parallelize(data, 5)
      .map((x) => {
        mapped.add(1);
        return [x % 3, x] as [number, number];
      }, { mapped })
      .reduceByKey((a, b) => a + b)
      .map((kv) => {
        reduced.add(1);
        return kv;
      }, { reduced })
      .collect();
    expect(res.length).toBe(3);
    expect(mapped.value).toBe(100);
    expect(reduced.value).toBe(3);
    // A custom merge.
    const seen = sc.accumulator<string[]>([], (a, b) => a.concat(b));
    await sc.parallelize(['x', 'y', 'z'], 3).foreach((s) => seen.add([s]), { seen });
    expect([...seen.value].sort()).toEqual(['x', 'y', 'z']);
    // .value cannot be read on executors.
    await expect(sc.parallelize([1], 1).foreach(() => void acc.value, { acc })).rejects.toThrow(/only be read on the driver/);
  });

  test('an accumulator without a merge function adds numbers or bigints only, refusing anything + would turn into text', async () => {
    // Was: sc.accumulator([]) with add([1]) and add([2]) on two tasks ended as the string '12'.
    expect(() => sc.accumulator([] as number[])).toThrow(/no default way to add an array.*pass a merge function/);
    expect(() => sc.accumulator('')).toThrow(/no default way to add a string/);
    expect(() => sc.accumulator({})).toThrow(/no default way to add an Object/);
    const n = sc.accumulator(0);
    expect(() => n.add('1' as unknown as number)).toThrow(/accumulator \d+ adds numbers, got add\(a string\)/);
    const err = await sc
      .parallelize([1, 2], 2)
      .foreach((x) => n.add(`${x}` as unknown as number), { n })
      .then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/adds numbers, got add\(a string\)/);
    expect(n.value).toBe(0);
    const big = sc.accumulator(0n);
    await sc.parallelize([1, 2, 3], 3).foreach((x) => big.add(BigInt(x) * 2n ** 60n), { big });
    expect(big.value).toBe(6n * 2n ** 60n);
    const bad = await sc
      .parallelize([1], 1)
      .foreach((x) => big.add(x as unknown as bigint), { big })
      .then(() => null, (e: Error) => e);
    expect(bad?.message).toMatch(/adds bigints, got add\(a number\)/);
    expect(big.value).toBe(6n * 2n ** 60n);
  });

  test('a task that fails once and is retried does not count twice', async () => {
    const acc = sc.accumulator(0);
    const marker = path.join(tmp, 'failed-once');
    const fsm = fs; // the closure's name for the module its env ships
    const got = await sc
      .parallelize([1, 2, 3, 4, 5, 6], 3)
      .map(
        (x) => {
          acc.add(x);
          if (x === 4 && !fsm.existsSync(marker)) {
            fsm.writeFileSync(marker, 'x');
            throw new Error('first attempt fails');
          }
          return x;
        },
        { acc, marker, fsm: moduleRef('node:fs') },
      )
      .collect();
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fs.existsSync(marker)).toBe(true);
    expect(acc.value).toBe(21);
  });
});

describe('code emitted by TypeScript compilers', () => {
  /** Evaluates CommonJS output and returns its exports. */
  function load(js: string): Record<string, unknown> {
    const module = { exports: {} as Record<string, unknown> };
    new Function('exports', 'module', 'require', js)(module.exports, module, createRequire(import.meta.url));
    return module.exports;
  }

  // Everything the function uses is inside it: compilers put only their helpers at module scope.
  const source = `
    interface Rec { id: number; tags?: string[]; }
    export const f = (r: Rec) => {
      class Counter { constructor(public n: number) {} inc(): this { this.n++; return this; } }
      class Twice extends Counter { inc(): this { super.inc(); return super.inc(); } }
      function* upTo(n: number) {
        try {
          for (let i = 0; i < n; i++) {
            try { if (i === 1) throw new Error('skip'); yield i; } catch (e) { yield -1; } finally { yield 100 + i; }
          }
        } finally { yield 999; }
      }
      function* delegate() { const back = yield* upTo(2); yield* [7, 8]; return back; }
      const copy = { ...r, extra: true };
      const { id, ...rest } = copy;
      const tags = [...(r.tags ?? []), 'end'];
      const nums = [...upTo(3), ...delegate()];
      const early: number[] = [];
      for (const x of upTo(5)) { early.push(x); if (early.length === 2) break; }
      let total = 0;
      for (const t of tags) total += t.length;
      const [first, ...others] = tags;
      const tpl = ((s: TemplateStringsArray, ...v: number[]) => s.raw.join('|') + v.join(','))\`a\${id}b\\n\`;
      return { id, rest, tags, nums, early, total, first, others, counted: new Twice(id).inc().n, tpl };
    };
  `;

  for (const [name, options, helpers] of [
    ['tsc ES5', { target: ts.ScriptTarget.ES5 }, ['__assign', '__rest', '__spreadArray', '__generator', '__extends', '__values', '__makeTemplateObject']],
    ['tsc ES5 with downlevelIteration', { target: ts.ScriptTarget.ES5, downlevelIteration: true }, ['__read', '__values', '__generator']],
    ['tsc ES2015', { target: ts.ScriptTarget.ES2015 }, ['__rest']],
  ] as const) {
    test(`${name}: helpers in the function body work on executors`, async () => {
      const out = ts.transpileModule(source, { compilerOptions: { ...options, module: ts.ModuleKind.CommonJS } });
      const f = load(out.outputText).f as (r: { id: number; tags?: string[] }) => unknown;
      for (const h of helpers) expect(String(f)).toContain(h);
      const input = [{ id: 1, tags: ['a', 'bb'] }, { id: 2 }, { id: 3, tags: [] }];
      const expected = input.map(f);
      expect(await sc.parallelize(input, 2).map(f).collect()).toEqual(expected);
    });
  }

  test('esbuild with keepNames (__name and object spread helpers)', async () => {
    const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
    const esbuild = requireFromTsx('esbuild') as { transformSync(src: string, o: Record<string, unknown>): { code: string } };
    const src = `
      export const f = (x: { a: number; b?: number }) => {
        function helper(y: number) { return y * 2; }
        const g = (z: number) => helper(z) + 1;
        const o = { ...x, c: g(x.a) };
        const { a, ...rest } = o;
        return [g.name, helper.name, a, rest];
      };`;
    for (const target of ['esnext', 'es2017', 'es2015']) {
      const out = esbuild.transformSync(src, { loader: 'ts', format: 'cjs', keepNames: true, target });
      const f = load(out.code).f as (x: { a: number; b?: number }) => unknown;
      if (target === 'esnext') expect(String(f)).toContain('__name');
      const input = [{ a: 1 }, { a: 2, b: 3 }];
      expect(await sc.parallelize(input, 2).map(f).collect()).toEqual(input.map(f));
    }
  });
});
