/**
 * The option structs $SYS requests decode their JSON body into (events.go
 * XxxEventOptions: monitor.go's options embedded with EventFilterOptions), and their
 * conversion to the monitoring builders' options.
 */
import type { AccountStatzOptions, AccountzOptions, ConnzOptions, GatewayzOptions, HealthzOptions, JszOptions, LeafzOptions, RoutezOptions, SubszOptions } from '../monitor/index.ts';
import type { ConnState } from '../monitor/connz.ts';
import { BOOL, INT, STRING, STRINGS, UINT64, type DecodedFields, type GoField, type GoStruct } from './go-json.ts';

/** events.go EventFilterOptions: a request only these servers answer. */
const FILTER: Record<string, GoField> = { server_name: STRING, cluster: STRING, host: STRING, tags: STRINGS, domain: STRING };

const struct = (name: string, fields: Record<string, GoField>): GoStruct => ({ name, fields: { ...fields, ...FILTER } });

export const StatszEventOptions = struct('StatszEventOptions', {});
export const AccInfoEventOptions = struct('AccInfoEventOptions', {});
export const VarzEventOptions = struct('VarzEventOptions', {});
export const ConnzEventOptions = struct('ConnzEventOptions', {
  sort: { kind: 'string', type: 'server.SortOpt' },
  auth: BOOL,
  subscriptions: BOOL,
  subscriptions_detail: BOOL,
  offset: INT,
  limit: INT,
  cid: UINT64,
  mqtt_client: STRING,
  state: { kind: 'int', type: 'server.ConnState' },
  user: STRING,
  acc: STRING,
  filter_subject: STRING,
});
export const RoutezEventOptions = struct('RoutezEventOptions', { subscriptions: BOOL, subscriptions_detail: BOOL });
export const SubszEventOptions = struct('SubszEventOptions', { offset: INT, limit: INT, subscriptions: BOOL, account: STRING, test: STRING });
export const GatewayzEventOptions = struct('GatewayzEventOptions', { name: STRING, accounts: BOOL, account_name: STRING });
export const LeafzEventOptions = struct('LeafzEventOptions', { subscriptions: BOOL, account: STRING });
export const AccountzEventOptions = struct('AccountzEventOptions', { account: STRING });
export const AccountStatzEventOptions = struct('AccountStatzEventOptions', { accounts: STRINGS, include_unused: BOOL });
export const JszEventOptions = struct('JszEventOptions', {
  account: STRING,
  accounts: BOOL,
  streams: BOOL,
  consumer: BOOL,
  config: BOOL,
  leader_only: BOOL,
  offset: INT,
  limit: INT,
});
export const HealthzEventOptions = struct('HealthzEventOptions', { 'js-enabled-only': BOOL, 'js-server-only': BOOL });

export interface EventFilter {
  serverName: string;
  cluster: string;
  host: string;
  tags: string[];
  domain: string;
}

const str = (f: DecodedFields, k: string): string | undefined => f[k] as string | undefined;
const bool = (f: DecodedFields, k: string): boolean | undefined => f[k] as boolean | undefined;
const num = (f: DecodedFields, k: string): number | undefined => f[k] as number | undefined;

export function eventFilter(f: DecodedFields): EventFilter {
  return { serverName: str(f, 'server_name') ?? '', cluster: str(f, 'cluster') ?? '', host: str(f, 'host') ?? '', tags: (f.tags as string[] | undefined) ?? [], domain: str(f, 'domain') ?? '' };
}

export function connzOptions(f: DecodedFields): ConnzOptions {
  return {
    sort: str(f, 'sort'),
    auth: bool(f, 'auth'),
    subscriptions: bool(f, 'subscriptions'),
    subscriptionsDetail: bool(f, 'subscriptions_detail'),
    offset: num(f, 'offset'),
    limit: num(f, 'limit'),
    cid: num(f, 'cid'),
    mqttClient: str(f, 'mqtt_client'),
    state: num(f, 'state') as ConnState | undefined,
    user: str(f, 'user'),
    account: str(f, 'acc'),
    filterSubject: str(f, 'filter_subject'),
  } as ConnzOptions;
}

export function subszOptions(f: DecodedFields): SubszOptions {
  return { offset: num(f, 'offset'), limit: num(f, 'limit'), subscriptions: bool(f, 'subscriptions'), account: str(f, 'account'), test: str(f, 'test') } as SubszOptions;
}

export function routezOptions(f: DecodedFields): RoutezOptions {
  return { subscriptions: bool(f, 'subscriptions'), subscriptionsDetail: bool(f, 'subscriptions_detail') } as RoutezOptions;
}

export function gatewayzOptions(f: DecodedFields): GatewayzOptions {
  return { name: str(f, 'name'), accounts: bool(f, 'accounts'), accountName: str(f, 'account_name') } as GatewayzOptions;
}

export function leafzOptions(f: DecodedFields): LeafzOptions {
  return { subscriptions: bool(f, 'subscriptions'), account: str(f, 'account') } as LeafzOptions;
}

export function accountzOptions(f: DecodedFields): AccountzOptions {
  return { account: str(f, 'account') } as AccountzOptions;
}

export function accountStatzOptions(f: DecodedFields): AccountStatzOptions {
  return { accounts: f.accounts as string[] | undefined, includeUnused: bool(f, 'include_unused') } as AccountStatzOptions;
}

export function jszOptions(f: DecodedFields): JszOptions {
  return {
    account: str(f, 'account'),
    accounts: bool(f, 'accounts'),
    streams: bool(f, 'streams'),
    consumer: bool(f, 'consumer'),
    config: bool(f, 'config'),
    leaderOnly: bool(f, 'leader_only'),
    offset: num(f, 'offset'),
    limit: num(f, 'limit'),
  } as JszOptions;
}

export function healthzOptions(f: DecodedFields): HealthzOptions {
  return { jsEnabledOnly: bool(f, 'js-enabled-only'), jsServerOnly: bool(f, 'js-server-only') } as HealthzOptions;
}
