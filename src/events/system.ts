/**
 * The system account's events (events.go): connect, disconnect and authentication
 * error advisories, account connection counts, the STATSZ heartbeat and the shutdown
 * notice, published into the system account; and its request services (see
 * services.ts) and the imports that give every account its own usage (imports.ts).
 *
 * An event is built only when a subscriber outside the server has interest in its
 * subject (a cached match in the system account's index), so a server nobody watches
 * pays one lookup per event and nothing else. Every timer is cleared on shutdown.
 */
import type { Account } from '../accounts/account.ts';
import { accountStat } from '../monitor/accountz.ts';
import { goTime, marshal } from '../monitor/format.ts';
import { OwnedMessage } from '../protocol/message.ts';
import { ClosedState } from '../server/closed-state.ts';
import type { ClientConnection } from '../server/client.ts';
import { publish } from '../server/delivery.ts';
import type { InternalClient } from '../server/internal-client.ts';
import type { Server } from '../server/server.ts';
import { encodeBody, type Compression } from './encoding.ts';
import { SystemImports } from './imports.ts';
import {
  AccountNumConnsMsgType,
  ConnectEventMsgType,
  DisconnectEventMsgType,
  clientTraffic,
  eventClientInfo,
  serverStats,
  type AccountNumConns,
  type ConnectEventMsg,
  type DisconnectEventMsg,
  type ServerInfo,
  type ServerStatsMsg,
} from './payloads.ts';
import { registerServices } from './services.ts';
import { Nuid, accConnsEventSubjNew, accConnsEventSubjOld, accDirectReqSubj, authErrorEventSubj, connectEventSubj, connsRespSubj, disconnectEventSubj, serverHash, serverStatsSubj, shutdownEventSubj } from './subjects.ts';

/** events.go eventsHBInterval: the longest gap between STATSZ heartbeats, and the account connections heartbeat. */
export const EVENTS_HB_INTERVAL_MS = 30_000;
/** The first STATSZ goes out this soon after start; the gap then doubles up to EVENTS_HB_INTERVAL_MS. */
export const FIRST_STATSZ_MS = 250;

/** An account's connection event subjects, built once: every connect and close looks them up. */
interface AccountSubjects {
  /** The old and the new account connections subjects. */
  readonly conns: readonly string[];
  readonly connect: string;
  readonly disconnect: string;
}

export class SystemEvents {
  readonly server: Server;
  /** The system account. */
  readonly account: Account;
  readonly internal: InternalClient;
  /** events.go getHash(server name): names this server in its inbox and latency subjects. */
  readonly hash: string;
  private readonly ids = new Nuid();
  private readonly imports: SystemImports;
  private running = false;
  private statszTimer: NodeJS.Timeout | null = null;
  private statszInterval = FIRST_STATSZ_MS;
  /** Per account with connections: the timer of its next connections heartbeat. */
  private readonly connsTimers = new Map<Account, NodeJS.Timeout>();
  private readonly subjects = new WeakMap<Account, AccountSubjects>();
  /** interested() answers, valid while the system account's index keeps this genid. */
  private readonly interest = new Map<string, boolean>();
  private interestGenid = -1;

