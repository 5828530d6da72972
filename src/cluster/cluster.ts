/**
 * The cluster: the route listener, the routes this server solicits (configured ones
 * retried forever, gossiped ones a few times), the registry of routes by remote
 * server id with nats-server's duplicate resolution, gossip so that every server
 * connects to every other (a full mesh from one seed), interest announcements, and
 * the client URLs of the other servers that clients learn through INFO. With
 * `tls`, every route is TLS from its first byte, both ways (route.go createRoute).
 */
import { listenOn } from '../util/listen.ts';
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Account } from '../accounts/account.ts';
import { comparePassword, isBcryptHash, loadBcrypt } from '../auth/passwords.ts';
import type { ClusterOptions, RouteUrl } from '../options/cluster.ts';
import { splitHostPort } from '../options/values.ts';
import { goQuote } from '../protocol/errors.ts';
import { ClosedState } from '../server/closed-state.ts';
import { joinHostPort, type Server } from '../server/server.ts';
import { certificateIdentities, isPinned, TlsAcceptor } from '../transport/tls.ts';
import { NATS_COMPAT_VERSION } from '../version.ts';
import { AccountInterest, type InterestSink } from './interest.ts';
import { RouteConnection, type RouteInfo } from './route.ts';

/** Route INFO `proto`: account-aware routes (nats-server 2.9's RouteProtoV2). */
const ROUTE_PROTO = 2;
/** Between attempts to connect to a route (DEFAULT_ROUTE_CONNECT), and before reconnecting a configured one (DEFAULT_ROUTE_RECONNECT). */
const ROUTE_CONNECT_MS = 1000;
/** A dial that has not connected by then fails (DEFAULT_ROUTE_DIAL). */
const ROUTE_DIAL_MS = 1000;
/** Reconnects are spread by up to this much, so two servers do not keep redialling each other in step. */
const RECONNECT_JITTER_MS = 100;
/** A failing first connection is logged as an error on the first attempt and then this often (DEFAULT_CONNECT_ERROR_REPORTS). */
const CONNECT_ERROR_REPORTS = 3600;
const DEFAULT_AUTH_TIMEOUT_MS = 2000;
const NONCE_BYTES = 11;
const TLS_INSECURE_WARNING = 'TLS certificate chain and hostname of solicited routes will not be verified. DO NOT USE IN PRODUCTION!';

export class Cluster implements InterestSink {
  readonly server: Server;
  readonly options: ClusterOptions;
  /** The cluster name: configured, or made up and possibly replaced by a peer's. */
  name: string;
  /** No name was configured: a peer's may be adopted (server.go isClusterNameDynamic). */
  dynamic: boolean;
  /** Every route connection, registered or still in its handshake. */
  readonly routes = new Set<RouteConnection>();
  /** Registered routes by the remote server's id. */
  readonly remotes = new Map<string, RouteConnection>();
  /** This server's client URLs followed by the other servers'; empty until a peer's are known (server.go info.ClientConnectURLs). */
  connectUrls: string[] = [];
  /** When `connectUrls` last changed (epoch ms): a client connected before is sent an INFO at its first PING. */
  connectUrlsUpdated = 0;

  private listener: net.Server | null = null;
  private boundPort = 0;
  private ownUrls: string[] = [];
  /** Client URLs of the other servers, counted by the routes that announced them. */
  private readonly peerUrls = new Map<string, number>();
  private readonly interests = new Map<Account, AccountInterest>();
  private readonly accountNames = new Map<string, Buffer>();
  /** host:port pairs that reach this server's route listener: routes to them are skipped (server.go routesToSelf). */
  private readonly selfAddresses = new Set<string>();
  /** Servers being dialled after gossip, so that repeated gossip does not dial them twice. */
  private readonly dialingIds = new Set<string>();
  private readonly dialing = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing = false;
  /** The certificate files of `tls`, for both ends of a route; null without TLS. */
  private readonly tlsContext: tls.SecureContextOptions | null;
  private readonly tlsAcceptor: TlsAcceptor | null;
  /**
   * The first host name among the configured routes: the name a certificate must carry
   * when a route is dialled by IP address, as gossiped ones are (route.go saveRouteTLSName).
   */
  private tlsName: string;

