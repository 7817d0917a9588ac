import { describe, expect, it } from 'vitest';
import { TransportError } from '@flint/core/transport';
import { BatchReplyDecoder, ITEM, REPLY, decodeBatch, encodeBatch, encodeReply, itemSize, type OutgoingItem } from './batch-codec.ts';

function item(type: number, index: number, kind: string, body: Buffer, arg = 0): OutgoingItem {
  return { type, index, arg, kindBytes: Buffer.from(kind), body };
}

describe('batch codec', () => {
  it('round-trips batch items', () => {
    const items = [item(ITEM.REQUEST, 0, 'echo', Buffer.from('abc')), item(ITEM.MESSAGE, 1, 'né', Buffer.alloc(0), 42), item(ITEM.CANCEL, 2, '', Buffer.alloc(4), 7)];
    const total = items.reduce((n, i) => n + itemSize(i.kindBytes.length, i.body.byteLength), 0);
    const back = decodeBatch(encodeBatch(items, total));
    expect(back.map((i) => [i.type, i.index, i.arg, i.kind, i.body.toString('hex')])).toEqual([
      [ITEM.REQUEST, 0, 0, 'echo', '616263'],
      [ITEM.MESSAGE, 1, 42, 'né', ''],
      [ITEM.CANCEL, 2, 7, '', '00000000'],
    ]);
  });

  it('rejects random bytes as PROTOCOL, never anything else', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.from(Array.from({ length: 1 + (n % 97) }, rnd));
      try {
        decodeBatch(b);
      } catch (err) {
        expect(err).toBeInstanceOf(TransportError);
        expect((err as TransportError).code).toBe('PROTOCOL');
      }
    }
  });

  it('decodes replies wherever the response is cut', () => {
    const stream = Buffer.concat([encodeReply(3, REPLY.OK, Buffer.from('hello')), encodeReply(1, REPLY.ERROR, Buffer.alloc(0)), encodeReply(0, REPLY.OK, Buffer.alloc(300, 9))]);
    const expected = [
      [3, 0, '68656c6c6f'],
      [1, 1, ''],
      [0, 0, Buffer.alloc(300, 9).toString('hex')],
    ];
    for (let step = 1; step <= stream.length; step += step < 12 ? 1 : 37) {
      const got: Array<[number, number, string]> = [];
      const d = new BatchReplyDecoder(1 << 20, (i, s, p) => got.push([i, s, p.toString('hex')]));
      for (let p = 0; p < stream.length; p += step) d.push(stream.subarray(p, p + step));
      expect(got).toEqual(expected);
      expect(d.midReply).toBe(false);
    }
    const d = new BatchReplyDecoder(100, () => {});
    expect(() => d.push(encodeReply(0, REPLY.OK, Buffer.alloc(200)))).toThrow(/exceeds/);
  });
});
