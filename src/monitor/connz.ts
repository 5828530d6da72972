/**
 * /connz (monitor.go Connz): open connections, and closed ones from the ring buffer,
 * filtered, sorted and paged as nats-server 2.9 does. Only the requested page is
 * formatted, so a server with many connections answers quickly.
 */
import type { Account } from '../accounts/account.ts';
import type { ClientConnection } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { subjectsCollide } from '../sublist/subject.ts';
import { authFields, clientSubDetail, closedConnInfo, connectUser, fillConnInfo, ordered, type ClosedConnection, type ConnInfo } from './conninfo.ts';
import { goTime, nanos } from './format.ts';
import { MonitorError } from './query.ts';

/** monitor.go ConnState: which connections to list. */
export const ConnState = { Open: 0, Closed: 1, All: 2 } as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/** monitor.go DefaultConnListSize. */
export const DEFAULT_CONN_LIST_SIZE = 1024;

/**
 * Sort orders. Only `cid`/`start` and `uptime`, `reason` ascend; the others list the
 * largest first. `rtt` is nats-server 2.10's addition; the rest are 2.9's.
 */
export const SORT_OPTIONS = ['cid', 'start', 'subs', 'pending', 'msgs_to', 'msgs_from', 'bytes_to', 'bytes_from', 'last', 'idle', 'uptime', 'stop', 'reason', 'rtt'] as const;
export type SortOpt = (typeof SORT_OPTIONS)[number];

/** monitor.go ConnzOptions (its JSON names in comments, for $SYS requests). */
export interface ConnzOptions {
  /** `sort` */
  sort?: string;
  /** `auth`: include users, accounts and JWTs. */
  auth?: boolean;
  /** `subscriptions` */
  subscriptions?: boolean;
  /** `subscriptions_detail` */
  subscriptionsDetail?: boolean;
  offset?: number;
  limit?: number;
  /** `cid`: this connection only. */
  cid?: number;
  /** `state`: 0 open, 1 closed, 2 all. */
  state?: ConnState;
  /** `user` */
  user?: string;
  /** `acc` */
  account?: string;
  /** `mqtt_client` */
  mqttClient?: string;
  /** `filter_subject`: connections with a subscription colliding with it (needs `account`). */
  filterSubject?: string;
}

export interface Connz {
  server_id: string;
  now: string;
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  connections: ConnInfo[] | null;
}

type Entry = { open: ClientConnection; closed?: undefined } | { open?: undefined; closed: ClosedConnection };

export function isSortOpt(s: string): s is SortOpt {
  return (SORT_OPTIONS as readonly string[]).includes(s);
}

/** The account named `name`, loading a JWT account on demand as nats-server's lookupAccount does. */
export function lookupAccount(server: Server, name: string): Account | null {
  return server.accounts.get(name) ?? server.jwtAccounts?.lookup(name) ?? null;
}

export function buildConnz(server: Server, opts: ConnzOptions = {}): Connz {
  const sortText = opts.sort ?? '';
  if (sortText !== '' && !isSortOpt(sortText)) throw new MonitorError(`invalid sorting option: ${sortText}`);
  const sort: SortOpt = sortText === '' ? 'cid' : (sortText as SortOpt);
  const auth = opts.auth ?? false;
  const user = opts.user ?? '';
  const acc = opts.account ?? '';
  const mqttClient = opts.mqttClient ?? '';
  const subs = opts.subscriptions ?? false;
  const subsDetail = opts.subscriptionsDetail ?? false;
  const offset = Math.max(0, opts.offset ?? 0);
  let limit = (opts.limit ?? 0) > 0 ? opts.limit! : DEFAULT_CONN_LIST_SIZE;
  const state = opts.state ?? ConnState.Open;
  if (sort === 'stop' && state !== ConnState.Closed) throw new MonitorError('sort by stop only valid on closed connections');
  if (sort === 'reason' && state !== ConnState.Closed) throw new MonitorError('sort by reason only valid on closed connections');
  const cid = opts.cid ?? 0;
  if (cid > 0) limit = 1;
  let filter = '';
  if (opts.filterSubject && opts.filterSubject !== '>') {
    if (acc === '') throw new MonitorError('filter by subject only valid with account filtering');
    filter = opts.filterSubject;
  }

  const nowMs = Date.now();
  const result: Connz = { server_id: server.serverId, now: goTime(nowMs), num_connections: 0, total: 0, offset, limit, connections: [] };

  let account: Account | null = null;
  if (acc !== '') {
    account = lookupAccount(server, acc);
    // nats-server answers an unknown account with an empty, id-less result.
    if (account === null) return { ...result, server_id: '', connections: null };
  }
  const openCount = account === null ? server.clients.size : account.connections;
  let closedList: ClosedConnection[] = [];
  if (state === ConnState.Open) result.total = openCount;
  else {
    closedList = server.monitoring.closed.list();
    result.total = state === ConnState.Closed ? closedList.length : openCount + closedList.length;
  }
  if (acc !== '' && closedList.length > 0) {
    // Closed connections of the global account keep an empty name, so `acc=$G` finds none of them (as nats-server).
    const kept = closedList.filter((cc) => cc.acc === acc);
    result.total -= closedList.length - kept.length;
    closedList = kept;
  }

  const entries: Entry[] = [];
  const wantOpen = state === ConnState.Open || state === ConnState.All;
  const wantClosed = state === ConnState.Closed || state === ConnState.All;
  if (cid > 0) {
    const client = wantOpen ? server.clients.get(cid) : undefined;
    if (client !== undefined) entries.push({ open: client });
    const cc = wantClosed && client === undefined ? closedList.find((c) => c.cid === cid) : undefined;
    closedList = cc !== undefined ? [cc] : [];
  } else if (wantOpen) {
    for (const client of server.clients.values()) {
      if (account !== null && client.account !== account) continue;
      if (user !== '' && connectUser(client) !== user) continue;
      if (mqttClient !== '') continue;
      if (filter !== '' && !hasColliding(client, filter)) continue;
      entries.push({ open: client });
    }
  }
  if (!wantClosed) closedList = [];
  for (const cc of closedList) {
    if (user !== '' && cc.user !== user) continue;
    if (mqttClient !== '') continue;
    entries.push({ closed: cc });
  }
  if (entries.length === 0) return result;

  sortEntries(entries, sort, nowMs);
  const page = entries.slice(Math.min(offset, entries.length), Math.min(offset + limit, entries.length));
  result.connections = page.map((e) => (e.open !== undefined ? openInfo(e.open, nowMs, auth, subs, subsDetail) : closedInfo(e.closed, auth, subs, subsDetail)));
  result.num_connections = result.connections.length;
  return result;
}