  constructor(server: Server, options: ClusterOptions) {
    this.server = server;
    this.options = options;
    this.dynamic = options.name === '';
    this.name = options.name || randomName();
    const t = options.tls;
    this.tlsContext = t === null ? null : server.secureContext(t);
    // Routes always require and verify the peer's certificate, whatever `verify` and `insecure` say (opts.go getTLSConfig).
    this.tlsAcceptor = t === null || this.tlsContext === null ? null : new TlsAcceptor(this.tlsContext, { ...t, verify: true, insecure: false });
    this.tlsName = options.routes.find((r) => net.isIP(r.host) === 0)?.host ?? '';
    for (const account of server.accounts.values()) this.watchAccount(account);
  }

  /** Announces the interest of `account` (at start, and for accounts loaded later). */
  watchAccount(account: Account): void {
    if (!this.interests.has(account)) this.interests.set(account, new AccountInterest(account, this));
  }

  get port(): number {
    return this.boundPort;
  }

  get authRequired(): boolean {
    return this.options.username !== '';
  }

  /** Configured, or a second more than the TLS handshake may take (opts.go getDefaultAuthTimeout). */
  get authTimeoutMs(): number {
    if (this.options.authTimeout > 0) return this.options.authTimeout;
    return this.options.tls !== null ? this.options.tls.timeoutMs + 1000 : DEFAULT_AUTH_TIMEOUT_MS;
  }

  // ---- start and stop --------------------------------------------------------------

