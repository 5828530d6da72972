/**
 * One client connection: bytes in through the parser, messages routed through the
 * account's subject index, and MSG lines built straight into each receiver's
 * outbound buffer, which is written once per event-loop turn.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Account } from '../accounts/account.ts';
import { ClientParser, ParseError, type ClientProtocolHandler } from '../protocol/parser.ts';
import { ErrText, errProto, goQuote, goQuoteText, removedSubViolation, replyPermissionViolation, pubPermissionViolation, subPermissionViolation, tooManyTokensViolation } from '../protocol/errors.ts';
import { isValidLiteralSubject, tokenCount } from '../sublist/subject.ts';
import { copyBytes, writeDecimal } from '../util/bytes.ts';
import '../util/buffer-natives.ts';
import { ClosedState } from './closed-state.ts';
import { applyConnectJson, initialConnectOptions, type ConnectOptions } from './connect-options.ts';
import { decodeGoJson, INFO_SCHEMA } from './go-json.ts';
import { SAMPLE_EVERY } from './activity.ts';
import { isSharedReadBuffer, readIntoSharedBuffer } from './shared-read.ts';
import { Subscription, type Subscriber } from './subscription.ts';
import type { MatchResult } from '../sublist/sublist.ts';
import type { InboundMessage } from '../protocol/message.ts';
import { deliverResult, publish } from './delivery.ts';
import { shadowSubject } from '../accounts/transforms.ts';
import type { AuthGrant, AuthOutcome } from '../auth/service.ts';
import type { Permissions } from '../auth/permissions.ts';
import type { UserClaims } from '../auth/jwt.ts';
import { certificateIdentities, type CertificateIdentities } from '../transport/tls.ts';
import type { Server } from './server.ts';
import { authTimeoutMs } from '../options/options.ts';

const OK_PROTO = Buffer.from('+OK\r\n');
const PING_PROTO = Buffer.from('PING\r\n');
const PONG_PROTO = Buffer.from('PONG\r\n');

/** Payloads up to this size are copied into the outbound buffer; larger ones are queued by reference. */
const COPY_PAYLOAD_MAX = 16 * 1024;
const MIN_SLAB = 512;
const MAX_REMEMBERED_SUBJECT = 1024;
/** Reply subjects tracked for allow_responses before pruning (nats-server's replyPermLimit). */
const MAX_TRACKED_REPLIES = 4096;
const MAX_SLAB = 64 * 1024;
/** Longest fixed part of a MSG/HMSG line: "HMSG " + 3 spaces + two 10-digit sizes + CRLF. */
const MSG_LINE_OVERHEAD = 5 + 3 + 20 + 2 + 2;
/** First server PING after CONNECT comes sooner than ping_interval (firstClientPingInterval). */
const FIRST_CLIENT_PING_MS = 2000;
/** Even a busy connection gets a PING this often, to refresh its round-trip time. */
const RTT_REFRESH_MS = 60 * 60 * 1000;
/** Longest a producer's reading pauses, per read, for a backed-up consumer. */
const FAST_PRODUCER_STALL_MS = 10;

export interface ConnectionMeta {
  remoteAddress: string;
  remotePort: number;
}

export class ClientConnection implements ClientProtocolHandler, Subscriber {
  readonly cid: number;
  readonly server: Server;
  /** The byte stream; after a TLS upgrade, the TLS socket over the accepted one. */
  socket: Duplex;
  readonly parser: ClientParser;
  readonly host: string;
  readonly port: number;
  readonly startTime = new Date();
  /** performance.now() at accept: round-trip times need sub-millisecond precision. */
  private readonly startedAt = performance.now();
  account: Account;
  readonly subs = new Map<string, Subscription>();
  opts: ConnectOptions = initialConnectOptions();

  /** Set by authentication: what this user may publish and subscribe to. */
  permissions: Permissions | null = null;
  /** The authenticated user's name (or nkey), for logs and monitoring. */
  user = '';
  /** The user JWT's claims, in operator mode. */
  userClaims: UserClaims | null = null;
  private userMaxSubscriptions = -1;
  private userMaxPayload = -1;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** The nonce sent in INFO for the client to sign, when nkeys or JWTs are in use. */
  nonce = '';
  readonly connectionType = 'STANDARD';
  /** The client certificate's identities, over TLS with a client certificate. */
  certificate: CertificateIdentities | null = null;
  /** Reply subjects this client may answer (allow_responses): first delivery time and answers sent. */
  private replies: Map<string, { time: number; count: number }> | null = null;

  // CONNECT flags read on every message, copied out of `opts`.
  verbose = true;
  pedantic = true;
  /** Headers are used only when both sides support them. */
  headers = false;
  echo = true;
  connectReceived = false;
  private firstPongSent = false;
  closed = false;
  closeReason: ClosedState | null = null;
  lastActivity = Date.now();
  rttMs = 0;

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;