function hasColliding(client: ClientConnection, filter: string): boolean {
  for (const sub of client.subs.values()) if (subjectsCollide(filter, sub.subject)) return true;
  return false;
}

function openInfo(client: ClientConnection, nowMs: number, auth: boolean, subs: boolean, detail: boolean): ConnInfo {
  const info = fillConnInfo(client, nowMs, auth);
  if (client.subs.size > 0) {
    if (detail) info.subscriptions_list_detail = [...client.subs.values()].map((s) => clientSubDetail(s, client.cid));
    else if (subs) info.subscriptions_list = [...client.subs.values()].map((s) => s.subject);
  }
  if (auth) Object.assign(info, authFields(client));
  return ordered(info);
}

function closedInfo(cc: ClosedConnection, auth: boolean, subs: boolean, detail: boolean): ConnInfo {
  const info = closedConnInfo(cc);
  if (cc.subs.length > 0) {
    if (detail) info.subscriptions_list_detail = cc.subs;
    else if (subs) info.subscriptions_list = cc.subs.map((s) => s.subject);
  }
  if (auth) {
    info.authorized_user = cc.user || undefined;
    info.account = cc.acc || undefined;
  }
  return ordered(info);
}

/** The value each sort order compares, and whether it lists the largest first. */
function sortKey(sort: SortOpt, nowMs: number): { key: (e: Entry) => number | string; descending: boolean } {
  const open = <T>(f: (c: ClientConnection) => T, g: (c: ClosedConnection) => T) => (e: Entry): T => (e.open !== undefined ? f(e.open) : g(e.closed));
  switch (sort) {
    case 'cid':
    case 'start':
      return { key: open((c) => c.cid, (c) => c.cid), descending: false };
    case 'subs':
      return { key: open((c) => c.subs.size, (c) => c.numSubs), descending: true };
    case 'pending':
      return { key: open((c) => (c.socket as { writableLength?: number }).writableLength ?? 0, (c) => c.pending), descending: true };
    case 'msgs_to':
      return { key: open((c) => c.outMsgs, (c) => c.outMsgs), descending: true };
    case 'msgs_from':
      return { key: open((c) => c.inMsgs, (c) => c.inMsgs), descending: true };
    case 'bytes_to':
      return { key: open((c) => c.outBytes, (c) => c.outBytes), descending: true };
    case 'bytes_from':
      return { key: open((c) => c.inBytes, (c) => c.inBytes), descending: true };
    case 'last':
      return { key: open((c) => c.lastActivity, (c) => c.lastMs), descending: true };
    case 'idle':
      // nats-server 2.9 orders "idle" by the time between start and last activity.
      return { key: open((c) => c.lastActivity - c.startTime.getTime(), (c) => c.lastMs - c.startMs), descending: true };
    case 'uptime':
      return { key: open((c) => nowMs - c.startTime.getTime(), (c) => c.stopMs - c.startMs), descending: false };
    case 'stop':
      return { key: open(() => nowMs, (c) => c.stopMs), descending: true };
    case 'reason':
      return { key: open(() => '', (c) => c.reason), descending: false };
    case 'rtt':
      return { key: open((c) => nanos(c.rttMs), (c) => c.rttNs), descending: true };
  }
}

function sortEntries(entries: Entry[], sort: SortOpt, nowMs: number): void {
  const { key, descending } = sortKey(sort, nowMs);
  const keyed = entries.map((e, i) => ({ e, k: key(e), i }));
  keyed.sort((a, b) => {
    if (a.k < b.k) return descending ? 1 : -1;
    if (a.k > b.k) return descending ? -1 : 1;
    return a.i - b.i;
  });
  for (let i = 0; i < keyed.length; i++) entries[i] = keyed[i]!.e;
}
