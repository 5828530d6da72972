/**
 * One connection as /connz describes it (monitor.go ConnInfo), filled from a live
 * ClientConnection or kept as a snapshot once it closed (ring.go closedClient).
 */
import { X509Certificate, createHash } from 'node:crypto';
import tls from 'node:tls';
import { GLOBAL_ACCOUNT } from '../accounts/account.ts';
import type { ClientConnection } from '../server/client.ts';
import type { Subscription } from '../server/subscription.ts';
import { goRtt, goTime, nanos, uptime } from './format.ts';

/** A subscription as /connz and /subsz list it (monitor.go SubDetail). */
export interface SubDetail {
  account?: string | undefined;
  subject: string;
  qgroup?: string | undefined;
  sid: string;
  msgs: number;
  max?: number | undefined;
  cid: number;
}

export interface TlsPeerCert {
  subject?: string | undefined;
  spki_sha256?: string | undefined;
  cert_sha256?: string | undefined;
}

/** monitor.go ConnInfo, field for field; undefined fields are Go's omitted `omitempty` ones. */
export interface ConnInfo {
  cid: number;
  kind?: string | undefined;
  type?: string | undefined;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  stop?: string | undefined;
  reason?: string | undefined;
  rtt?: string | undefined;
  uptime: string;
  idle: string;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  name?: string | undefined;
  lang?: string | undefined;
  version?: string | undefined;
  tls_version?: string | undefined;
  tls_cipher_suite?: string | undefined;
  tls_peer_certs?: TlsPeerCert[] | undefined;
  authorized_user?: string | undefined;
  account?: string | undefined;
  subscriptions_list?: string[] | undefined;
  subscriptions_list_detail?: SubDetail[] | undefined;
  jwt?: string | undefined;
  issuer_key?: string | undefined;
  name_tag?: string | undefined;
  tags?: string[] | undefined;
  mqtt_client?: string | undefined;
}

/**
 * A closed connection as kept for /connz?state=closed (ring.go closedClient): raw
 * values captured at close, formatted only when asked for.
 */
export interface ClosedConnection {
  readonly cid: number;
  readonly type: string;
  readonly ip: string;
  readonly port: number;
  readonly startMs: number;
  readonly lastMs: number;
  readonly stopMs: number;
  readonly reason: string;
  readonly rttNs: number;
  readonly pending: number;
  readonly inMsgs: number;
  readonly outMsgs: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly numSubs: number;
  readonly name: string;
  readonly lang: string;
  readonly version: string;
  readonly tlsVersion: string | undefined;
  readonly tlsCipher: string | undefined;
  /** Its subscriptions at close, with their account (newSubDetail). */
  readonly subs: SubDetail[];
  /** The user name it connected with (client.opts.Username). */
  readonly user: string;
  /** Its account, empty for the global account. */
  readonly acc: string;
  readonly jwt: string;
  readonly issuerKey: string;
  readonly nameTag: string;
  readonly tags: string[] | undefined;
}

/** Rebuilds `c` with its keys in ConnInfo's Go field order (JSON output order). */
export function ordered(c: ConnInfo): ConnInfo {
  return {
    cid: c.cid,
    kind: c.kind,
    type: c.type,
    ip: c.ip,
    port: c.port,
    start: c.start,
    last_activity: c.last_activity,
    stop: c.stop,
    reason: c.reason,
    rtt: c.rtt,
    uptime: c.uptime,
    idle: c.idle,
    pending_bytes: c.pending_bytes,
    in_msgs: c.in_msgs,
    out_msgs: c.out_msgs,
    in_bytes: c.in_bytes,
    out_bytes: c.out_bytes,
    subscriptions: c.subscriptions,
    name: c.name,
    lang: c.lang,
    version: c.version,
    tls_version: c.tls_version,
    tls_cipher_suite: c.tls_cipher_suite,
    tls_peer_certs: c.tls_peer_certs,
    authorized_user: c.authorized_user,
    account: c.account,
    subscriptions_list: c.subscriptions_list,
    subscriptions_list_detail: c.subscriptions_list_detail,
    jwt: c.jwt,
    issuer_key: c.issuer_key,
    name_tag: c.name_tag,
    tags: c.tags,
    mqtt_client: c.mqtt_client,
  };
}

