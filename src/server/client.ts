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
import { Connection } from './connection.ts';
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
const PONG_PROTO = Buffer.from('PONG\r\n');

/** Payloads up to this size are copied into the outbound buffer; larger ones are queued by reference. */
const COPY_PAYLOAD_MAX = 16 * 1024;
const MAX_REMEMBERED_SUBJECT = 1024;
/** Reply subjects tracked for allow_responses before pruning (nats-server's replyPermLimit). */
const MAX_TRACKED_REPLIES = 4096;
/** Longest fixed part of a MSG/HMSG line: "HMSG " + 3 spaces + two 10-digit sizes + CRLF. */
const MSG_LINE_OVERHEAD = 5 + 3 + 20 + 2 + 2;
/** First server PING after CONNECT comes sooner than ping_interval (firstClientPingInterval). */
const FIRST_CLIENT_PING_MS = 2000;

export interface ConnectionMeta {
  remoteAddress: string;
  remotePort: number;
}

export class ClientConnection extends Connection implements ClientProtocolHandler, Subscriber {
  readonly parser: ClientParser;
  readonly host: string;
  readonly port: number;
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
  /** Past the first PONG after CONNECT: from then on async INFOs (cluster URLs) are sent. */
  firstPongSent = false;

  // The last published subject and its match, reused while the index is unchanged.
  private lastSubjectBytes = Buffer.allocUnsafe(64);
  private lastSubjectLen = -1;
  private lastSubject = '';
  private lastSubjectLiteral = false;
  private lastPubAllowed = true;
  private lastResult: MatchResult<Subscription> = { psubs: [], qsubs: [] };
  private lastGenid = -1;

  /** Publishes until the next one is sampled for the dashboard's busiest subjects. */
  private sampleCountdown = SAMPLE_EVERY;


  constructor(server: Server, cid: number, socket: Duplex, meta: ConnectionMeta, account: Account) {
    super(server, cid, socket);
    this.host = meta.remoteAddress;
    this.port = meta.remotePort;
    this.account = account;
    this.parser = new ClientParser(this);
    this.parser.connectRequired = server.auth.required;
    this.applySettings();
  }

  /** Takes the server's current limits and trace setting (at start and on reload). */
  applySettings(): void {
    this.applyOutboundSettings();
    this.parser.maxControlLine = this.server.options.maxControlLine;
    this.applyPayloadLimits();
  }

  protected override get transientInput(): boolean {
    return this.parser.transientInput;
  }

  protected override get readingHeld(): boolean {
    return this.parser.suspended;
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
      this.startAuthTimer(authTimeoutMs(this.server.options));
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
    return this.afterRead();
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

  override describe(): string {
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
    this.server.events?.clientConnected(this);
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
      // A configured user is registered with its account even when the connection is already there: nats-server announces the count again.
      if (grant.anonymous !== true) this.server.events?.accountConnsChanged(next);
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
    const prev = this.account;
    prev.connections--;
    this.account = next;
    next.connections++;
    this.server.events?.clientMoved(prev, next);
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
    // INFO when this client's max_payload is below the server's (account or user limits),
    // or when the cluster's client URLs changed since it connected.
    if (!this.firstPongSent && this.connectReceived) {
      this.firstPongSent = true;
      const maxPayload = this.parser.maxPayload;
      const cluster = this.server.cluster;
      const urlsChanged = cluster !== null && cluster.connectUrlsUpdated >= this.startTime.getTime();
      if (this.opts.protocol >= 1 && (maxPayload !== this.server.options.maxPayload || urlsChanged)) {
        this.enqueueString(this.server.clientInfoLine(this, { max_payload: maxPayload }));
      }
    }
  }

  onPong(): void {
    if (this.trace) this.traceIn('PONG');
    this.pongReceived();
  }

  /** Clients have no use for INFO, but one that nats-server could not decode closes them. */
  onInfo(json: string): void {
    if ('error' in decodeGoJson(json, INFO_SCHEMA)) this.close(ClosedState.ProtocolViolation);
  }

  onErr(text: string): void {
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

  protected override slowConsumer(reason: ClosedState): void {
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

  private tracePub(p: InboundMessage): void {
    const b = p.msgBuf;
    const reply = p.msgReplyStart >= 0 ? ` ${b.latin1Slice(p.msgReplyStart, p.msgReplyEnd)}` : '';
    const sizes = p.msgHeaderSize >= 0 ? `${p.msgHeaderSize} ${p.msgSize}` : `${p.msgSize}`;
    this.traceIn(p.msgHeaderSize >= 0 ? 'HPUB' : 'PUB', `${b.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd)}${reply} ${sizes}`);
    this.server.logger.trace(`${this.describe()} - <<- MSG_PAYLOAD: [${JSON.stringify(b.toString('utf8', p.msgPayloadStart, p.msgPayloadStart + p.msgSize))}]`);
  }

  override sendErrAndClose(text: string, reason: ClosedState): void {
    this.sendErr(text);
    this.close(reason);
  }

  private authViolation(): void {
    this.server.logger.error(`${this.describe()} - ${this.opts.user ? `Authorization Error - User "${this.opts.user}"` : 'Authorization Error'}`);
    this.sendErrAndClose(ErrText.AuthorizationViolation, ClosedState.AuthenticationViolation);
    this.server.events?.authFailed(this);
  }

  /**
   * Closes the connection. Pending output (such as a final -ERR) is written first
   * unless `flushFirst` is false, as for a slow consumer whose backlog is dropped.
   */
  override close(reason: ClosedState, flushFirst = true): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.parser.stopped = true;
    this.clearAuthTimer();
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.closeTransport();
    // Deregistered first: monitoring snapshots the connection with its subscriptions.
    this.server.removeClient(this);
    this.dropSubscriptions();
    this.endSocket(flushFirst);
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
