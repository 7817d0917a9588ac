/**
 * Arbitrary values of every type the serializer claims to carry (fast-check), for round-trip and
 * by-key property tests. `carried` includes -0 and strings with lone surrogates (in values and
 * object keys); the keys of `mixedKey` do not (how -0 and 0 compare as keys is not theirs to test).
 */
import fc from 'fast-check';

/** Strings of whole code points (no lone surrogates), short and long, ASCII and not. */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);
export const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 8 })).filter(wellFormed);

const number = fc.oneof(fc.integer(), fc.double({ noDefaultInfinity: false }).filter((d) => !Object.is(d, -0)), fc.constantFrom(0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, NaN, Infinity, -Infinity, 0.1));

/** Strings with lone surrogates (high or low, alone, at either end, reversed pairs), short and past 64 units. */
const loneSurrogate = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF');
export const oddText = fc
  .tuple(fc.array(fc.oneof(loneSurrogate, fc.string({ maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength: 5 }), loneSurrogate, fc.nat(), fc.boolean())
  .map(([parts, lone, at, long]) => {
    parts.splice(at % (parts.length + 1), 0, lone);
    return (long ? 'l'.repeat(70) : '') + parts.join('');
  });
/** Numbers and -0. */
export const exactNumber = fc.oneof(number, fc.constant(-0));

const binary = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
  fc.float64Array({ maxLength: 4 }).filter((a) => !a.some((x) => Object.is(x, -0))),
  fc.int32Array({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 8 }).map((a) => new Uint16Array(a)),
);

/** A primitive or binary value (also good as a key). */
export const scalar = fc.oneof(
  number,
  text,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.integer({ min: -1e12, max: 1e13 }).map((t) => new Date(t)),
);

/** Any carried value, nested up to a few levels: arrays, plain objects, Maps, Sets, binary arrays. */
export const carried: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.oneof(exactNumber, oddText), binary, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), oddText).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((es) => new Map(es)),
  set: fc.array(tie('value'), { maxLength: 3 }).map((es) => new Set(es)),
})).value;

/** A key of mixed type: scalars, binary arrays, tuples, plain objects, Maps and Sets of scalars. */
export const mixedKey: fc.Arbitrary<unknown> = fc.oneof(
  scalar,
  binary,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'c'), scalar, { maxKeys: 2, noNullPrototype: true }),
  fc.array(scalar, { maxLength: 3 }).map((es) => new Set(es)),
  fc.array(fc.tuple(fc.constantFrom('a', 1, 'b'), scalar), { maxLength: 2 }).map((es) => new Map(es)),
  // Small domains, so equal keys of different instances meet.
  fc.constantFrom(1, '1', [1], new Set([1]), new Map([[1, 1]]), { 1: 1 }, new Uint8Array(8), new Float64Array(1), Buffer.alloc(8), 1n, true, null, undefined, new Date(1)),
);

/** A user class: its instances arrive as plain objects of their own enumerable fields. */
export class Point {
  constructor(
    public x: unknown,
    public y: unknown,
  ) {}
  get norm(): number {
    return 0;
  }
}
/** A user class whose `toJSON` says what it is written as. */
export class Tagged {
  constructor(readonly inner: unknown) {}
  toJSON(): unknown {
    return { tag: 't', inner: this.inner };
  }
}
/** A Map subclass: arrives as a Map. */
export class NamedMap extends Map<unknown, unknown> {
  label = 'n';
}
const withProto = (fields: Record<string, unknown>): object => Object.assign(Object.create({ inherited: -0 }) as object, fields);

/** Carried values with instances of user classes inside (holding -0 and lone surrogates too). */
export const withInstances: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, exactNumber, oddText, tie('instance'), tie('array'), tie('object'), tie('map')),
  instance: fc.oneof(
    fc.tuple(tie('value'), tie('value')).map(([x, y]) => new Point(x, y)),
    tie('value').map((v) => new Tagged(v)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((es) => new NamedMap(es)),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), oddText).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 3, noNullPrototype: true }).map(withProto),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), oddText).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((es) => new Map(es)),
})).value;

/**
 * What `v` (from `withInstances`) arrives as after a trip: instances as plain objects of their own
 * enumerable fields, or of what `toJSON` returns; Map subclasses as Maps. Written from the classes
 * above, not from the serializer's code.
 */
export function asArrives(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(asArrives);
  if (v instanceof Map) return new Map([...v].map(([k, e]) => [asArrives(k), asArrives(e)]));
  if (v instanceof Set) return new Set([...v].map(asArrives));
  if (v instanceof Tagged) return asArrives(v.toJSON());
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: asArrives((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return o;
}
