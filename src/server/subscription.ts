import type { Permissions } from '../auth/permissions.ts';
import type { InboundMessage } from '../protocol/message.ts';
import type { Origin } from './delivery.ts';
import { subjectIsLiteral } from '../sublist/subject.ts';
import type { SublistEntry } from '../sublist/sublist.ts';

/** What a subscription delivers to: a client connection, or the server's own handler. */
export interface Subscriber {
  readonly closed: boolean;
  /** Filters deliveries to this subscriber (subscribe deny lists, allow_responses). */
  readonly permissions: Permissions | null;
  /** `origin` is the publisher (null for the server itself); connections ignore it, server-side subscribers may not. */
  writeMsg(sub: Subscription, msg: InboundMessage, origin?: Origin | null): void;
  /**
   * False for a subscriber that acts for this server alone (the subscriptions behind
   * service imports): other servers are not told of its interest and do not reach it.
   */
  readonly announced?: boolean;
  /** Records a reply subject this subscriber may answer once (allow_responses). */
  trackReply(reply: string): void;
  unsubscribe(sub: Subscription): void;
}

export interface ShadowOf {
  readonly parent: Subscription;
  /** The exporter's subject → the subject the importer sees. */
  readonly deliverAs: (subject: string) => string;
  /** The exporter's account, whose index holds the shadow. */
  readonly exporter: { readonly sublist: { remove(sub: Subscription): boolean } };
}

/** One SUB of one connection, as stored in its account's subject index. */
export class Subscription implements SublistEntry {
  readonly subject: string;
  readonly queue: string | undefined;
  readonly sid: string;
  readonly client: Subscriber;
  /** Auto-unsubscribe after this many deliveries; 0 = no limit. */
  max = 0;
  delivered = 0;
  /** A wildcard overlapping the subscriber's deny list: each delivery is checked. */
  filterDeliveries = false;
  /** For a shadow in an exporter's index: the subscription it stands for and how subjects map back. */
  readonly shadow: ShadowOf | null;
  /** The shadows this subscription has in exporters' indexes (stream imports). */
  shadows: Subscription[] | null = null;

  // Built on first delivery: most subscriptions in a large index never get one.
  private sidBuffer: Buffer | null = null;
  private prefix: Buffer | null | undefined = undefined;

  constructor(client: Subscriber, subject: string, queue: string | undefined, sid: string, shadow: ShadowOf | null = null) {
    this.client = client;
    this.subject = subject;
    this.queue = queue;
    this.sid = sid;
    this.shadow = shadow;
    // A shadow's deliveries carry the importer's subject, never its own.
    if (shadow !== null) this.prefix = null;
  }

  /** The sid as bytes, for MSG lines of wildcard subscriptions. */
  get sidBytes(): Buffer {
    return (this.sidBuffer ??= Buffer.from(this.sid, 'latin1'));
  }

  /** "HMSG <subject> <sid>" for a literal subject (skip the H for MSG); null for wildcards. */
  get msgPrefix(): Buffer | null {
    if (this.prefix === undefined) this.prefix = subjectIsLiteral(this.subject) ? Buffer.from(`HMSG ${this.subject} ${this.sid}`, 'latin1') : null;
    return this.prefix;
  }
}
