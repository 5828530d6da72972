/**
 * The request services of the system account (events.go initEventTracking), answered
 * with the monitoring builders behind the HTTP endpoints:
 *
 * - `$SYS.REQ.SERVER.PING` (STATSZ of every server), and for X in STATSZ, VARZ, SUBSZ,
 *   CONNZ, ROUTEZ, GATEWAYZ, LEAFZ, ACCOUNTZ, JSZ, HEALTHZ both
 *   `$SYS.REQ.SERVER.PING.<X>` and `$SYS.REQ.SERVER.<id>.<X>`;
 * - per account, `$SYS.REQ.ACCOUNT.<acc>.<X>` for X in SUBSZ, CONNZ, LEAFZ, JSZ, INFO,
 *   STATZ, CONNS, and `$SYS.REQ.ACCOUNT.PING.STATZ` for every account;
 * - `$SYS.REQ.ACCOUNT.NSUBS` and `$SYS.DEBUG.SUBSCRIBERS` (subscriber counts);
 * - the subjects nats-server listens on for other servers' events, which a single
 *   server receives nothing on but subscribes all the same.
 *
 * A request's JSON body is decoded as Go decodes it into the options struct; replies
 * use the `{"server":…,"data":…}` envelope, or `"error":{"code":400,…}` for a body that
 * does not decode and `"data":null,"error":{"code":500,…}` for a builder's error. A
 * request whose filter (server_name, host, cluster, tags, domain) excludes this server
 * gets no reply.
 */
import type { Account } from '../accounts/account.ts';
import { decodeAccountJwt } from '../auth/jwt.ts';
import { buildAccountStatz, buildAccountz, buildConnz, buildGatewayz, buildHealthz, buildJsz, buildLeafz, buildRoutez, buildSubsz, buildVarz, MonitorError } from '../monitor/index.ts';
import { lookupAccount } from '../monitor/connz.ts';
import { marshal } from '../monitor/format.ts';
import { ClientConnection } from '../server/client.ts';
import type { InternalHandler, InternalMessage } from '../server/internal-client.ts';
import type { Subscription } from '../server/subscription.ts';
import { isSubsetMatch, subjectIsLiteral } from '../sublist/subject.ts';
import { acceptEncoding, getHeader, type Compression } from './encoding.ts';
import { decodeGoStruct, type DecodedFields, type GoStruct } from './go-json.ts';
import * as O from './options.ts';
import type { ServerAPIResponse } from './payloads.ts';
import type { SystemEvents } from './system.ts';
import {
  ACCOUNT_SERVICES,
  SERVER_SERVICES,
  accConnsEventSubjOld,
  accDirectReqSubj,
  accNumSubsReqSubj,
  accPingReqSubj,
  accSubsSubj,
  accUpdateEventSubjNew,
  accUpdateEventSubjOld,
  connsRespSubj,
  inboxRespSubj,
  leafNodeConnectEventSubj,
  remoteLatencyEventSubj,
  serverDirectReqSubj,
  serverPingReqSubj,
  serverStatsPingReqSubj,
  serverStatsSubj,
  shutdownEventSubj,
  type AccountService,
  type ServerService,
} from './subjects.ts';

/** events.go errSkipZreq: this server does not answer. */
const SKIP = Symbol('skip');

type Builder = (fields: DecodedFields) => unknown;

/** The account token of `$SYS.REQ.ACCOUNT.<acc>.<X>` (events.go accReqAccIndex). */
const accountOf = (subject: string): string => subject.split('.')[3] ?? '';

