/**
 * /accountz (monitor.go Accountz, accountInfo) and /accstatz (AccountStatz): the
 * accounts, one account's imports, exports, mappings and index statistics, and the
 * per-account connection and traffic totals.
 */
import type { Account } from '../accounts/account.ts';
import type { AccountClaims } from '../auth/jwt.ts';
import type { MappingConfig, ResponseType } from '../options/security.ts';
import type { Server } from '../server/server.ts';
import { goTime } from './format.ts';
import { MonitorError } from './query.ts';
import { sublistStats, type SublistStats } from './subsz.ts';

export interface ServiceLatencyInfo {
  sampling: number | string;
  results: string;
}

/** monitor.go ExtExport (jwt.Export plus approvals). */
export interface ExtExport {
  name?: string | undefined;
  subject: string;
  type: 'stream' | 'service';
  token_req?: boolean | undefined;
  response_type?: string | undefined;
  service_latency?: ServiceLatencyInfo | undefined;
  approved_accounts?: string[] | undefined;
  revoked_activations?: Record<string, string> | undefined;
}

/** monitor.go ExtImport (jwt.Import plus state). */
export interface ExtImport {
  subject: string;
  account: string;
  to?: string | undefined;
  local_subject?: string | undefined;
  type: 'stream' | 'service';
  invalid: boolean;
  share: boolean;
  tracking: boolean;
  latency?: ServiceLatencyInfo | undefined;
}

export interface MapDest {
  subject: string;
  weight: number;
  cluster?: string | undefined;
}

/** monitor.go AccountInfo. */
export interface AccountInfo {
  account_name: string;
  update_time: string;
  is_system?: boolean | undefined;
  expired: boolean;
  complete: boolean;
  jetstream_enabled: boolean;
  leafnode_connections: number;
  client_connections: number;
  subscriptions: number;
  mappings?: Record<string, MapDest[]> | undefined;
  exports?: ExtExport[] | undefined;
  imports?: ExtImport[] | undefined;
  jwt?: string | undefined;
  issuer_key?: string | undefined;
  name_tag?: string | undefined;
  tags?: string[] | undefined;
  decoded_jwt?: AccountClaims | undefined;
  revoked_user?: Record<string, string> | undefined;
  sublist_stats?: SublistStats | undefined;
}

export interface Accountz {
  server_id: string;
  now: string;
  system_account?: string | undefined;
  accounts?: string[] | undefined;
  account_detail?: AccountInfo | undefined;
}

/** monitor.go AccountzOptions (JSON: account). */
export interface AccountzOptions {
  account?: string;
}

const RESPONSE_TYPES: Record<ResponseType, string> = { singleton: 'Singleton', stream: 'Streamed', chunked: 'Chunked' };

export function buildAccountz(server: Server, opts: AccountzOptions = {}): Accountz {
  const result: Accountz = { server_id: server.serverId, now: goTime(Date.now()), system_account: server.systemAccount?.name };
  const name = opts.account ?? '';
  if (name === '') return { ...result, accounts: [...server.accounts.keys()] };
  return { ...result, account_detail: accountInfo(server, name) };
}

function latencyInfo(latency: { sampling: number | 'headers'; subject: string } | undefined): ServiceLatencyInfo | undefined {
  return latency === undefined ? undefined : { sampling: latency.sampling, results: latency.subject };
}

/** nats-server keeps mapping weights cumulative: 40/60 shows as 40/100. */
function extMappings(mappings: readonly MappingConfig[]): Record<string, MapDest[]> | undefined {
  if (mappings.length === 0) return undefined;
  const out: Record<string, MapDest[]> = {};
  for (const m of [...mappings].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))) {
    const totals = new Map<string, number>();
    out[m.source] = m.destinations.map((d) => {
      const cluster = d.cluster ?? '';
      const weight = (totals.get(cluster) ?? 0) + d.weight;
      totals.set(cluster, weight);
      return { subject: d.destination, weight, cluster: cluster || undefined };
    });
  }
  return out;
}

function jwtMappings(claims: AccountClaims): MappingConfig[] {
  return Object.entries(claims.nats.mappings ?? {}).map(([source, dests]) => ({
    source,
    destinations: dests.map((d) => ({ destination: d.subject, weight: d.weight ?? 100, cluster: d.cluster })),
  }));
}

function configExports(server: Server, account: Account, claims: AccountClaims | undefined): ExtExport[] {
  if (claims !== undefined) {
    const exports = claims.nats.exports ?? [];
    const service = exports.filter((e) => e.type === 'service');
    const stream = exports.filter((e) => e.type !== 'service');
    return [
      ...service.map((e) => ({
        subject: e.subject ?? '',
        type: 'service' as const,
        token_req: e.token_req || undefined,
        response_type: e.response_type ?? 'Singleton',
        service_latency: e.service_latency === undefined ? undefined : { sampling: e.service_latency.sampling, results: e.service_latency.results },
      })),
      ...stream.map((e) => ({ subject: e.subject ?? '', type: 'stream' as const, token_req: e.token_req || undefined })),
    ];
  }
  const cfg = server.options.accounts.find((a) => a.name === account.name);
  if (cfg === undefined) return [];
  const approved = (accounts: string[] | undefined): string[] | undefined => (accounts !== undefined && accounts.length > 0 ? [...accounts] : undefined);
  return [
    ...cfg.exports
      .filter((e) => e.kind === 'service')
      .map((e) => ({ subject: e.subject, type: 'service' as const, response_type: RESPONSE_TYPES[e.responseType], service_latency: latencyInfo(e.latency), approved_accounts: approved(e.accounts) })),
    ...cfg.exports.filter((e) => e.kind === 'stream').map((e) => ({ subject: e.subject, type: 'stream' as const, approved_accounts: approved(e.accounts) })),
  ];
}