const TYPE_NAMES: Record<string, string> = { STANDARD: 'nats', WEBSOCKET: 'websocket', MQTT: 'mqtt' };

const orUndefined = <T>(v: T | '' | 0 | null | undefined): T | undefined => (v === '' || v === 0 || v === null || v === undefined ? undefined : v);

/** Bytes waiting to be written to the client (nats-server's out.pb). */
function pendingBytes(client: ClientConnection): number {
  const socket = client.socket as { writableLength?: number };
  return socket.writableLength ?? 0;
}

/** The user name the client connected as (nats-server's client.opts.Username). */
export function connectUser(client: ClientConnection): string {
  const o = client.opts;
  if (o.nkey || o.jwt) return o.user;
  return client.user || o.user;
}

/** nats-server's getRawAuthUser: the nkey, user name, JWT user key or token used. */
export function rawAuthUser(client: ClientConnection): string {
  const o = client.opts;
  if (o.nkey) return o.nkey;
  const user = connectUser(client);
  if (user) return user;
  if (o.jwt) return client.user;
  return o.auth_token;
}

/** events.go issuerForClient: the signing key or account of an nkey or JWT user. */
export function issuerKey(client: ClientConnection): string {
  if (client.userClaims !== null) return client.userClaims.iss;
  if (client.opts.nkey && client.user) return client.account.name;
  return '';
}

/** The "1.3" and cipher suite name nats-server reports for a TLS connection. */
function tlsState(client: ClientConnection, auth: boolean): Pick<ConnInfo, 'tls_version' | 'tls_cipher_suite' | 'tls_peer_certs'> {
  const socket = client.socket;
  if (!(socket instanceof tls.TLSSocket)) return {};
  const protocol = socket.getProtocol();
  const cipher = socket.getCipher() as (tls.CipherNameAndProtocol & { standardName?: string }) | undefined;
  const out: Pick<ConnInfo, 'tls_version' | 'tls_cipher_suite' | 'tls_peer_certs'> = {
    tls_version: protocol ? protocol.replace(/^TLSv/, '') : undefined,
    tls_cipher_suite: cipher ? (cipher.standardName ?? cipher.name) : undefined,
  };
  if (auth) {
    const cert = socket.getPeerX509Certificate();
    if (cert !== undefined) out.tls_peer_certs = [peerCert(cert)];
  }
  return out;
}

function peerCert(cert: X509Certificate): TlsPeerCert {
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  // Go prints the subject's RDNs last first, comma separated.
  const subject = cert.subject.split('\n').filter(Boolean).reverse().join(',');
  return { subject, spki_sha256: sha(cert.publicKey.export({ type: 'spki', format: 'der' })), cert_sha256: sha(cert.raw) };
}

export function clientSubDetail(sub: Subscription, cid: number, account?: string): SubDetail {
  return { account, subject: sub.subject, qgroup: sub.queue, sid: sub.sid, msgs: sub.delivered, max: orUndefined(sub.max), cid };
}

/** ConnInfo.fill for a live connection, measured at `nowMs`. */
export function fillConnInfo(client: ClientConnection, nowMs: number, auth: boolean): ConnInfo {
  const o = client.opts;
  const start = client.startTime.getTime();
  return {
    cid: client.cid,
    kind: 'Client',
    type: TYPE_NAMES[client.connectionType] ?? 'nats',
    ip: client.port !== 0 ? client.host : '',
    port: client.port,
    start: goTime(start),
    last_activity: goTime(client.lastActivity),
    rtt: goRtt(client.rttMs),
    uptime: uptime(nowMs - start),
    idle: uptime(nowMs - client.lastActivity),
    pending_bytes: pendingBytes(client),
    in_msgs: client.inMsgs,
    out_msgs: client.outMsgs,
    in_bytes: client.inBytes,
    out_bytes: client.outBytes,
    subscriptions: client.subs.size,
    name: orUndefined(o.name),
    lang: orUndefined(o.lang),
    version: orUndefined(o.version),
    ...tlsState(client, auth),
  };
}

