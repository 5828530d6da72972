/**
 * /routez, /gatewayz, /leafz, /jsz and /healthz. Dialtone has routes but no gateways,
 * leaf nodes or JetStream yet: those answer as a nats-server 2.9 without them does,
 * with the same field names, so tools polling them keep working.
 */
import type { Server } from '../server/server.ts';
import { clientSubDetail, type SubDetail } from './conninfo.ts';
import { goRtt, goTime, uptime } from './format.ts';
import { MonitorError } from './query.ts';

/** monitor.go Routez. */
export interface Routez {
  server_id: string;
  now: string;
  import?: unknown;
  export?: unknown;
  num_routes: number;
  routes: RouteInfo[];
}

/** monitor.go RouteInfo. */
export interface RouteInfo {
  rid: number;
  remote_id: string;
  did_solicit: boolean;
  is_configured: boolean;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  rtt?: string | undefined;
  uptime: string;
  idle: string;
  pending_size: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[] | undefined;
  subscriptions_list_detail?: SubDetail[] | undefined;
}

/** monitor.go RoutezOptions (JSON: subscriptions, subscriptions_detail). */
export interface RoutezOptions {
  subscriptions?: boolean;
  subscriptionsDetail?: boolean;
}

export function buildRoutez(server: Server, opts: RoutezOptions = {}): Routez {
  const now = Date.now();
  const routes: RouteInfo[] = [];
  for (const r of server.cluster?.remotes.values() ?? []) {
    const subs = [...r.subs.values()];
    const start = r.startTime.getTime();
    routes.push({
      rid: r.cid,
      remote_id: r.remoteId,
      did_solicit: r.didSolicit,
      is_configured: r.explicit,
      ip: r.host,
      port: r.port,
      start: goTime(start),
      last_activity: goTime(r.lastActivity),
      rtt: goRtt(r.rttMs),
      uptime: uptime(now - start),
      idle: uptime(now - r.lastActivity),
      pending_size: r.pendingBytes,
      in_msgs: r.inMsgs,
      out_msgs: r.outMsgs,
      in_bytes: r.inBytes,
      out_bytes: r.outBytes,
      subscriptions: subs.length,
      subscriptions_list: subs.length > 0 && opts.subscriptions && !opts.subscriptionsDetail ? subs.map((s) => s.subject) : undefined,
      subscriptions_list_detail: subs.length > 0 && opts.subscriptionsDetail ? subs.map((s) => clientSubDetail(s, r.cid)) : undefined,
    });
  }
  return { server_id: server.serverId, now: goTime(now), num_routes: routes.length, routes };
}

/** monitor.go Gatewayz. */
export interface Gatewayz {
  server_id: string;
  now: string;
  name?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  outbound_gateways: Record<string, unknown>;
  inbound_gateways: Record<string, unknown[]>;
}

/** monitor.go GatewayzOptions (JSON: name, accounts, account_name). */
export interface GatewayzOptions {
  name?: string;
  accounts?: boolean;
  accountName?: string;
}

export function buildGatewayz(server: Server, _opts: GatewayzOptions = {}): Gatewayz {
  return { server_id: server.serverId, now: goTime(Date.now()), outbound_gateways: {}, inbound_gateways: {} };
}

/** monitor.go Leafz. */
export interface Leafz {
  server_id: string;
  now: string;
  leafnodes: number;
  leafs: unknown[] | null;
}

/** monitor.go LeafzOptions (JSON: subscriptions, account). */
export interface LeafzOptions {
  subscriptions?: boolean;
  account?: string;
}

export function buildLeafz(server: Server, _opts: LeafzOptions = {}): Leafz {
  // Go's nil slice: no leaf node connections is `null`, as nats-server prints it.
  return { server_id: server.serverId, now: goTime(Date.now()), leafnodes: 0, leafs: null };
}

/** monitor.go JSzOptions (JSON: account, accounts, streams, consumer, config, leader_only, offset, limit). */
export interface JszOptions {
  account?: string;
  accounts?: boolean;
  streams?: boolean;
  consumer?: boolean;
  config?: boolean;
  leaderOnly?: boolean;
  offset?: number;
  limit?: number;
}

/** monitor.go JSInfo for a server without JetStream. */
export interface Jsz {
  server_id: string;
  now: string;
  disabled?: boolean | undefined;
  config: { max_memory: number; max_storage: number };
  memory: number;
  storage: number;
  reserved_memory: number;
  reserved_storage: number;
  accounts: number;
  ha_assets: number;
  api: { total: number; errors: number };
  streams: number;
  consumers: number;
  messages: number;
  bytes: number;
}

export function buildJsz(server: Server, opts: JszOptions = {}): Jsz {
  if (opts.leaderOnly) throw new MonitorError('filtered response: not leader');
  return {
    server_id: server.serverId,
    now: goTime(Date.now()),
    disabled: true,
    config: { max_memory: 0, max_storage: 0 },
    memory: 0,
    storage: 0,
    reserved_memory: 0,
    reserved_storage: 0,
    accounts: 0,
    ha_assets: 0,
    api: { total: 0, errors: 0 },
    streams: 0,
    consumers: 0,
    messages: 0,
    bytes: 0,
  };
}

/** monitor.go HealthStatus. */
export interface HealthStatus {
  status: string;
  error?: string | undefined;
}

/** monitor.go HealthzOptions (JSON: js-enabled-only, js-server-only). */
export interface HealthzOptions {
  jsEnabledOnly?: boolean;
  jsServerOnly?: boolean;
}

/** ok while the client listener accepts connections (server.go readyForConnections). */
export function buildHealthz(server: Server, _opts: HealthzOptions = {}): HealthStatus {
  if (!server.acceptingClients) return { status: 'error', error: 'failed to be ready for connections after 1ms: server' };
  return { status: 'ok' };
}
