import type { ConnectOptions, TransportAddress, TransportConnection } from './interface.ts';
import { formatTransportAddress } from './transport-address.ts';
import { TransportError } from './transport-error.ts';

/**
 * One open connection per peer address, shared by every caller.
 *
 * Concurrent `get`s for the same address wait on the same opening; a closed
 * or failed connection is forgotten so the next `get` opens a fresh one. Each
 * caller's own signal only abandons its wait, never the shared opening.
 * Used by transport implementations; single-threaded like the event loop.
 */
export class ConnectionPool<C extends TransportConnection> {
  private readonly entries = new Map<string, Promise<C>>();
  private closed = false;

  constructor(private readonly open: (address: TransportAddress) => Promise<C>) {}

  async get(address: TransportAddress, options: ConnectOptions = {}): Promise<C> {
    if (this.closed) throw new TransportError('CONNECTION_CLOSED', 'transport is closed', { retryable: false });
    options.signal?.throwIfAborted();
    const key = formatTransportAddress(address);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.open(address);
      this.entries.set(key, entry);
      entry.then(
        (conn) => {
          if (conn.state !== 'open') this.forget(key, entry!);
          else conn.on('close', () => this.forget(key, entry!));
        },
        () => this.forget(key, entry!),
      );
    }
    const conn = await raceSignal(entry, options.signal);
    if (conn.state !== 'open') {
      this.forget(key, entry);
      return this.get(address, options);
    }
    return conn;
  }

  /** Closes every pooled connection; later `get`s fail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close(), () => undefined)));
  }

  private forget(key: string, entry: Promise<C>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}

function raceSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TransportError('ABORTED', 'connect aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
