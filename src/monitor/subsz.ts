/**
 * /subsz and /subscriptionsz (monitor.go Subsz): subject index statistics summed over
 * the accounts (sublist.go SublistStats.add), and optionally the subscriptions.
 */
import { RouteSubscription } from '../cluster/route-subscription.ts';
import type { Account } from '../accounts/account.ts';
import { ClientConnection } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { Subscription } from '../server/subscription.ts';
import { isValidLiteralSubject, subjectMatches } from '../sublist/subject.ts';
import type { Sublist } from '../sublist/sublist.ts';
import { clientSubDetail, type SubDetail } from './conninfo.ts';
import { goTime } from './format.ts';
import { MonitorError } from './query.ts';

/** monitor.go DefaultSubListSize. */
export const DEFAULT_SUB_LIST_SIZE = 1024;

/** sublist.go SublistStats. */
export interface SublistStats {
  num_subscriptions: number;
  num_cache: number;
  num_inserts: number;
  num_removes: number;
  num_matches: number;
  cache_hit_rate: number;
  max_fanout: number;
  avg_fanout: number;
}

export interface Subsz extends SublistStats {
  server_id: string;
  now: string;
  total: number;
  offset: number;
  limit: number;
  subscriptions_list?: SubDetail[] | undefined;
}

/** monitor.go SubszOptions (JSON: offset, limit, subscriptions, account, test). */
export interface SubszOptions {
  offset?: number;
  limit?: number;
  subscriptions?: boolean;
  account?: string;
  /** Only subscriptions a message published to this literal subject would reach. */
  test?: string;
}

/** Running sums as SublistStats.add keeps them. */
export class StatsAccumulator {
  private subs = 0;
  private cache = 0;
  private inserts = 0;
  private removes = 0;
  private matches = 0;
  private hits = 0;
  private maxFanout = 0;
  private totFanout = 0;
  private cacheCnt = 0;

  add(sl: Sublist<Subscription>): void {
    const f = sl.cacheFanout();
    this.subs += sl.count;
    this.cache += f.entries;
    this.inserts += sl.inserts;
    this.removes += sl.removes;
    this.matches += sl.matches;
    this.hits += sl.cacheHits;
    if (f.max > this.maxFanout) this.maxFanout = f.max;
    this.totFanout += f.total;
    this.cacheCnt += f.entries;
  }

  stats(): SublistStats {
    return {
      num_subscriptions: this.subs,
      num_cache: this.cache,
      num_inserts: this.inserts,
      num_removes: this.removes,
      num_matches: this.matches,
      cache_hit_rate: this.matches > 0 ? this.hits / this.matches : 0,
      max_fanout: this.maxFanout,
      avg_fanout: this.totFanout > 0 ? this.totFanout / this.cacheCnt : 0,
    };
  }
}

/** The statistics of one account's index (Sublist.Stats). */
export function sublistStats(sl: Sublist<Subscription>): SublistStats {
  const acc = new StatsAccumulator();
  acc.add(sl);
  return acc.stats();
}

/** A subscription with its subscriber's account (newSubDetail); server-internal subscribers have cid 0. */
export function subDetail(sub: Subscription, owner: Account): SubDetail {
  const client = sub.client;
  if (client instanceof ClientConnection) return clientSubDetail(sub, client.cid, client.account.name);
  return clientSubDetail(sub, 0, owner.name);
}

export function buildSubsz(server: Server, opts: SubszOptions = {}): Subsz {
  const detail = opts.subscriptions ?? false;
  const offset = Math.max(0, opts.offset ?? 0);
  const limit = (opts.limit ?? 0) > 0 ? opts.limit! : DEFAULT_SUB_LIST_SIZE;
  const test = opts.test ?? '';
  if (test !== '' && !isValidLiteralSubject(test)) throw new MonitorError(`invalid test subject, must be valid publish subject: ${test}`);
  const filterAcc = opts.account ?? '';
  const now = goTime(Date.now());
  const acc = new StatsAccumulator();
  const details: SubDetail[] = [];
  for (const account of server.accounts.values()) {
    if (filterAcc !== '' && account.name !== filterAcc) continue;
    acc.add(account.sublist);
    if (!detail) continue;
    for (const sub of account.sublist.all()) {
      // Only this server's own subscriptions are listed (sublist.go localSubs), not other servers' interest.
      if (sub instanceof RouteSubscription) continue;
      if (test !== '' && !subjectMatches(test, sub.subject)) continue;
      details.push(subDetail(sub, account));
    }
  }
  const result: Subsz = { server_id: server.serverId, now, ...acc.stats(), total: 0, offset, limit };
  if (detail) {
    const page = details.slice(Math.min(offset, details.length), Math.min(offset + limit, details.length));
    // nats-server reports the page's length as the total.
    result.total = page.length;
    result.subscriptions_list = page;
  }
  return result;
}

/** What HTTP returns: the whole Subsz with a non-empty list, otherwise only the statistics. */
export function subszResponse(sz: Subsz): Subsz | SublistStats {
  if (sz.subscriptions_list !== undefined && sz.subscriptions_list.length > 0) return sz;
  const { num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout } = sz;
  return { num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout };
}
