/**
 * /varz (monitor.go Varz): the server's settings and its running totals, with
 * nats-server's field names, types and order. Durations are integer nanoseconds and
 * timeouts float seconds, as Go encodes them.
 */
import os from 'node:os';
import { authTimeoutMs } from '../options/options.ts';
import type { Server } from '../server/server.ts';
import { NATS_COMPAT_VERSION } from '../version.ts';
import { goTime, nanos, uptime } from './format.ts';

export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  git_commit?: string | undefined;
  go: string;
  host: string;
  port: number;
  auth_required?: boolean | undefined;
  tls_required?: boolean | undefined;
  tls_verify?: boolean | undefined;
  ip?: string | undefined;
  connect_urls?: string[] | undefined;
  ws_connect_urls?: string[] | undefined;
  max_connections: number;
  max_subscriptions?: number | undefined;
  /** Nanoseconds. */
  ping_interval: number;
  ping_max: number;
  http_host: string;
  http_port: number;
  http_base_path: string;
  https_port: number;
  /** Seconds. */
  auth_timeout: number;
  max_control_line: number;
  max_payload: number;
  max_pending: number;
  cluster: Record<string, unknown>;
  gateway: Record<string, unknown>;
  leaf: Record<string, unknown>;
  mqtt: Record<string, unknown>;
  websocket: Record<string, unknown>;
  jetstream: Record<string, unknown>;
  /** Seconds. */
  tls_timeout: number;
  /** Nanoseconds. */
  write_deadline: number;
  start: string;
  now: string;
  uptime: string;
  /** Resident set size, bytes. */
  mem: number;
  cores: number;
  gomaxprocs: number;
  /** Percent of one core. */
  cpu: number;
  connections: number;
  total_connections: number;
  routes: number;
  remotes: number;
  leafnodes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  slow_consumers: number;
  subscriptions: number;
  http_req_stats: Record<string, number>;
  config_load_time: string;
  tags?: string[] | undefined;
  trusted_operators_jwt?: string[] | undefined;
  trusted_operators_claim?: unknown[] | undefined;
  system_account?: string | undefined;
  pinned_account_fails?: number | undefined;
}

const DEFAULT_TLS_TIMEOUT_MS = 2000;

/** nats-server's "go" field; ours names the runtime instead. */
export const RUNTIME_VERSION = `node${process.versions.node}`;

export function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Subscriptions over every account's subject index. */
export function totalSubscriptions(server: Server): number {
  let n = 0;
  for (const account of server.accounts.values()) n += account.sublist.count;
  return n;
}

/** monitor.go ClusterOptsVarz: empty without clustering. */
function clusterVarz(server: Server): Record<string, unknown> {
  const c = server.cluster;
  if (c === null) return {};
  const routes = c.options.routes.map((r) => (r.host.includes(':') ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`));
  const t = c.options.tls;
  return {
    name: c.name,
    addr: c.options.host,
    cluster_port: c.port,
    auth_timeout: c.authTimeoutMs / 1000,
    ...(routes.length > 0 ? { urls: routes } : {}),
    tls_timeout: (t?.timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS) / 1000,
    ...(t !== null ? { tls_required: true, tls_verify: true } : {}),
  };
}

export function buildVarz(server: Server): Varz {
  const o = server.options;
  const nowMs = Date.now();
  const startMs = server.startTime.getTime();
  const traffic = server.traffic();
  const monitoring = server.monitoring;
  const stats: Record<string, number> = {};
  for (const key of [...monitoring.httpReqStats.keys()].sort()) stats[key] = monitoring.httpReqStats.get(key)!;
  const tlsRequired = o.tls !== null && !o.allowNonTls;
  const operators = o.operator?.operators ?? [];
  const n = cores();
  return {
    server_id: server.serverId,
    server_name: server.name,
    version: NATS_COMPAT_VERSION,
    proto: 1,
    git_commit: undefined,
    go: RUNTIME_VERSION,
    host: o.host,
    port: server.port,
    auth_required: server.auth.advertiseRequired || undefined,
    tls_required: tlsRequired || undefined,
    tls_verify: o.tls?.verify || undefined,
    ip: undefined,
    connect_urls: server.cluster !== null && server.cluster.connectUrls.length > 0 ? [...server.cluster.connectUrls] : undefined,
    ws_connect_urls: undefined,
    max_connections: o.maxConnections,
    max_subscriptions: o.maxSubscriptions || undefined,
    ping_interval: nanos(o.pingInterval),
    ping_max: o.pingMax,
    http_host: o.httpHost || o.host,
    http_port: o.httpPort,
    http_base_path: o.httpBasePath,
    https_port: o.httpsPort,
    auth_timeout: authTimeoutMs(o) / 1000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
    cluster: clusterVarz(server),
    gateway: {},
    leaf: {},
    mqtt: {},
    websocket: {},
    jetstream: {},
    tls_timeout: (o.tls?.timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS) / 1000,
    write_deadline: nanos(o.writeDeadline),
    start: goTime(startMs),
    now: goTime(nowMs),
    uptime: uptime(nowMs - startMs),
    mem: process.memoryUsage.rss(),
    cores: n,
    gomaxprocs: n,
    cpu: monitoring.cpuPercent(),
    connections: server.clients.size,
    total_connections: server.totalConnections,
    routes: server.cluster?.remotes.size ?? 0,
    remotes: server.cluster?.remotes.size ?? 0,
    leafnodes: 0,
    in_msgs: traffic.inMsgs,
    out_msgs: traffic.outMsgs,
    in_bytes: traffic.inBytes,
    out_bytes: traffic.outBytes,
    slow_consumers: server.slowConsumers,
    subscriptions: totalSubscriptions(server),
    http_req_stats: stats,
    config_load_time: goTime(monitoring.configLoadTime),
    tags: undefined,
    trusted_operators_jwt: undefined,
    trusted_operators_claim: operators.length > 0 ? [...operators] : undefined,
    system_account: server.systemAccount?.name,
    pinned_account_fails: undefined,
  };
}
