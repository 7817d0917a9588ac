import { describe, expect, it } from 'vitest';
import { assertListenAllowed, isLoopbackHost } from './listen-guard.ts';
import { formatTransportAddress, parseTransportAddress } from './transport-address.ts';
import { TransportError } from './transport-error.ts';
import { TRANSPORT_DEFAULTS, compileTransportOptions, resolveClusterSecret } from './transport-options.ts';

describe('compileTransportOptions', () => {
  it('fills documented defaults and treats an empty secret as none', () => {
    const o = compileTransportOptions({ secret: '' });
    expect(o.secret).toBeUndefined();
    expect(o.maxFrameBytes).toBe(256 * 1024 * 1024);
    expect(o.streamWindowBytes).toBe(TRANSPORT_DEFAULTS.streamWindowBytes);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('rejects nonsense with a CONFIG error', () => {
    expect(() => compileTransportOptions({ maxFrameBytes: -1 })).toThrow(TransportError);
    expect(() => compileTransportOptions({ streamChunkBytes: 65536, streamWindowBytes: 65536 })).toThrow(/streamWindowBytes/);
    expect(() => compileTransportOptions({ keepAliveIntervalMs: 1000, peerTimeoutMs: 10 })).toThrow(/peerTimeoutMs/);
  });

  it('resolves the cluster secret from conf before the environment', () => {
    expect(resolveClusterSecret({ 'flint.authenticate.secret': 'c' }, { FLINT_SECRET: 'e' })).toBe('c');
    expect(resolveClusterSecret({}, { FLINT_SECRET: 'e' })).toBe('e');
    expect(resolveClusterSecret({}, { FLINT_SECRET: '' })).toBeUndefined();
  });
});

describe('listen guard', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('refuses a non-loopback address without a secret, naming FLINT_SECRET', () => {
    expect(() => assertListenAllowed('0.0.0.0', undefined, 'tcp')).toThrow(/FLINT_SECRET/);
    expect(() => assertListenAllowed('0.0.0.0', 's', 'tcp')).not.toThrow();
    expect(() => assertListenAllowed('127.0.0.1', undefined, 'tcp')).not.toThrow();
  });
});

describe('transport addresses', () => {
  it('parses host:port with or without a scheme, and IPv6', () => {
    expect(parseTransportAddress('flint://master:7077')).toEqual({ host: 'master', port: 7077 });
    expect(parseTransportAddress('10.0.0.1:80')).toEqual({ host: '10.0.0.1', port: 80 });
    expect(parseTransportAddress('http://[::1]:8080/x')).toEqual({ host: '::1', port: 8080 });
    expect(formatTransportAddress({ host: '::1', port: 1 })).toBe('[::1]:1');
    for (const bad of ['nohost', 'h:0', 'h:70000', ':80']) expect(() => parseTransportAddress(bad)).toThrow(TransportError);
  });
});
