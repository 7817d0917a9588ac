import { describe, expect, test } from 'vitest';
import { BlockBufferPool } from './block-buffer-pool.ts';

describe('BlockBufferPool', () => {
  test('hands out shared buffers of the asked length and reuses one given back for the same size class', () => {
    const pool = new BlockBufferPool(1 << 20);
    const a = pool.take(100_000);
    expect(a.length).toBe(100_000);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.buffer.byteLength).toBe(131_072);
    a.fill(7);
    pool.give(a);
    expect(pool.bytes).toBe(131_072);
    const b = pool.take(70_000); // same class (2^17)
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(70_000);
    expect(pool.bytes).toBe(0);
    const c = pool.take(70_000); // the class is empty again: a new buffer
    expect(c.buffer).not.toBe(a.buffer);
  });

  test('small requests share the smallest class; other classes do not mix', () => {
    const pool = new BlockBufferPool(1 << 24);
    const small = pool.take(10);
    expect(small.buffer.byteLength).toBe(65_536);
    pool.give(small);
    const big = pool.take(200_000);
    expect(big.buffer).not.toBe(small.buffer);
    expect(pool.take(1).buffer).toBe(small.buffer);
  });

  test('keeps no more than its limit, and ignores buffers it did not make', () => {
    const pool = new BlockBufferPool(300_000);
    const bufs = [pool.take(131_072), pool.take(131_072), pool.take(131_072)];
    for (const b of bufs) pool.give(b);
    expect(pool.bytes).toBe(262_144);
    pool.give(new Uint8Array(1000));
    expect(pool.bytes).toBe(262_144);
  });
});
