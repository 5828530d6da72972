/**
 * Delivery of a published message: to the subscriptions of its account, then across
 * accounts where exports and imports say so (stream imports, service imports and
 * the responses that come back through them), after the account's subject mappings.
 */
import type { Account, ClientIdentity } from '../accounts/account.ts';
import { latencyTracker } from './latency.ts';
import { OwnedMessage, messageReply, messageSubject, type InboundMessage } from '../protocol/message.ts';
import { subjectMatches } from '../sublist/subject.ts';
import type { MatchResult } from '../sublist/sublist.ts';
import type { Subscriber, Subscription } from './subscription.ts';

/** The publishing side: its own subscriptions skip its messages unless it echoes. */
export interface Origin extends Partial<ClientIdentity> {
  readonly echo: boolean;
}

/** Service imports may chain (A imports from B, which imports from C) this deep. */
const MAX_IMPORT_HOPS = 8;

/** Delivers `msg` to `sub`; false if it was not sent. */
export function deliver(origin: Origin | null, sub: Subscription, msg: InboundMessage): boolean {
  const client: Subscriber = sub.client;
  if (origin !== null && (client as object) === origin && !origin.echo) return false;
  if (client.closed) return false;
  if (sub.shadow !== null) return deliverImported(origin, sub, msg);
  if (sub.filterDeliveries && client.permissions!.deliveryDenied(msg.msgBuf.latin1Slice(msg.msgSubjectStart, msg.msgSubjectEnd))) return false;
  if (sub.max > 0) {
    const n = ++sub.delivered;
    if (n > sub.max) {
      client.unsubscribe(sub);
      return false;
    }
    send(client, sub, msg, origin);
    if (n === sub.max) client.unsubscribe(sub);
    return true;
  }
  sub.delivered++;
  send(client, sub, msg, origin);
  return true;
}

/**
 * Delivers an exporter's message through a shadow subscription: under the subject the
 * importer sees, if that still matches the importer's subscription, counted against it.
 */
function deliverImported(origin: Origin | null, shadow: Subscription, msg: InboundMessage): boolean {
  const { parent, deliverAs } = shadow.shadow!;
  const local = deliverAs(messageSubject(msg));
  if (!subjectMatches(local, parent.subject)) return false;
  return deliver(origin, parent, OwnedMessage.readdress(msg, local, messageReply(msg)));
}

function send(client: Subscriber, sub: Subscription, msg: InboundMessage, origin: Origin | null): void {
  if (msg.msgReplyStart >= 0 && client.permissions !== null && client.permissions.response !== null) client.trackReply(messageReply(msg));
  client.writeMsg(sub, msg, origin);
}

/** A subscriber that gathers what one message owes it and sends that once the message's delivery ends. */
export interface Gatherer {
  sendGathered(): void;
}

/**
 * Gatherers waiting for the end of a delivery; nested deliveries (a handler publishing)
 * stack above their caller's. Slots are reused and the array never shrinks: resetting
 * its length per message made V8 trim and regrow the backing store, a measured cost.
 */
const gathering: Gatherer[] = [];
/** The number of gatherers waiting (the top of the stack). */
let gathered = 0;

/**
 * Called by a subscriber the first time a message reaches it: it is told to send when
 * the delivery ends. Routes use this to send one RMSG per message however many of
 * their subscriptions (and queue groups) matched.
 */
export function gatherUntilDelivered(g: Gatherer): void {
  gathering[gathered++] = g;
}

function sendGathered(mark: number): void {
  // A gatherer's send may start nested deliveries that stack above `gathered`.
  for (let k = mark; k < gathered; k++) gathering[k]!.sendGathered();
  gathered = mark;
}

/** Delivers to every plain subscription and one member of each queue group; returns the count. */
export function deliverResult(origin: Origin | null, result: MatchResult<Subscription>, msg: InboundMessage): number {
  const mark = gathered;
  let deliveries = 0;
  const psubs = result.psubs;
  for (let k = 0; k < psubs.length; k++) {
    if (deliver(origin, psubs[k]!, msg)) deliveries++;
  }
  const qsubs = result.qsubs;
  for (let g = 0; g < qsubs.length; g++) {
    const group = qsubs[g]!;
    const len = group.length;
    const first = len > 1 ? Math.floor(Math.random() * len) : 0;
    for (let k = 0; k < len; k++) {
      if (deliver(origin, group[(first + k) % len]!, msg)) {
        deliveries++;
        break;
      }
    }
  }
  if (gathered !== mark) sendGathered(mark);
  return deliveries;
}

/**
 * Publishes `msg` (on `subject`) in `account`: mappings, local subscriptions, then
 * other accounts. `result` may carry the caller's cached match for `subject`.
 */
export function publish(origin: Origin | null, account: Account, subject: string, msg: InboundMessage, result?: MatchResult<Subscription>, hops = 0): number {
  if (account.mappings !== null) {
    const mapped = account.mapSubject(subject);
    if (mapped !== subject) {
      subject = mapped;
      msg = OwnedMessage.readdress(msg, mapped, messageReply(msg));
      result = undefined;
    }
  }
  let deliveries = deliverResult(origin, result ?? account.sublist.match(subject), msg);
  if (account.routesAcrossAccounts && hops < MAX_IMPORT_HOPS) deliveries += crossAccounts(origin, account, subject, msg, hops);
  return deliveries;
}

/**
 * A response to a request that came in through a service import goes back to the
 * requester's account; returns the deliveries there. Messages from other servers
 * cross accounts only this way (they were imported where they were published).
 */
export function routeResponse(origin: Origin | null, account: Account, subject: string, msg: InboundMessage, hops = 0): number {
  const route = account.takeResponseRoute(subject, msg.msgSize === 0);
  if (route === undefined) return 0;
  route.onResponse?.(origin !== null && origin.clientInfo !== undefined ? (origin as ClientIdentity) : null);
  const back = OwnedMessage.readdress(msg, route.reply, '');
  return publish(null, route.importer, route.reply, back, undefined, hops + 1);
}

function crossAccounts(origin: Origin | null, account: Account, subject: string, msg: InboundMessage, hops: number): number {
  let deliveries = routeResponse(origin, account, subject, msg, hops);
  if (account.serviceImports !== null) {
    const imports = account.serviceImports.match(subject).psubs;
    if (imports.length > 0) {
      const im = imports[0]!;
      const exporter = im.exporter;
      const target = im.toExporter(subject);
      const reply = messageReply(msg);
      const tracker = reply === '' ? undefined : latencyTracker(origin, exporter, im, msg);
      const routedReply =
        reply === '' ? '' : exporter.newResponseRoute({ importer: account, reply, responseType: im.export.responseType, onResponse: tracker }, im.export.responseThresholdMs);
      // The responder learns who is asking (Nats-Request-Info), in detail with `share`.
      const requestor = origin?.clientInfo?.(im.share);
      const forwarded =
        requestor === undefined ? OwnedMessage.readdress(msg, target, routedReply) : OwnedMessage.withHeader(msg, target, routedReply, 'Nats-Request-Info', JSON.stringify(requestor));
      deliveries += publish(null, exporter, target, forwarded, undefined, hops + 1);
    }
  }
  return deliveries;
}
