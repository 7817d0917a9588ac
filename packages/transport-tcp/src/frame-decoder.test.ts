import { describe, expect, it } from 'vitest';
import { TransportError } from '@flint/core/transport';
import { FrameDecoder } from './frame-decoder.ts';
import { FrameType } from './frame.ts';

const KIND_TYPES = new Set<number>([FrameType.REQUEST, FrameType.MESSAGE, FrameType.STREAM_OPEN]);

function frame(type: number, id: number, kind: string, payload: Buffer): Buffer {
  const k = Buffer.from(kind);
  const h = Buffer.alloc(10);
  h.writeUInt32BE(6 + k.length + payload.length, 0);
  h[4] = type;
  h.writeUInt32BE(id, 5);
  h[9] = k.length;
  return Buffer.concat([h, k, payload]);
}

function decodeAll(bytes: Buffer, cuts: number[], max = 1 << 20) {
  const out: Array<[number, number, string, string]> = [];
  const d = new FrameDecoder(max, (t, id, kind, p) => out.push([t, id, kind, p.toString('hex')]), KIND_TYPES);
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    d.push(bytes.subarray(prev, c));
    prev = c;
  }
  return { out, midFrame: d.midFrame };
}

describe('FrameDecoder', () => {
  const stream = Buffer.concat([
    frame(FrameType.REQUEST, 1, 'echo', Buffer.from('hello')),
    frame(FrameType.RESPONSE, 1, '', Buffer.alloc(0)),
    frame(FrameType.STREAM_DATA, 7, '', Buffer.alloc(300, 9)),
    frame(FrameType.MESSAGE, 0, 'é', Buffer.from([1, 2, 3])),
  ]);
  const whole = decodeAll(stream, []).out;

  it('decodes frames wherever the socket cuts the bytes', () => {
    expect(whole.map((f) => f[2])).toEqual(['echo', '', '', 'é']);
    for (let a = 0; a <= stream.length; a += 3) {
      for (const b of [a + 1, a + 5, a + 11]) {
        const cuts = [a, Math.min(b, stream.length)].filter((c, i, arr) => arr.indexOf(c) === i);
        expect(decodeAll(stream, cuts).out).toEqual(whole);
      }
    }
    const oneByteAtATime = [...Array(stream.length).keys()].slice(1);
    expect(decodeAll(stream, oneByteAtATime).out).toEqual(whole);
  });

  it('knows when input stops in the middle of a frame', () => {
    expect(decodeAll(stream.subarray(0, 12), []).midFrame).toBe(true);
    expect(decodeAll(stream.subarray(0, 2), []).midFrame).toBe(true);
    expect(decodeAll(stream, []).midFrame).toBe(false);
  });

  it('rejects oversized, undersized, unknown and inconsistent frames', () => {
    const codeOf = (bytes: Buffer, max = 1 << 20) => {
      try {
        decodeAll(bytes, [], max);
        return 'none';
      } catch (err) {
        return (err as TransportError).code;
      }
    };
    expect(codeOf(frame(FrameType.RESPONSE, 1, '', Buffer.alloc(2000)), 1024)).toBe('FRAME_TOO_LARGE');
    expect(codeOf(Buffer.from([0, 0, 0, 2, 1, 1]))).toBe('PROTOCOL');
    expect(codeOf(frame(99, 1, '', Buffer.alloc(1)))).toBe('PROTOCOL');
    expect(codeOf(frame(FrameType.RESPONSE, 1, 'kind', Buffer.alloc(1)))).toBe('PROTOCOL');
    const bad = frame(FrameType.REQUEST, 1, 'ab', Buffer.alloc(0));
    bad[9] = 200;
    expect(codeOf(bad)).toBe('PROTOCOL');
  });

  it('passes large stream data on in pieces, wherever the chunks are cut', () => {
    const data = Buffer.alloc(5000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const bytes = Buffer.concat([
      frame(FrameType.STREAM_DATA, 9, '', data),
      frame(FrameType.RESPONSE, 2, '', Buffer.from('r')),
      frame(FrameType.STREAM_DATA, 9, '', Buffer.from('tiny')),
      frame(FrameType.STREAM_END, 9, '', Buffer.alloc(0)),
    ]);
    for (let cut = 1; cut <= bytes.length; cut += 13) {
      const others: string[] = [];
      const streamed: Buffer[] = [];
      const d = new FrameDecoder(
        1 << 20,
        (t, id, _k, p) => (t === FrameType.STREAM_DATA ? streamed.push(Buffer.from(p)) : others.push(`${t}:${id}:${p.toString('hex')}`)),
        KIND_TYPES,
        (id, piece) => {
          expect(id).toBe(9);
          streamed.push(Buffer.from(piece));
        },
      );
      for (let p = 0; p < bytes.length; p += cut) d.push(bytes.subarray(p, p + cut));
      expect(Buffer.concat(streamed).equals(Buffer.concat([data, Buffer.from('tiny')]))).toBe(true);
      expect(others).toEqual([`${FrameType.RESPONSE}:2:72`, `${FrameType.STREAM_END}:9:`]);
      expect(d.midFrame).toBe(false);
    }
  });
});
