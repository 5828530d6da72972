/**
 * GET <base>/ui/api/activity: what the dashboard shows beyond /varz, in one small JSON
 * object — the busiest subjects (sampled, see server/activity.ts), the recent slow
 * consumers, and one row per account with its connections, subscriptions and traffic.
 */
import type { Account } from '../../accounts/account.ts';
import type { Server } from '../../server/server.ts';
import { SAMPLE_EVERY } from '../../server/activity.ts';
import { buildAccountStatz } from '../accountz.ts';
import { goTime } from '../format.ts';

export const DEFAULT_SUBJECT_LIMIT = 10;
export const MAX_SUBJECT_LIMIT = 100;
/** Accounts listed at most (the busiest first); operator mode can have thousands. */
export const MAX_ACCOUNT_ROWS = 100;

export interface SubjectRow {
  /** The subject as UTF-8 text (the server keeps subjects as byte strings). */
  subject: string;
  account: string;
  /** Estimated messages and bytes over `window_ms` (samples × sample_every). */
  msgs: number;
  bytes: number;
  msgs_per_sec: number;
  bytes_per_sec: number;
}

export interface SlowConsumerRow {
  cid: number;
  name: string;
  account: string;
  reason: string;
  time: string;
}

export interface AccountRow {
  name: string;
  is_system?: boolean | undefined;
  connections: number;
  /** Clients' subscriptions: the server's own ($SYS services, system imports) are left out. */
  subscriptions: number;
  /** What the account's clients published. */
  in_msgs: number;
  in_bytes: number;
  /** What was delivered to the account's clients. */
  out_msgs: number;
  out_bytes: number;
  slow_consumers: number;
}

export interface DashboardActivity {
  server_id: string;
  now: string;
  /** One published message in this many (per connection) is sampled for `subjects`. */
  sample_every: number;
  /** The span `subjects` counts cover. */
  window_ms: number;
  subjects: SubjectRow[];
  /** Newest first. */
  slow_consumers: SlowConsumerRow[];
  accounts_total: number;
  /** The server's own subscriptions ($SYS services, system imports): in /varz's count, not clients'. */
  server_subscriptions: number;
  /** Accounts with at least one client connection. */
  accounts_active: number;
  /** Accounts with connections, client subscriptions or traffic; most connections first. */
  accounts: AccountRow[];
}

export interface ActivityOptions {
  /** Subjects listed (default 10, at most 100). */
  limit?: number;
}

/** A latin1 byte string (how the server keeps subjects) as the UTF-8 text it encodes. */
export function decodeBytes(s: string): string {
  // Pure ASCII is the common case and needs no copy.
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !(limit > 0)) return DEFAULT_SUBJECT_LIMIT;
  return Math.min(MAX_SUBJECT_LIMIT, Math.floor(limit));
}

export function buildDashboardActivity(server: Server, options: ActivityOptions = {}): DashboardActivity {
  const nowMs = Date.now();
  const top = server.activity.topSubjects(clampLimit(options.limit));
  // The first window after start covers only the time since start.
  const windowMs = Math.max(1000, Math.min(top.windowMs, nowMs - server.startTime.getTime()));
  const perSec = 1000 / windowMs;
  const subjects = top.subjects.map((s) => ({
    subject: decodeBytes(s.subject),
    account: s.account,
    msgs: s.msgs,
    bytes: s.bytes,
    msgs_per_sec: s.msgs * perSec,
    bytes_per_sec: s.bytes * perSec,
  }));

  const serverOwned = (account: Account): number => server.internal.count(account) + account.systemImports.length;
  let serverSubscriptions = 0;
  for (const account of server.accounts.values()) serverSubscriptions += serverOwned(account);
  const stats = buildAccountStatz(server, { includeUnused: true }).account_statz;
  const rows: AccountRow[] = [];
  let active = 0;
  for (const st of stats) {
    const account = server.accounts.get(st.acc);
    const subscriptions = account === undefined ? 0 : account.sublist.count - serverOwned(account);
    if (st.conns > 0) active++;
    if (st.conns === 0 && subscriptions === 0 && st.received.msgs === 0 && st.sent.msgs === 0) continue;
    rows.push({
      name: st.acc,
      is_system: (account !== undefined && account === server.systemAccount) || undefined,
      connections: st.conns,
      subscriptions,
      in_msgs: st.received.msgs,
      in_bytes: st.received.bytes,
      out_msgs: st.sent.msgs,
      out_bytes: st.sent.bytes,
      slow_consumers: st.slow_consumers,
    });
  }
  rows.sort((a, b) => b.connections - a.connections || b.in_msgs + b.out_msgs - (a.in_msgs + a.out_msgs) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  return {
    server_id: server.serverId,
    now: goTime(nowMs),
    sample_every: SAMPLE_EVERY,
    window_ms: windowMs,
    subjects,
    slow_consumers: server.activity.slowConsumers().map((e) => ({ cid: e.cid, name: e.name ?? '', account: e.account, reason: e.reason, time: e.time })),
    accounts_total: server.accounts.size,
    server_subscriptions: serverSubscriptions,
    accounts_active: active,
    accounts: rows.slice(0, MAX_ACCOUNT_ROWS),
  };
}
