/**
 * Frames of pairs: every batch decodes to exactly the records encoded (compared
 * with the input itself, and with msgpack for the cases msgpack keeps), batches
 * that do not fit the columns fall back to msgpack, and corrupt bodies are
 * rejected with an error rather than misread.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodePairFrame, encodePairFrame, isPairFrame, PairCursor, PairFrameBuilder } from './pair-frame.ts';
import { decodeFrame, encodeFrame, FRAME_HEADER } from './frame.ts';

const body = (frame: Buffer): Buffer => frame.subarray(FRAME_HEADER);

/** Same records, numbers compared with Object.is (so -0 and NaN count). */
function expectSame(got: unknown[], want: unknown[]): void {
  expect(got.length).toBe(want.length);
  want.forEach((r, i) => {
    const [k, v] = r as [unknown, unknown];
    const [gk, gv] = got[i] as [unknown, unknown];
    expect(Object.is(gk, k) && Object.is(gv, v), `record ${i}: ${String(gk)},${String(gv)} vs ${String(k)},${String(v)}`).toBe(true);
  });
}

// Strings without lone surrogates (the columns refuse them: UTF-8 cannot carry them).
const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const num = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 53));
const column = fc.oneof(fc.constant<'s'>('s'), fc.constant<'n'>('n'));

