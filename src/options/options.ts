import type { AccountConfig, AuthorizationConfig, MappingConfig } from './security.ts';
import type { TlsConfig } from './tls.ts';
import type { OperatorConfig } from './operator.ts';
import type { ClusterOptions } from './cluster.ts';

/** The resolved server settings, with nats-server's defaults (server/const.go, opts.go). */
export interface ServerOptions {
  host: string;
  /** 0 or -1: pick a free port. */
  port: number;
  serverName: string;
  clientAdvertise: string;
  /** The config file the settings came from, for reloads; empty when none. */
  configFile: string;

  maxPayload: number;
  maxControlLine: number;
  maxPending: number;
  maxConnections: number;
  /** 0 = unlimited. */
  maxSubscriptions: number;
  /** 0 = unlimited. */
  maxSubTokens: number;
  /** Milliseconds. */
  pingInterval: number;
  pingMax: number;
  /** Milliseconds. */
  writeDeadline: number;
  /** Milliseconds to wait for CONNECT when auth is required; 0 = the default (see authTimeoutMs). */
  authTimeout: number;
  /** Milliseconds. */
  lameDuckDuration: number;
  /** Milliseconds. */
  lameDuckGracePeriod: number;
  noHeaderSupport: boolean;
  disableSublistCache: boolean;
  disableShortFirstPing: boolean;
  maxClosedClients: number;

  debug: boolean;
  trace: boolean;
  logtime: boolean;
  logtimeUTC: boolean;
  logFile: string;
  pidFile: string;
  portsFileDir: string;

  /** Monitoring listener: host (empty = `host`), ports (0 = off, -1 = a free port) and path prefix. */
  httpHost: string;
  httpPort: number;
  httpsPort: number;
  httpBasePath: string;

  noSystemAccount: boolean;
  systemAccount: string;

  /** `authorization {}`: users, token or single user of the global account. */
  authorization: AuthorizationConfig | null;
  accounts: AccountConfig[];
  /** User to assume for clients that present no credentials. */
  noAuthUser: string;
  /** Subject mappings of the global account. */
  mappings: MappingConfig[];

  /** Operator (decentralized JWT) mode; null = accounts and users come from the config. */
  operator: OperatorConfig | null;

  /** TLS for client connections; null = plain TCP. */
  tls: TlsConfig | null;
  /** With TLS configured, also accept clients that do not upgrade. */
  allowNonTls: boolean;

  /** `cluster {}`: routes to other servers; null = standalone. */
  cluster: ClusterOptions | null;
}

/** The auth timeout in effect: as configured, else 2 s, or the TLS timeout plus 1 s with TLS. */
export function authTimeoutMs(o: ServerOptions): number {
  if (o.authTimeout > 0) return o.authTimeout;
  return o.tls ? o.tls.timeoutMs + 1000 : 2000;
}

export const DEFAULT_PORT = 4222;

export function defaultOptions(): ServerOptions {
  return {
    host: '0.0.0.0',
    port: DEFAULT_PORT,
    serverName: '',
    clientAdvertise: '',
    configFile: '',
    maxPayload: 1024 * 1024,
    maxControlLine: 4096,
    maxPending: 64 * 1024 * 1024,
    maxConnections: 64 * 1024,
    maxSubscriptions: 0,
    maxSubTokens: 0,
    pingInterval: 2 * 60 * 1000,
    pingMax: 2,
    writeDeadline: 10 * 1000,
    authTimeout: 0,
    lameDuckDuration: 2 * 60 * 1000,
    lameDuckGracePeriod: 10 * 1000,
    noHeaderSupport: false,
    disableSublistCache: false,
    disableShortFirstPing: false,
    maxClosedClients: 10000,
    debug: false,
    trace: false,
    logtime: true,
    logtimeUTC: false,
    logFile: '',
    pidFile: '',
    portsFileDir: '',
    httpHost: '',
    httpPort: 0,
    httpsPort: 0,
    httpBasePath: '',
    noSystemAccount: false,
    systemAccount: '$SYS',
    authorization: null,
    accounts: [],
    noAuthUser: '',
    mappings: [],
    operator: null,
    tls: null,
    allowNonTls: false,
    cluster: null,
  };
}
