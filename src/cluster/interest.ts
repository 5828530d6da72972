/**
 * This server's interest per account, as the other servers must know it
 * (route.go updateRouteSubscriptionMap): a plain subject is announced once (`RS+`)
 * when its first local subscription appears and withdrawn (`RS-`) when its last one
 * goes; a queue group is announced with its member count as weight, again on every
 * change of that count. Remote subscriptions in the same index are not local
 * interest: they are never announced back; nor are service imports' own.
 */
import type { Account } from '../accounts/account.ts';
import type { Subscription } from '../server/subscription.ts';
import type { SublistObserver } from '../sublist/sublist.ts';
import { RouteSubscription } from './route-subscription.ts';

/** Where interest changes go: every registered route. */
export interface InterestSink {
  interestChanged(account: Account, subject: string, queue: string | undefined, count: number): void;
}

export class AccountInterest implements SublistObserver<Subscription> {
  readonly account: Account;
  /** Local subscriptions per "subject" or "subject queue". */
  private readonly counts = new Map<string, number>();
  private readonly sink: InterestSink;

  constructor(account: Account, sink: InterestSink) {
    this.account = account;
    this.sink = sink;
    for (const sub of account.sublist.all()) if (announced(sub)) this.count(sub, 1);
    account.sublist.observer = this;
  }

  inserted(sub: Subscription): void {
    if (!announced(sub)) return;
    const n = this.count(sub, 1);
    if (n === 1 || sub.queue !== undefined) this.sink.interestChanged(this.account, sub.subject, sub.queue, n);
  }

  removed(sub: Subscription): void {
    if (!announced(sub)) return;
    const n = this.count(sub, -1);
    if (n === 0 || sub.queue !== undefined) this.sink.interestChanged(this.account, sub.subject, sub.queue, n);
  }

  /** Applies `delta` and returns the new count. */
  private count(sub: Subscription, delta: number): number {
    const key = sub.queue === undefined ? sub.subject : `${sub.subject} ${sub.queue}`;
    const n = (this.counts.get(key) ?? 0) + delta;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
    return n;
  }

  /** Every interest line for a route that just registered: `RS+ <acc> <subject>[ <queue> <weight>]`. */
  protos(): string {
    let out = '';
    for (const [key, n] of this.counts) out += `RS+ ${this.account.name} ${key}${key.includes(' ') ? ` ${n}` : ''}\r\n`;
    return out;
  }

  /** Stops watching the account's index. */
  detach(): void {
    if (this.account.sublist.observer === this) this.account.sublist.observer = null;
  }
}

/** Local interest other servers are told of: not theirs, not a service import's own. */
function announced(sub: Subscription): boolean {
  return !(sub instanceof RouteSubscription) && sub.client.announced !== false;
}
