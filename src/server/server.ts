/**
 * The server: owns the listeners, the accounts, the set of live connections and the
 * per-turn flush of their outbound buffers. It takes any byte duplex through
 * `acceptConnection`, so TCP, TLS and WebSocket all feed the same connection code.
 */
import { listenOn } from '../util/listen.ts';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { unlinkSync, writeFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { Account } from '../accounts/account.ts';
import { buildAccounts } from '../accounts/setup.ts';
import { Authenticator } from '../auth/authenticator.ts';
import { OperatorAuthenticator } from '../auth/operator-authenticator.ts';
import type { AuthService } from '../auth/service.ts';
import { buildTrustedOperators, isUserRevoked, validateUserJwt } from '../auth/jwt.ts';
import { JwtAccounts } from '../accounts/jwt-accounts.ts';
import { DirResolver, MemoryResolver } from '../accounts/resolver.ts';
import { serveClaims } from '../accounts/claims-service.ts';
import type { OperatorConfig } from '../options/operator.ts';
import { OwnedMessage } from '../protocol/message.ts';
import { publish } from './delivery.ts';
import { InternalClient } from './internal-client.ts';
import { Activity } from './activity.ts';
import tls from 'node:tls';
import { secureContextOptions, TlsAcceptor } from '../transport/tls.ts';
import type { TlsConfig } from '../options/tls.ts';
import { ConfigError } from '../options/reader.ts';
import { ErrText, errProto } from '../protocol/errors.ts';
import type { ServerOptions } from '../options/options.ts';
import { validateOptions } from '../options/validate.ts';
import type { Logger } from '../util/logger.ts';
import { newServerId } from '../util/nkey.ts';
import { DIALTONE_VERSION, NATS_COMPAT_VERSION } from '../version.ts';
import { ClientConnection, type ConnectionMeta } from './client.ts';
import type { Connection } from './connection.ts';
import { ClosedState } from './closed-state.ts';
import { MonitorState } from '../monitor/state.ts';
import { MonitorHttpServer, MonitorStartError } from '../monitor/http.ts';
import { registerDefaultRoutes } from '../monitor/routes.ts';
import { goTime } from '../monitor/format.ts';
import { SystemEvents } from '../events/system.ts';
import { Cluster } from '../cluster/cluster.ts';

/** nats-server's nonce: 11 random bytes, base64url without padding (15 characters). */
const NONCE_BYTES = 11;

export class Server {
  options: ServerOptions;
  readonly logger: Logger;
  readonly serverId: string;
  readonly accounts: Map<string, Account>;
  readonly globalAccount: Account;
  readonly systemAccount: Account | null;
  readonly clients = new Map<number, ClientConnection>();
  auth: AuthService;
  /** Operator mode: accounts from JWTs. */
  readonly jwtAccounts: JwtAccounts | null = null;
  /** The server's own subscriber, for the requests it answers itself. */
  readonly internal = new InternalClient();
  /** The system account's events and request services; null with no system account. */
  readonly events: SystemEvents | null;
  /** Routes to the other servers of the cluster; null unless `cluster` sets a port. */
  readonly cluster: Cluster | null;
  /** Sequence number of $SYS messages the server sends. */
  private sysSeq = 0;
  private tlsContext: tls.SecureContextOptions | null;
  private tlsAcceptor: TlsAcceptor | null;

  /** Sampled busiest subjects and recent slow consumers, for the dashboard. */
  readonly activity = new Activity();
  /** A consumer found backed up while the current read was processed (see ClientConnection.stallFor). */
  congestedConsumer: Connection | null = null;

  /** Traffic of connections that have closed; live ones keep their own counts (see traffic()). */
  private closedTraffic = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
  slowConsumers = 0;
  totalConnections = 0;
  readonly startTime = new Date();
  /** Monitoring's own state: closed connections, request counts, config load time. */
  readonly monitoring: MonitorState;
  private monitorHttp: MonitorHttpServer | null = null;

  private listener: net.Server | null = null;
  private boundPort = 0;
  private nextCid = 1;
  private flushQueue: Connection[] = [];
  private flushScheduled = false;
  private readonly flushAll = (): void => this.runFlushes();
  private lameDuck = false;
  private lameDuckTimer: NodeJS.Timeout | null = null;
  private shutdownPromise: Promise<void> | null = null;
  private portsFile = '';

  constructor(options: ServerOptions, logger: Logger) {
    validateOptions(options);
    this.options = options;
    this.logger = logger;
    this.serverId = newServerId();
    this.monitoring = new MonitorState(options.maxClosedClients, this.startTime.getTime());
    const { accounts, global, system } = buildAccounts(options);
    this.accounts = accounts;
    this.globalAccount = global;
    this.systemAccount = system;
    if (options.operator !== null) {
      this.jwtAccounts = this.operatorAccounts(options.operator);
      this.auth = new OperatorAuthenticator(this.jwtAccounts);
    } else {
      this.auth = new Authenticator(options, accounts, global);
    }
    this.tlsContext = options.tls === null ? null : this.secureContext(options.tls);
    this.tlsAcceptor = options.tls === null || this.tlsContext === null ? null : new TlsAcceptor(this.tlsContext, options.tls);
    this.events = this.systemAccount === null ? null : new SystemEvents(this, this.systemAccount);
    this.cluster = options.cluster !== null && options.cluster.port !== 0 ? new Cluster(this, options.cluster) : null;
  }

  /** Operator mode: the resolver, the JWT account registry, and the $SYS claim requests. */
  private operatorAccounts(op: OperatorConfig): JwtAccounts {
    const resolver =
      op.resolver?.kind === 'dir'
        ? new DirResolver(op.resolver.dir, { allowDelete: op.resolver.allowDelete, full: op.resolver.type === 'full' }, op.preload)
        : new MemoryResolver(op.preload);
    const jwts = new JwtAccounts(this.accounts, buildTrustedOperators([...op.operators, ...op.trustedKeys]), resolver, !this.options.disableSublistCache, {
      onUpdated: (account) => this.enforceAccountClaims(account),
      onExpired: (account) => this.closeAccountClients(account, ErrText.AccountAuthenticationExpired, ClosedState.AuthenticationExpired),
      onImportsChanged: (account) => {
        for (const client of this.clients.values()) if (client.account === account) client.refreshShadows();
      },
      onRegistered: (account) => {
        this.events?.registerAccount(account);
        this.cluster?.watchAccount(account);
      },
    });
    if (this.systemAccount !== null) {
      jwts.lookup(this.systemAccount.name);
      serveClaims(this, this.internal, this.systemAccount, jwts, op.resolver?.kind === 'dir');
    }
    return jwts;
  }

  /**
   * After an account JWT update: revoked users get an -ERR and go, users whose signer
   * the account no longer lists go silently, connections over a lowered limit go
   * oldest first, and the rest take the new limits.
   */
  private enforceAccountClaims(account: Account): void {
    const state = this.jwtAccounts?.stateOf(account);
    if (state === undefined) return;
    const members = [...this.clients.values()].filter((c) => c.account === account).sort((a, b) => a.cid - b.cid);
    const staying: ClientConnection[] = [];
    for (const client of members) {
      const user = client.userClaims;
      if (user === null) continue;
      if (isUserRevoked(state.claims, user.sub, user.iat ?? 0)) client.sendErrAndClose(ErrText.UserAuthenticationRevoked, ClosedState.Revocation);
      else if (!validateUserJwt(user, state.claims, { strictSigningKeyUsage: state.strictSigningKeyUsage, skipTimeChecks: true }).ok) client.close(ClosedState.AuthenticationViolation);
      else staying.push(client);
    }
    const limit = account.limits.maxConnections;
    const excess = limit >= 0 ? staying.length - limit : 0;
    staying.forEach((client, i) => {
      if (i < excess) client.sendErrAndClose(ErrText.MaxAccountConnections, ClosedState.MaxAccountConnectionsExceeded);
      else client.applySettings();
    });
  }

  private closeAccountClients(account: Account, text: string, reason: ClosedState): void {
    for (const client of [...this.clients.values()]) if (client.account === account) client.sendErrAndClose(text, reason);
  }

  /** Publishes a message from the server itself into `account`. */
  reply(account: Account, subject: string, payload: string): void {
    publish(null, account, subject, new OwnedMessage(subject, '', Buffer.from(payload)));
  }

  /** The `server` object of $SYS messages (events.go ServerInfo). */
  serverInfo(): Record<string, unknown> {
    return { name: this.name, host: this.options.host, id: this.serverId, ...(this.cluster !== null ? { cluster: this.cluster.name } : {}), ver: NATS_COMPAT_VERSION, seq: ++this.sysSeq, jetstream: false, time: goTime(Date.now()) };
  }

  /** The certificate files of a `tls {}` block (clients' or the cluster's) read; a config error names the block. */
  secureContext(cfg: TlsConfig): tls.SecureContextOptions {
    try {
      return secureContextOptions(cfg);
    } catch (err) {
      throw new ConfigError((err as Error).message, cfg.position);
    }
  }

  get name(): string {
    return this.options.serverName || this.serverId;
  }

  /** The port clients connect to (resolved once listening when configured as 0 or -1). */
  get port(): number {
    return this.boundPort;
  }

  /** The monitoring HTTP(S) server, when `http`/`https` is configured: add endpoints with its `route()`. */
  get monitor(): MonitorHttpServer | null {
    return this.monitorHttp;
  }

  /** The bound monitoring port; 0 when monitoring is off. */
  get monitorPort(): number {
    return this.monitorHttp?.port ?? 0;
  }

  /** `http(s)://<host>:<port>[<base path>]` of the monitoring endpoints; empty when monitoring is off. */
  get monitorUrl(): string {
    const m = this.monitorHttp;
    if (m === null) return '';
    const host = this.options.httpHost || this.options.host;
    const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
    return `${m.scheme}://${joinHostPort(h, m.port)}${m.basePath === '/' ? '' : m.basePath}`;
  }

  /** True while the client listener accepts connections (/healthz). */
  get acceptingClients(): boolean {
    return this.listener !== null && this.listener.listening && !this.lameDuck && this.shutdownPromise === null;
  }

  /** Starts the monitoring listener when `http`/`https` is set (server.go StartMonitoring). */
  private async startMonitoring(): Promise<void> {
    const o = this.options;
    if (o.httpPort !== 0 && o.httpsPort !== 0) throw new MonitorStartError(`can't specify both HTTP (${o.httpPort}) and HTTPs (${o.httpsPort}) ports`);
    if (o.httpPort === 0 && o.httpsPort === 0) return;
    const secure = o.httpsPort !== 0;
    if (secure && this.tlsContext === null) throw new MonitorStartError('TLS cert and key required for HTTPS');
    const host = o.httpHost || o.host;
    const port = secure ? o.httpsPort : o.httpPort;
    const monitor = new MonitorHttpServer(this, { host, port, basePath: o.httpBasePath, secureContext: secure ? () => tls.createSecureContext(this.tlsContext!) : undefined });
    registerDefaultRoutes(monitor);
    try {
      await monitor.listen();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EADDRINUSE' ? 'bind: address already in use' : e.code === 'EADDRNOTAVAIL' ? 'bind: cannot assign requested address' : e.message;
      throw new MonitorStartError(`can't listen to the monitor port: listen tcp ${joinHostPort(host, port < 0 ? 0 : port)}: ${why}`);
    }
    if (this.shutdownPromise !== null) {
      await monitor.close();
      return;
    }
    this.monitorHttp = monitor;
    this.logger.info(`Starting ${monitor.scheme} monitor on ${joinHostPort(host, monitor.port)}`);
  }

  async start(): Promise<void> {
    const o = this.options;
    const log = this.logger;
    log.info(`Starting nats-server`);
    log.info(`  Version:  ${NATS_COMPAT_VERSION} (dialtone ${DIALTONE_VERSION})`);
    log.info(`  Git:      [not set]`);
    log.info(`  Name:     ${this.name}`);
    log.info(`  ID:       ${this.serverId}`);
    if (o.configFile) log.info(`Using configuration file: ${o.configFile}`);
    if (o.pidFile) writeFileSync(o.pidFile, String(process.pid));
    await this.auth.prepare();
    await this.startMonitoring();

    const listener = net.createServer({ noDelay: true }, (socket) => this.acceptSocket(socket));
    this.listener = listener;
    try {
      this.boundPort = await listenOn(listener, o.host, o.port);
    } catch (err) {
      await this.monitorHttp?.close();
      this.monitorHttp = null;
      throw err;
    }
    listener.on('error', (err) => log.error(`Client listener error: ${err.message}`));
    if (this.shutdownPromise !== null) {
      // Shut down while the listener was opening.
      listener.close();
      return;
    }
    this.events?.start();
    log.info(`Listening for client connections on ${joinHostPort(o.host, this.boundPort)}`);
    log.info(`Server is ready`);
    if (this.cluster !== null) {
      try {
        await this.cluster.start();
      } catch (err) {
        await this.shutdown();
        throw err;
      }
    }
    this.writePortsFile();
  }

  private acceptSocket(socket: net.Socket): void {
    if (this.lameDuck || this.shutdownPromise !== null) {
      socket.destroy();
      return;
    }
    const meta = { remoteAddress: stripIPv6Prefix(socket.remoteAddress ?? ''), remotePort: socket.remotePort ?? 0 };
    const tlsConfig = this.options.tls;
    if (tlsConfig === null || this.tlsAcceptor === null) {
      this.acceptConnection(socket, meta);
      return;
    }
    const client = this.admit(socket, meta);
    if (client === null) return;
    const acceptor = this.tlsAcceptor;
    socket.on('error', () => {});
    const upgrade = (infoSent: boolean): void =>
      acceptor.accept(
        socket,
        (secure) => client.start(secure, infoSent),
        (detail) => this.tlsFailed(client, detail),
      );
    if (tlsConfig.handshakeFirst) {
      upgrade(false);
      return;
    }
    socket.write(this.clientInfoLine(client));
    if (!this.options.allowNonTls) {
      upgrade(true);
      return;
    }
    // allow_non_tls: a TLS ClientHello starts with 0x16; anything else stays plain text.
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (first !== null) socket.unshift(first);
      if (first !== null && first[0] === 0x16) upgrade(true);
      else client.start(socket, true);
    });
  }

  private tlsFailed(client: ClientConnection, detail: string): void {
    this.logger.error(`${client.describe()} - TLS handshake error: ${detail}`);
    // nats-server writes its -ERR into the unfinished TLS session, so the client sees nothing.
    client.close(ClosedState.TLSHandshakeError, false);
  }

  /** Serves a client over any byte duplex. */
  acceptConnection(socket: Duplex, meta: ConnectionMeta): ClientConnection | null {
    const client = this.admit(socket, meta);
    if (client !== null) client.start(socket);
    return client;
  }

  /** A fresh connection id; clients and routes share one sequence, as in nats-server. */
  nextConnectionId(): number {
    return this.nextCid++;
  }

  /** Creates and registers a connection, or refuses it past max_connections (null). */
  private admit(socket: Duplex, meta: ConnectionMeta): ClientConnection | null {
    const cid = this.nextCid++;
    const client = new ClientConnection(this, cid, socket, meta, this.globalAccount);
    if (this.auth.needsNonce) client.nonce = randomBytes(NONCE_BYTES).toString('base64url');
    if (this.clients.size >= this.options.maxConnections) {
      // nats-server sends INFO first so the client can read the reason.
      socket.on('error', () => {});
      // Drain what the client sends so its close is seen; give it a moment to read the -ERR.
      socket.on('data', () => {});
      socket.resume();
      socket.write(this.clientInfoLine(client));
      socket.end(errProto(ErrText.MaxConnections));
      this.monitoring.clientRefused(client, ClosedState.MaxConnectionsExceeded);
      const timer = setTimeout(() => socket.destroy(), 100);
      socket.once('close', () => clearTimeout(timer));
      this.logger.error(`${meta.remoteAddress}:${meta.remotePort} - cid:${cid} - Maximum Connections Exceeded`);
      return null;
    }
    this.clients.set(cid, client);
    this.totalConnections++;
    client.account.connections++;
    this.events?.accountConnsChanged(client.account);
    this.logger.debug(`${client.describe()} - Client connection created`);
    return client;
  }

  /** Messages and bytes in and out since start, over all connections. */
  traffic(): { inMsgs: number; inBytes: number; outMsgs: number; outBytes: number } {
    const t = { ...this.closedTraffic };
    for (const c of this.clients.values()) {
      t.inMsgs += c.inMsgs;
      t.inBytes += c.inBytes;
      t.outMsgs += c.outMsgs;
      t.outBytes += c.outBytes;
    }
    return t;
  }

  removeClient(client: ClientConnection): void {
    if (this.clients.delete(client.cid)) {
      const t = this.closedTraffic;
      t.inMsgs += client.inMsgs;
      t.inBytes += client.inBytes;
      t.outMsgs += client.outMsgs;
      t.outBytes += client.outBytes;
      client.account.connections--;
      this.monitoring.clientClosed(client);
      this.events?.clientClosed(client);
      this.logger.debug(`${client.describe()} - Client connection closed: ${client.closeReason ?? ''}`);
    }
  }

  /** The INFO line sent to `client` on accept. */
  clientInfoLine(client: ClientConnection, extra: Record<string, unknown> = {}): string {
    const o = this.options;
    const info: Record<string, unknown> = {
      server_id: this.serverId,
      server_name: this.name,
      version: NATS_COMPAT_VERSION,
      proto: 1,
      go: `node${process.versions.node}`,
      host: o.host,
      port: this.boundPort,
      headers: !o.noHeaderSupport,
      ...(this.auth.advertiseRequired ? { auth_required: true } : {}),
      ...(o.tls !== null && !o.allowNonTls ? { tls_required: true } : {}),
      ...(o.tls?.verify ? { tls_verify: true } : {}),
      ...(o.tls !== null && o.allowNonTls ? { tls_available: true } : {}),
      max_payload: o.maxPayload,
      client_id: client.cid,
      client_ip: client.host,
      ...(client.nonce ? { nonce: client.nonce } : {}),
      ...(this.cluster !== null ? { cluster: this.cluster.name } : {}),
      ...(this.cluster !== null && this.cluster.connectUrls.length > 0 ? { connect_urls: this.cluster.connectUrls } : {}),
      ...extra,
    };
    return `INFO ${JSON.stringify(info)} \r\n`;
  }

  /** Queues `client` to be flushed once the current event-loop turn's work is done. */
  scheduleFlush(client: Connection): void {
    this.flushQueue.push(client);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushAll);
    }
  }

  private runFlushes(): void {
    this.flushScheduled = false;
    const queue = this.flushQueue;
    this.flushQueue = [];
    for (let k = 0; k < queue.length; k++) queue[k]!.flush();
  }

  /**
   * Applies a reloaded configuration. As nats-server, a change to a setting that
   * cannot change while running rejects the whole reload (nothing is applied).
   */
  async reload(next: ServerOptions): Promise<void> {
    validateOptions(next);
    const prev = this.options;
    const fixed = {
      host: 'Host',
      port: 'Port',
      noSystemAccount: 'NoSystemAccount',
      systemAccount: 'SystemAccount',
      portsFileDir: 'PortsFileDir',
      pidFile: 'PidFile',
      httpHost: 'HTTPHost',
      httpPort: 'HTTPPort',
      httpsPort: 'HTTPSPort',
      httpBasePath: 'HTTPBasePath',
    } as const;
    for (const [key, name] of Object.entries(fixed) as [keyof typeof fixed, string][]) {
      if (next[key] !== prev[key]) throw new Error(`config reload not supported for ${name}: old=${String(prev[key])}, new=${String(next[key])}`);
    }
    // Where a tls block was written is no setting: moving it must not count as a change.
    const clusterKey = (o: ServerOptions): string => JSON.stringify(o.cluster, (k, v: unknown) => (k === 'position' ? undefined : v));
    if (clusterKey(next) !== clusterKey(prev)) throw new Error('config reload not supported for Cluster: the cluster block changed');
    // Users and permissions reload; the shape of accounts (imports, exports, mappings) needs a restart.
    const shape = (o: ServerOptions): string => JSON.stringify([o.mappings, o.accounts.map((a) => ({ ...a, users: a.users.length, defaultPermissions: undefined }))]);
    if (shape(next) !== shape(prev)) throw new Error('config reload not supported for accounts: their imports, exports, mappings or limits changed');
    const tlsContext = next.tls === null ? null : this.secureContext(next.tls);
    const tlsAcceptor = next.tls === null || tlsContext === null ? null : new TlsAcceptor(tlsContext, next.tls);
    const auth = new Authenticator(next, this.accounts, this.globalAccount);
    await auth.prepare();
    this.options = next;
    this.tlsContext = tlsContext;
    this.tlsAcceptor = tlsAcceptor;
    this.auth = auth;
    this.monitoring.configLoadTime = Date.now();
    for (const client of this.clients.values()) {
      client.applySettings();
      client.reauthorize();
    }
    this.logger.info('Reloaded server configuration');
  }

  /**
   * Lame duck mode: stop accepting, tell clients to move (INFO ldm), wait the grace
   * period, then close the remaining clients spread over the lame duck duration.
   */
  enterLameDuckMode(): Promise<void> {
    if (this.lameDuck || this.shutdownPromise) return this.shutdownPromise ?? Promise.resolve();
    this.lameDuck = true;
    const o = this.options;
    this.logger.info('Entering lame duck mode, stop accepting new clients');
    this.listener?.close();
    if (this.clients.size === 0) return this.shutdown();
    this.cluster?.enterLameDuck();
    for (const client of this.clients.values()) {
      if (client.opts.protocol >= 1) client.enqueueString(this.clientInfoLine(client, { ldm: true }));
    }
    const grace = Math.min(o.lameDuckGracePeriod, o.lameDuckDuration);
    const spread = Math.max(o.lameDuckDuration - grace, 0);
    return new Promise<void>((resolve) => {
      this.lameDuckTimer = setTimeout(() => {
        const clients = [...this.clients.values()];
        const step = clients.length > 0 ? spread / clients.length : 0;
        let index = 0;
        const closeNext = (): void => {
          if (this.shutdownPromise !== null) return resolve();
          const client = clients[index++];
          if (client === undefined) {
            this.lameDuckTimer = null;
            void this.shutdown().then(resolve);
            return;
          }
          client.close(ClosedState.ServerShutdown);
          this.lameDuckTimer = setTimeout(closeNext, step);
        };
        closeNext();
      }, grace);
    });
  }

  /** Stops listening, closes every connection, clears every timer. */
  shutdown(): Promise<void> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    this.shutdownPromise = (async () => {
      this.logger.info('Initiating Shutdown...');
      if (this.lameDuckTimer !== null) clearTimeout(this.lameDuckTimer);
      // The SHUTDOWN event goes out (and is flushed with the rest) before the connections close.
      this.events?.shutdown();
      const listener = this.listener;
      this.listener = null;
      // Routes go first, so that dropping the clients' subscriptions announces nothing.
      await this.cluster?.close();
      const monitorClosed = this.monitorHttp?.close();
      const closed = listener?.listening ? new Promise<void>((r) => listener.close(() => r())) : Promise.resolve();
      const sockets: Promise<void>[] = [];
      for (const client of [...this.clients.values()]) {
        const socket = client.socket;
        if (!socket.destroyed) sockets.push(new Promise<void>((r) => socket.once('close', () => r())));
        client.close(ClosedState.ServerShutdown);
      }
      await Promise.all(sockets);
      await closed;
      await monitorClosed;
      for (const account of this.accounts.values()) account.close();
      this.jwtAccounts?.close();
      this.removeRuntimeFiles();
      this.logger.info('Server Exiting..');
    })();
    return this.shutdownPromise;
  }

  private portsFilePath(): string {
    const dir = this.options.portsFileDir;
    if (!dir) return '';
    return path.join(dir, `${path.basename(process.argv[1] ?? 'nats-server').replace(/\.(m?js|ts)$/, '')}_${process.pid}.ports`);
  }

  private writePortsFile(): void {
    const file = this.portsFilePath();
    if (!file) return;
    const nats = listenerHosts(this.options.host).map((h) => `nats://${joinHostPort(h, this.boundPort)}`);
    const m = this.monitorHttp;
    const monitoring = m === null ? undefined : listenerHosts(this.options.httpHost || this.options.host).map((h) => `${m.scheme}://${joinHostPort(h, m.port)}`);
    const clusterScheme = this.cluster?.options.tls ? 'tls' : 'nats';
    const cluster = this.cluster === null ? undefined : listenerHosts(this.cluster.options.host).map((h) => `${clusterScheme}://${joinHostPort(h, this.cluster!.port)}`);
    writeFileSync(file, JSON.stringify({ nats, monitoring, cluster }));
    this.portsFile = file;
  }

  private removeRuntimeFiles(): void {
    for (const file of [this.portsFile, this.options.pidFile]) {
      if (!file) continue;
      try {
        unlinkSync(file);
      } catch {
        // Already gone: nothing to clean.
      }
    }
    this.portsFile = '';
  }
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function stripIPv6Prefix(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The addresses a listener on `host` answers at; every interface address for 0.0.0.0 or ::. */
function listenerHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return [host];
  const hosts: string[] = [];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (host === '0.0.0.0' && a.family !== 'IPv4') continue;
      hosts.push(a.address);
    }
  }
  return hosts.length > 0 ? hosts : ['127.0.0.1'];
}
