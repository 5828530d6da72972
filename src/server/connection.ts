/**
 * What every connection kind shares (clients and routes, later leaf nodes and
 * gateways): the outbound buffer that protocol lines are built into and that is
 * written once per event-loop turn, slow-consumer and fast-producer flow control,
 * the write deadline, PING/PONG liveness, tracing, and an orderly socket close.
 */
import type { Duplex } from 'node:stream';
import { ErrText } from '../protocol/errors.ts';
import { copyBytes } from '../util/bytes.ts';
import { ClosedState } from './closed-state.ts';
import type { Server } from './server.ts';

const PING_PROTO = Buffer.from('PING\r\n');
const MIN_SLAB = 512;
const MAX_SLAB = 64 * 1024;
/** Even a busy connection gets a PING this often, to refresh its round-trip time. */
const RTT_REFRESH_MS = 60 * 60 * 1000;
/** Longest a producer's reading pauses, per read, for a backed-up consumer. */
const FAST_PRODUCER_STALL_MS = 10;

export abstract class Connection {
  readonly cid: number;
  readonly server: Server;
  /** The byte stream; after a TLS upgrade, the TLS socket over the accepted one. */
  socket: Duplex;
  readonly startTime = new Date();
  /** performance.now() at creation: round-trip times need sub-millisecond precision. */
  protected readonly startedAt = performance.now();
  closed = false;
  closeReason: ClosedState | null = null;
  lastActivity = Date.now();
  rttMs = 0;

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;

  /** Protocol tracing (-V), kept here: it guards work on the hot path. */
  protected trace = false;

  // Outbound: bytes are built in `slab` from `slabStart` to `slabPos`; sealed pieces wait in `segments`.
  protected slab: Buffer | null = null;
  protected slabStart = 0;
  protected slabPos = 0;
  private slabSize = MIN_SLAB;
  protected segments: Buffer[] = [];
  /** Bytes queued here and not yet handed to the socket. */
  protected queuedBytes = 0;
  /** Outbound bytes beyond which this connection is a slow consumer (max_pending). */
  protected maxPending = 0;
  /** Pending bytes beyond which producers writing to this connection are stalled (75% of max_pending). */
  protected stallThreshold = 0;
  /** Bytes the socket still held after the last flush. */
  private backlog = 0;
  /** Producers waiting for this connection to drain. */
  stalledProducers: Connection[] = [];
  private stallTimer: NodeJS.Timeout | null = null;
  /** Already on the server's list of connections to flush this turn. */
  flushPending = false;
  private writeDeadlineTimer: NodeJS.Timeout | null = null;

  protected pingsOut = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  /** When our last PING went out; 0 before the first. */
  protected rttStart = 0;
  private endTimer: NodeJS.Timeout | null = null;

  constructor(server: Server, cid: number, socket: Duplex) {
    this.server = server;
    this.cid = cid;
    this.socket = socket;
  }

  /** "host:port - cid:N" (or the route's form) for log lines. */
  abstract describe(): string;
  /** Queues an -ERR and closes. */
  abstract sendErrAndClose(text: string, reason: ClosedState): void;
  abstract close(reason: ClosedState, flushFirst?: boolean): void;
  /** Cuts off a consumer that cannot keep up. */
  protected abstract slowConsumer(reason: ClosedState): void;

  private authTimer: NodeJS.Timeout | null = null;

  /** A peer that has not authenticated within `ms` gets 'Authentication Timeout' and is closed. */
  protected startAuthTimer(ms: number): void {
    this.authTimer = setTimeout(() => this.sendErrAndClose(ErrText.AuthenticationTimeout, ClosedState.AuthenticationTimeout), ms);
  }

  protected clearAuthTimer(): void {
    if (this.authTimer !== null) {
      clearTimeout(this.authTimer);
      this.authTimer = null;
    }
  }

  /** Reads go into a buffer reused after each read (see shared-read.ts). */
  protected abstract get transientInput(): boolean;
  /** Reading must stay paused whatever flow control says (a CONNECT is being authenticated). */
  protected abstract get readingHeld(): boolean;

  /** Takes the server's current limits and trace setting (at start and on reload). */
  protected applyOutboundSettings(): void {
    const opts = this.server.options;
    this.trace = this.server.logger.traceEnabled;
    this.maxPending = opts.maxPending;
    this.stallThreshold = Math.floor(opts.maxPending * 0.75);
  }

  // ---- reading and flow control ------------------------------------------------------

