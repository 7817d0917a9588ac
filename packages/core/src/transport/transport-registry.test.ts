import { describe, expect, it } from 'vitest';
import { blockChunks } from './block-source.ts';
import { decodeBody, encodeBody } from './body-codec.ts';
import type { Transport } from './interface.ts';
import { decodeRemoteError, encodeRemoteError, TransportError } from './transport-error.ts';
import { compileTransportOptions } from './transport-options.ts';
import { loadTransport, registerTransport, registeredTransports } from './transport-registry.ts';

describe('transport registry', () => {
  it('returns a registered factory by name and refuses unknown or invalid names', async () => {
    const fake = { name: 'fake-for-test', options: compileTransportOptions() } as unknown as Transport;
    registerTransport('fake-for-test', () => fake);
    expect(registeredTransports()).toContain('fake-for-test');
    expect(await loadTransport('fake-for-test')).toBe(fake);
    await expect(loadTransport('missing-transport-xyz')).rejects.toMatchObject({ code: 'UNKNOWN_TRANSPORT' });
    await expect(loadTransport('../evil')).rejects.toMatchObject({ code: 'UNKNOWN_TRANSPORT' });
    expect(() => registerTransport('Bad Name', () => fake)).toThrow(TransportError);
  });
});

describe('remote errors and bodies', () => {
  it('carries a handler failure across as REMOTE with its stack', () => {
    const err = decodeRemoteError(encodeRemoteError(new RangeError('nope')), 'request x');
    expect(err.code).toBe('REMOTE');
    expect(err.remote).toMatchObject({ name: 'RangeError', message: 'nope' });
    expect(err.remote?.stack).toContain('RangeError');
    expect(decodeRemoteError(Buffer.from('garbage'), 'request x').code).toBe('PROTOCOL');
  });

  it('round-trips message bodies', () => {
    const v = { a: 1, b: [1, 'x', null], s: new Set(['k']), d: new Date(0), u: new Uint8Array([3]) };
    expect(decodeBody(encodeBody(v))).toEqual(v);
  });
});

describe('blockChunks', () => {
  it('cuts large chunks into views and stops the source on return', async () => {
    let stopped = false;
    async function* src() {
      try {
        yield Buffer.alloc(10, 1);
        yield 'ab';
        yield Buffer.alloc(0);
        yield Buffer.alloc(3, 2);
      } finally {
        stopped = true;
      }
    }
    const it = blockChunks(src(), 4);
    const sizes: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) sizes.push(r.value.byteLength);
    expect(sizes).toEqual([4, 4, 2, 2, 3]);
    const early = blockChunks(src(), 4);
    await early.next();
    stopped = false;
    await early.return();
    expect(stopped).toBe(true);
  });
});