  /** Opens the route listener and starts soliciting the configured routes (route.go startRouteAcceptLoop). */
  async start(): Promise<void> {
    const o = this.options;
    const log = this.server.logger;
    if (isBcryptHash(o.password)) await loadBcrypt();
    log.info(`Cluster name is ${this.name}`);
    if (this.dynamic) log.warn('Cluster name was dynamically generated, consider setting one');
    const listener = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.listener = listener;
    try {
      this.boundPort = await listenOn(listener, o.host, o.port);
    } catch (err) {
      this.listener = null;
      throw new Error(`Error listening on router port: ${o.port} - ${(err as Error).message}`);
    }
    if (this.closing) {
      // Shut down while the listener was opening.
      listener.close();
      return;
    }
    listener.on('error', (err) => log.error(`Route listener error: ${err.message}`));
    log.info(`Listening for route connections on ${joinHostPort(o.host, this.boundPort)}`);
    if (o.tls?.insecure) log.warn(TLS_INSECURE_WARNING);
    this.ownUrls = this.clientUrls();
    for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) this.selfAddresses.add(joinHostPort(a.address, this.boundPort));
    for (const url of o.routes) this.solicit(url, true, true, 0, '');
  }

  /** Stops listening and soliciting, closes every route. */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const socket of this.dialing) socket.destroy();
    this.dialing.clear();
    const listener = this.listener;
    this.listener = null;
    const closed = listener?.listening ? new Promise<void>((r) => listener.close(() => r())) : Promise.resolve();
    const sockets: Promise<void>[] = [];
    for (const route of [...this.routes]) {
      const socket = route.socket;
      if (!socket.destroyed) sockets.push(new Promise<void>((r) => socket.once('close', () => r())));
      route.close(ClosedState.ServerShutdown);
    }
    await Promise.all(sockets);
    await closed;
    for (const interest of this.interests.values()) interest.detach();
  }

  /** Runs `fn` after `ms` unless the cluster closes first. */
  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closing) fn();
    }, ms);
    this.timers.add(timer);
  }

  // ---- connections -----------------------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const host = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.createRoute(socket, { host, port: socket.remotePort ?? 0 }, null, false);
  }

  private createRoute(socket: net.Socket, peer: { host: string; port: number }, url: RouteUrl | null, explicit: boolean): void {
    const route = new RouteConnection(this, this.server.nextConnectionId(), socket, peer, url, explicit);
    this.routes.add(route);
    if (this.options.tls === null) this.startRoute(route, socket);
    else this.secure(route, socket, url);
  }

  private startRoute(route: RouteConnection, socket: Duplex): void {
    route.start(socket);
    if (!route.closed) this.server.logger.info(`${route.describe()} - Route connection created`);
  }

  /**
   * The TLS handshake that opens a route, before any protocol: the accepting server
   * is the TLS server and verifies the dialler's certificate, the dialler verifies the
   * server's against ca_file and the route's host name (route.go createRoute,
   * client.go doTLSHandshake). A failure closes the route, and a solicited one is
   * retried as after any close.
   */
  private secure(route: RouteConnection, socket: net.Socket, url: RouteUrl | null): void {
    const log = this.server.logger;
    const cfg = this.options.tls!;
    // The TLS socket reports the errors; this one must not throw them unheard.
    socket.on('error', () => {});
    const failed = (detail: string): void => {
      if (route.closed) return;
      log.error(`${route.describe()} - TLS route handshake error: ${detail}`);
      route.close(ClosedState.TLSHandshakeError, false);
    };
    const done = (secure: tls.TLSSocket): void => {
      if (log.debugEnabled) {
        log.debug(`${route.describe()} - TLS handshake complete`);
        log.debug(`${route.describe()} - TLS version ${secure.getProtocol()?.replace('TLSv', '')}, cipher suite ${secure.getCipher().standardName}`);
      }
      this.startRoute(route, secure);
    };
    if (url === null) {
      log.debug(`${route.describe()} - Starting TLS route server handshake`);
      this.tlsAcceptor!.accept(socket, done, failed);
      return;
    }
    log.debug(`${route.describe()} - Starting TLS route client handshake`);
    const name = net.isIP(url.host) !== 0 && this.tlsName !== '' ? this.tlsName : url.host;
    // An IP address is checked against the certificate's IP SANs but is no SNI name (RFC 6066).
    const secure = tls.connect({ ...this.tlsContext!, socket, host: name, ...(net.isIP(name) === 0 ? { servername: name } : {}), rejectUnauthorized: !cfg.insecure });
    const timer = setTimeout(() => secure.destroy(new Error('TLS handshake timeout')), cfg.timeoutMs);
    secure.once('close', () => clearTimeout(timer));
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      // A saved name that the peer's certificate does not carry is dropped (nats-server issue 1256).
      if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && name === this.tlsName) this.tlsName = '';
      failed(err.message);
    };
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.off('error', onError);
      if (cfg.pinnedCerts.length > 0 && !isPinned(secure, cfg.pinnedCerts)) {
        secure.destroy();
        failed('certificate not pinned');
        return;
      }
      done(secure);
    });
  }

  /**
   * Connects to a route (route.go connectToRoute): a configured one is retried every
   * second until it connects, a gossiped one `connect_retries` times. An address that
   * is this server's own is skipped.
   */
  private solicit(url: RouteUrl, explicit: boolean, firstConnect: boolean, attempts: number, remoteId: string): void {
    if (this.closing) return;
    const log = this.server.logger;
    const resolved = net.isIP(url.host) !== 0 ? Promise.resolve([url.host]) : dns.promises.lookup(url.host, { all: true }).then((list) => list.map((a) => a.address));
    resolved.then(
      (addresses) => {
        if (this.closing) return;
        const candidates = addresses.filter((a) => !this.selfAddresses.has(joinHostPort(a, url.port)));
        if (candidates.length === 0) {
          this.dialingIds.delete(remoteId);
          return;
        }
        const address = candidates[Math.floor(Math.random() * candidates.length)]!;
        log.debug(`Trying to connect to route on ${joinHostPort(url.host, url.port)} (${joinHostPort(address, url.port)})`);
        const socket = net.connect({ host: address, port: url.port, noDelay: true });
        this.dialing.add(socket);
        const timer = setTimeout(() => socket.destroy(new Error(`dial tcp ${joinHostPort(address, url.port)}: i/o timeout`)), ROUTE_DIAL_MS);
        const failed = (err: NodeJS.ErrnoException): void => {
          clearTimeout(timer);
          this.dialing.delete(socket);
          socket.destroy();
          this.dialFailed(url, explicit, firstConnect, attempts + 1, remoteId, dialError(err, address, url.port));
        };
        socket.once('error', failed);
        socket.once('connect', () => {
          clearTimeout(timer);
          this.dialing.delete(socket);
          this.dialingIds.delete(remoteId);
          socket.off('error', failed);
          this.createRoute(socket, { host: address, port: url.port }, url, explicit);
        });
      },
      (err: Error) => this.dialFailed(url, explicit, firstConnect, attempts + 1, remoteId, err.message),
    );
  }

  private dialFailed(url: RouteUrl, explicit: boolean, firstConnect: boolean, attempts: number, remoteId: string, why: string): void {
    if (this.closing) return;
    const text = `Error trying to connect to route (attempt ${attempts}): ${why}`;
    if (!firstConnect || attempts === 1 || attempts % CONNECT_ERROR_REPORTS === 0) this.server.logger.error(text);
    else this.server.logger.debug(text);
    if (!explicit && attempts > this.options.connectRetries) {
      this.dialingIds.delete(remoteId);
      return;
    }
    this.later(ROUTE_CONNECT_MS, () => this.solicit(url, explicit, firstConnect, attempts, remoteId));
  }

  /** A route closed: unregister it and, if it was solicited (or kept over a duplicate), reconnect (client.go reconnect). */
  routeClosed(route: RouteConnection): void {
    this.routes.delete(route);
    if (route.registered && this.remotes.get(route.remoteId) === route) {
      this.remotes.delete(route.remoteId);
      this.removeConnectUrls(route.connectUrls);
    }
    if (this.closing) return;
    const retryImplicit = route.retry || (route.didSolicit && !route.explicit);
    const url = route.url;
    if ((!route.didSolicit && !retryImplicit) || url === null) return;
    const log = this.server.logger;
    const id = route.remoteId;
    if (id !== '' && this.remotes.has(id)) {
      log.debug(`Not attempting reconnect for solicited route, already connected to ${goQuote(id)}`);
      return;
    }
    if (id === this.server.serverId) {
      log.debug(`Detected route to self, ignoring ${goQuote(redacted(url))}`);
      return;
    }
    log.debug(`Attempting reconnect for solicited route ${goQuote(redacted(url))}`);
    const delay = Math.floor(Math.random() * RECONNECT_JITTER_MS) + (route.explicit ? ROUTE_CONNECT_MS : 0);
    this.later(delay, () => this.solicit(url, route.explicit, false, 0, ''));
  }

  // ---- handshake -----------------------------------------------------------------

  /** The INFO this server sends on a route (route.go routeInfo); `nonce` on a connection's first, `ldm` when leaving. */
  infoLine(nonce: boolean, ldm = false): string {
    const o = this.server.options;
    const adv = this.advertised();
    const info: Record<string, unknown> = {
      server_id: this.server.serverId,
      server_name: this.server.name,
      version: NATS_COMPAT_VERSION,
      proto: ROUTE_PROTO,
      go: `node${process.versions.node}`,
      host: adv?.host ?? this.options.host,
      port: adv?.port ?? this.boundPort,
      headers: !o.noHeaderSupport,
      ...(this.authRequired ? { auth_required: true } : {}),
      // A route's TLS always verifies the peer's certificate.
      ...(this.options.tls !== null ? { tls_required: true, tls_verify: true } : {}),
      max_payload: o.maxPayload,
      ...(adv !== null ? { ip: `nats-route://${joinHostPort(adv.host, adv.port)}/` } : {}),
      ...(nonce ? { nonce: randomBytes(NONCE_BYTES).toString('base64url') } : {}),
      cluster: this.name,
      ...(this.dynamic ? { cluster_dynamic: true } : {}),
      ...(!this.options.noAdvertise && this.ownUrls.length > 0 ? { connect_urls: this.ownUrls } : {}),
      ...(ldm ? { ldm: true } : {}),
    };
    return `INFO ${JSON.stringify(info)} \r\n`;
  }

  /** `cluster_advertise` as host and port; null when not set. */
  private advertised(): { host: string; port: number } | null {
    if (!this.options.advertise) return null;
    const hp = splitHostPort(this.options.advertise);
    if (hp === null) return null;
    return { host: hp.host, port: hp.port ?? this.boundPort };
  }

  /** The CONNECT sent on a solicited route (route.go sendRouteConnect). */
  connectInfo(url: RouteUrl): Record<string, unknown> {
    return {
      echo: true,
      verbose: false,
      pedantic: false,
      ...(url.user ? { user: url.user } : {}),
      ...(url.password ? { pass: url.password } : {}),
      tls_required: this.options.tls !== null,
      headers: !this.server.options.noHeaderSupport,
      name: this.server.serverId,
      cluster: this.name,
      ...(this.dynamic ? { cluster_dynamic: true } : {}),
    };
  }

  /**
   * Checks an accepted route's credentials against `cluster { authorization }`, or with
   * verify_and_map its certificate's names against the cluster user (auth.go isRouterAuthorized).
   */
  authorize(user: string, pass: string, socket: Duplex): boolean | Promise<boolean> {
    if (this.options.tls?.verifyAndMap && socket instanceof tls.TLSSocket) {
      const id = certificateIdentities(socket);
      const wanted = this.options.username;
      return id !== null && wanted !== '' && [...id.emails, ...id.dnsNames, ...id.uris, id.subject].includes(wanted);
    }
    if (!this.authRequired) return true;
    if (user !== this.options.username) return false;
    return comparePassword(this.options.password, pass);
  }

  /**
   * A peer names another cluster. With no name of our own configured we take theirs
   * when theirs is configured or sorts higher, and drop the other routes, which
   * reconnect under the new name; otherwise the route is refused (false).
   */
  adoptName(theirs: string, theirsDynamic: boolean, keep: RouteConnection, fromConnect: boolean): boolean {
    if (!this.dynamic || (theirsDynamic && this.name >= theirs)) return false;
    this.name = theirs;
    // A configured name arriving in CONNECT becomes ours for good.
    if (fromConnect && !theirsDynamic) this.dynamic = false;
    this.server.logger.info(`Cluster name updated to ${theirs}`);
    for (const route of [...this.remotes.values()]) if (route !== keep) route.close(ClosedState.ClusterNameConflict);
    return true;
  }

  /**
   * The peer's first INFO: registers the route unless one to that server exists (then
   * it is a duplicate and closes), sends it this server's interest, and tells the
   * other servers about the newcomer (route.go addRoute, processRouteInfo).
   */
  register(route: RouteConnection, info: RouteInfo): void {
    const log = this.server.logger;
    const id = route.remoteId;
    const existing = this.remotes.get(id);
    if (existing !== undefined) {
      // Both servers dialled each other: keep one, and have it retried should it be the one the peer drops.
      if (route.didSolicit) {
        existing.didSolicit = true;
        existing.url = route.url;
        existing.explicit = route.explicit;
      }
      existing.retry = true;
      log.debug(`${route.describe()} - Detected duplicate remote route ${goQuote(id)}`);
      route.close(ClosedState.DuplicateRoute);
      return;
    }
    this.remotes.set(id, route);
    route.registered = true;
    route.connectUrls = Array.isArray(info.connect_urls) ? info.connect_urls.filter((u): u is string => typeof u === 'string') : [];
    log.debug(`${route.describe()} - Registering remote route ${goQuote(id)}`);
    let protos = '';
    for (const interest of this.interests.values()) protos += interest.protos();
    if (protos !== '') route.enqueueLatin1(protos);
    log.debug(`${route.describe()} - Sent local subscriptions to route`);
    if (this.remotes.size > 1) {
      info.ip ||= `nats-route://${joinHostPort(route.host, typeof info.port === 'number' ? info.port : 0)}/`;
      delete info.nonce;
      const line = `INFO ${JSON.stringify(info)}\r\n`;
      for (const other of this.remotes.values()) if (other !== route) other.enqueueString(line);
    }
    this.addConnectUrls(route.connectUrls);
  }

  /** Gossip names a server we have no route to: dial it (route.go processImplicitRoute). */
  implicitRoute(info: RouteInfo): void {
    const id = info.server_id;
    if (id === this.server.serverId || this.remotes.has(id) || this.dialingIds.has(id)) return;
    const host = typeof info.host === 'string' ? info.host : '';
    const hostPort = joinHostPort(host, typeof info.port === 'number' ? info.port : 0).toLowerCase();
    if (this.options.routes.some((r) => joinHostPort(r.host, r.port).toLowerCase() === hostPort)) return;
    let url: URL;
    try {
      url = new URL(typeof info.ip === 'string' ? info.ip : '');
    } catch (err) {
      this.server.logger.error(`Error parsing URL from INFO: ${(err as Error).message}`);
      return;
    }
    const hp = splitHostPort(url.host);
    if (hp === null || hp.port === null) return;
    const route: RouteUrl = {
      url: url.href,
      host: hp.host.replace(/^\[|\]$/g, ''),
      port: hp.port,
      ...(info.auth_required === true ? { user: this.options.username, password: this.options.password } : {}),
    };
    this.dialingIds.add(id);
    this.solicit(route, false, true, 0, id);
  }

  /**
   * This server enters lame duck mode: the other servers stop offering its client URLs,
   * and its own clients are offered only theirs (server.go sendLDMToRoutes, sendLDMToClients).
   */
  enterLameDuck(): void {
    const line = this.infoLine(false, true);
    for (const route of this.remotes.values()) route.enqueueString(line);
    this.ownUrls = [];
    this.connectUrls = [...this.peerUrls.keys()];
  }

  /** The peer entered lame duck mode: its clients' URLs are no longer offered. */
  peerLeaving(route: RouteConnection): void {
    this.removeConnectUrls(route.connectUrls);
    route.connectUrls = [];
  }

  /** The account named by a peer; in operator mode it may be loaded now. */
  lookupAccount(name: string): Account | null {
    return this.server.accounts.get(name) ?? this.server.jwtAccounts?.lookup(name) ?? null;
  }

  /** An account's name as bytes, shared by its remote subscriptions. */
  accountBytes(name: string): Buffer {
    let b = this.accountNames.get(name);
    if (b === undefined) {
      b = Buffer.from(name, 'latin1');
      this.accountNames.set(name, b);
    }
    return b;
  }

  interestChanged(account: Account, subject: string, queue: string | undefined, count: number): void {
    for (const route of this.remotes.values()) route.sendInterest(account, subject, queue, count);
  }

  // ---- client URLs -------------------------------------------------------------

  /** This server's client URLs: client_advertise, or the listen address (every global address for 0.0.0.0). */
  private clientUrls(): string[] {
    const o = this.server.options;
    const port = this.server.port;
    if (o.clientAdvertise) {
      const hp = splitHostPort(o.clientAdvertise);
      if (hp !== null) return [joinHostPort(hp.host, hp.port ?? port)];
    }
    if (o.host !== '0.0.0.0' && o.host !== '::' && o.host !== '') return [joinHostPort(o.host, port)];
    const urls: string[] = [];
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) if (!a.internal && !a.address.startsWith('fe80:') && !a.address.startsWith('169.254.')) urls.push(joinHostPort(a.address, port));
    }
    return urls;
  }

  private addConnectUrls(urls: string[]): void {
    if (this.options.noAdvertise) return;
    let changed = false;
    for (const u of urls) {
      const n = this.peerUrls.get(u) ?? 0;
      this.peerUrls.set(u, n + 1);
      if (n === 0) changed = true;
    }
    if (changed) this.connectUrlsChanged();
  }

  private removeConnectUrls(urls: string[]): void {
    if (this.options.noAdvertise) return;
    let changed = false;
    for (const u of urls) {
      const n = this.peerUrls.get(u);
      if (n === undefined) continue;
      if (n > 1) this.peerUrls.set(u, n - 1);
      else {
        this.peerUrls.delete(u);
        changed = true;
      }
    }
    if (changed) this.connectUrlsChanged();
  }

  /** Tells clients that take async INFO (protocol 1, past their first PING) the new list (server.go sendAsyncInfoToClients). */
  private connectUrlsChanged(): void {
    this.connectUrls = [...this.ownUrls, ...this.peerUrls.keys()];
    this.connectUrlsUpdated = Date.now();
    if (this.closing) return;
    const server = this.server;
    for (const client of server.clients.values()) {
      if (client.opts.protocol >= 1 && client.firstPongSent) client.enqueueString(server.clientInfoLine(client, { max_payload: client.parser.maxPayload, nonce: undefined }));
    }
  }
}

/** A dynamic cluster name: 22 random characters, like nats-server's NUID. */
function randomName(): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (const b of randomBytes(22)) out += digits[b % 62];
  return out;
}

/** Go's wording for a failed dial. */
function dialError(err: NodeJS.ErrnoException, address: string, port: number): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${joinHostPort(address, port)}: connect: connection refused`;
  return err.message;
}

/** The URL with its password hidden, for logs. */
function redacted(url: RouteUrl): string {
  return url.password ? url.url.replace(`:${encodeURIComponent(url.password)}@`, ':xxxxx@').replace(`:${url.password}@`, ':xxxxx@') : url.url;
}