  /**
   * After a read has been processed: if it backed up a consumer, stall this producer
   * for it. Returns false when reading should pause.
   */
  protected afterRead(): boolean {
    const congested = this.server.congestedConsumer;
    if (congested === null) return true;
    this.server.congestedConsumer = null;
    if (congested === this || congested.closed) return true;
    this.stallFor(congested);
    return false;
  }

  /**
   * Stops reading from this producer until `consumer` drains, for at most
   * FAST_PRODUCER_STALL_MS per read, as nats-server stalls fast producers: the
   * consumer gets time to catch up, and one that cannot is still cut off by
   * max_pending or write_deadline.
   */
  protected stallFor(consumer: Connection): void {
    if (this.stallTimer !== null) return;
    consumer.stalledProducers.push(this);
    this.stallTimer = setTimeout(() => this.resumeReading(), FAST_PRODUCER_STALL_MS);
    if (!this.transientInput) this.socket.pause();
  }

  resumeReading(): void {
    if (this.stallTimer === null) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.restartReading();
  }

  protected restartReading(): void {
    if (this.closed || this.readingHeld) return;
    // In shared-buffer mode a `false` from the read callback stopped the handle; read(0) restarts it.
    if (this.transientInput) this.socket.read(0);
    else this.socket.resume();
  }

  protected onDrain(): void {
    this.backlog = 0;
    this.clearWriteDeadline();
    const producers = this.stalledProducers;
    if (producers.length === 0) return;
    this.stalledProducers = [];
    for (const p of producers) p.resumeReading();
  }

  // ---- outbound -------------------------------------------------------------------

  /** Makes room for `n` contiguous bytes at `slabPos` and returns the buffer to write into. */
  protected reserve(n: number): Buffer {
    const slab = this.slab;
    if (slab !== null && slab.length - this.slabPos >= n) return slab;
    this.seal();
    const size = Math.max(n, this.slabSize);
    if (this.slabSize < MAX_SLAB) this.slabSize *= 2;
    const fresh = Buffer.allocUnsafe(size);
    this.slab = fresh;
    this.slabStart = 0;
    this.slabPos = 0;
    return fresh;
  }

  /** Moves the bytes built so far into the segment list. */
  protected seal(): void {
    if (this.slab !== null && this.slabPos > this.slabStart) {
      this.segments.push(this.slab.subarray(this.slabStart, this.slabPos));
      this.slabStart = this.slabPos;
    }
  }

  enqueue(bytes: Buffer): void {
    if (this.closed) return;
    const slab = this.reserve(bytes.length);
    this.slabPos = copyBytes(slab, this.slabPos, bytes, 0, bytes.length);
    this.queuedBytes += bytes.length;
    this.afterEnqueue();
  }

  enqueueString(text: string): void {
    if (this.closed) return;
    const len = Buffer.byteLength(text);
    const slab = this.reserve(len);
    this.slabPos += slab.utf8Write(text, this.slabPos, len);
    this.queuedBytes += len;
    this.afterEnqueue();
  }

  /** Queues text whose characters are bytes (subjects and sids are kept as latin1 strings). */
  enqueueLatin1(text: string): void {
    if (this.closed) return;
    const slab = this.reserve(text.length);
    this.slabPos += slab.latin1Write(text, this.slabPos, text.length);
    this.queuedBytes += text.length;
    this.afterEnqueue();
  }

  protected afterEnqueue(): void {
    if (this.queuedBytes + this.backlog > this.stallThreshold) this.relieve();
    if (!this.flushPending && !this.closed) {
      this.flushPending = true;
      this.server.scheduleFlush(this);
    }
  }

  /**
   * Called when this connection's pending bytes pass 75% of max_pending. The queued
   * bytes go to the socket now: a consumer that keeps up takes them at once. What the
   * socket still holds then decides: past max_pending the consumer is cut off, past
   * the threshold the producer is stalled (see stallFor).
   */
  private relieve(): void {
    if (this.queuedBytes > 0) this.flush();
    if (this.closed) return;
    if (this.backlog > this.maxPending) this.slowConsumer(ClosedState.SlowConsumerPendingBytes);
    else if (this.backlog > this.stallThreshold) this.server.congestedConsumer = this;
  }

