import type { SublistEntry } from '../sublist/sublist.ts';
import type { ClientConnection } from './client.ts';

/** One SUB of one connection, as stored in its account's subject index. */
export class Subscription implements SublistEntry {
  readonly subject: string;
  readonly queue: string | undefined;
  readonly sid: string;
  /** The sid as bytes, copied into every MSG line. */
  readonly sidBytes: Buffer;
  readonly client: ClientConnection;
  /** Auto-unsubscribe after this many deliveries; 0 = no limit. */
  max = 0;
  delivered = 0;

  constructor(client: ClientConnection, subject: string, queue: string | undefined, sid: string) {
    this.client = client;
    this.subject = subject;
    this.queue = queue;
    this.sid = sid;
    this.sidBytes = Buffer.from(sid, 'latin1');
  }
}
