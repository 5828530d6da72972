/**
 * Turns a parsed config (a file, or the same keys given to `startServer`) into
 * ServerOptions. Keys are matched case-insensitively, as nats-server does. A key
 * nats-server knows but this release does not implement is an error naming it, so
 * a deployment never runs with a setting silently ignored.
 */
import type { ConfMap, ConfValue } from '../conf/index.ts';
import type { ServerOptions } from './options.ts';
import { asBool, asDuration, asInt, asString, fail, type Context } from './reader.ts';

type Setter = (o: ServerOptions, value: ConfValue, ctx: Context) => void;
import { parseAccounts, parseAuthorization, parseMappings } from './security.ts';
import { checkSecurity } from './security-checks.ts';
import { parseTls } from './tls.ts';
import { parseCluster } from './cluster.ts';
import { parseOperators, parsePreload, parseResolver, parseTrustedKeys, type OperatorConfig } from './operator.ts';

/** The operator settings, created by the first operator-mode key seen. */
function operatorOf(o: ServerOptions): OperatorConfig {
  return (o.operator ??= { operators: [], trustedKeys: [], resolver: null, preload: new Map() });
}
import { splitHostPort } from './values.ts';

function setHostPort(o: ServerOptions, v: ConfValue, ctx: Context, apply: (host: string, port: number | null) => void): void {
  const hp = splitHostPort(asString(v, ctx));
  if (hp === null) fail(ctx, `could not parse address "${String(v)}"`);
  apply(hp.host, hp.port);
}

const SETTERS: Record<string, Setter> = {
  listen: (o, v, ctx) =>
    setHostPort(o, v, ctx, (host, port) => {
      if (host) o.host = host;
      if (port !== null) o.port = port;
    }),
  host: (o, v, ctx) => (o.host = asString(v, ctx)),
  net: (o, v, ctx) => (o.host = asString(v, ctx)),
  port: (o, v, ctx) => (o.port = asInt(v, ctx)),
  server_name: (o, v, ctx) => {
    const name = asString(v, ctx);
    if (/\s/.test(name)) fail(ctx, 'server name cannot contain spaces');
    o.serverName = name;
  },
  client_advertise: (o, v, ctx) => (o.clientAdvertise = asString(v, ctx)),
  max_payload: (o, v, ctx) => (o.maxPayload = asInt(v, ctx)),
  max_control_line: (o, v, ctx) => (o.maxControlLine = asInt(v, ctx)),
  max_pending: (o, v, ctx) => (o.maxPending = asInt(v, ctx)),
  max_connections: (o, v, ctx) => (o.maxConnections = asInt(v, ctx)),
  max_conn: (o, v, ctx) => (o.maxConnections = asInt(v, ctx)),
  max_subscriptions: (o, v, ctx) => (o.maxSubscriptions = asInt(v, ctx)),
  max_subs: (o, v, ctx) => (o.maxSubscriptions = asInt(v, ctx)),
  max_sub_tokens: (o, v, ctx) => (o.maxSubTokens = asInt(v, ctx)),
  ping_interval: (o, v, ctx) => (o.pingInterval = asDuration(v, ctx)),
  ping_max: (o, v, ctx) => (o.pingMax = asInt(v, ctx)),
  write_deadline: (o, v, ctx) => (o.writeDeadline = asDuration(v, ctx)),
  lame_duck_duration: (o, v, ctx) => (o.lameDuckDuration = asDuration(v, ctx)),
  lame_duck_grace_period: (o, v, ctx) => (o.lameDuckGracePeriod = asDuration(v, ctx)),
  no_header_support: (o, v, ctx) => (o.noHeaderSupport = asBool(v, ctx)),
  disable_sublist_cache: (o, v, ctx) => (o.disableSublistCache = asBool(v, ctx)),
  no_sublist_cache: (o, v, ctx) => (o.disableSublistCache = asBool(v, ctx)),
  disable_short_first_ping: (o, v, ctx) => (o.disableShortFirstPing = asBool(v, ctx)),
  max_closed_clients: (o, v, ctx) => (o.maxClosedClients = asInt(v, ctx)),
  debug: (o, v, ctx) => (o.debug = asBool(v, ctx)),
  trace: (o, v, ctx) => (o.trace = asBool(v, ctx)),
  trace_verbose: (o, v, ctx) => (o.trace = asBool(v, ctx) || o.trace),
  logtime: (o, v, ctx) => (o.logtime = asBool(v, ctx)),
  logtime_utc: (o, v, ctx) => (o.logtimeUTC = asBool(v, ctx)),
  logfile: (o, v, ctx) => (o.logFile = asString(v, ctx)),
  log_file: (o, v, ctx) => (o.logFile = asString(v, ctx)),
  pidfile: (o, v, ctx) => (o.pidFile = asString(v, ctx)),
  pid_file: (o, v, ctx) => (o.pidFile = asString(v, ctx)),
  ports_file_dir: (o, v, ctx) => (o.portsFileDir = asString(v, ctx)),
  http: (o, v, ctx) =>
    setHostPort(o, v, ctx, (host, port) => {
      if (host) o.httpHost = host;
      if (port !== null) o.httpPort = port;
    }),
  monitor_port: (o, v, ctx) => (o.httpPort = asInt(v, ctx)),
  http_port: (o, v, ctx) => (o.httpPort = asInt(v, ctx)),
  https: (o, v, ctx) =>
    setHostPort(o, v, ctx, (host, port) => {
      if (host) o.httpHost = host;
      if (port !== null) o.httpsPort = port;
    }),
  https_port: (o, v, ctx) => (o.httpsPort = asInt(v, ctx)),
  http_base_path: (o, v, ctx) => (o.httpBasePath = asString(v, ctx)),
  no_system_account: (o, v, ctx) => (o.noSystemAccount = asBool(v, ctx)),
  system_account: (o, v, ctx) => (o.systemAccount = asString(v, ctx)),
  system: (o, v, ctx) => (o.systemAccount = asString(v, ctx)),
  authorization: (o, v, ctx) => {
    o.authorization = parseAuthorization(v, ctx);
    if (o.authorization.timeoutMs !== undefined) o.authTimeout = o.authorization.timeoutMs;
  },
  tls: (o, v, ctx) => (o.tls = parseTls(v, ctx)),
  operator: (o, v, ctx) => (operatorOf(o).operators.push(...parseOperators(v, ctx))),
  operators: (o, v, ctx) => (operatorOf(o).operators.push(...parseOperators(v, ctx))),
  trusted: (o, v, ctx) => (operatorOf(o).trustedKeys.push(...parseTrustedKeys(v, ctx))),
  trusted_keys: (o, v, ctx) => (operatorOf(o).trustedKeys.push(...parseTrustedKeys(v, ctx))),
  resolver: (o, v, ctx) => (operatorOf(o).resolver = parseResolver(v, ctx)),
  resolver_preload: (o, v, ctx) => (operatorOf(o).preload = parsePreload(v, ctx)),
  allow_non_tls: (o, v, ctx) => (o.allowNonTls = asBool(v, ctx)),
  cluster: (o, v, ctx) => (o.cluster = parseCluster(v, ctx, o.cluster)),
  accounts: (o, v, ctx) => (o.accounts = parseAccounts(v, ctx)),
  no_auth_user: (o, v, ctx) => (o.noAuthUser = asString(v, ctx)),
  mappings: (o, v, ctx) => (o.mappings = parseMappings(v, ctx)),
  maps: (o, v, ctx) => (o.mappings = parseMappings(v, ctx)),
  // Accepted with no effect on a standalone server, as in nats-server.
  server_tags: () => {},
  connect_error_reports: () => {},
  reconnect_error_reports: () => {},
  no_fast_producer_stall: () => {},
  max_traced_msg_len: () => {},
  logfile_size_limit: () => {},
  log_size_limit: () => {},
};