  /** Hands everything queued to the socket in one write (or one corked batch). */
  flush(): void {
    this.flushPending = false;
    if (this.queuedBytes === 0) return;
    const socket = this.socket;
    if (socket.destroyed) return;
    let ok: boolean;
    if (this.segments.length === 0) {
      ok = socket.write(this.slab!.subarray(this.slabStart, this.slabPos));
      this.slabStart = this.slabPos;
    } else {
      this.seal();
      const segments = this.segments;
      this.segments = [];
      socket.cork();
      ok = true;
      for (const s of segments) ok = socket.write(s);
      socket.uncork();
    }
    this.queuedBytes = 0;
    this.backlog = socket.writableLength;
    // A drained slab starts over so idle connections hold little memory.
    if (this.slab !== null && this.slabPos > this.slab.length >> 1) this.slab = null;
    if (!ok) {
      if (socket.writableLength > this.maxPending) {
        this.slowConsumer(ClosedState.SlowConsumerPendingBytes);
        return;
      }
      if (this.writeDeadlineTimer === null && !this.closed) {
        this.writeDeadlineTimer = setTimeout(() => {
          this.writeDeadlineTimer = null;
          if (this.socket.writableLength > 0) this.slowConsumer(ClosedState.SlowConsumerWriteDeadline);
        }, this.server.options.writeDeadline);
      }
    }
  }

  /** Bytes waiting to be written: queued here and held by the socket. */
  get pendingBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  protected clearWriteDeadline(): void {
    if (this.writeDeadlineTimer !== null) {
      clearTimeout(this.writeDeadlineTimer);
      this.writeDeadlineTimer = null;
    }
  }

  // ---- tracing ---------------------------------------------------------------------

  // Trace lines in nats-server's format; built only when tracing is on.
  protected traceIn(op: string, arg?: string): void {
    this.server.logger.trace(`${this.describe()} - <<- [${arg === undefined ? op : `${op} ${arg}`}]`);
  }

  protected traceOut(op: string, arg?: string): void {
    this.server.logger.trace(`${this.describe()} - ->> [${arg === undefined ? op : `${op} ${arg}`}]`);
  }

  // ---- pings -------------------------------------------------------------------------

  protected schedulePing(delayMs: number, jitter = false): void {
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    // The first PING is spread by up to 20% so reconnect storms do not align.
    const delay = jitter ? delayMs + Math.floor(Math.random() * (delayMs / 5)) : delayMs;
    this.pingTimer = setTimeout(() => this.onPingTimer(), delay);
  }

  private onPingTimer(): void {
    this.pingTimer = null;
    if (this.closed) return;
    const interval = this.server.options.pingInterval;
    const now = Date.now();
    // Recent traffic proves the peer alive, unless a round trip is due to be measured.
    const needRTT = this.rttStart === 0 || performance.now() - this.rttStart > RTT_REFRESH_MS;
    if (needRTT || now - this.lastActivity >= interval) {
      if (this.pingsOut + 1 > this.server.options.pingMax) {
        this.server.logger.debug(`${this.describe()} - Stale ${this.kindName} Connection - Closing`);
        this.sendErrAndClose(ErrText.StaleConnection, ClosedState.StaleConnection);
        return;
      }
      this.pingsOut++;
      this.rttStart = performance.now();
      if (this.trace) this.traceOut('PING');
      this.enqueue(PING_PROTO);
    }
    this.schedulePing(interval);
  }

  /** "Client", "Route": as nats-server names the kind in log lines. */
  protected get kindName(): string {
    return 'Client';
  }

  /** A PONG arrived: the peer is alive, and the round trip is measured. */
  protected pongReceived(): void {
    this.pingsOut = 0;
    if (this.rttStart > 0) this.rttMs = performance.now() - this.rttStart;
  }

  // ---- close -----------------------------------------------------------------------

  /**
   * The transport side of closing: timers stopped, stalled producers released, the
   * socket ended after a last flush (or destroyed at once without `flushFirst`).
   */
  protected closeTransport(): void {
    this.clearWriteDeadline();
    if (this.stallTimer !== null) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    for (const p of this.stalledProducers) p.resumeReading();
    this.stalledProducers = [];
    if (this.pingTimer !== null) {
      clearTimeout(this.pingTimer);
      this.pingTimer = null;
    }
  }

  /** Ends the socket after a last flush, or destroys it (slow consumers, dead peers). */
  protected endSocket(flushFirst: boolean): void {
    const socket = this.socket;
    if (flushFirst && !socket.destroyed) {
      this.flush();
      socket.end();
      // Reading may be paused (a bcrypt check, a stall): resume it so the peer's FIN is seen.
      if (this.transientInput) socket.read(0);
      else socket.resume();
      // A peer that stops reading must not hold the socket open forever.
      this.endTimer = setTimeout(() => socket.destroy(), Math.min(this.server.options.writeDeadline, 2000));
      socket.once('close', () => {
        if (this.endTimer !== null) clearTimeout(this.endTimer);
        this.endTimer = null;
      });
    } else {
      socket.destroy();
    }
    this.slab = null;
    this.segments = [];
  }
}