  constructor(server: Server, system: Account) {
    this.server = server;
    this.account = system;
    this.internal = server.internal;
    this.hash = serverHash(server.name);
    this.imports = new SystemImports(system, () => server.name);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Subscribes the services, imports them into every account and starts the heartbeat (server.go setSystemAccount). */
  start(): void {
    if (this.running) return;
    this.running = true;
    registerServices(this);
    for (const account of this.server.accounts.values()) this.registerAccount(account, false);
    this.scheduleStatsz();
  }

  /**
   * Sends the SHUTDOWN notice and stops: no events after it (nats-server stops its send
   * queue first, so the disconnects of the shutdown are not announced).
   */
  shutdown(): void {
    if (!this.running) return;
    if (this.statszTimer !== null) clearTimeout(this.statszTimer);
    this.statszTimer = null;
    for (const timer of this.connsTimers.values()) clearTimeout(timer);
    this.connsTimers.clear();
    const subject = shutdownEventSubj(this.server.serverId);
    if (this.interested(subject)) this.send(subject, marshal(this.serverInfo()));
    this.running = false;
  }

  /**
   * An account the server now knows (every configured one at start, JWT accounts when
   * first loaded): it gets the system imports, and other servers are asked for its
   * connections (events.go enableAccountTracking, registerSystemImports).
   */
  registerAccount(account: Account, track = true): void {
    if (!this.running) return;
    this.imports.register(account);
    if (!track) return;
    const subject = accDirectReqSubj(account.name, 'CONNS');
    if (this.interested(subject)) {
      const server = this.serverInfo();
      this.send(subject, marshal({ server, acc: account.name }), connsRespSubj(this.server.serverId));
    }
  }

  // ---- hooks from the server and its connections --------------------------------------

  /** A connection joined `account` (server.go createClient registers every new one with the global account). */
  accountConnsChanged(account: Account): void {
    if (!this.running) return;
    this.sendAccConns(account, this.subjectsOf(account).conns);
  }

  private subjectsOf(account: Account): AccountSubjects {
    let subjects = this.subjects.get(account);
    if (subjects === undefined) {
      const name = account.name;
      subjects = { conns: [accConnsEventSubjOld(name), accConnsEventSubjNew(name)], connect: connectEventSubj(name), disconnect: disconnectEventSubj(name) };
      this.subjects.set(account, subjects);
    }
    return subjects;
  }

  /** An authenticated client moved from `prev` (usually the global account) to `next`. */
  clientMoved(prev: Account, next: Account): void {
    if (!this.running) return;
    // As Account.removeClient: leaving the global account is not announced.
    if (prev !== this.server.globalAccount) this.accountConnsChanged(prev);
    this.accountConnsChanged(next);
  }

  /** A client authenticated (auth.go checkAuthentication → accountConnectEvent); the global account's are not announced. */
  clientConnected(client: ClientConnection): void {
    if (!this.running || client.account === this.server.globalAccount) return;
    const subject = this.subjectsOf(client.account).connect;
    if (!this.interested(subject)) return;
    const event: ConnectEventMsg = {
      type: ConnectEventMsgType,
      id: this.ids.next(),
      timestamp: goTime(Date.now()),
      server: this.serverInfo(),
      client: eventClientInfo(client),
    };
    this.send(subject, marshal(event));
  }

  /** A client closed and was removed (client.go closeConnection: account connections, then the disconnect event). */
  clientClosed(client: ClientConnection): void {
    if (!this.running) return;
    const account = client.account;
    if (account === this.server.globalAccount) return;
    this.accountConnsChanged(account);
    const subject = this.subjectsOf(account).disconnect;
    if (!this.interested(subject)) return;
    this.send(subject, marshal(this.disconnectEvent(client, client.closeReason ?? ClosedState.ClientClosed)));
  }

  /** A client failed authentication (client.go authViolation → sendAuthErrorEvent). */
  authFailed(client: ClientConnection): void {
    if (!this.running) return;
    const subject = authErrorEventSubj(this.server.serverId);
    if (!this.interested(subject)) return;
    this.send(subject, marshal(this.disconnectEvent(client, ClosedState.AuthenticationViolation)));
  }

  private disconnectEvent(client: ClientConnection, reason: string): DisconnectEventMsg {
    const now = Date.now();
    return {
      type: DisconnectEventMsgType,
      id: this.ids.next(),
      timestamp: goTime(now),
      server: this.serverInfo(),
      client: eventClientInfo(client, now),
      ...clientTraffic(client),
      reason,
    };
  }

  // ---- account connections and STATSZ ---------------------------------------------------

  /**
   * events.go sendAccConnsUpdate: the account's connections and traffic to each of
   * `subjects`, and its heartbeat re-armed (stopped once it has no connections).
   */
  sendAccConns(account: Account, subjects: readonly string[]): void {
    if (!this.running) return;
    this.armConnsHeartbeat(account);
    let event: { id: string; timestamp: string; stat: ReturnType<typeof accountStat> } | null = null;
    for (const subject of subjects) {
      if (!this.interested(subject)) continue;
      // One event, sent to each subject with its own server sequence number.
      event ??= { id: this.ids.next(), timestamp: goTime(Date.now()), stat: accountStat(this.server, account) };
      const msg: AccountNumConns = { type: AccountNumConnsMsgType, id: event.id, timestamp: event.timestamp, server: this.serverInfo(), ...event.stat };
      this.send(subject, marshal(msg));
    }
  }

  private armConnsHeartbeat(account: Account): void {
    const timer = this.connsTimers.get(account);
    if (account.connections === 0) {
      if (timer !== undefined) clearTimeout(timer);
      this.connsTimers.delete(account);
    } else if (timer !== undefined) timer.refresh();
    else this.connsTimers.set(account, setTimeout(() => this.connsHeartbeat(account), EVENTS_HB_INTERVAL_MS));
  }

  private connsHeartbeat(account: Account): void {
    this.connsTimers.delete(account);
    this.accountConnsChanged(account);
  }

  /** events.go heartbeatStatsz: the first after 250ms, then twice the gap each time, up to 30s. */
  private scheduleStatsz(): void {
    this.statszTimer = setTimeout(() => {
      this.statszInterval = Math.min(this.statszInterval * 2, EVENTS_HB_INTERVAL_MS);
      this.scheduleStatsz();
      const subject = serverStatsSubj(this.server.serverId);
      if (this.interested(subject)) this.sendStatsz(subject);
    }, this.statszInterval);
  }

  /** A ServerStatsMsg to `subject` (the heartbeat subject, or a PING's reply). */
  sendStatsz(subject: string): void {
    const msg: ServerStatsMsg = { server: this.serverInfo(), statsz: serverStats(this.server) };
    this.send(subject, marshal(msg));
  }

  // ---- sending ----------------------------------------------------------------------

  /** The `server` object of a $SYS message; each message takes the next sequence number. */
  serverInfo(): ServerInfo {
    return this.server.serverInfo() as unknown as ServerInfo;
  }

  /**
   * True when something other than the server's own handlers would receive a message
   * on `subject` in the system account. With subject mappings there, the mapped
   * subject decides, so the event is always built.
   */
  interested(subject: string): boolean {
    if (!this.running) return false;
    const system = this.account;
    if (system.mappings !== null) return true;
    const genid = system.sublist.genid;
    if (genid !== this.interestGenid) {
      this.interest.clear();
      this.interestGenid = genid;
    }
    let yes = this.interest.get(subject);
    if (yes === undefined) {
      yes = this.listened(subject);
      this.interest.set(subject, yes);
    }
    return yes;
  }

  private listened(subject: string): boolean {
    const r = this.account.sublist.match(subject);
    const internal = this.internal;
    for (const s of r.psubs) if (s.client !== internal) return true;
    for (const group of r.qsubs) for (const s of group) if (s.client !== internal) return true;
    return false;
  }

  /** Publishes `payload` from the server into the system account. */
  send(subject: string, payload: string, reply = '', compression: Compression = 'none'): void {
    const { body, headers } = encodeBody(Buffer.from(payload), compression);
    const msg = headers === '' ? new OwnedMessage(subject, reply, body) : new OwnedMessage(subject, reply, Buffer.concat([Buffer.from(headers, 'latin1'), body]), headers.length);
    publish(null, this.account, subject, msg);
  }
}
