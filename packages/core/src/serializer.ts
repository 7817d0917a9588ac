/**
 * The record serializer: msgpackr with Flint's settings (Maps, Sets, typed arrays,
 * Dates and undefined round-trip). Used for shuffle batches, cached blocks, task
 * payloads and results. Stateless apart from msgpackr's reusable buffers, so one
 * instance per thread.
 */
import { Packr, RESERVE_START_SPACE } from 'msgpackr';
import { decodePairFrame, encodePairFrame, isPairFrame, type FrameAlloc } from './pair-columns.ts';

// msgpackr writes JS numbers as float64 or 32-bit ints, so 64-bit ints on the wire are always bigints:
// decode them as bigints ('number' turned a small bigint into a number). Binary values are copied
// out when decoded: a view would point into a read buffer that the next frame overwrites.
const packr = new Packr({ useRecords: true, moreTypes: true, int64AsType: 'bigint', copyBuffers: true } as never);

export function serialize(value: unknown): Buffer {
  return packr.pack(value);
}

export function deserialize<T = unknown>(buf: Uint8Array): T {
  return packr.unpack(buf) as T;
}

/** Bytes of a length-prefixed frame header. */
export const FRAME_HEADER = 4;

/**
 * Encodes a batch of records as one frame: u32 little-endian length + a pair batch (see
 * pair-columns.ts) or a msgpack array. `alloc` gives a pair batch its bytes (a writer that keeps
 * many frames passes a slab's).
 */
export function encodeFrame(records: unknown[], alloc?: FrameAlloc): Buffer {
  const pairs = encodePairFrame(records, FRAME_HEADER, alloc);
  if (pairs) return pairs;
  // msgpackr leaves the header's bytes free in front of the body, so the frame needs no copy
  // (it writes each value after the last in its buffer, never over one it returned).
  const out = packr.pack(records, RESERVE_START_SPACE | FRAME_HEADER) as Buffer;
  out.writeUInt32LE(out.length - FRAME_HEADER, 0);
  return out;
}

/** The records of one frame body (what follows the length header). */
export function decodeFrame(body: Uint8Array): unknown[] {
  return isPairFrame(body) ? decodePairFrame(body) : (packr.unpack(body) as unknown[]);
}
