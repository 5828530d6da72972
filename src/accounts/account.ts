import { Sublist, type SublistEntry } from '../sublist/sublist.ts';
import { isSubsetMatch } from '../sublist/subject.ts';
import type { ResponseType } from '../options/security.ts';
import { Subscription, type Subscriber } from '../server/subscription.ts';

export const GLOBAL_ACCOUNT = '$G';
export const SYSTEM_ACCOUNT = '$SYS';

/** Rewrites a subject, or returns null when the subject is not its to rewrite. */
export interface SubjectMapper {
  map(subject: string): string | null;
}

/**
 * A stream this account imports. Its subscribers' interest in `local` subjects is
 * mirrored into the exporter's index as shadow subscriptions (accounts.go
 * addShadowSubscriptions), so delivery, queue groups and interest work as for local
 * subscribers.
 */
export interface StreamImport {
  readonly exporter: Account;
  /** The exported subjects imported (exporter side). */
  readonly from: string;
  /** The same subjects as this account sees them. */
  readonly local: string;
  /** Exporter subject → local subject. */
  readonly toLocal: (subject: string) => string;
  /** Local subject → exporter subject, when the mapping can be reversed. */
  readonly toExporter: ((subject: string) => string) | null;
}

export interface ServiceExportInfo {
  readonly subject: string;
  readonly responseType: ResponseType;
  readonly responseThresholdMs: number;
  readonly latency?: { sampling: number | 'headers'; subject: string } | undefined;
}

/** A service this account imports: requests on `subject` (local) go to the exporter. */
export class ServiceImport implements SublistEntry {
  readonly subject: string;
  readonly queue = undefined;
  readonly exporter: Account;
  readonly export: ServiceExportInfo;
  /** Local subject → exporter's subject. */
  readonly toExporter: (subject: string) => string;
  readonly share: boolean;

  constructor(subject: string, exporter: Account, exp: ServiceExportInfo, toExporter: (subject: string) => string, share: boolean) {
    this.subject = subject;
    this.exporter = exporter;
    this.export = exp;
    this.toExporter = toExporter;
    this.share = share;
  }
}

/** Where a response to a service import goes back to. */
export interface ResponseRoute {
  readonly importer: Account;
  readonly reply: string;
  readonly responseType: ResponseType;
  /** Epoch ms after which the route is dropped; each stream/chunked response extends it. */
  expires: number;
  readonly thresholdMs: number;
  /** Called when a response passes, with its publisher (latency tracking). */
  readonly onResponse?: ((responder: ClientIdentity | null) => void) | undefined;
}

const RESPONSE_PREFIX = '_R_.';
const REPLY_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RESPONSE_SWEEP_MS = 1000;

/** Holds the account's interest in its responses; delivery through it does nothing (takeResponseRoute routes them). */
const RESPONSE_INTEREST: Subscriber = { closed: false, permissions: null, writeMsg() {}, trackReply() {}, unsubscribe() {} };

function randomToken(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += REPLY_DIGITS[Math.floor(Math.random() * 62)];
  return out;
}

/** Who published a message, as $SYS events describe a client (events.go ClientInfo). */
export interface ClientIdentity {
  /** The account and round-trip time; with `detailed`, also who and where the client is. */
  clientInfo(detailed: boolean): Record<string, unknown>;
  /** Round-trip time to the client, milliseconds. */
  readonly rttMs: number;
}

export interface AccountLimits {
  maxConnections: number;
  maxSubscriptions: number;
  maxPayload: number;
}

/**
 * An isolated subject space. Every connection belongs to exactly one account and a
 * message only reaches subscriptions in its publisher's account's index, except
 * through the exports and imports configured between accounts.
 */
export class Account {
  readonly name: string;
  readonly sublist: Sublist<Subscription>;
  /** Connections currently bound to this account. */
  connections = 0;
  limits: AccountLimits = { maxConnections: -1, maxSubscriptions: -1, maxPayload: -1 };

  /** Subject mappings applied to every message published in this account. */
  mappings: SubjectMapper[] | null = null;
  /** Streams this account imports. */
  streamImports: StreamImport[] = [];
  serviceExports: ServiceExportInfo[] = [];
  /** Services this account imports, indexed by local subject. */
  serviceImports: Sublist<ServiceImport> | null = null;
  /** The system account's services imported into every account (events/imports.ts): routed by subscriptions in `sublist`, listed here for /accountz. */
  readonly systemImports: ServiceImport[] = [];
  /** Reply subjects handed to this account's responders, mapped back to the requester. */
  private responses: Map<string, ResponseRoute> | null = null;
  private responsePrefix = '';
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(name: string, options: { cacheSubjects?: boolean } = {}) {
    this.name = name;
    this.sublist = new Sublist<Subscription>({ cache: options.cacheSubjects ?? true });
  }

  /** True if a message published here may travel to another account (stream imports travel as shadow subscriptions). */
  get routesAcrossAccounts(): boolean {
    return this.serviceImports !== null || this.responses !== null;
  }

  /** Applies mappings in order; the first that rewrites wins. */
  mapSubject(subject: string): string {
    for (const m of this.mappings!) {
      const mapped = m.map(subject);
      if (mapped !== null) return mapped;
    }
    return subject;
  }

  addServiceImport(im: ServiceImport): void {
    (this.serviceImports ??= new Sublist<ServiceImport>()).insert(im);
  }

  /** The export of this account that covers `subject`, if any. */
  serviceExportFor(subject: string): ServiceExportInfo | undefined {
    return this.serviceExports.find((e) => e.subject === subject) ?? this.serviceExports.find((e) => isSubsetMatch(subject, e.subject));
  }

  /**
   * A fresh reply subject for a request forwarded into this account by a service
   * import, routed back to `route.reply` in the importer.
   */
  newResponseRoute(route: Omit<ResponseRoute, 'expires' | 'thresholdMs'>, thresholdMs: number): string {
    if (this.responsePrefix === '') {
      this.responsePrefix = `${RESPONSE_PREFIX}${randomToken(6)}.`;
      // As nats-server, one wildcard subscription covers every response: other servers learn of it as interest.
      this.sublist.insert(new Subscription(RESPONSE_INTEREST, `${this.responsePrefix}>`, undefined, '_R_'));
    }
    const reply = this.responsePrefix + randomToken(6);
    (this.responses ??= new Map()).set(reply, { ...route, thresholdMs, expires: Date.now() + thresholdMs });
    this.sweepTimer ??= setInterval(() => this.sweepResponses(), RESPONSE_SWEEP_MS);
    return reply;
  }

  /**
   * The route for a response published on `subject`. A singleton route is used up by
   * its response; a stream or chunked one lives on while responses keep coming, and
   * an empty response ends it.
   */
  takeResponseRoute(subject: string, empty: boolean): ResponseRoute | undefined {
    if (this.responses === null || !subject.startsWith(this.responsePrefix)) return undefined;
    const route = this.responses.get(subject);
    if (route === undefined) return undefined;
    if (route.expires < Date.now()) {
      this.responses.delete(subject);
      return undefined;
    }
    if (route.responseType === 'singleton' || empty) this.responses.delete(subject);
    else route.expires = Date.now() + route.thresholdMs;
    return route;
  }

  private sweepResponses(): void {
    const now = Date.now();
    const responses = this.responses!;
    for (const [reply, route] of responses) if (route.expires < now) responses.delete(reply);
    if (responses.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Clears timers (server shutdown). */
  close(): void {
    this.stopSweeping();
    this.responses = null;
  }
}
