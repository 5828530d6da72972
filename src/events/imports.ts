/**
 * The services nats-server imports from the system account into every other account
 * (events.go registerSystemImports), so that any user can ask for its own account's
 * usage: `$SYS.REQ.ACCOUNT.PING.CONNZ` and `$SYS.REQ.SERVER.PING.CONNZ` go to
 * `$SYS.REQ.ACCOUNT.<acc>.CONNZ`, `$SYS.REQ.ACCOUNT.PING.STATZ` to
 * `$SYS.REQ.ACCOUNT.<acc>.STATZ`. The account's own name is put in the subject, so a
 * user only ever reaches its own account's data.
 *
 * As in nats-server, each import is a subscription in the importing account's index
 * (counted in its subscriptions, like nats-server's), which forwards a request into
 * the system account with a `Nats-Request-Info` header and a reply subject routed
 * back to the requester. Publishes on other subjects cost nothing extra: the
 * importing account's fast path is untouched.
 */
import { ServiceImport, type Account, type ServiceExportInfo } from '../accounts/account.ts';
import { OwnedMessage, messageReply, type InboundMessage } from '../protocol/message.ts';
import { publish, type Origin } from '../server/delivery.ts';
import { Subscription, type Subscriber } from '../server/subscription.ts';
import { accDirectReqSubj, accPingReqSubj, serverPingReqSubj } from './subjects.ts';

/** nats-server's DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD. */
const RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
const REQUEST_INFO_HEADER = 'Nats-Request-Info';

/** The system account's exports the imports use (events.go addSystemAccountExports): streamed, the importer's name in token 4. */
export const SYSTEM_EXPORTS: readonly ServiceExportInfo[] = [
  { subject: accDirectReqSubj('*', 'CONNZ'), responseType: 'stream', responseThresholdMs: RESPONSE_THRESHOLD_MS },
  { subject: accDirectReqSubj('*', 'STATZ'), responseType: 'stream', responseThresholdMs: RESPONSE_THRESHOLD_MS },
];

interface Entry {
  readonly importer: Account;
  readonly im: ServiceImport;
}

/** Forwards requests made in an importing account to the system account. */
export class SystemImports implements Subscriber {
  readonly closed = false;
  readonly permissions = null;
  readonly echo = true;
  /** Each server answers its own accounts' usage requests: other servers are not told of these subscriptions. */
  readonly announced = false;
  private readonly entries = new Map<Subscription, Entry>();
  private readonly system: Account;
  private readonly serverName: () => string;
  private nextSid = 1;

  constructor(system: Account, serverName: () => string) {
    this.system = system;
    this.serverName = serverName;
  }

  /** Adds the system imports to `account`, skipping subjects it already imports. */
  register(account: Account): void {
    if (account === this.system || account.systemImports.length > 0) return;
    const [connz, statz] = SYSTEM_EXPORTS as [ServiceExportInfo, ServiceExportInfo];
    const imports: [string, string, ServiceExportInfo][] = [
      [accPingReqSubj('CONNZ'), accDirectReqSubj(account.name, 'CONNZ'), connz],
      [serverPingReqSubj('CONNZ'), accDirectReqSubj(account.name, 'CONNZ'), connz],
      [accPingReqSubj('STATZ'), accDirectReqSubj(account.name, 'STATZ'), statz],
    ];
    for (const [from, to, exp] of imports) {
      if (account.serviceImports?.all().some((si) => si.subject === from)) continue;
      const im = new ServiceImport(from, this.system, exp, () => to, false);
      const sub = new Subscription(this, from, undefined, String(this.nextSid++));
      if (!account.sublist.insert(sub)) continue;
      account.systemImports.push(im);
      this.entries.set(sub, { importer: account, im });
    }
  }

  writeMsg(sub: Subscription, msg: InboundMessage, origin?: Origin | null): void {
    const entry = this.entries.get(sub);
    if (entry === undefined) return;
    const { importer, im } = entry;
    const target = im.toExporter(im.subject);
    const reply = messageReply(msg);
    const routedReply = reply === '' ? '' : this.system.newResponseRoute({ importer, reply, responseType: im.export.responseType }, im.export.responseThresholdMs);
    // A request into the system account carries who asked: account, round-trip time and this server (client.go processServiceImport).
    const who = origin?.clientInfo?.(false);
    let forwarded: OwnedMessage;
    if (who === undefined) forwarded = OwnedMessage.readdress(msg, target, routedReply);
    else {
      const rtt = typeof who.rtt === 'number' && who.rtt > 0 ? who.rtt : undefined;
      forwarded = OwnedMessage.withHeader(msg, target, routedReply, REQUEST_INFO_HEADER, JSON.stringify({ acc: who.acc, rtt, server: this.serverName() }));
    }
    publish(null, this.system, target, forwarded, undefined, 1);
  }

  trackReply(): void {}

  unsubscribe(sub: Subscription): void {
    const entry = this.entries.get(sub);
    if (entry === undefined) return;
    this.entries.delete(sub);
    entry.importer.sublist.remove(sub);
  }
}
