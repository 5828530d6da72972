/**
 * One route: a connection to another server of the cluster, in the protocol
 * nats-server 2.9 speaks between servers (route.go). The soliciting side sends
 * CONNECT and INFO, the accepting side INFO; each registers the route when the
 * other's INFO arrives, then announces its interest (RS+). Remote interest goes into
 * the accounts' indexes as RouteSubscriptions; messages for it leave as one RMSG per
 * route and message. Messages that arrive here are delivered to local subscribers
 * only: a route never forwards to another route (the mesh is one hop wide).
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Account } from '../accounts/account.ts';
import { ErrText, errProto, goQuote } from '../protocol/errors.ts';
import type { InboundMessage } from '../protocol/message.ts';
import { ParseError } from '../protocol/parser.ts';
import { RouteParser, type RouteProtocolHandler } from '../protocol/route-parser.ts';
import type { RouteUrl } from '../options/cluster.ts';
import { ClosedState } from '../server/closed-state.ts';
import { joinHostPort } from '../server/server.ts';
import { Connection } from '../server/connection.ts';
import { deliver, gatherUntilDelivered, routeResponse, type Gatherer, type Origin } from '../server/delivery.ts';
import { isSharedReadBuffer, readIntoSharedBuffer } from '../server/shared-read.ts';
import type { Subscriber, Subscription } from '../server/subscription.ts';
import type { MatchResult } from '../sublist/sublist.ts';
import { copyBytes, writeDecimal } from '../util/bytes.ts';
import '../util/buffer-natives.ts';
import type { Cluster } from './cluster.ts';
import { RouteSubscription } from './route-subscription.ts';

const PONG_PROTO = Buffer.from('PONG\r\n');
/** Payloads up to this size are copied into the outbound buffer; larger ones are queued by reference. */
const COPY_PAYLOAD_MAX = 16 * 1024;
/** First PING on a route comes within a second (firstPingInterval). */
const FIRST_ROUTE_PING_MS = 1000;
const MAX_REMEMBERED = 256;

/** What a peer's INFO says (server.go Info, the fields routes use). */
export interface RouteInfo {
  server_id: string;
  server_name?: string;
  host?: string;
  port?: number;
  headers?: boolean;
  auth_required?: boolean;
  ip?: string;
  nonce?: string;
  cluster?: string;
  cluster_dynamic?: boolean;
  connect_urls?: string[];
  ldm?: boolean;
  gateway?: string;
  [field: string]: unknown;
}

export class RouteConnection extends Connection implements RouteProtocolHandler, Subscriber, Origin, Gatherer {
  readonly parser: RouteParser;
  readonly cluster: Cluster;
  /** The peer's address. */
  readonly host: string;
  readonly port: number;
  /** Dialled by this server (or kept over a duplicate that was): reconnected when it closes. */
  didSolicit: boolean;
  /** Where to reconnect: the URL solicited, or one made from the peer's INFO. */
  url: RouteUrl | null;
  /** Configured in `routes` (retried forever), as opposed to learned by gossip. */
  explicit: boolean;
  /** Reconnect on close even if accepted: set on the route kept when a duplicate was dropped. */
  retry = false;
  remoteId = '';
  /** The peer's server_name, for STATSZ route stats. */
  remoteName = '';
  /** Registered as the route to `remoteId` (a duplicate never is). */
  registered = false;
  /** The peer's client URLs, added to ours while this route is registered. */
  connectUrls: string[] = [];
  /** Headers are used only when both sides support them. */
  headers = false;
  /** Remote interest by "<account> <subject>[ <queue>]". */
  readonly subs = new Map<string, RouteSubscription>();
  readonly permissions = null;
  /** As the origin of the messages it brings: remote subscriptions are skipped by deliverRouted, not by echo. */
  readonly echo = true;

  private infoReceived = false;
  /** Serving; until then a TLS handshake may own the socket, which is destroyed on close, not ended. */
  private started = false;

  // The message being gathered for one RMSG (see writeMsg).
  private gatherMsg: InboundMessage | null = null;
  private gatherAccount: Buffer = Buffer.alloc(0);
  private gatherQueues: string[] = [];
  private gatherQueueCount = 0;