/** The fields nats-server adds with `auth`: who connected, from which account, with which JWT. */
export function authFields(client: ClientConnection): Pick<ConnInfo, 'authorized_user' | 'account' | 'jwt' | 'issuer_key' | 'name_tag' | 'tags'> {
  const account = client.account.name;
  const claims = client.userClaims;
  return {
    authorized_user: orUndefined(rawAuthUser(client)),
    account: account !== GLOBAL_ACCOUNT ? account : undefined,
    jwt: orUndefined(client.opts.jwt),
    issuer_key: orUndefined(issuerKey(client)),
    name_tag: orUndefined(claims?.name),
    tags: claims?.nats.tags && claims.nats.tags.length > 0 ? [...claims.nats.tags] : undefined,
  };
}

/** Snapshots a connection as it closes (server.go saveClosedClient). */
export function snapshotClosed(client: ClientConnection, reason: string, stopMs: number): ClosedConnection {
  const o = client.opts;
  const accountName = client.account.name;
  const subs: SubDetail[] = [];
  for (const sub of client.subs.values()) subs.push(clientSubDetail(sub, client.cid, accountName));
  const t = tlsState(client, false);
  const claims = client.userClaims;
  return {
    cid: client.cid,
    type: TYPE_NAMES[client.connectionType] ?? 'nats',
    ip: client.port !== 0 ? client.host : '',
    port: client.port,
    startMs: client.startTime.getTime(),
    lastMs: client.lastActivity,
    stopMs,
    reason,
    rttNs: nanos(client.rttMs),
    pending: pendingBytes(client),
    inMsgs: client.inMsgs,
    outMsgs: client.outMsgs,
    inBytes: client.inBytes,
    outBytes: client.outBytes,
    numSubs: client.subs.size,
    name: o.name,
    lang: o.lang,
    version: o.version,
    tlsVersion: t.tls_version,
    tlsCipher: t.tls_cipher_suite,
    subs,
    user: connectUser(client),
    acc: accountName !== GLOBAL_ACCOUNT ? accountName : '',
    jwt: o.jwt,
    issuerKey: issuerKey(client),
    nameTag: claims?.name ?? '',
    tags: claims?.nats.tags && claims.nats.tags.length > 0 ? [...claims.nats.tags] : undefined,
  };
}

/** The ConnInfo of a closed connection; its uptime and idle end at its close. */
export function closedConnInfo(cc: ClosedConnection): ConnInfo {
  return {
    cid: cc.cid,
    kind: 'Client',
    type: cc.type,
    ip: cc.ip,
    port: cc.port,
    start: goTime(cc.startMs),
    last_activity: goTime(cc.lastMs),
    stop: goTime(cc.stopMs),
    reason: cc.reason,
    rtt: goRtt(cc.rttNs / 1e6),
    uptime: uptime(cc.stopMs - cc.startMs),
    idle: uptime(cc.stopMs - cc.lastMs),
    pending_bytes: cc.pending,
    in_msgs: cc.inMsgs,
    out_msgs: cc.outMsgs,
    in_bytes: cc.inBytes,
    out_bytes: cc.outBytes,
    subscriptions: cc.numSubs,
    name: orUndefined(cc.name),
    lang: orUndefined(cc.lang),
    version: orUndefined(cc.version),
    tls_version: cc.tlsVersion,
    tls_cipher_suite: cc.tlsCipher,
    jwt: orUndefined(cc.jwt),
    issuer_key: orUndefined(cc.issuerKey),
    name_tag: orUndefined(cc.nameTag),
    tags: cc.tags,
  };
}
