/** The `cluster {}` block and the route URLs (opts.go parseCluster, RoutesFromStr, overrideCluster). */
import type { ConfMap, ConfValue } from '../conf/index.ts';
import { asBool, asInt, asString, fail, type Context } from './reader.ts';
import { parseTls, type TlsConfig } from './tls.ts';
import { splitHostPort } from './values.ts';

/** A route to solicit: `nats-route://[user:pass@]host:port`. */
export interface RouteUrl {
  /** As written (credentials included), for matching configured routes. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
}

export interface ClusterOptions {
  /** Empty: a name is made up at start, and adopted from a peer that has one. */
  name: string;
  host: string;
  /** 0 = clustering off; -1 = a free port. */
  port: number;
  /** Solicited (explicit) routes. */
  routes: RouteUrl[];
  /** Credentials peers must present in their route CONNECT. */
  username: string;
  password: string;
  /** Milliseconds; 0 = the default (2 s). */
  authTimeout: number;
  /** host:port advertised to peers instead of the listen address. */
  advertise: string;
  /** Do not tell clients about the other servers' URLs (connect_urls). */
  noAdvertise: boolean;
  /** Attempts to connect to an implicit (gossiped) route before giving up; 0 = one. */
  connectRetries: number;
  /** TLS on every route, both ways; null = plain TCP. */
  tls: TlsConfig | null;
}

export function emptyCluster(): ClusterOptions {
  return { name: '', host: '0.0.0.0', port: 0, routes: [], username: '', password: '', authTimeout: 0, advertise: '', noAdvertise: false, connectRetries: 0, tls: null };
}

/** Parses a route URL; null when it is not one. Schemes are not checked, as in nats-server. */
export function parseRouteUrl(text: string): RouteUrl | null {
  const s = text.trim();
  let u: URL;
  try {
    u = new URL(s.includes('://') ? s : `nats-route://${s}`);
  } catch {
    return null;
  }
  const hp = splitHostPort(u.host);
  if (hp === null || hp.port === null || hp.host === '') return null;
  return {
    url: s,
    host: hp.host.replace(/^\[|\]$/g, ''),
    port: hp.port,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

/** The comma-separated --routes flag. */
export function routesFromString(text: string): RouteUrl[] {
  const out: RouteUrl[] = [];
  for (const part of text.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const r = parseRouteUrl(t);
    if (r === null) throw new Error(`error parsing route url [${JSON.stringify(t)}]`);
    out.push(r);
  }
  return out;
}

/**
 * The --cluster / --cluster_listen flag: `nats://[user:pass@]host:port` (port -1 for a
 * free one). Credentials given here replace the config file's; none clears them.
 */
export function applyClusterListen(c: ClusterOptions, text: string): void {
  let s = text.trim();
  const random = s.endsWith(':-1');
  if (random) s = `${s.slice(0, -3)}:0`;
  let u: URL;
  try {
    u = new URL(s.includes('://') ? s : `nats://${s}`);
  } catch {
    throw new Error(`could not parse cluster URL "${text}"`);
  }
  const hp = splitHostPort(u.host);
  if (hp === null || hp.port === null) throw new Error(`could not parse cluster URL "${text}": missing port`);
  c.host = hp.host.replace(/^\[|\]$/g, '') || '0.0.0.0';
  c.port = random ? -1 : hp.port;
  if (u.username) {
    if (!u.password) throw new Error('expected cluster password to be set');
    c.username = decodeURIComponent(u.username);
    c.password = decodeURIComponent(u.password);
  } else {
    c.username = '';
    c.password = '';
  }
}

function asMap(v: ConfValue, ctx: Context, what: string): ConfMap {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) return v;
  return fail(ctx, `Expected ${what} to be a map, got ${String(v)}`);
}

/** Keys of nats-server 2.10+ whose protocol features this server does not speak (it speaks 2.9's routes). */
const LATER_KEYS: Record<string, string> = {
  pool_size: 'route pooling (nats-server 2.10)',
  accounts: 'pinned-account routes (nats-server 2.10)',
  compression: 'route compression (nats-server 2.10)',
  permissions: 'route permissions',
  connect_backoff: 'route connect backoff (nats-server 2.12)',
  ping_interval: 'per-cluster ping intervals (nats-server 2.10)',
  ping_max: 'per-cluster ping intervals (nats-server 2.10)',
};

export function parseCluster(v: ConfValue, ctx: Context, base: ClusterOptions | null): ClusterOptions {
  const m = asMap(v, ctx, 'cluster');
  const c = base ?? emptyCluster();
  for (const [rawKey, value] of Object.entries(m)) {
    const cc: Context = { map: m, key: rawKey, warnings: ctx.warnings };
    const key = rawKey.toLowerCase();
    switch (key) {
      case 'name': {
        const name = asString(value, cc);
        if (/[\s]/.test(name)) fail(cc, 'cluster name cannot contain spaces or new lines');
        c.name = name;
        break;
      }
      case 'listen': {
        const hp = splitHostPort(asString(value, cc));
        if (hp === null) fail(cc, `could not parse address "${String(value)}"`);
        if (hp.host) c.host = hp.host;
        if (hp.port !== null) c.port = hp.port;
        break;
      }
      case 'port':
        c.port = asInt(value, cc);
        break;
      case 'host':
      case 'net':
        c.host = asString(value, cc);
        break;
      case 'authorization': {
        const auth = asMap(value, cc, 'authorization');
        for (const [ak, av] of Object.entries(auth)) {
          const ac: Context = { map: auth, key: ak, warnings: ctx.warnings };
          const k = ak.toLowerCase();
          if (k === 'user' || k === 'username') c.username = asString(av, ac);
          else if (k === 'pass' || k === 'password') c.password = asString(av, ac);
          else if (k === 'timeout') c.authTimeout = typeof av === 'number' ? av * 1000 : fail(ac, 'expected a number of seconds for "timeout"');
          else if (k === 'users') fail(cc, 'Cluster authorization does not allow multiple users');
          else if (k === 'token') fail(cc, 'Cluster authorization does not support tokens');
          else if (k === 'permissions' || k === 'default_permissions') fail(ac, `"${ak}" in cluster authorization is not supported: dialtone does not implement route permissions in this release`);
          else fail(ac, `unknown field "${ak}"`);
        }
        break;
      }
      case 'routes': {
        if (!Array.isArray(value)) fail(cc, `Expected routes to be an array, got ${String(value)}`);
        const seen = new Set<string>();
        c.routes = [];
        for (const item of value) {
          const text = asString(item, cc);
          if (seen.has(text)) {
            ctx.warnings.push(`${text}: Duplicate route entry detected`);
            continue;
          }
          seen.add(text);
          const r = parseRouteUrl(text);
          if (r === null) fail(cc, `error parsing route url [${JSON.stringify(text.trim())}]`);
          c.routes.push(r);
        }
        break;
      }
      case 'cluster_advertise':
      case 'advertise':
        c.advertise = asString(value, cc);
        break;
      case 'no_advertise':
        c.noAdvertise = asBool(value, cc);
        break;
      case 'connect_retries':
        c.connectRetries = asInt(value, cc);
        break;
      case 'tls':
        c.tls = parseTls(value, cc);
        break;
      default: {
        const later = LATER_KEYS[key];
        if (later !== undefined) fail(cc, `"${rawKey}" is not supported yet: dialtone does not implement ${later} in this release`);
        fail(cc, `unknown field "${rawKey}"`);
      }
    }
  }
  return c;
}