/** nats-server keys that this release does not implement yet, with the feature they belong to. */
const NOT_YET: Record<string, string> = {
  resolver_tls: 'decentralized JWT auth',
  resolver_pinned_accounts: 'decentralized JWT auth',
  default_sentinel: 'decentralized JWT auth',
  ocsp: 'TLS',
  gateway: 'super-clusters (gateways)',
  leafnodes: 'leaf nodes',
  leaf: 'leaf nodes',
  websocket: 'WebSocket',
  ws: 'WebSocket',
  mqtt: 'MQTT',
  jetstream: 'JetStream',
  store_dir: 'JetStream',
  default_js_domain: 'JetStream',
  syslog: 'syslog logging',
  remote_syslog: 'syslog logging',
  prof_port: 'profiling',
  proxies: 'trusted proxies',
  proxy_protocol: 'the PROXY protocol',
  server_metadata: 'server metadata',
  feature_flags: 'feature flags',
};

/** A `jetstream` value that leaves JetStream off, which we can honour today. */
function jetstreamDisabled(v: ConfValue): boolean {
  if (v === false) return true;
  if (typeof v === 'string') return ['disabled', 'disable', 'false', 'off', 'no'].includes(v.toLowerCase());
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
    const enabled = Object.entries(v).find(([k]) => k.toLowerCase() === 'enabled');
    return enabled !== undefined && enabled[1] === false;
  }
  return false;
}

/**
 * Applies every key of `conf` to `options`. Throws ConfigError (with the key's file,
 * line and column when known) for unknown keys, unsupported features and bad values.
 * Returns the warnings to log.
 */
export function applyConfig(options: ServerOptions, conf: ConfMap, variables: ReadonlySet<string> = new Set()): string[] {
  const warnings: string[] = [];
  for (const [rawKey, value] of Object.entries(conf)) {
    const key = rawKey.toLowerCase();
    const ctx: Context = { map: conf, key: rawKey, warnings };
    const setter = SETTERS[key];
    if (setter !== undefined) {
      setter(options, value, ctx);
      continue;
    }
    if (key === 'jetstream' && jetstreamDisabled(value)) continue;
    const feature = NOT_YET[key];
    if (feature !== undefined) fail(ctx, `"${rawKey}" is not supported yet: dialtone does not implement ${feature} in this release`);
    // A key used only as a $variable elsewhere is not a setting.
    if (variables.has(rawKey)) continue;
    fail(ctx, `unknown field "${rawKey}"`);
  }
  checkSecurity(options, conf);
  return warnings;
}