  // Outbound: bytes are built in `slab` from `slabStart` to `slabPos`; sealed pieces wait in `segments`.
  private slab: Buffer | null = null;
  private slabStart = 0;
  private slabPos = 0;
  private slabSize = MIN_SLAB;
  private segments: Buffer[] = [];
  /** Bytes queued here and not yet handed to the socket. */
  private queuedBytes = 0;
  /** Outbound bytes beyond which this connection is a slow consumer (max_pending). */
  private maxPending = 0;
  /** Pending bytes beyond which producers writing to this connection are stalled (75% of max_pending). */
  private stallThreshold = 0;
  /** Bytes the socket still held after the last flush. */
  private backlog = 0;
  /** Producers waiting for this connection to drain. */
  stalledProducers: ClientConnection[] = [];
  private stallTimer: NodeJS.Timeout | null = null;
  /** Already on the server's list of connections to flush this turn. */
  flushPending = false;

  // The last published subject and its match, reused while the index is unchanged.
  private lastSubjectBytes = Buffer.allocUnsafe(64);
  private lastSubjectLen = -1;
  private lastSubject = '';
  private lastSubjectLiteral = false;
  private lastPubAllowed = true;
  private lastResult: MatchResult<Subscription> = { psubs: [], qsubs: [] };
  private lastGenid = -1;

  /** Protocol tracing (-V), kept here: it guards work on the hot path. */
  private trace = false;

  /** Publishes until the next one is sampled for the dashboard's busiest subjects. */
  private sampleCountdown = SAMPLE_EVERY;

  private pingsOut = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  /** When our last PING went out; 0 before the first. */
  private rttStart = 0;
  private authTimer: NodeJS.Timeout | null = null;
  private writeDeadlineTimer: NodeJS.Timeout | null = null;
  private endTimer: NodeJS.Timeout | null = null;

  constructor(server: Server, cid: number, socket: Duplex, meta: ConnectionMeta, account: Account) {
    this.server = server;
    this.cid = cid;
    this.socket = socket;
    this.host = meta.remoteAddress;
    this.port = meta.remotePort;
    this.account = account;
    this.parser = new ClientParser(this);
    this.parser.connectRequired = server.auth.required;
    this.applySettings();
  }

  /** Takes the server's current limits and trace setting (at start and on reload). */
  applySettings(): void {
    const opts = this.server.options;
    this.trace = this.server.logger.traceEnabled;
    this.parser.maxControlLine = opts.maxControlLine;
    this.applyPayloadLimits();
    this.maxPending = opts.maxPending;
    this.stallThreshold = Math.floor(opts.maxPending * 0.75);
  }

  /**
   * Starts serving over `socket` (the accepted one, or the TLS socket made over it):
   * sends INFO, unless it went out before the upgrade, and starts reading.
   */
  start(socket: Duplex = this.socket, infoSent = false): void {
    this.socket = socket;
    if (this.closed) {
      // Closed while a TLS handshake or the allow_non_tls peek was pending.
      socket.destroy();
      return;
    }
    const secure = socket instanceof tls.TLSSocket;
    if (secure) this.certificate = certificateIdentities(socket);
    // Bytes already buffered (an allow_non_tls peek put one back) must come through 'data'.
    if (!secure && socket instanceof net.Socket && socket.readableLength === 0 && readIntoSharedBuffer(socket, (view) => this.onData(view))) {
      this.parser.transientInput = true;
    } else {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
    }
    socket.resume();
    socket.on('end', () => this.close(ClosedState.ClientClosed));
    socket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    socket.on('close', () => this.close(ClosedState.ClientClosed));
    socket.on('drain', () => this.onDrain());
    if (!infoSent) {
      this.enqueueString(this.server.clientInfoLine(this));
      this.flush();
    }
    if (this.server.auth.required) {
      this.authTimer = setTimeout(() => this.sendErrAndClose(ErrText.AuthenticationTimeout, ClosedState.AuthenticationTimeout), authTimeoutMs(this.server.options));
    }
    this.schedulePing(this.server.options.pingInterval);
  }

