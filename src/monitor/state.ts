/**
 * What monitoring keeps between requests. Everything else is computed when asked:
 * the hot path only bumps plain counters on connections, and this state is touched
 * once per closed connection and once per monitoring request.
 */
import type { Account } from '../accounts/account.ts';
import { ClosedState } from '../server/closed-state.ts';
import type { ClientConnection } from '../server/client.ts';
import { snapshotClosed, type ClosedConnection } from './conninfo.ts';

/** nats-server's DEFAULT_MAX_CLOSED_CLIENTS. */
export const DEFAULT_MAX_CLOSED_CLIENTS = 10000;

/** The last `capacity` closed connections, oldest first (ring.go closedRingBuffer). */
export class ClosedRing {
  readonly capacity: number;
  private readonly items: ClosedConnection[] = [];
  private total = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(0, capacity);
  }

  push(cc: ClosedConnection): void {
    if (this.capacity === 0) return;
    if (this.items.length < this.capacity) this.items.push(cc);
    else this.items[this.total % this.capacity] = cc;
    this.total++;
  }

  /** Connections closed since start, including those the ring no longer holds. */
  get totalClosed(): number {
    return this.total;
  }

  get size(): number {
    return this.items.length;
  }

  /** A copy, oldest first. */
  list(): ClosedConnection[] {
    if (this.items.length < this.capacity || this.total % this.capacity === 0) return this.items.slice();
    const head = this.total % this.capacity;
    return [...this.items.slice(head), ...this.items.slice(0, head)];
  }
}

/** Traffic of an account's connections that have closed (live ones keep their own counts). */
export interface AccountTraffic {
  inMsgs: number;
  inBytes: number;
  outMsgs: number;
  outBytes: number;
  slowConsumers: number;
}

export function emptyTraffic(): AccountTraffic {
  return { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0, slowConsumers: 0 };
}

/** process.cpuUsage() as nats-server's pse reports it: percent of one core, one decimal, over the last second or more. */
class CpuSampler {
  private lastWall = performance.now();
  private lastUsage = process.cpuUsage();
  private percent: number;

  constructor() {
    // Until a second has passed, the average since the process started.
    const usage = this.lastUsage;
    const wallMicros = process.uptime() * 1e6;
    this.percent = wallMicros > 0 ? round1(((usage.user + usage.system) / wallMicros) * 100) : 0;
  }

  sample(): number {
    const now = performance.now();
    const elapsedMs = now - this.lastWall;
    if (elapsedMs < 1000) return this.percent;
    const usage = process.cpuUsage();
    const used = usage.user - this.lastUsage.user + (usage.system - this.lastUsage.system);
    this.percent = round1((used / (elapsedMs * 1000)) * 100);
    this.lastWall = now;
    this.lastUsage = usage;
    return this.percent;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export class MonitorState {
  readonly closed: ClosedRing;
  /** Requests served per endpoint (varz http_req_stats), keyed by path without the base path. */
  readonly httpReqStats = new Map<string, number>();
  /** When the configuration was last loaded (start or reload), epoch ms. */
  configLoadTime: number;
  private readonly accountTraffic = new WeakMap<Account, AccountTraffic>();
  private readonly cpu = new CpuSampler();

  constructor(maxClosedClients: number, startMs: number) {
    // As nats-server: 0 means the default.
    this.closed = new ClosedRing(maxClosedClients === 0 ? DEFAULT_MAX_CLOSED_CLIENTS : maxClosedClients);
    this.configLoadTime = startMs;
  }

  /** Called once per closed client connection, before its subscriptions are dropped. */
  clientClosed(client: ClientConnection): void {
    const reason = client.closeReason ?? ClosedState.ClientClosed;
    this.closed.push(snapshotClosed(client, reason, Date.now()));
    const t = this.trafficOf(client.account);
    t.inMsgs += client.inMsgs;
    t.inBytes += client.inBytes;
    t.outMsgs += client.outMsgs;
    t.outBytes += client.outBytes;
    if (reason === ClosedState.SlowConsumerPendingBytes || reason === ClosedState.SlowConsumerWriteDeadline) t.slowConsumers++;
  }

  /** A connection refused before it was registered (maximum connections): kept for /connz only. */
  clientRefused(client: ClientConnection, reason: string): void {
    this.closed.push(snapshotClosed(client, reason, Date.now()));
  }

  /** The running totals of `account`'s closed connections. */
  trafficOf(account: Account): AccountTraffic {
    let t = this.accountTraffic.get(account);
    if (t === undefined) {
      t = emptyTraffic();
      this.accountTraffic.set(account, t);
    }
    return t;
  }

  countRequest(path: string): void {
    this.httpReqStats.set(path, (this.httpReqStats.get(path) ?? 0) + 1);
  }

  /** CPU use of this process in percent (varz cpu). */
  cpuPercent(): number {
    return this.cpu.sample();
  }
}