function runtimeImports(account: Account): ExtImport[] {
  const out: ExtImport[] = account.streamImports.map((si) => ({
    subject: si.from,
    account: si.exporter.name,
    local_subject: si.local,
    type: 'stream',
    invalid: false,
    share: false,
    tracking: false,
  }));
  for (const si of [...(account.serviceImports?.all() ?? []), ...account.systemImports]) {
    let to = si.subject;
    try {
      to = si.toExporter(si.subject);
    } catch {
      // A wildcard import subject the transform cannot apply to itself: shown as imported.
    }
    out.push({ subject: si.subject, account: si.exporter.name, to, type: 'service', invalid: false, share: si.share, tracking: false, latency: latencyInfo(si.export.latency) });
  }
  return out;
}

function accountInfo(server: Server, name: string): AccountInfo {
  const account = server.accounts.get(name);
  if (account === undefined) throw new MonitorError(`Account ${name} does not exist`);
  const claims = server.jwtAccounts?.stateOf(account)?.claims;
  const mappings = claims !== undefined ? jwtMappings(claims) : account === server.globalAccount ? server.options.mappings : (server.options.accounts.find((a) => a.name === name)?.mappings ?? []);
  const exports = configExports(server, account, claims);
  const imports = runtimeImports(account);
  const revoked = Object.entries(claims?.nats.revocations ?? {});
  return {
    account_name: name,
    update_time: goTime(server.startTime.getTime()),
    is_system: account === server.systemAccount || undefined,
    expired: claims?.exp !== undefined && claims.exp > 0 && claims.exp * 1000 < Date.now(),
    complete: true,
    jetstream_enabled: false,
    leafnode_connections: 0,
    client_connections: account.connections,
    subscriptions: account.sublist.count,
    mappings: extMappings(mappings),
    exports: exports.length > 0 ? exports : undefined,
    imports: imports.length > 0 ? imports : undefined,
    issuer_key: claims?.iss,
    name_tag: claims?.name || undefined,
    tags: claims?.nats.tags && claims.nats.tags.length > 0 ? [...claims.nats.tags] : undefined,
    decoded_jwt: claims,
    revoked_user: revoked.length > 0 ? Object.fromEntries(revoked.map(([k, t]) => [k, goTime(t * 1000)])) : undefined,
    sublist_stats: sublistStats(account.sublist),
  };
}

export interface DataStats {
  msgs: number;
  bytes: number;
}

/** events.go AccountStat. */
export interface AccountStat {
  acc: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  sent: DataStats;
  received: DataStats;
  slow_consumers: number;
}

export interface AccountStatz {
  server_id: string;
  now: string;
  account_statz: AccountStat[];
}

/** monitor.go AccountStatzOptions (JSON: accounts, include_unused). */
export interface AccountStatzOptions {
  accounts?: string[];
  includeUnused?: boolean;
}

/**
 * One account's totals: its live connections' counters plus those of its closed ones.
 * `received` is what its clients published, `sent` what was delivered to them.
 */
export function accountStat(server: Server, account: Account, live?: { inMsgs: number; inBytes: number; outMsgs: number; outBytes: number }): AccountStat {
  const closed = server.monitoring.trafficOf(account);
  let t = live;
  if (t === undefined) {
    t = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
    for (const c of server.clients.values()) {
      if (c.account !== account) continue;
      t.inMsgs += c.inMsgs;
      t.inBytes += c.inBytes;
      t.outMsgs += c.outMsgs;
      t.outBytes += c.outBytes;
    }
  }
  return {
    acc: account.name,
    conns: account.connections,
    leafnodes: 0,
    total_conns: account.connections,
    sent: { msgs: closed.outMsgs + t.outMsgs, bytes: closed.outBytes + t.outBytes },
    received: { msgs: closed.inMsgs + t.inMsgs, bytes: closed.inBytes + t.inBytes },
    slow_consumers: closed.slowConsumers,
  };
}

export function buildAccountStatz(server: Server, opts: AccountStatzOptions = {}): AccountStatz {
  const includeUnused = opts.includeUnused ?? false;
  const names = opts.accounts ?? [];
  const accounts = names.length === 0 ? [...server.accounts.values()] : names.map((n) => server.accounts.get(n)).filter((a): a is Account => a !== undefined);
  // Live traffic per account in one pass over the connections.
  const live = new Map<Account, { inMsgs: number; inBytes: number; outMsgs: number; outBytes: number }>();
  for (const c of server.clients.values()) {
    let t = live.get(c.account);
    if (t === undefined) {
      t = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
      live.set(c.account, t);
    }
    t.inMsgs += c.inMsgs;
    t.inBytes += c.inBytes;
    t.outMsgs += c.outMsgs;
    t.outBytes += c.outBytes;
  }
  const stats: AccountStat[] = [];
  for (const account of accounts) {
    if (!includeUnused && account.connections === 0) continue;
    stats.push(accountStat(server, account, live.get(account) ?? { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 }));
  }
  return { server_id: server.serverId, now: goTime(Date.now()), account_statz: stats };
}