describe('pair frames', () => {
  test('every batch of string/number pairs round-trips exactly, in columns', () => {
    fc.assert(
      fc.property(column, column, fc.integer({ min: 1, max: 600 }), fc.array(fc.tuple(text(20), num), { minLength: 600, maxLength: 600 }), (kc, vc, n, raw) => {
        const records = raw.slice(0, n).map(([s, x]) => [kc === 's' ? s : x, vc === 's' ? s : x]);
        const frame = encodeFrame(records);
        expect(frame.readUInt32LE(0)).toBe(frame.length - FRAME_HEADER);
        expect(isPairFrame(body(frame))).toBe(true);
        expectSame(decodeFrame(body(frame)), records);
      }),
      { numRuns: 200 },
    );
  });

  test('int32 columns keep to 32-bit integers: -0, 2^31 and fractions widen the column to float64', () => {
    for (const odd of [-0, 2 ** 31, 0.5, -(2 ** 31) - 1]) {
      const records = [
        ['a', 1],
        ['b', odd],
        ['c', -7],
      ];
      expectSame(decodePairFrame(body(encodePairFrame(records, FRAME_HEADER)!)), records);
    }
    const long = 'x'.repeat(1000) + '☃';
    expectSame(decodeFrame(body(encodeFrame([[long, long]]))), [[long, long]]);
  });

  test('string columns at their limits: 65535 units in columns, longer ones in msgpack; non-ASCII after ASCII in one string', () => {
    const atLimit = [['é'.repeat(65535), 1]];
    const frame = encodePairFrame(atLimit, FRAME_HEADER)!;
    expect(isPairFrame(body(frame))).toBe(true);
    expectSame(decodePairFrame(body(frame)), atLimit);
    for (const over of [[['x'.repeat(65536), 1]], [[1, '\u{1F600}'.repeat(40000)]], [['a'.repeat(40000), 'b'.repeat(30000)]]]) {
      expect(encodePairFrame(over, FRAME_HEADER)).toBeNull();
      expectSame(decodeFrame(body(encodeFrame(over))), over);
    }
    // A string turns out non-ASCII after some ASCII characters were written: it is written again whole.
    const mixed = [
      ['abc', 'plain'],
      ['abc\u00e9def', 'x\u{1F600}y'],
      ['tail', ''],
    ];
    expectSame(decodePairFrame(body(encodePairFrame(mixed, FRAME_HEADER)!)), mixed);
  });

  test('issue 13: a string with a lone surrogate (key or value, short or long) is refused by the columns and arrives unchanged through msgpack; -0 arrives as -0', () => {
    const lone = ['\ud800', 'a\udc00', 'ab\u00e9\udbff', `${'x'.repeat(30)}\udfff`, `\ud800${'y'.repeat(100)}`];
    for (const s of lone) {
      for (const records of [[['ok', 'v'], [s, 'v']], [['k', 'ok'], ['k', s]], [[s, 1]], [[1, s]]]) {
        expect(encodePairFrame(records, FRAME_HEADER), JSON.stringify(records)).toBeNull();
        expectSame(decodeFrame(body(encodeFrame(records))), records);
      }
    }
    for (const zeros of [[[-0, 1], [1, -0], [0, 0], [-0, -0]], [['a', -0], ['b', 2]]]) {
      expectSame(decodePairFrame(body(encodePairFrame(zeros, FRAME_HEADER)!)), zeros);
    }
    // The builder, refusing a record after some were added (its key written, then its value
    // refused), keeps the batch as it was.
    const b = new PairFrameBuilder();
    expect(b.add('k1', 'v1')).toBe(true);
    expect(b.add('k\u00e9', 'v\ud800')).toBe(false);
    expect(b.add('k\ud800', 'v')).toBe(false);
    expect(b.add('k2', 'v\u00e92')).toBe(true);
    expectSame(decodePairFrame(body(b.finish(FRAME_HEADER))), [['k1', 'v1'], ['k2', 'v\u00e92']]);
    expect(b.add(5, 'a')).toBe(true);
    expect(b.add(0.5, '\ud800')).toBe(false);
    expect(b.add(6, 'b')).toBe(true);
    const ints = b.finish(FRAME_HEADER);
    expect(ints[FRAME_HEADER + 1]).toBe(1 * 3 + 0); // the key column still int32, not float64
    expectSame(decodePairFrame(body(ints)), [[5, 'a'], [6, 'b']]);
  });

  test('batches that are not all string/number pairs go to msgpack and still round-trip', () => {
    const cases: unknown[][] = [
      [],
      [[1, 2, 3]],
      [['a', 1], ['b', '2']], // a value column of numbers and strings
      [['a', 1], [2, 1]],
      [['a', null]],
      [['a', [1, 2]]],
      [1, 2, 3],
      [['k', 1], 'not a pair'],
      [['x'.repeat(70_000), 1]], // longer than a u16 length
      Array.from({ length: 100 }, (_, i) => [i, `${i}`.padEnd(1000, 'y')]), // long strings: msgpack is faster
      [[10n, 1]],
    ];
    for (const records of cases) {
      const frame = encodeFrame(records);
      expect(isPairFrame(body(frame))).toBe(false);
      expect(decodeFrame(body(frame))).toEqual(records);
    }
  });

  test('msgpack frames held together stay intact: a later frame never reuses an earlier one\'s bytes', () => {
    // msgpack bodies are packed behind a reserved header in msgpackr's shared buffer, uncopied.
    const frames: [Buffer, unknown[]][] = [];
    for (let i = 0; i < 3000; i++) {
      const n = (i * 7919) % 200;
      const records: unknown[] = [];
      for (let j = 0; j < n; j++) records.push(j % 2 === 0 ? { id: i, j, s: 'x'.repeat((i + j) % 300) } : ['y'.repeat((i * j) % 5000), [j, null]]);
      frames.push([encodeFrame(records), records]);
    }
    for (const [frame, records] of frames) {
      expect(frame.readUInt32LE(0)).toBe(frame.length - FRAME_HEADER);
      expect(decodeFrame(body(frame))).toEqual(records);
    }
  });

  test('a corrupt pair frame is an error, never a misread', () => {
    const good = body(encodeFrame([
      ['alpha', 1],
      ['beta', 2.5],
    ]));
    const bad: Buffer[] = [
      good.subarray(0, 5),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
      (() => {
        const b = Buffer.from(good);
        b[1] = 11; // no such column kinds
        return b;
      })(),
      (() => {
        const b = Buffer.from(good);
        b.writeUInt32LE(1_000_000, 2); // record count past the data
        return b;
      })(),
      (() => {
        const b = Buffer.from(good);
        b.writeUInt16LE(9, 10); // first string length does not add up
        return b;
      })(),
    ];
    for (const b of bad) {
      expect(() => decodeFrame(b)).toThrow(/corrupt pair frame/);
      // Read by column (the hash join's probe side), it is the same error.
      expect(() => {
        const c = new PairCursor(b);
        while (c.next()) c.key();
      }).toThrow(/corrupt pair frame/);
    }
  });

  test('a cursor reads the records a decode gives, string keys as spans of the key text', () => {
    fc.assert(
      fc.property(column, column, fc.array(fc.tuple(text(12), num), { minLength: 1, maxLength: 300 }), (kc, vc, raw) => {
        const records = raw.map(([s, x]) => [kc === 's' ? s : x, vc === 's' ? s : x]);
        const b = body(encodeFrame(records));
        const c = new PairCursor(b);
        const got: unknown[] = [];
        while (c.next()) {
          if (c.stringKeys) expect(c.keyText.slice(c.keyStart, c.keyStart + c.keyLength)).toBe(c.key());
          got.push([c.key(), c.value]);
        }
        expectSame(got, records);
      }),
      { numRuns: 100 },
    );
  });
});
