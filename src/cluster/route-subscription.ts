import type { Account } from '../accounts/account.ts';
import { Subscription, type Subscriber } from '../server/subscription.ts';

/**
 * Another server's interest, as one of its routes announced it (`RS+`), stored in the
 * account's index beside local subscriptions so that one match finds both. Its sid is
 * the announcement's key, "<account> <subject>[ <queue>]", as nats-server keeps it.
 */
export class RouteSubscription extends Subscription {
  readonly account: Account;
  /** The account's name as bytes, for RMSG lines. */
  readonly accountBytes: Buffer;
  /** Members of the queue group on the other server: the match repeats this entry as often. */
  weight: number;

  constructor(route: Subscriber, account: Account, accountBytes: Buffer, subject: string, queue: string | undefined, key: string, weight: number) {
    super(route, subject, queue, key);
    this.account = account;
    this.accountBytes = accountBytes;
    this.weight = weight;
  }
}