  // The last routed message's account and subject, reused while they repeat.
  private readonly lastAccountName = new RememberedBytes();
  private lastAccount: Account | null = null;
  private readonly lastSubjectName = new RememberedBytes();
  private lastSubject = '';
  private lastResult: MatchResult<Subscription> | null = null;
  private lastGenid = -1;

  constructor(cluster: Cluster, cid: number, socket: Duplex, peer: { host: string; port: number }, url: RouteUrl | null, explicit: boolean) {
    super(cluster.server, cid, socket);
    this.cluster = cluster;
    this.host = peer.host;
    this.port = peer.port;
    this.didSolicit = url !== null;
    this.url = url;
    this.explicit = explicit;
    this.parser = new RouteParser(this);
    this.applyOutboundSettings();
  }

  protected override get transientInput(): boolean {
    return this.parser.transientInput;
  }

  protected override get readingHeld(): boolean {
    return this.parser.suspended;
  }

  override describe(): string {
    return `${this.host}:${this.port} - rid:${this.cid}`;
  }

  /**
   * Starts reading from `socket` (the TCP one, or the TLS socket over it) and sends the
   * opening: CONNECT (when soliciting) and INFO.
   */
  start(socket: Duplex): void {
    this.socket = socket;
    this.started = true;
    if (this.closed) {
      // Closed while its TLS handshake was running.
      socket.destroy();
      return;
    }
    if (!(socket instanceof tls.TLSSocket) && socket instanceof net.Socket && socket.readableLength === 0 && readIntoSharedBuffer(socket, (view) => this.onData(view))) {
      this.parser.transientInput = true;
    } else {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
    }
    socket.resume();
    socket.on('end', () => this.close(ClosedState.ClientClosed));
    socket.on('close', () => this.close(ClosedState.ClientClosed));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.closed) return;
      this.server.logger.debug(`${this.describe()} - Router connection error: ${err.message}`);
      this.close(ClosedState.ReadError);
    });
    socket.on('drain', () => this.onDrain());
    const cluster = this.cluster;
    if (this.didSolicit) {
      this.enqueueString(`CONNECT ${JSON.stringify(cluster.connectInfo(this.url!))}\r\n`);
      this.server.logger.debug(`${this.describe()} - Route connect msg sent`);
    } else if (cluster.authRequired) {
      this.parser.connectRequired = true;
      this.startAuthTimer(cluster.authTimeoutMs);
    }
    this.enqueueString(cluster.infoLine(true));
    this.flush();
    // As nats-server's setFirstPingTimer: the first PING comes sooner unless disable_short_first_ping.
    const interval = this.server.options.pingInterval;
    this.schedulePing(this.server.options.disableShortFirstPing ? interval : Math.min(interval, FIRST_ROUTE_PING_MS), true);
  }

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

  // ---- handshake ------------------------------------------------------------------

  /** The accepting side: the peer's CONNECT (route.go processRouteConnect). */
  onConnect(json: string): void {
    if (this.trace) this.traceIn('CONNECT', json.replace(/("pass"\s*:\s*")[^"]*"/, '$1[REDACTED]"'));
    this.clearAuthTimer();
    this.parser.connectRequired = false;
    let proto: Record<string, unknown>;
    try {
      proto = JSON.parse(json) as Record<string, unknown>;
      if (proto === null || typeof proto !== 'object') throw new Error('not an object');
    } catch (err) {
      this.server.logger.error(`${this.describe()} - ${(err as Error).message}`);
      this.close(ClosedState.ProtocolViolation);
      return;
    }
    // Clients name their language in CONNECT; servers do not.
    if (typeof proto.lang === 'string' && proto.lang !== '') {
      this.server.logger.error(`${this.describe()} - attempted to connect to route port`);
      this.sendErrAndClose('attempted to connect to route port', ClosedState.WrongPort);
      return;
    }
    const ok = this.cluster.authorize(str(proto.user), str(proto.pass), this.socket);
    if (ok instanceof Promise) {
      // A bcrypt comparison: hold further input until it is settled.
      this.parser.suspend();
      ok.then(
        (yes) => this.afterAuthorization(yes, proto, true),
        () => this.afterAuthorization(false, proto, true),
      );
      return;
    }
    this.afterAuthorization(ok, proto, false);
  }

  private afterAuthorization(ok: boolean, proto: Record<string, unknown>, resumed: boolean): void {
    if (this.closed) return;
    if (!ok) {
      this.authViolation();
      return;
    }
    const cluster = this.cluster;
    const theirs = str(proto.cluster);
    if (theirs !== cluster.name && !cluster.adoptName(theirs, proto.cluster_dynamic === true, this, true)) {
      const text = `Rejecting connection, cluster name ${goQuote(theirs)} does not match ${goQuote(cluster.name)}`;
      this.server.logger.error(`${this.describe()} - ${text}`);
      this.sendErrAndClose(text, ClosedState.ClusterNameConflict);
      return;
    }
    this.remoteId = str(proto.name);
    this.headers = !this.server.options.noHeaderSupport && proto.headers === true;
    if (resumed) {
      this.parser.resume();
      this.restartReading();
    }
  }

  /** The peer's INFO: the first registers the route, later ones gossip other servers (processRouteInfo). */
  onInfo(json: string): void {
    if (this.trace) this.traceIn('INFO', json.trimEnd());
    let info: RouteInfo;
    try {
      info = JSON.parse(json) as RouteInfo;
      if (info === null || typeof info !== 'object' || typeof info.server_id !== 'string') throw new Error('no server_id');
    } catch (err) {
      this.server.logger.error(`${this.describe()} - Error parsing INFO: ${(err as Error).message}`);
      this.close(ClosedState.ProtocolViolation);
      return;
    }
    const cluster = this.cluster;
    if (info.server_id === this.server.serverId) {
      // A route to ourselves: not retried (see Cluster.routeClosed).
      this.remoteId = info.server_id;
      this.close(ClosedState.DuplicateRoute);
      return;
    }
    const theirs = str(info.cluster);
    if (theirs !== '' && theirs !== cluster.name && !cluster.adoptName(theirs, info.cluster_dynamic === true, this, false)) {
      this.close(ClosedState.ClusterNameConflict);
      return;
    }
    if (this.infoReceived) {
      if (this.remoteId !== '' && this.remoteId !== info.server_id) cluster.implicitRoute(info);
      else if (info.ldm === true) cluster.peerLeaving(this);
      return;
    }
    if (!this.didSolicit && info.server_name === this.server.name) {
      this.server.logger.error(`${this.describe()} - Remote server has a duplicate name: ${goQuote(str(info.server_name))}`);
      this.close(ClosedState.DuplicateServerName);
      return;
    }
    this.infoReceived = true;
    this.headers = !this.server.options.noHeaderSupport && info.headers === true;
    this.remoteId = info.server_id;
    this.remoteName = str(info.server_name);
    this.url ??= { url: `nats-route://${joinHostPort(str(info.host), num(info.port))}/`, host: str(info.host), port: num(info.port) };
    cluster.register(this, info);
  }

  // ---- interest ------------------------------------------------------------------

  onRemoteSub(accountName: string, subject: string, queue: string | undefined, weight: number): void {
    if (this.trace) this.traceIn('RS+', `${accountName} ${subject}${queue === undefined ? '' : ` ${queue} ${weight}`}`);
    const account = this.cluster.lookupAccount(accountName);
    if (account === null) {
      this.server.logger.error(`${this.describe()} - Unknown account ${goQuote(accountName)} for remote subject ${goQuote(subject)}`);
      return;
    }
    const key = queue === undefined ? `${accountName} ${subject}` : `${accountName} ${subject} ${queue}`;
    const existing = this.subs.get(key);
    if (existing !== undefined) {
      // A queue group's new member count.
      if (queue !== undefined && existing.weight !== weight) {
        existing.weight = weight;
        account.sublist.reweighed(existing);
      }
      return;
    }
    const sub = new RouteSubscription(this, account, this.cluster.accountBytes(accountName), subject, queue, key, queue === undefined ? 1 : weight);
    if (!account.sublist.insert(sub)) {
      this.server.logger.error(`${this.describe()} - Could not insert subscription: invalid subject ${goQuote(subject)}`);
      this.sendErr(ErrText.InvalidSubject);
      return;
    }
    this.subs.set(key, sub);
  }

  onRemoteUnsub(accountName: string, subject: string, queue: string | undefined): void {
    if (this.trace) this.traceIn('RS-', `${accountName} ${subject}${queue === undefined ? '' : ` ${queue}`}`);
    const key = queue === undefined ? `${accountName} ${subject}` : `${accountName} ${subject} ${queue}`;
    const sub = this.subs.get(key);
    if (sub === undefined) return;
    this.subs.delete(key);
    sub.account.sublist.remove(sub);
  }

  /** Drops everything the peer announced (the route closed). */
  private removeRemoteSubs(): void {
    if (this.subs.size === 0) return;
    const perAccount = new Map<Account, number>();
    for (const sub of this.subs.values()) {
      sub.account.sublist.remove(sub);
      perAccount.set(sub.account, (perAccount.get(sub.account) ?? 0) + 1);
    }
    this.subs.clear();
    for (const [account, n] of perAccount) this.server.logger.debug(`${this.describe()} - Removing ${n} subscriptions for account ${goQuote(account.name)}`);
  }

  /** Announces a change of this server's interest (see AccountInterest). */
  sendInterest(account: Account, subject: string, queue: string | undefined, count: number): void {
    let line: string;
    if (count > 0) line = queue === undefined ? `RS+ ${account.name} ${subject}` : `RS+ ${account.name} ${subject} ${queue} ${count}`;
    else line = queue === undefined ? `RS- ${account.name} ${subject}` : `RS- ${account.name} ${subject} ${queue}`;
    if (this.trace) this.traceOut(line.slice(0, 3), line.slice(4));
    this.enqueueLatin1(`${line}\r\n`);
  }

  // ---- messages in ---------------------------------------------------------------

  onRoutedMsg(p: RouteParser): void {
    if (this.trace) this.traceRoutedMsg(p);
    this.inMsgs++;
    this.inBytes += p.msgSize;
    const buf = p.msgBuf;
    let account = this.lastAccount;
    if (account === null || !this.lastAccountName.equals(buf, p.msgAccountStart, p.msgAccountEnd)) {
      const name = buf.latin1Slice(p.msgAccountStart, p.msgAccountEnd);
      account = this.cluster.lookupAccount(name);
      if (account === null) {
        this.server.logger.debug(`${this.describe()} - Unknown account ${goQuote(name)} for routed message on subject: ${goQuote(buf.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd))}`);
        return;
      }
      this.lastAccount = account;
      this.lastAccountName.set(buf, p.msgAccountStart, p.msgAccountEnd);
      this.lastResult = null;
    }
    const sublist = account.sublist;
    let subject: string;
    let result: MatchResult<Subscription>;
    if (this.lastResult !== null && sublist.genid === this.lastGenid && this.lastSubjectName.equals(buf, p.msgSubjectStart, p.msgSubjectEnd)) {
      subject = this.lastSubject;
      result = this.lastResult;
    } else {
      subject = buf.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd);
      result = sublist.match(subject);
      this.lastSubject = subject;
      this.lastResult = result;
      this.lastGenid = sublist.genid;
      this.lastSubjectName.set(buf, p.msgSubjectStart, p.msgSubjectEnd);
    }
    this.deliverRouted(account, subject, p, result);
  }

  /**
   * Delivers a message from the peer to local subscribers: every plain subscription,
   * and one local member of each queue group the peer chose this server for
   * (client.go processMsgResults for a route's message).
   */
  private deliverRouted(account: Account, subject: string, p: RouteParser, result: MatchResult<Subscription>): void {
    const psubs = result.psubs;
    for (let k = 0; k < psubs.length; k++) {
      const sub = psubs[k]!;
      if (!(sub instanceof RouteSubscription) && sub.client.announced !== false) deliver(this, sub, p);
    }
    if (p.msgQueueCount > 0) {
      const qsubs = result.qsubs;
      for (let g = 0; g < qsubs.length; g++) {
        const group = qsubs[g]!;
        if (queueListed(p, group[0]!.queue!)) deliverToLocalMember(this, group, p);
      }
    }
    if (account.routesAcrossAccounts) routeResponse(this, account, subject, p);
  }

  private traceRoutedMsg(p: RouteParser): void {
    const b = p.msgBuf;
    const args = b.latin1Slice(p.msgAccountStart, p.msgSizeEnd);
    this.traceIn(p.msgHeaderSize >= 0 ? 'HMSG' : 'RMSG', args);
    this.server.logger.trace(`${this.describe()} - <<- MSG_PAYLOAD: [${JSON.stringify(b.toString('utf8', p.msgPayloadStart, p.msgPayloadStart + p.msgSize))}]`);
  }

  // ---- messages out --------------------------------------------------------------

  /**
   * A local message matched one of the peer's subscriptions. The first match of a
   * message starts gathering; further matches (overlapping subjects, queue groups
   * chosen for this route) add to it, and one RMSG goes out when the delivery ends.
   */
  writeMsg(sub: Subscription, msg: InboundMessage): void {
    if (this.gatherMsg !== msg) {
      // A delivery nested in another reached this route: the outer message goes first.
      if (this.gatherMsg !== null) this.sendGathered();
      this.gatherMsg = msg;
      this.gatherAccount = (sub as RouteSubscription).accountBytes;
      this.gatherQueueCount = 0;
      gatherUntilDelivered(this);
    }
    if (sub.queue !== undefined) this.gatherQueues[this.gatherQueueCount++] = sub.queue;
  }

  /** Writes the gathered message: `RMSG <acc> <subject> [+ <reply> <q>… | | <q>… | <reply>] <size>` or its HMSG form. */
  sendGathered(): void {
    const p = this.gatherMsg;
    if (p === null) return;
    this.gatherMsg = null;
    if (this.closed) return;
    const src = p.msgBuf;
    const hdr = p.msgHeaderSize;
    const withHeaders = hdr > 0 && this.headers;
    const stripHeaders = hdr > 0 && !this.headers;
    const payloadStart = stripHeaders ? p.msgPayloadStart + hdr : p.msgPayloadStart;
    const payloadLen = stripHeaders ? p.msgSize - hdr : p.msgSize;
    const account = this.gatherAccount;
    const queues = this.gatherQueueCount;
    let queueLen = 0;
    for (let k = 0; k < queues; k++) queueLen += this.gatherQueues[k]!.length + 1;
    const hasReply = p.msgReplyStart >= 0;
    const replyLen = hasReply ? p.msgReplyEnd - p.msgReplyStart + 1 : 0;
    const lineLen = 5 + account.length + 1 + (p.msgSubjectEnd - p.msgSubjectStart) + 1 + 2 + replyLen + queueLen + 22 + 2;
    const copyPayload = payloadLen <= COPY_PAYLOAD_MAX;
    const slab = this.reserve(copyPayload ? lineLen + payloadLen + 2 : lineLen);
    const start = this.slabPos;
    let pos = start;
    slab[pos++] = withHeaders ? 72 : 82; // H / R
    slab[pos++] = 77; // M
    slab[pos++] = 83; // S
    slab[pos++] = 71; // G
    slab[pos++] = 32;
    pos = copyBytes(slab, pos, account, 0, account.length);
    slab[pos++] = 32;
    pos = copyBytes(slab, pos, src, p.msgSubjectStart, p.msgSubjectEnd);
    slab[pos++] = 32;
    if (queues > 0) {
      slab[pos++] = hasReply ? 43 : 124; // + or |
      slab[pos++] = 32;
      if (hasReply) {
        pos = copyBytes(slab, pos, src, p.msgReplyStart, p.msgReplyEnd);
        slab[pos++] = 32;
      }
      for (let k = 0; k < queues; k++) {
        pos += slab.latin1Write(this.gatherQueues[k]!, pos);
        slab[pos++] = 32;
      }
    } else if (hasReply) {
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
    if (this.trace) this.traceOut(withHeaders ? 'HMSG' : 'RMSG', slab.latin1Slice(start + 5, pos));
    slab[pos++] = 13;
    slab[pos++] = 10;
    if (copyPayload) {
      pos = copyBytes(slab, pos, src, payloadStart, payloadStart + payloadLen);
      slab[pos++] = 13;
      slab[pos++] = 10;
      this.queuedBytes += pos - start;
      this.slabPos = pos;
    } else {
      this.queuedBytes += pos - start + payloadLen + 2;
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

  trackReply(): void {}

  unsubscribe(sub: Subscription): void {
    if (this.subs.get(sub.sid) === sub) this.subs.delete(sub.sid);
    (sub as RouteSubscription).account.sublist.remove(sub);
  }

  // ---- liveness, errors, close ------------------------------------------------------

  onPing(): void {
    if (this.trace) {
      this.traceIn('PING');
      this.traceOut('PONG');
    }
    this.enqueue(PONG_PROTO);
  }

  onPong(): void {
    if (this.trace) this.traceIn('PONG');
    this.pongReceived();
  }

  onErr(text: string): void {
    this.server.logger.error(`${this.describe()} - Route Error ${text}`);
    this.close(ClosedState.ParseError);
  }

  onParseError(kind: ParseError, detail: string): void {
    if (kind === ParseError.AuthViolation) {
      this.authViolation();
      return;
    }
    this.server.logger.error(`${this.describe()} - Route parser ERROR: ${detail}`);
    if (kind === ParseError.UnknownOp) this.sendErrAndClose(ErrText.UnknownProtocol, ClosedState.ProtocolViolation);
    else this.close(ClosedState.ProtocolViolation);
  }

  private sendErr(text: string): void {
    if (this.trace) this.traceOut('-ERR', `'${text}'`);
    this.enqueueString(errProto(text));
  }

  private authViolation(): void {
    this.server.logger.error(`${this.describe()} - authentication error`);
    this.sendErrAndClose(ErrText.AuthorizationViolation, ClosedState.AuthenticationViolation);
  }

  override sendErrAndClose(text: string, reason: ClosedState): void {
    this.sendErr(text);
    this.close(reason);
  }

  protected override slowConsumer(reason: ClosedState): void {
    if (this.closed) return;
    this.server.slowConsumers++;
    this.server.logger.info(`${this.describe()} - Slow Consumer Detected: ${reason === ClosedState.SlowConsumerWriteDeadline ? 'WriteDeadline exceeded' : 'MaxPending exceeded'}`);
    this.close(reason, false);
  }

  override close(reason: ClosedState, flushFirst = true): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.parser.stopped = true;
    this.gatherMsg = null;
    this.clearAuthTimer();
    this.closeTransport();
    this.server.logger.info(`${this.describe()} - Router connection closed: ${reason}`);
    this.removeRemoteSubs();
    this.endSocket(flushFirst && this.started);
    this.cluster.routeClosed(this);
  }
}

/** The local members of the queue group being served (reused: routed deliveries do not nest). */
const localMembers: Subscription[] = [];

/** Delivers to one local member of a queue group, chosen at random; remote members are skipped. */
function deliverToLocalMember(origin: RouteConnection, group: readonly Subscription[], p: InboundMessage): void {
  const locals = localMembers;
  locals.length = 0;
  for (let k = 0; k < group.length; k++) if (!(group[k] instanceof RouteSubscription)) locals.push(group[k]!);
  const n = locals.length;
  const first = n > 1 ? Math.floor(Math.random() * n) : 0;
  for (let k = 0; k < n; k++) if (deliver(origin, locals[(first + k) % n]!, p)) break;
  locals.length = 0;
}

/** True if the routed message names `queue` among its queue groups. */
function queueListed(p: RouteParser, queue: string): boolean {
  const buf = p.msgBuf;
  const q = p.msgQueues;
  for (let k = 0; k < p.msgQueueCount; k++) {
    const start = q[2 * k]!;
    if (q[2 * k + 1]! - start !== queue.length) continue;
    let same = true;
    for (let i = 0; i < queue.length; i++) {
      if (buf[start + i] !== queue.charCodeAt(i)) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

/** A copy of a short byte string seen last, to recognise it again without decoding it. */
class RememberedBytes {
  private bytes = Buffer.allocUnsafe(64);
  /** -1: nothing remembered (or too long to be worth it). */
  private len = -1;

  equals(buf: Buffer, start: number, end: number): boolean {
    const len = end - start;
    if (len !== this.len) return false;
    const bytes = this.bytes;
    for (let k = 0; k < len; k++) if (buf[start + k] !== bytes[k]) return false;
    return true;
  }

  set(buf: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len > MAX_REMEMBERED) {
      this.len = -1;
      return;
    }
    if (this.bytes.length < len) this.bytes = Buffer.allocUnsafe(MAX_REMEMBERED);
    copyBytes(this.bytes, 0, buf, start, end);
    this.len = len;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