export function registerServices(ev: SystemEvents): void {
  const server = ev.server;
  const sub = (subject: string, handler: InternalHandler): Subscription => ev.internal.subscribe(ev.account, subject, handler);
  const ignore: InternalHandler = () => {};

  /** events.go filterRequest: true when the request's filter leaves this server out. */
  const filtered = (f: DecodedFields): boolean => {
    const filter = O.eventFilter(f);
    if (filter.serverName !== '' && !server.name.includes(filter.serverName)) return true;
    if (filter.host !== '' && !server.options.host.includes(filter.host)) return true;
    if (filter.cluster !== '' && !(server.cluster?.name ?? '').includes(filter.cluster)) return true;
    // No server tags or JetStream domain: any such filter excludes this server.
    if (filter.tags.length > 0) return true;
    if (filter.domain !== '') return true;
    return false;
  };

  /** events.go zReq: decode, filter, build, reply in the ServerAPIResponse envelope. */
  const zReq = (msg: InternalMessage, struct: GoStruct, build: Builder): void => {
    if (!ev.isRunning || msg.reply === '') return;
    let fields: DecodedFields = {};
    let error: { code: number; description: string } | undefined;
    if (msg.payload.length > 0) {
      const decoded = decodeGoStruct(msg.payload, struct);
      if ('error' in decoded) error = { code: 400, description: decoded.error };
      else {
        fields = decoded.fields;
        if (filtered(fields)) return;
      }
    }
    let data: unknown;
    // A builder that failed leaves Go's typed nil pointer: `"data":null` beside the error.
    let failed = false;
    if (error === undefined) {
      try {
        data = build(fields);
      } catch (err) {
        if (err === SKIP) return;
        if (!(err instanceof MonitorError)) throw err;
        if (err.message.startsWith('filtered response')) return;
        failed = true;
        error = { code: 500, description: err.message };
      }
    }
    const compression: Compression = error === undefined ? acceptEncoding(msg.headers) : 'none';
    const body: ServerAPIResponse = error === undefined ? { server: ev.serverInfo(), data } : failed ? { server: ev.serverInfo(), data: null, error } : { server: ev.serverInfo(), error };
    ev.send(msg.reply, marshal(body), '', compression);
  };

  /** events.go statszReq: a ServerStatsMsg (no envelope) to the reply, or to our STATSZ subject without one. */
  const statszReq: InternalHandler = (msg) => {
    if (!ev.isRunning) return;
    const reply = msg.reply === '' ? serverStatsSubj(server.serverId) : msg.reply;
    if (msg.payload.length > 0) {
      const decoded = decodeGoStruct(msg.payload, O.StatszEventOptions);
      if ('error' in decoded) {
        ev.send(reply, marshal({ server: ev.serverInfo(), error: { code: 400, description: decoded.error } }));
        return;
      }
      if (filtered(decoded.fields)) return;
    }
    ev.sendStatsz(reply);
  };

  const serverServices: Record<ServerService, InternalHandler> = {
    STATSZ: statszReq,
    VARZ: (m) => zReq(m, O.VarzEventOptions, () => buildVarz(server)),
    SUBSZ: (m) => zReq(m, O.SubszEventOptions, (f) => buildSubsz(server, O.subszOptions(f))),
    CONNZ: (m) => zReq(m, O.ConnzEventOptions, (f) => buildConnz(server, O.connzOptions(f))),
    ROUTEZ: (m) => zReq(m, O.RoutezEventOptions, (f) => buildRoutez(server, O.routezOptions(f))),
    GATEWAYZ: (m) => zReq(m, O.GatewayzEventOptions, (f) => buildGatewayz(server, O.gatewayzOptions(f))),
    LEAFZ: (m) => zReq(m, O.LeafzEventOptions, (f) => buildLeafz(server, O.leafzOptions(f))),
    ACCOUNTZ: (m) => zReq(m, O.AccountzEventOptions, (f) => buildAccountz(server, O.accountzOptions(f))),
    JSZ: (m) => zReq(m, O.JszEventOptions, (f) => buildJsz(server, O.jszOptions(f))),
    HEALTHZ: (m) => zReq(m, O.HealthzEventOptions, (f) => buildHealthz(server, O.healthzOptions(f))),
  };

  /** The statz of `accounts` (all when empty); no reply when none has connections, unless unused ones are wanted. */
  const accountStatz = (accounts: string[] | undefined, includeUnused: boolean): unknown => {
    const stz = buildAccountStatz(server, { accounts, includeUnused });
    if (stz.account_statz.length === 0 && !includeUnused) throw SKIP;
    return stz;
  };

  const accountServices: Record<AccountService, InternalHandler> = {
    SUBSZ: (m) => zReq(m, O.SubszEventOptions, (f) => buildSubsz(server, { ...O.subszOptions(f), subscriptions: true, account: accountOf(m.subject) })),
    CONNZ: (m) => zReq(m, O.ConnzEventOptions, (f) => buildConnz(server, { ...O.connzOptions(f), account: accountOf(m.subject) })),
    LEAFZ: (m) => zReq(m, O.LeafzEventOptions, (f) => buildLeafz(server, { ...O.leafzOptions(f), account: accountOf(m.subject) })),
    // monitor.go JszAccount: nothing to report without JetStream.
    JSZ: (m) =>
      zReq(m, O.JszEventOptions, () => {
        throw new MonitorError('jetstream not enabled', 500);
      }),
    INFO: (m) =>
      // monitor.go accountInfo: the AccountInfo alone, without /accountz's wrapper.
      zReq(m, O.AccInfoEventOptions, () => buildAccountz(server, { account: accountOf(m.subject) }).account_detail),
    // The PING subject also matches `$SYS.REQ.ACCOUNT.*.STATZ`: that one is answered below.
    STATZ: (m) =>
      zReq(m, O.AccountStatzEventOptions, (f) => {
        const name = accountOf(m.subject);
        if (name === 'PING') throw SKIP;
        return accountStatz([name], O.accountStatzOptions(f).includeUnused ?? false);
      }),
    CONNS: (m) => connsRequest(m),
  };

  /** events.go connsRequest: the account's AccountNumConns to the reply when it has connections here. */
  const connsRequest = (msg: InternalMessage): void => {
    if (!ev.isRunning) return;
    const name = accountOf(msg.subject);
    if (msg.payload.length > 0) {
      let req: { acc?: unknown };
      try {
        req = JSON.parse(msg.payload.toString('utf8')) as { acc?: unknown };
      } catch (err) {
        server.logger.error(`Error unmarshalling account connections request message: ${(err as Error).message}`);
        return;
      }
      if ((req?.acc ?? name) !== name) {
        server.logger.error('Error unmarshalled account does not match subject');
        return;
      }
    }
    const account = server.accounts.get(name);
    if (account === undefined || account.connections === 0 || msg.reply === '') return;
    ev.sendAccConns(account, [msg.reply]);
  };

  /** Subscriptions of clients (not the server's own) in `account` a message on `subject` would reach, as events.go totalSubs counts them. */
  const countSubscribers = (account: Account, subject: string, queue: string | undefined): number => {
    const counts = (s: Subscription): boolean => s.client instanceof ClientConnection && (queue === undefined || s.queue === queue);
    let n = 0;
    if (subjectIsLiteral(subject)) {
      const r = account.sublist.match(subject);
      if (queue === undefined) for (const s of r.psubs) if (counts(s)) n++;
      for (const group of r.qsubs) for (const s of group) if (counts(s)) n++;
    } else {
      for (const s of account.sublist.all()) if (isSubsetMatch(s.subject, subject) && counts(s)) n++;
    }
    return n;
  };

  /** events.go nsubsRequest: another server asks how many subscribers an account has here. */
  const nsubsRequest: InternalHandler = (msg) => {
    if (!ev.isRunning) return;
    if (msg.payload.length === 0) {
      server.logger.error('request requires a body');
      return;
    }
    let req: { acc?: string; subject?: string; queue?: string };
    try {
      req = JSON.parse(msg.payload.toString('utf8')) as typeof req;
    } catch (err) {
      server.logger.error(`Error unmarshalling account nsubs request message: ${(err as Error).message}`);
      return;
    }
    const account = lookupAccount(server, String(req?.acc ?? ''));
    if (account === null || account.connections === 0 || msg.reply === '') return;
    const queue = typeof req.queue === 'string' ? Buffer.from(req.queue, 'base64').toString('latin1') : undefined;
    ev.send(msg.reply, String(countSubscribers(account, String(req.subject ?? ''), queue)));
  };

  /** events.go debugSubscribers: the number of subscribers to "<subject> [queue]" in the caller's account. */
  const debugSubscribers: InternalHandler = (msg) => {
    if (!ev.isRunning || !(msg.origin instanceof ClientConnection)) return;
    let account: Account | null = ev.account;
    const info = getHeader('Nats-Request-Info', msg.headers);
    if (info !== null) {
      try {
        const ci = JSON.parse(info) as { acc?: string; svc?: string };
        account = lookupAccount(server, ci.svc || ci.acc || '');
      } catch {
        return;
      }
    }
    if (account === null || msg.reply === '') return;
    const [subject = '', queue] = msg.payload.toString('latin1').trim().split(' ');
    ev.send(msg.reply, String(countSubscribers(account, subject, queue)));
  };

  /**
   * events.go accountClaimUpdate, outside operator mode (where the claims service answers):
   * no account here has a JWT, so an update is refused as nats-server refuses it.
   */
  const claimUpdate: InternalHandler = (msg) => {
    if (!ev.isRunning) return;
    const toks = msg.subject.split('.');
    const key = toks.length === 6 ? toks[3]! : toks.length === 5 ? toks[2]! : '';
    if (key === '') return;
    const jwt = msg.payload.toString('utf8');
    let result: { message: string; error?: string };
    if (jwt.length === 0) result = { message: 'jwt update error', error: 'request body is empty' };
    else {
      const decoded = decodeAccountJwt(jwt);
      if (!decoded.ok) result = { message: 'jwt update resulted in error', error: decoded.error };
      else if (decoded.value.sub !== key) result = { message: 'jwt update resulted in error', error: 'subject does not match jwt content' };
      else if (!server.accounts.has(key)) result = { message: 'jwt update skipped' };
      else result = { message: 'jwt update resulted in error', error: 'account validation failed' };
    }
    if (result.error === undefined) server.logger.debug(`${result.message} - ${key}`);
    else server.logger.error(`${result.message} - ${key} - ${result.error}`);
    if (msg.reply === '') return;
    // A Go map: keys in sorted order.
    const body =
      result.error === undefined
        ? { data: { account: key, code: 200, message: result.message }, server: ev.serverInfo() }
        : { error: { account: key, code: 500, description: `${result.message} - ${result.error}` }, server: ev.serverInfo() };
    ev.send(msg.reply, marshal(body));
  };

  // In nats-server's order: what other servers send, then the services.
  sub(inboxRespSubj(ev.hash), ignore);
  sub(accConnsEventSubjOld('*'), ignore);
  sub(connsRespSubj(server.serverId), ignore);
  sub(accNumSubsReqSubj, nsubsRequest);
  sub(serverStatsSubj('*'), ignore);
  sub(shutdownEventSubj('*'), ignore);
  if (server.jwtAccounts === null) {
    sub(accUpdateEventSubjOld('*'), claimUpdate);
    sub(accUpdateEventSubjNew('*'), claimUpdate);
  }
  sub(serverStatsPingReqSubj, statszReq);
  for (const name of SERVER_SERVICES) {
    sub(serverDirectReqSubj(server.serverId, name), serverServices[name]);
    sub(serverPingReqSubj(name), serverServices[name]);
  }
  for (const name of ACCOUNT_SERVICES) sub(accDirectReqSubj('*', name), accountServices[name]);
  sub(accPingReqSubj('STATZ'), (m) => zReq(m, O.AccountStatzEventOptions, (f) => {
    const o = O.accountStatzOptions(f);
    return accountStatz(o.accounts, o.includeUnused ?? false);
  }));
  sub(leafNodeConnectEventSubj('*'), ignore);
  sub(remoteLatencyEventSubj(ev.hash), ignore);
  sub(accSubsSubj, debugSubscribers);
}
