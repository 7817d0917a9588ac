/**
 * The record serializer (issue 13, items 7 and 8): every value type it claims to carry comes back
 * with its type and value (property test against node's strict deep equality), through single
 * values and record frames; what it cannot carry is refused at once with an error naming the type;
 * its results own their bytes and one large value does not leave its shared buffer large.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeFrame, deserialize, encodeFrame, FRAME_HEADER, findUncarriable, serialize, UncarriableValueError } from './serializer.ts';
import { carried } from './testing/values.ts';
import { decodeBody, encodeBody } from './transport/body-codec.ts';

const roundTrip = (v: unknown): unknown => deserialize(serialize(v));
const throughFrame = (records: unknown[]): unknown[] => decodeFrame(encodeFrame(records).subarray(FRAME_HEADER));

describe('serializer', () => {
  test('property: every carried value type round-trips with its type and value (single values and frames)', () => {
    fc.assert(
      fc.property(carried, (v) => {
        expect(isDeepStrictEqual(roundTrip(v), v)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(carried, { maxLength: 20 }), fc.array(fc.tuple(carried, carried), { maxLength: 20 }), (records, pairs) => {
        expect(isDeepStrictEqual(throughFrame(records), records)).toBe(true);
        expect(isDeepStrictEqual(throughFrame(pairs), pairs)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('issue 13: a Buffer comes back as a Buffer, a Uint8Array as a Uint8Array; message bodies keep plain bin', () => {
    const b = roundTrip({ b: Buffer.from('hi'), u: new Uint8Array([104, 105]) }) as { b: Buffer; u: Uint8Array };
    expect(Buffer.isBuffer(b.b)).toBe(true);
    expect(b.b.toString()).toBe('hi');
    expect(Buffer.isBuffer(b.u)).toBe(false);
    expect(b.u).toBeInstanceOf(Uint8Array);
    // Other msgpackr users are unaffected: a Buffer in a message body is msgpack bin (0xc4).
    const body = encodeBody({ a: Buffer.from('hi') });
    expect([...body.subarray(body.length - 4)]).toEqual([0xc4, 2, 104, 105]);
    expect(Buffer.from(decodeBody<{ a: Uint8Array }>(body).a).toString()).toBe('hi');
    expect(decodeBody(encodeBody({ p: Promise.resolve(1) }))).toEqual({ p: {} });
  });

  test('issue 13: Promises, functions and cyclic values are refused with an error naming them, not changed or a stack overflow', () => {
    expect(() => serialize([1, Promise.resolve(2)])).toThrow(UncarriableValueError);
    expect(() => serialize([1, Promise.resolve(2)])).toThrow(/a Promise cannot be carried/);
    expect(() => serialize({ f: () => 1 })).toThrow(/a function cannot be carried/);
    expect(() => encodeFrame([{ f: () => 1 }])).toThrow(/a function cannot be carried/);
    const o: Record<string, unknown> = { a: [1, 2] };
    (o.a as unknown[]).push(o);
    expect(() => serialize(o)).toThrow(/a cyclic object cannot be carried as data \(the value\.a\[2\] refers back/);
    expect(() => encodeFrame([o])).toThrow(/cyclic/);
    // The serializer still works after a refusal.
    expect(roundTrip([1, 'a'])).toEqual([1, 'a']);
  });

  test('findUncarriable names the first function, Promise or symbol and where it is', () => {
    expect(findUncarriable([1, [2, { a: () => 1 }]], 'data')).toBe('data[1][1].a is a function');
    expect(findUncarriable(new Map([[1, Promise.resolve()]]), 'data')).toBe('data.get(1) is a Promise');
    expect(findUncarriable([Symbol('s')], 'data')).toBe('data[0] is a symbol');
    expect(findUncarriable([1, 'a', null, undefined, new Map([[1, [2]]]), new Set([3]), new Date(0), Buffer.alloc(2), { a: [1n] }], 'data')).toBeNull();
  });

  test('issue 13: results own their bytes, and one large value does not leave the shared buffer large', () => {
    const big = 'x'.repeat(10 << 20);
    const large = serialize({ big });
    expect(large.byteLength).toBe(large.buffer.byteLength);
    for (let i = 0; i < 100; i++) {
      const small = serialize([i, 'small']);
      // Its own bytes: posting it to another thread copies only them (it was a view into a 40 MB buffer).
      expect(small.byteLength).toBe(small.buffer.byteLength);
    }
    encodeFrame([big, big]);
    const frame = encodeFrame([1, 2, 3]);
    expect(frame.buffer.byteLength).toBeLessThanOrEqual(1 << 20);
    expect(decodeFrame(frame.subarray(FRAME_HEADER))).toEqual([1, 2, 3]);
    expect((deserialize(large) as { big: string }).big.length).toBe(big.length);
  });
});