  /** Parses one read; returns false when reading should pause (a consumer is backed up). */
  private onData(chunk: Buffer): boolean {
    if (this.closed) return true;
    this.lastActivity = Date.now();
    this.parser.parse(chunk);
    if (this.parser.suspended) {
      if (!this.parser.transientInput) this.socket.pause();
      return false;
    }
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
  private stallFor(consumer: ClientConnection): void {
    if (this.stallTimer !== null) return;
    consumer.stalledProducers.push(this);
    this.stallTimer = setTimeout(() => this.resumeReading(), FAST_PRODUCER_STALL_MS);
    if (!this.parser.transientInput) this.socket.pause();
  }

  resumeReading(): void {
    if (this.stallTimer === null) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.restartReading();
  }

  private restartReading(): void {
    if (this.closed || this.parser.suspended) return;
    // In shared-buffer mode a `false` from the read callback stopped the handle; read(0) restarts it.
    if (this.parser.transientInput) this.socket.read(0);
    else this.socket.resume();
  }

  private onDrain(): void {
    this.backlog = 0;
    this.clearWriteDeadline();
    const producers = this.stalledProducers;
    if (producers.length === 0) return;
    this.stalledProducers = [];
    for (const p of producers) p.resumeReading();
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    this.server.logger.debug(`${this.describe()} - Client connection error: ${err.message}`);
    this.close(ClosedState.ReadError);
  }

  /**
   * This client as $SYS events, latency reports and Nats-Request-Info describe it
   * (events.go ClientInfo, in its field order): account and round-trip time, and
   * with `detailed` who and where the client is.
   */
  clientInfo(detailed: boolean): Record<string, unknown> {
    const rtt = Math.round(this.rttMs * 1_000_000);
    if (!detailed) return { acc: this.account.name, rtt };
    const o = this.opts;
    return {
      start: this.startTime.toISOString(),
      host: this.host,
      id: this.cid,
      acc: this.account.name,
      ...(this.user ? { user: this.user } : {}),
      ...(o.name ? { name: o.name } : {}),
      ...(o.lang ? { lang: o.lang } : {}),
      ...(o.version ? { ver: o.version } : {}),
      rtt,
      server: this.server.name,
      ...(o.jwt ? { jwt: o.jwt } : {}),
      kind: 'Client',
      client_type: 'nats',
    };
  }

  describe(): string {
    return `${this.host}:${this.port} - cid:${this.cid}`;
  }

  // ---- protocol handler -------------------------------------------------------------

  onConnect(json: string): void {
    if (this.trace) this.traceIn('CONNECT', json.replace(/("pass"\s*:\s*")[^"]*"/, '$1[REDACTED]"'));
    this.clearAuthTimer();
    const err = applyConnectJson(json, this.opts);
    if (err !== null) {
      this.server.logger.error(`${this.describe()} - ${err}`);
      this.close(ClosedState.ProtocolViolation);
      return;
    }
    const opts = this.opts;
    const server = this.server;
    this.connectReceived = true;
    this.parser.connectRequired = false;
    this.echo = opts.echo;
    this.verbose = opts.verbose;
    this.pedantic = opts.pedantic;
    this.headers = !server.options.noHeaderSupport && opts.headers;
    this.parser.headers = this.headers;
    this.rttMs = performance.now() - this.startedAt;

    const outcome = server.auth.authenticate(this);
    if (outcome instanceof Promise) {
      // A bcrypt comparison: hold further input until it is settled.
      this.parser.suspend();
      outcome.then(
        (grant) => this.afterAuthentication(grant, true),
        () => this.afterAuthentication(null, true),
      );
      return;
    }
    this.afterAuthentication(outcome, false);
  }

  private afterAuthentication(grant: AuthOutcome, resumed: boolean): void {
    if (this.closed) return;
    if (grant === null) {
      this.authViolation();
      return;
    }
    const opts = this.opts;
    if (opts.new_account || opts.account !== '') {
      this.authViolation();
      return;
    }
    if (!this.bindAccount(grant)) return;
    if (opts.protocol < 0 || opts.protocol > 1) {
      this.sendErrAndClose(ErrText.InvalidClientProtocol, ClosedState.BadClientProtocolVersion);
      return;
    }
    if (opts.no_responders && !this.headers) {
      this.sendErrAndClose(ErrText.NoRespondersRequiresHeaders, ClosedState.NoRespondersRequiresHeaders);
      return;
    }
    if (opts.verbose) this.sendOK();
    const interval = this.server.options.pingInterval;
    this.schedulePing(this.server.options.disableShortFirstPing ? interval : Math.min(interval, FIRST_CLIENT_PING_MS), true);
    if (resumed) {
      this.parser.resume();
      this.restartReading();
    }
  }

  /** Moves the connection to the account it authenticated into; false if that closed it. */
  private bindAccount(grant: AuthGrant): boolean {
    this.permissions = grant.permissions;
    this.user = grant.user;
    this.userClaims = grant.userClaims ?? null;
    this.userMaxSubscriptions = grant.maxSubscriptions ?? -1;
    this.userMaxPayload = grant.maxPayload ?? -1;
    this.lastSubjectLen = -1;
    this.scheduleExpiry(grant.expiresAt ?? 0);
    const next = grant.account;
    if (next === this.account) {
      this.applyPayloadLimits();
      return true;
    }
    const limit = next.limits.maxConnections;
    if (limit >= 0 && next.connections >= limit) {
      this.server.logger.error(`${this.describe()} - ${ErrText.MaxAccountConnections}`);
      this.sendErrAndClose(ErrText.MaxAccountConnections, ClosedState.MaxAccountConnectionsExceeded);
      return false;
    }
    // A re-authentication into another account drops the old account's subscriptions.
    this.dropSubscriptions();
    this.account.connections--;
    this.account = next;
    next.connections++;
    this.applyPayloadLimits();
    return true;
  }

  /** max_payload for this client: the tightest of the server's, the account's and the user's. */
  private applyPayloadLimits(): void {
    const server = this.server.options.maxPayload > 0 ? this.server.options.maxPayload : -1;
    const limits = [server, this.account.limits.maxPayload, this.userMaxPayload].filter((l) => l >= 0);
    this.parser.maxPayload = limits.length === 0 ? -1 : Math.min(...limits);
  }

  /** Closes the connection when its credentials expire (user JWT exp, allowed times). */
  private scheduleExpiry(expiresAt: number): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (expiresAt <= 0) return;
    this.expiryTimer = setTimeout(() => this.sendErrAndClose(ErrText.UserAuthenticationExpired, ClosedState.AuthenticationExpired), Math.max(0, expiresAt - Date.now()));
  }

  /**
   * After a reload: checks this client's credentials against the new configuration,
   * closing it if they no longer pass and taking the new permissions otherwise.
   */
  reauthorize(): void {
    if (!this.connectReceived || this.closed) return;
    const apply = (grant: AuthOutcome): void => {
      if (this.closed) return;
      if (grant === null || grant.account !== this.account) this.authViolation();
      else {
        this.permissions = grant.permissions;
        this.lastSubjectLen = -1;
        this.dropForbiddenSubscriptions();
      }
    };
    const outcome = this.server.auth.authenticate(this);
    if (outcome instanceof Promise) outcome.then(apply, () => apply(null));
    else apply(outcome);
  }

  /** Removes the subscriptions new permissions no longer allow, telling the client (client.go reload). */
  private dropForbiddenSubscriptions(): void {
    const perms = this.permissions;
    if (perms === null) return;
    for (const sub of [...this.subs.values()]) {
      if (perms.canSubscribe(sub.subject) || (sub.queue !== undefined && perms.canSubscribe(sub.subject, sub.queue))) {
        sub.filterDeliveries = perms.needsDeliveryFilter(sub.subject);
        continue;
      }
      this.unsubscribe(sub);
      this.sendErr(removedSubViolation(sub.subject, sub.sid));
      this.server.logger.info(`Removed sub ${goQuote(sub.subject)} (sid ${goQuote(sub.sid)}) for ${this.authUser()} - not authorized`);
    }
  }

  /** With no_auth_user, a client may skip CONNECT (telnet style) and act as that user. */
  onFirstOpNotConnect(): boolean {
    const grant = this.server.auth.noAuthGrant();
    if (grant === null) return false;
    this.clearAuthTimer();
    return this.bindAccount(grant);
  }

  onPub(p: ClientParser): void {
    const buf = p.msgBuf;
    const account = this.account;
    const sublist = account.sublist;
    // Publishers mostly repeat one subject: compare its bytes with the last one's
    // instead of building a string and hashing it for every message.
    const subjectStart = p.msgSubjectStart;
    const subjectLen = p.msgSubjectEnd - subjectStart;
    let subject: string;
    let result: MatchResult<Subscription>;
    let literal: boolean;
    let allowed: boolean;
    if (subjectLen === this.lastSubjectLen && sublist.genid === this.lastGenid && sameBytes(buf, subjectStart, this.lastSubjectBytes, subjectLen)) {
      subject = this.lastSubject;
      result = this.lastResult;
      literal = this.lastSubjectLiteral;
      allowed = this.lastPubAllowed;
    } else {
      subject = buf.latin1Slice(subjectStart, p.msgSubjectEnd);
      result = sublist.match(subject);
      literal = isValidLiteralSubject(subject);
      const perms = this.permissions;
      allowed = perms === null || !perms.restrictsPublish || perms.canPublish(subject);
      this.rememberSubject(buf, subjectStart, subjectLen, subject, result, literal, allowed, sublist.genid);
    }
    const size = p.msgSize;
    if (this.trace) this.tracePub(p);
    this.inMsgs++;
    this.inBytes += size;
    if (--this.sampleCountdown === 0) {
      // A random gap (SAMPLE_EVERY on average) keeps a publisher cycling through subjects from aliasing.
      this.sampleCountdown = 1 + Math.floor(Math.random() * (2 * SAMPLE_EVERY - 1));
      this.server.activity.sample(account.name, subject, size);
    }
    if (this.pedantic && !literal) this.sendErr(ErrText.InvalidPublishSubject);

    // Clients may not publish to gateway-routed reply subjects.
    if ((subject.charCodeAt(0) === 95 && subject.startsWith('_GR_.') && subject.length > 5) || (!allowed && !this.answersTrackedRequest(subject))) {
      this.pubViolation(subject);
      return;
    }
    const hasReply = p.msgReplyStart >= 0;
    if (hasReply) {
      const first = buf[p.msgReplyStart];
      if ((first === 95 || first === 36) && isReservedReply(buf.latin1Slice(p.msgReplyStart, p.msgReplyEnd))) {
        const reply = buf.latin1Slice(p.msgReplyStart, p.msgReplyEnd);
        this.sendErr(replyPermissionViolation(reply));
        this.server.logger.error(`${this.describe()} - Publish Violation - ${this.authUser()}, Reply ${goQuote(reply)}`);
        return;
      }
    }
    if (this.verbose) this.sendOK();

    const deliveries =
      account.mappings === null && !account.routesAcrossAccounts ? deliverResult(this, result, p) : publish(this, account, subject, p, result);
    if (deliveries === 0 && hasReply && this.opts.no_responders) this.sendNoResponders(buf.latin1Slice(p.msgReplyStart, p.msgReplyEnd));
  }

  private pubViolation(subject: string): void {
    this.sendErr(pubPermissionViolation(subject));
    this.server.logger.error(`${this.describe()} - Publish Violation - ${this.authUser()}, Subject ${goQuote(subject)}`);
  }

  /** Who the client authenticated as, for violation logs. */
  private authUser(): string {
    if (this.userClaims !== null) return `JWT User ${goQuoteText(this.user)}`;
    if (this.user.startsWith('U') && this.user.length === 56) return `Nkey ${goQuoteText(this.user)}`;
    return `User ${goQuoteText(this.user)}`;
  }

  private rememberSubject(buf: Buffer, start: number, len: number, subject: string, result: MatchResult<Subscription>, literal: boolean, allowed: boolean, genid: number): void {
    if (len > this.lastSubjectBytes.length) {
      if (len > MAX_REMEMBERED_SUBJECT) {
        this.lastSubjectLen = -1;
        return;
      }
      this.lastSubjectBytes = Buffer.allocUnsafe(Math.max(len, this.lastSubjectBytes.length * 2));
    }
    copyBytes(this.lastSubjectBytes, 0, buf, start, start + len);
    this.lastSubjectLen = len;
    this.lastSubject = subject;
    this.lastSubjectLiteral = literal;
    this.lastPubAllowed = allowed;
    this.lastResult = result;
    this.lastGenid = genid;
  }

  /**
   * allow_responses: publishing to the reply subject of a request this client
   * received is allowed up to the configured count and age.
   */
  private answersTrackedRequest(subject: string): boolean {
    const tracked = this.replies?.get(subject);
    if (tracked === undefined) return false;
    const limits = this.permissions!.response!;
    tracked.count++;
    if ((limits.maxMsgs > 0 && tracked.count > limits.maxMsgs) || (limits.expiresMs > 0 && Date.now() - tracked.time > limits.expiresMs)) {
      this.replies!.delete(subject);
      return false;
    }
    return true;
  }

  trackReply(reply: string): void {
    const replies = (this.replies ??= new Map());
    if (replies.size >= MAX_TRACKED_REPLIES) this.pruneReplies();
    replies.set(reply, { time: Date.now(), count: 0 });
  }

  /** Drops expired replies; if none expired, the oldest half (as nats-server prunes). */
  private pruneReplies(): void {
    const replies = this.replies!;
    const ttl = this.permissions?.response?.expiresMs ?? 0;
    const now = Date.now();
    if (ttl > 0) for (const [reply, r] of replies) if (now - r.time > ttl) replies.delete(reply);
    let excess = replies.size - MAX_TRACKED_REPLIES / 2;
    for (const reply of replies.keys()) {
      if (excess-- <= 0) break;
      replies.delete(reply);
    }
  }

  onSub(subject: string, queue: string | undefined, sid: string): void {
    if (this.trace) this.traceIn('SUB', queue === undefined ? `${subject} ${sid}` : `${subject} ${queue} ${sid}`);
    const options = this.server.options;
    const perms = this.permissions;
    // The queue "_sys_" is reserved for the server's own queue subscriptions.
    if (perms !== null && (!perms.canSubscribe(subject, queue) || queue === '_sys_')) {
      this.sendErr(subPermissionViolation(subject, queue));
      this.server.logger.error(`${this.describe()} - Subscription Violation - ${this.authUser()}, Subject ${goQuote(subject)}${queue === undefined ? '' : `, Queue: ${goQuote(queue)}`}, SID ${sid}`);
      return;
    }
    if (options.maxSubTokens > 0 && tokenCount(subject) > options.maxSubTokens) {
      this.sendErr(tooManyTokensViolation(subject));
      return;
    }
    const maxSubs = this.maxSubscriptions();
    if (maxSubs >= 0 && this.subs.size >= maxSubs) {
      this.server.logger.error(`${this.describe()} - Maximum Subscriptions Exceeded (${maxSubs})`);
      this.sendErr(ErrText.MaxSubscriptions);
      return;
    }
    if (!this.subs.has(sid)) {
      const sub = new Subscription(this, subject, queue, sid);
      if (!this.account.sublist.insert(sub)) {
        this.sendErr(ErrText.InvalidSubject);
        return;
      }
      if (perms !== null && perms.needsDeliveryFilter(subject)) sub.filterDeliveries = true;
      this.subs.set(sid, sub);
      this.addShadows(sub);
    }
    if (this.verbose) this.sendOK();
  }

  /** The tighter of the server's max_subscriptions and the account's limit; -1 = none. */
  private maxSubscriptions(): number {
    const limits = [this.server.options.maxSubscriptions > 0 ? this.server.options.maxSubscriptions : -1, this.account.limits.maxSubscriptions, this.userMaxSubscriptions].filter((l) => l >= 0);
    return limits.length > 0 ? Math.min(...limits) : -1;
  }

  onUnsub(sid: string, max: number): void {
    if (this.trace) this.traceIn('UNSUB', max >= 0 ? `${sid} ${max}` : sid);
    const sub = this.subs.get(sid);
    if (this.verbose) this.sendOK();
    if (sub === undefined) return;
    if (max > 0 && max > sub.delivered) sub.max = max;
    else this.unsubscribe(sub);
  }

  onPing(): void {
    if (this.trace) {
      this.traceIn('PING');
      this.traceOut('PONG');
    }
    this.enqueue(PONG_PROTO);
    // The first PONG after CONNECT (clients flush after connecting) is followed by an
    // INFO when this client's max_payload is below the server's (account or user limits).
    if (!this.firstPongSent && this.connectReceived) {
      this.firstPongSent = true;
      const maxPayload = this.parser.maxPayload;
      if (this.opts.protocol >= 1 && maxPayload !== this.server.options.maxPayload) {
        this.enqueueString(this.server.clientInfoLine(this, { max_payload: maxPayload }));
      }
    }
  }

  onPong(): void {
    if (this.trace) this.traceIn('PONG');
    this.pingsOut = 0;
    if (this.rttStart > 0) this.rttMs = performance.now() - this.rttStart;
  }

  /** Clients have no use for INFO, but one that nats-server could not decode closes them. */
  onInfo(json: string): void {
    if ('error' in decodeGoJson(json, INFO_SCHEMA)) this.close(ClosedState.ProtocolViolation);
  }

  onClientErr(text: string): void {
    this.server.logger.error(`${this.describe()} - Client Error ${text}`);
    this.close(ClosedState.ParseError);
  }

  onParseError(kind: ParseError, detail: string): void {
    const log = this.server.logger;
    switch (kind) {
      case ParseError.UnknownOp:
        log.error(`${this.describe()} - Client parser ERROR: ${detail}`);
        // nats-server's readLoop closes a connection its parser rejects as a protocol violation.
        this.sendErrAndClose(ErrText.UnknownProtocol, ClosedState.ProtocolViolation);
        break;
      case ParseError.MaxControlLine:
        log.error(`${this.describe()} - maximum control line exceeded: ${detail}`);
        this.sendErrAndClose(ErrText.MaxControlLine, ClosedState.MaxControlLineExceeded);
        break;
      case ParseError.MaxPayload:
        log.error(`${this.describe()} - Maximum Payload Violation: ${detail}`);
        this.sendErrAndClose(ErrText.MaxPayload, ClosedState.MaxPayloadExceeded);
        break;
      case ParseError.AuthViolation:
        this.authViolation();
        break;
      default:
        log.error(`${this.describe()} - Protocol violation: ${detail}`);
        this.close(ClosedState.ProtocolViolation);
    }
  }

  // ---- delivery -------------------------------------------------------------------

  /** Builds `MSG`/`HMSG` for `sub` from the parser's current message in this connection's buffer. */
  writeMsg(sub: Subscription, p: InboundMessage): void {
    const src = p.msgBuf;
    const hdr = p.msgHeaderSize;
    const withHeaders = hdr > 0 && this.headers;
    const stripHeaders = hdr > 0 && !this.headers;
    const subjectLen = p.msgSubjectEnd - p.msgSubjectStart;
    const replyLen = p.msgReplyStart >= 0 ? p.msgReplyEnd - p.msgReplyStart + 1 : 0;
    const sid = sub.sidBytes;
    const payloadStart = stripHeaders ? p.msgPayloadStart + hdr : p.msgPayloadStart;
    const payloadLen = stripHeaders ? p.msgSize - hdr : p.msgSize;
    if (this.trace) {
      const reply = p.msgReplyStart >= 0 ? ` ${src.latin1Slice(p.msgReplyStart, p.msgReplyEnd)}` : '';
      this.traceOut(withHeaders ? 'HMSG' : 'MSG', `${src.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd)} ${sub.sid}${reply} ${withHeaders ? `${hdr} ${payloadLen}` : payloadLen}`);
    }
    const copyPayload = payloadLen <= COPY_PAYLOAD_MAX;
    const lineLen = MSG_LINE_OVERHEAD + subjectLen + sid.length + replyLen;
    const slab = this.reserve(copyPayload ? lineLen + payloadLen + 2 : lineLen);
    let pos = this.slabPos;
    const prefix = sub.msgPrefix;
    if (prefix !== null) {
      // A literal subscription's subject is the message's: copy "MSG <subject> <sid>" whole.
      for (let k = withHeaders ? 0 : 1, n = prefix.length; k < n; k++) slab[pos++] = prefix[k]!;
    } else {
      if (withHeaders) slab[pos++] = 72; // H
      slab[pos++] = 77; // M
      slab[pos++] = 83; // S
      slab[pos++] = 71; // G
      slab[pos++] = 32;
      pos = copyBytes(slab, pos, src, p.msgSubjectStart, p.msgSubjectEnd);
      slab[pos++] = 32;
      pos = copyBytes(slab, pos, sid, 0, sid.length);
    }
    slab[pos++] = 32;
    if (replyLen > 0) {
      pos = copyBytes(slab, pos, src, p.msgReplyStart, p.msgReplyEnd);
      slab[pos++] = 32;
    }
    if (withHeaders) {
      pos = copyBytes(slab, pos, src, p.msgHeaderSizeStart, p.msgHeaderSizeEnd);
      slab[pos++] = 32;
      pos = copyBytes(slab, pos, src, p.msgSizeStart, p.msgSizeEnd);
    } else if (stripHeaders) {
      pos = writeDecimal(slab, pos, payloadLen);
    } else {
      pos = copyBytes(slab, pos, src, p.msgSizeStart, p.msgSizeEnd);
    }
    slab[pos++] = 13;
    slab[pos++] = 10;
    if (copyPayload) {
      pos = copyBytes(slab, pos, src, payloadStart, payloadStart + payloadLen);
      slab[pos++] = 13;
      slab[pos++] = 10;
      this.queuedBytes += pos - this.slabPos;
      this.slabPos = pos;
    } else {
      this.queuedBytes += pos - this.slabPos + payloadLen + 2;
      this.slabPos = pos;
      this.seal();
      const payload = src.subarray(payloadStart, payloadStart + payloadLen + 2);
      // The shared read buffer is reused by the next read: keep a copy, not a view.
      this.segments.push(isSharedReadBuffer(src) ? Buffer.from(payload) : payload);
    }
    this.outMsgs++;
    this.outBytes += payloadLen;
    this.afterEnqueue();
  }

  private sendNoResponders(reply: string): void {
    const result = this.account.sublist.match(reply);
    for (const sub of result.psubs) {
      if ((sub.client as object) === this) {
        this.enqueueLatin1(`HMSG ${reply} ${sub.sid} 16 16\r\nNATS/1.0 503\r\n\r\n\r\n`);
        return;
      }
    }
  }

  unsubscribe(sub: Subscription): void {
    if (this.subs.get(sub.sid) === sub) this.subs.delete(sub.sid);
    this.account.sublist.remove(sub);
    this.removeShadows(sub);
  }

  /** Mirrors `sub` into the indexes of accounts this account imports streams from. */
  private addShadows(sub: Subscription): void {
    for (const im of this.account.streamImports) {
      const subject = shadowSubject(im, sub.subject);
      if (subject === null) continue;
      const shadow = new Subscription(this, subject, sub.queue, sub.sid, { parent: sub, deliverAs: im.toLocal, exporter: im.exporter });
      if (im.exporter.sublist.insert(shadow)) (sub.shadows ??= []).push(shadow);
    }
  }

  private removeShadows(sub: Subscription): void {
    if (sub.shadows === null) return;
    for (const shadow of sub.shadows) shadow.shadow!.exporter.sublist.remove(shadow);
    sub.shadows = null;
  }

  /** Rebuilds every subscription's shadows after the account's imports changed. */
  refreshShadows(): void {
    for (const sub of this.subs.values()) {
      this.removeShadows(sub);
      this.addShadows(sub);
    }
  }

  /** Drops every subscription, with its shadows (close, or a move to another account). */
  private dropSubscriptions(): void {
    for (const sub of this.subs.values()) {
      this.account.sublist.remove(sub);
      this.removeShadows(sub);
    }
    this.subs.clear();
  }

  // ---- outbound -------------------------------------------------------------------

  /** Makes room for `n` contiguous bytes at `slabPos` and returns the buffer to write into. */
  private reserve(n: number): Buffer {
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
  private seal(): void {
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

  private afterEnqueue(): void {
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

  private clearWriteDeadline(): void {
    if (this.writeDeadlineTimer !== null) {
      clearTimeout(this.writeDeadlineTimer);
      this.writeDeadlineTimer = null;
    }
  }

  private slowConsumer(reason: ClosedState): void {
    if (this.closed) return;
    this.server.slowConsumers++;
    this.server.activity.slowConsumer({ cid: this.cid, name: this.opts.name, account: this.account.name, reason, time: new Date().toISOString() });
    this.server.logger.info(`${this.describe()} - Slow Consumer Detected: ${reason === ClosedState.SlowConsumerWriteDeadline ? 'WriteDeadline exceeded' : 'MaxPending exceeded'}`);
    this.close(reason, false);
  }

  // ---- errors, pings, close -----------------------------------------------------------

  sendErr(text: string): void {
    if (this.trace) this.traceOut('-ERR', `'${text}'`);
    this.enqueueString(errProto(text));
  }

  private sendOK(): void {
    if (this.trace) this.traceOut('OK');
    this.enqueue(OK_PROTO);
  }

  // Trace lines in nats-server's format; built only when tracing is on.
  private traceIn(op: string, arg?: string): void {
    this.server.logger.trace(`${this.describe()} - <<- [${arg === undefined ? op : `${op} ${arg}`}]`);
  }

  private traceOut(op: string, arg?: string): void {
    this.server.logger.trace(`${this.describe()} - ->> [${arg === undefined ? op : `${op} ${arg}`}]`);
  }

  private tracePub(p: InboundMessage): void {
    const b = p.msgBuf;
    const reply = p.msgReplyStart >= 0 ? ` ${b.latin1Slice(p.msgReplyStart, p.msgReplyEnd)}` : '';
    const sizes = p.msgHeaderSize >= 0 ? `${p.msgHeaderSize} ${p.msgSize}` : `${p.msgSize}`;
    this.traceIn(p.msgHeaderSize >= 0 ? 'HPUB' : 'PUB', `${b.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd)}${reply} ${sizes}`);
    this.server.logger.trace(`${this.describe()} - <<- MSG_PAYLOAD: [${JSON.stringify(b.toString('utf8', p.msgPayloadStart, p.msgPayloadStart + p.msgSize))}]`);
  }

  sendErrAndClose(text: string, reason: ClosedState): void {
    this.sendErr(text);
    this.close(reason);
  }

  private authViolation(): void {
    this.server.logger.error(`${this.describe()} - ${this.opts.user ? `Authorization Error - User "${this.opts.user}"` : 'Authorization Error'}`);
    this.sendErrAndClose(ErrText.AuthorizationViolation, ClosedState.AuthenticationViolation);
  }

  private clearAuthTimer(): void {
    if (this.authTimer !== null) {
      clearTimeout(this.authTimer);
      this.authTimer = null;
    }
  }

  private schedulePing(delayMs: number, jitter = false): void {
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    // The first PING after CONNECT is spread by up to 20% so reconnect storms do not align.
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
        this.server.logger.debug(`${this.describe()} - Stale Client Connection - Closing`);
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

  /**
   * Closes the connection. Pending output (such as a final -ERR) is written first
   * unless `flushFirst` is false, as for a slow consumer whose backlog is dropped.
   */
  close(reason: ClosedState, flushFirst = true): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.parser.stopped = true;
    this.clearAuthTimer();
    this.clearWriteDeadline();
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
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
    // Deregistered first: monitoring snapshots the connection with its subscriptions.
    this.server.removeClient(this);
    this.dropSubscriptions();
    const socket = this.socket;
    if (flushFirst && !socket.destroyed) {
      this.flush();
      socket.end();
      // Reading may be paused (a bcrypt check, a stall): resume it so the peer's FIN is seen.
      if (this.parser.transientInput) socket.read(0);
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

function sameBytes(a: Buffer, start: number, b: Buffer, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[start + k] !== b[k]) return false;
  return true;
}

/** Reply subjects reserved for the server's own routing (service imports, JetStream acks, gateways). */
function isReservedReply(reply: string): boolean {
  return (reply.length > 3 && reply.startsWith('_R_.')) || (reply.length > 8 && reply.startsWith('$JS.ACK.')) || (reply.length > 5 && reply.startsWith('_GR_.'));
}
