import { Sublist } from '../sublist/sublist.ts';
import type { Subscription } from '../server/subscription.ts';

export const GLOBAL_ACCOUNT = '$G';
export const SYSTEM_ACCOUNT = '$SYS';

/**
 * An isolated subject space. Every connection belongs to exactly one account and a
 * message only reaches subscriptions in its publisher's account's index.
 */
export class Account {
  readonly name: string;
  readonly sublist: Sublist<Subscription>;
  /** Connections currently bound to this account. */
  connections = 0;

  constructor(name: string, options: { cacheSubjects?: boolean } = {}) {
    this.name = name;
    this.sublist = new Sublist<Subscription>({ cache: options.cacheSubjects ?? true });
  }
}
