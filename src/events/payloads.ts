/**
 * The JSON of $SYS events (events.go), with nats-server's field names, order and
 * omitempty rules: `undefined` fields are left out when serialized.
 */
import type { AccountStat } from '../monitor/accountz.ts';
import { issuerKey, rawAuthUser } from '../monitor/conninfo.ts';
import { goTime, nanos } from '../monitor/format.ts';
import { cores, totalSubscriptions } from '../monitor/varz.ts';
import type { ClientConnection } from '../server/client.ts';
import type { Server } from '../server/server.ts';

export const ConnectEventMsgType = 'io.nats.server.advisory.v1.client_connect';
export const DisconnectEventMsgType = 'io.nats.server.advisory.v1.client_disconnect';
export const AccountNumConnsMsgType = 'io.nats.server.advisory.v1.account_connections';

/** events.go ServerInfo: the `server` object of every $SYS message. */
export interface ServerInfo {
  name: string;
  host: string;
  id: string;
  cluster?: string | undefined;
  domain?: string | undefined;
  ver: string;
  tags?: string[] | undefined;
  seq: number;
  jetstream: boolean;
  time: string;
}

/** events.go ClientInfo, as connect, disconnect and auth error events fill it. */
export interface EventClientInfo {
  start?: string | undefined;
  host?: string | undefined;
  id?: number | undefined;
  acc: string;
  svc?: string | undefined;
  user?: string | undefined;
  name?: string | undefined;
  lang?: string | undefined;
  ver?: string | undefined;
  /** Nanoseconds. */
  rtt?: number | undefined;
  server?: string | undefined;
  cluster?: string | undefined;
  alts?: string[] | undefined;
  stop?: string | undefined;
  jwt?: string | undefined;
  issuer_key?: string | undefined;
  name_tag?: string | undefined;
  tags?: string[] | undefined;
  kind?: string | undefined;
  client_type?: string | undefined;
  client_id?: string | undefined;
}

export interface DataStats {
  msgs: number;
  bytes: number;
}

/** events.go TypedEvent. */
export interface TypedEvent {
  type: string;
  id: string;
  timestamp: string;
}

/** events.go ConnectEventMsg. */
export interface ConnectEventMsg extends TypedEvent {
  server: ServerInfo;
  client: EventClientInfo;
}

/** events.go DisconnectEventMsg (also the payload of CLIENT.AUTH.ERR). */
export interface DisconnectEventMsg extends TypedEvent {
  server: ServerInfo;
  client: EventClientInfo;
  sent: DataStats;
  received: DataStats;
  reason: string;
}

/** events.go AccountNumConns: TypedEvent, server, then AccountStat's fields inline. */
export type AccountNumConns = TypedEvent & { server: ServerInfo } & AccountStat;

/** events.go ServerStats. */
export interface ServerStats {
  start: string;
  mem: number;
  cores: number;
  cpu: number;
  connections: number;
  total_connections: number;
  active_accounts: number;
  subscriptions: number;
  sent: DataStats;
  received: DataStats;
  slow_consumers: number;
  routes?: RouteStat[] | undefined;
  gateways?: unknown[] | undefined;
  active_servers?: number | undefined;
  jetstream?: unknown;
}

/** events.go RouteStat: one route's traffic in STATSZ. */
export interface RouteStat {
  rid: number;
  name?: string | undefined;
  sent: DataStats;
  received: DataStats;
  pending: number;
}

/** events.go ServerStatsMsg: the STATSZ heartbeat and the PING reply. */
export interface ServerStatsMsg {
  server: ServerInfo;
  statsz: ServerStats;
}

/** events.go ServerAPIResponse. `data` is present as null when the builder failed. */
export interface ServerAPIResponse {
  server: ServerInfo;
  data?: unknown;
  error?: { code: number; description: string } | undefined;
}

const orUndefined = <T>(v: T | '' | null | undefined): T | undefined => (v === '' || v === null || v === undefined ? undefined : v);

/** client.go getRTT: whole microseconds between 1µs and 1ms, 0 (omitted) before it was measured. */
export function eventRtt(client: ClientConnection): number | undefined {
  let ns = nanos(client.rttMs);
  if (ns > 1000 && ns < 1_000_000) ns = Math.trunc(ns / 1000) * 1000;
  return ns > 0 ? ns : undefined;
}

/**
 * The client of a connect event (events.go accountConnectEvent) or, with `stopMs`, of a
 * disconnect or auth error event, which add the round-trip time and the stop time.
 */
export function eventClientInfo(client: ClientConnection, stopMs?: number): EventClientInfo {
  const o = client.opts;
  const claims = client.userClaims;
  const tags = claims?.nats.tags;
  return {
    start: goTime(client.startTime.getTime()),
    host: orUndefined(client.host),
    id: client.cid,
    acc: client.account.name,
    user: orUndefined(rawAuthUser(client)),
    name: orUndefined(o.name),
    lang: orUndefined(o.lang),
    ver: orUndefined(o.version),
    rtt: stopMs === undefined ? undefined : eventRtt(client),
    stop: stopMs === undefined ? undefined : goTime(stopMs),
    jwt: orUndefined(o.jwt),
    issuer_key: orUndefined(issuerKey(client)),
    name_tag: orUndefined(claims?.name),
    tags: tags !== undefined && tags.length > 0 ? [...tags] : undefined,
    kind: 'Client',
    client_type: 'nats',
  };
}

/** A connection's traffic as disconnect events report it: `sent` is what the client published. */
export function clientTraffic(client: ClientConnection): { sent: DataStats; received: DataStats } {
  return { sent: { msgs: client.inMsgs, bytes: client.inBytes }, received: { msgs: client.outMsgs, bytes: client.outBytes } };
}

/**
 * Accounts with a registered connection (server.go activeAccounts). The system
 * account always counts: nats-server's internal system client is registered with it.
 */
export function activeAccounts(server: Server): number {
  let n = 0;
  for (const account of server.accounts.values()) if (account.connections > 0 || account === server.systemAccount) n++;
  return n;
}

/** events.go sendStatsz: the server's totals. */
export function serverStats(server: Server): ServerStats {
  const traffic = server.traffic();
  const routes: RouteStat[] = [];
  for (const r of server.cluster?.remotes.values() ?? []) {
    routes.push({ rid: r.cid, name: orUndefined(r.remoteName), sent: { msgs: r.outMsgs, bytes: r.outBytes }, received: { msgs: r.inMsgs, bytes: r.inBytes }, pending: r.pendingBytes });
  }
  return {
    start: goTime(server.startTime.getTime()),
    mem: process.memoryUsage.rss(),
    cores: cores(),
    cpu: server.monitoring.cpuPercent(),
    connections: server.clients.size,
    total_connections: server.totalConnections,
    active_accounts: activeAccounts(server),
    subscriptions: totalSubscriptions(server),
    sent: { msgs: traffic.outMsgs, bytes: traffic.outBytes },
    received: { msgs: traffic.inMsgs, bytes: traffic.inBytes },
    slow_consumers: server.slowConsumers,
    routes: routes.length > 0 ? routes : undefined,
    // The servers this one knows of: itself and every route's peer (the mesh is full).
    active_servers: routes.length + 1,
  };
}
