/**
 * The server's own subscriber: a handler called for each message, used for the
 * requests the server answers itself ($SYS claim updates, later monitoring and
 * JetStream APIs). The message is copied out: the read buffer it came from is reused.
 */
import type { Account } from '../accounts/account.ts';
import { messageReply, messageSubject, type InboundMessage } from '../protocol/message.ts';
import type { Origin } from './delivery.ts';
import { Subscription, type Subscriber } from './subscription.ts';

export interface InternalMessage {
  subject: string;
  reply: string;
  /** The header block ("NATS/1.0\r\n…"), empty when the message had none. */
  headers: Buffer;
  payload: Buffer;
  /** Who published it: a client connection, or null when the server did. */
  origin: Origin | null;
}

export type InternalHandler = (msg: InternalMessage) => void;

export class InternalClient implements Subscriber {
  readonly closed = false;
  readonly permissions = null;
  readonly echo = true;
  private readonly handlers = new Map<Subscription, { account: Account; handler: InternalHandler }>();
  /** Subscriptions per account, so views of clients' subscriptions can leave the server's out. */
  private readonly counts = new Map<Account, number>();
  private nextSid = 1;

  subscribe(account: Account, subject: string, handler: InternalHandler, queue?: string): Subscription {
    const sub = new Subscription(this, subject, queue, String(this.nextSid++));
    account.sublist.insert(sub);
    this.handlers.set(sub, { account, handler });
    this.counts.set(account, this.count(account) + 1);
    return sub;
  }

  /** How many of `account`'s subscriptions are the server's own. */
  count(account: Account): number {
    return this.counts.get(account) ?? 0;
  }

  writeMsg(sub: Subscription, msg: InboundMessage, origin: Origin | null = null): void {
    const entry = this.handlers.get(sub);
    if (entry === undefined) return;
    const body = msg.msgBuf.subarray(msg.msgPayloadStart, msg.msgPayloadStart + msg.msgSize);
    const hdr = msg.msgHeaderSize > 0 ? msg.msgHeaderSize : 0;
    entry.handler({
      subject: messageSubject(msg),
      reply: messageReply(msg),
      headers: Buffer.from(body.subarray(0, hdr)),
      payload: Buffer.from(body.subarray(hdr)),
      origin,
    });
  }

  trackReply(): void {}

  unsubscribe(sub: Subscription): void {
    const entry = this.handlers.get(sub);
    if (entry === undefined) return;
    this.handlers.delete(sub);
    this.counts.set(entry.account, this.count(entry.account) - 1);
    entry.account.sublist.remove(sub);
  }
}
