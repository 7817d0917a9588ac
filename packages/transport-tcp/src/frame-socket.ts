import type { Socket } from 'node:net';
import { TransportError, type CompiledTransportOptions } from '@flint/core/transport';
import { FrameDecoder, type FrameSink, type PieceSink } from './frame-decoder.ts';
import { FrameType, HANDSHAKE_MAX_FRAME } from './frame.ts';
import { FrameWriter } from './frame-writer.ts';

const KIND_TYPES: ReadonlySet<number> = new Set([FrameType.REQUEST, FrameType.MESSAGE, FrameType.STREAM_OPEN]);

/** What a `FrameSocket` reports to its owner. */
export interface FrameSocketOwner {
  onFrame: FrameSink;
  /** If given, large STREAM_DATA payloads arrive here in pieces instead of through `onFrame`. */
  onPiece?: PieceSink;
  /** Called once. `reason` is undefined for a clean end at a frame boundary. */
  onClose(reason: TransportError | undefined): void;
}

/**
 * One TCP socket speaking frames: decoding, batched writing, liveness and a
 * single close path.
 *
 * Bad input (a frame error thrown by the decoder or by the owner's
 * `onFrame`) closes this socket with one log line and nothing else. Liveness:
 * whenever it has sent nothing for one keep-alive interval it sends PING (in
 * the client role, answered by PONG) or PONG (in the server role, unanswered),
 * so traffic in either direction keeps both ends alive; in both roles, silence
 * from the peer for `peerTimeoutMs` closes the socket with `PEER_LOST`. Owns the socket and its
 * timer; does not own what the frames mean. Single-threaded.
 */
export class FrameSocket {
  readonly writer: FrameWriter;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private closeReason: TransportError | undefined;
  private chunksIn = 0;
  private chunksInAtTick = 0;
  private framesOutAtTick = 0;
  private silentTicks = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When set, builds the last frame sent before closing for bad input. */
  goodbye: ((err: TransportError) => ((writer: FrameWriter) => void) | undefined) | undefined;

  constructor(
    readonly socket: Socket,
    /** For log lines: e.g. `tcp connection from 10.0.0.2:50122`. */
    readonly label: string,
    private readonly options: CompiledTransportOptions,
    private readonly owner: FrameSocketOwner,
  ) {
    socket.setNoDelay(true);
    this.writer = new FrameWriter(socket);
    this.decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME, owner.onFrame, KIND_TYPES, owner.onPiece);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.chunksIn++;
      try {
        this.decoder.push(chunk);
      } catch (err) {
        const e = TransportError.from(err, 'PROTOCOL');
        this.fail(e, this.goodbye?.(e));
      }
    });
    socket.on('end', () => {
      if (!this.closed && this.decoder.midFrame) {
        this.fail(new TransportError('PROTOCOL', 'the peer closed the connection in the middle of a frame (truncated input)'));
      }
    });
    socket.on('error', (err) => {
      if (this.closeReason === undefined && !this.closed) {
        this.closeReason = new TransportError('PEER_LOST', `${label}: ${err.message}`, { cause: err });
      }
    });
    socket.on('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Raise the frame limit once the handshake is done. */
  authenticated(): void {
    this.decoder.setMaxFrameBytes(this.options.maxFrameBytes);
  }

  startKeepAlive(role: 'client' | 'server'): void {
    const { keepAliveIntervalMs, peerTimeoutMs } = this.options;
    this.timer = setInterval(() => {
      if (this.chunksIn !== this.chunksInAtTick) {
        this.chunksInAtTick = this.chunksIn;
        this.silentTicks = 0;
      } else if (++this.silentTicks * keepAliveIntervalMs >= peerTimeoutMs) {
        this.fail(new TransportError('PEER_LOST', `no data from the peer for ${peerTimeoutMs} ms`));
        return;
      }
      // Both roles speak up when they have written nothing for an interval: a
      // side that only receives (a server fed one-way messages) would
      // otherwise look dead to a side that only sends. The server's frame is
      // an unsolicited PONG, which a client takes as traffic and ignores.
      if (this.writer.framesWritten === this.framesOutAtTick) this.writer.write(role === 'client' ? FrameType.PING : FrameType.PONG, 0, '');
      this.framesOutAtTick = this.writer.framesWritten;
    }, keepAliveIntervalMs);
    this.timer.unref();
  }

  /**
   * Closes for bad input or a lost peer: logs one line, sends `goodbye` (a
   * last frame telling the peer why) if given, then half-closes and drops
   * whatever else arrives. The socket is destroyed shortly after, so the
   * goodbye is not lost to a reset.
   */
  fail(err: TransportError, goodbye?: (writer: FrameWriter) => void): void {
    if (this.closed) return;
    this.options.logger.warn(`closing ${this.label}: ${err.message}`, { code: err.code });
    this.closeReason = err;
    if (goodbye && !this.socket.destroyed) {
      try {
        goodbye(this.writer);
        this.writer.flush();
        this.socket.end();
        setTimeout(() => this.socket.destroy(), 250).unref();
      } catch {
        this.socket.destroy();
      }
    } else {
      this.socket.destroy();
    }
    this.finish();
  }

  /** Closes on purpose: flushes what is queued, then ends. */
  end(reason?: TransportError): void {
    if (this.closed) return;
    this.writer.flush();
    this.closeReason = reason;
    this.socket.end();
    this.socket.destroySoon();
    // A peer that never reads would hold the socket open; do not wait for it.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.owner.onClose(this.closeReason);
  }
}
