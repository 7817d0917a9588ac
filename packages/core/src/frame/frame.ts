/**
 * The frame: the unit in which records are stored and moved by shuffle segments, spill files,
 * sorted runs and disk blocks. A frame is a u32 little-endian body length followed by the body,
 * a batch of records as either a pair frame (columns of [key, value] pairs, see pair-frame.ts)
 * or a msgpack array (serializer.ts). Files of frames are read and written by frame-file.ts.
 * Stateless.
 */
import { deserialize, serializeAfter } from '../serializer.ts';
import { decodePairFrame, encodePairFrame, isPairFrame, type FrameAlloc } from './pair-frame.ts';

export type { FrameAlloc } from './pair-frame.ts';

/** Bytes of a length-prefixed frame header. */
export const FRAME_HEADER = 4;

/**
 * Encodes a batch of records as one frame: u32 little-endian length + a pair batch (see
 * pair-frame.ts) or a msgpack array. `alloc` gives a pair batch its bytes (a writer that keeps
 * many frames passes a slab's).
 */
export function encodeFrame(records: unknown[], alloc?: FrameAlloc): Buffer {
  const pairs = encodePairFrame(records, FRAME_HEADER, alloc);
  if (pairs) return pairs;
  const out = serializeAfter(records, FRAME_HEADER);
  out.writeUInt32LE(out.length - FRAME_HEADER, 0);
  return out;
}

/** The records of one frame body (what follows the length header). */
export function decodeFrame(body: Uint8Array): unknown[] {
  return isPairFrame(body) ? decodePairFrame(body) : deserialize<unknown[]>(body);
}
