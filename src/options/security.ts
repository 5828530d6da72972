/**
 * The security settings of a config: `authorization {}`, `accounts {}`, `mappings {}`
 * and `no_auth_user`, parsed with nats-server's key names and checks (opts.go
 * parseAuthorization, parseUsers, parseUserPermissions, parseAccounts, imports/exports).
 */
import { elementPosition, natsColumn, type ConfMap, type ConfValue } from '../conf/index.ts';
import { isValidSubject } from '../sublist/subject.ts';
import { MappingSet } from '../sublist/subject-transform.ts';
import { asBool, asInt, asString, ConfigError, fail, positionOf, type Context, type SourcePosition } from './reader.ts';
import { parseGoDuration } from './values.ts';

export interface SubjectPermissionConfig {
  allow?: string[];
  deny?: string[];
}

export interface ResponsePermissionConfig {
  /** Responses allowed per request; negative = unlimited. */
  maxMsgs: number;
  /** How long a reply subject stays publishable; negative = forever. */
  expiresMs: number;
}

export interface PermissionsConfig {
  publish?: SubjectPermissionConfig;
  subscribe?: SubjectPermissionConfig;
  response?: ResponsePermissionConfig;
}

export interface UserConfig {
  user?: string;
  password?: string;
  /** A public user nkey ("U…"); such users sign the server's nonce instead of a password. */
  nkey?: string;
  permissions?: PermissionsConfig;
  /** The account the user binds to. */
  account: string;
  /** Allowed connection types (STANDARD, WEBSOCKET, LEAFNODE, MQTT, IN_PROCESS); undefined = any. */
  connectionTypes?: string[];
  /** Where the `users` list holding this user was written, for errors found later. */
  position?: SourcePosition | undefined;
}

export type ResponseType = 'singleton' | 'stream' | 'chunked';

export interface ExportConfig {
  kind: 'stream' | 'service';
  subject: string;
  /** Accounts allowed to import; undefined = public. */
  accounts?: string[];
  responseType: ResponseType;
  /** How long a service import waits for responses before dropping the reply mapping. */
  responseThresholdMs: number;
  latency?: { sampling: number | 'headers'; subject: string };
  /** 1-based token of the subject that must equal the importing account's name. */
  accountTokenPosition: number;
}

export interface ImportConfig {
  kind: 'stream' | 'service';
  account: string;
  subject: string;
  /** Local subject (service) or delivered subject (stream). */
  to?: string;
  /** Stream imports: prefix prepended to delivered subjects. */
  prefix?: string;
  share: boolean;
}

export interface MappingDestinationConfig {
  destination: string;
  /** Percent, 1..100. */
  weight: number;
  cluster?: string;
}

export interface MappingConfig {
  source: string;
  destinations: MappingDestinationConfig[];
}

export interface AccountLimitsConfig {
  maxConnections: number;
  maxSubscriptions: number;
  maxPayload: number;
  maxLeafnodes: number;
}

export interface AccountConfig {
  name: string;
  nkey?: string;
  users: UserConfig[];
  exports: ExportConfig[];
  imports: ImportConfig[];
  mappings: MappingConfig[];
  limits: AccountLimitsConfig;
  defaultPermissions?: PermissionsConfig;
}

export interface AuthorizationConfig {
  user?: string;
  password?: string;
  token?: string;
  /** Milliseconds to wait for CONNECT. */
  timeoutMs?: number;
  users: UserConfig[];
  defaultPermissions?: PermissionsConfig;
}

/** The default of allow_responses: one response, within two minutes. */
export const DEFAULT_RESPONSE_PERMISSION: ResponsePermissionConfig = { maxMsgs: 1, expiresMs: 2 * 60 * 1000 };
/** Responses to a service import are awaited this long by default (nats-server's DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD). */
export const DEFAULT_RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
const RESERVED_ACCOUNTS = new Set(['$G']);

function asMap(v: ConfValue, ctx: Context, what: string): ConfMap {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) return v;
  return fail(ctx, `Expected ${what} to be a map/struct, got ${String(v)}`);
}

function asArray(v: ConfValue, ctx: Context, what: string): ConfValue[] {
  if (Array.isArray(v)) return v;
  return fail(ctx, `Expected ${what} to be an array, got ${String(v)}`);
}

/** Runs `each` for every key of `map` with a context pointing at that key. */
function forEachKey(map: ConfMap, warnings: string[], each: (key: string, value: ConfValue, ctx: Context) => void): void {
  for (const [rawKey, value] of Object.entries(map)) each(rawKey.toLowerCase(), value, { map, key: rawKey, warnings });
}

function permSubjects(v: ConfValue, ctx: Context): string[] {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : fail(ctx, `Expected subject permissions to be a subject, or array of subjects, got ${String(v)}`);
  const subjects = list.map((s) => (typeof s === 'string' ? s : fail(ctx, 'Subject in permissions array cannot be cast to string')));
  for (const s of subjects) {
    if (isValidSubject(s)) continue;
    // A queue-qualified entry: "subject queue".
    const parts = s.trim().split(/\s+/);
    if (parts.length !== 2) fail(ctx, `subject "${s}" is not a valid subject`);
    if (!isValidSubject(parts[0]!)) fail(ctx, `subject "${parts[0]}" is not a valid subject`);
  }
  return subjects;
}

function subjectPermission(v: ConfValue, ctx: Context): SubjectPermissionConfig | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return { allow: permSubjects(v, ctx) };
  if (Object.keys(v).length === 0) return undefined;
  const p: SubjectPermissionConfig = {};
  forEachKey(v, ctx.warnings, (key, value, c) => {
    if (key === 'allow') p.allow = permSubjects(value, c);
    else if (key === 'deny') p.deny = permSubjects(value, c);
    else fail(c, `Unknown field name "${c.key}" parsing subject permissions, only 'allow' or 'deny' are permitted`);
  });
  return p;
}

function responsePermission(v: ConfValue, ctx: Context): ResponsePermissionConfig | undefined {
  if (typeof v === 'boolean') return v ? { ...DEFAULT_RESPONSE_PERMISSION } : undefined;
  const m = asMap(v, ctx, 'response permissions');
  const rp = { ...DEFAULT_RESPONSE_PERMISSION };
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (['max', 'max_msgs', 'max_messages', 'max_responses'].includes(key)) {
      const max = asInt(value, c);
      if (max !== 0) rp.maxMsgs = max;
    } else if (['expires', 'expiration', 'ttl'].includes(key)) {
      if (typeof value !== 'string') fail(c, 'error parsing expires, not a duration string');
      const ms = parseGoDuration(value);
      if (ms === null) fail(c, `error parsing expires: time: invalid duration "${value}"`);
      if (ms !== 0) rp.expiresMs = ms;
    } else fail(c, `Unknown field "${c.key}" parsing permissions`);
  });
  return rp;
}

export function parsePermissions(v: ConfValue, ctx: Context): PermissionsConfig {
  const m = asMap(v, ctx, 'permissions');
  const p: PermissionsConfig = {};
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (key === 'pub' || key === 'publish' || key === 'import') {
      const sp = subjectPermission(value, c);
      if (sp) p.publish = sp;
    } else if (key === 'sub' || key === 'subscribe' || key === 'export') {
      const sp = subjectPermission(value, c);
      if (sp) p.subscribe = sp;
    } else if (key === 'publish_allow_responses' || key === 'allow_responses') {
      const rp = responsePermission(value, c);
      if (rp) p.response = rp;
    } else fail(c, `Unknown field "${c.key}" parsing permissions`);
  });
  // Allowing responses turns off the blanket publish allow, as in nats-server.
  if (p.response) {
    p.publish ??= {};
    p.publish.allow ??= [];
  }
  return p;
}

const CONNECTION_TYPES = new Set(['STANDARD', 'WEBSOCKET', 'LEAFNODE', 'LEAFNODE_WS', 'MQTT', 'MQTT_WS', 'IN_PROCESS']);

function parseUsers(v: ConfValue, ctx: Context, account: string): UserConfig[] {
  const users: UserConfig[] = [];
  for (const entry of asArray(v, ctx, 'users field')) {
    const m = asMap(entry, ctx, 'user entry');
    const u: UserConfig = { account, position: positionOf(ctx.map, ctx.key) };
    forEachKey(m, ctx.warnings, (key, value, c) => {
      if (key === 'nkey') u.nkey = asString(value, c);
      else if (key === 'user' || key === 'username') u.user = asString(value, c);
      else if (key === 'pass' || key === 'password') u.password = asString(value, c);
      else if (key === 'permission' || key === 'permissions' || key === 'authorization') u.permissions = parsePermissions(value, c);
      else if (key === 'allowed_connection_types' || key === 'connection_types' || key === 'clients') {
        const types = asArray(value, c, 'allowed connection types').map((t) => asString(t, c).toUpperCase());
        for (const t of types) if (!CONNECTION_TYPES.has(t)) fail(c, `unknown connection type "${t}"`);
        u.connectionTypes = types;
      } else fail(c, `unknown field "${c.key}"`);
    });
    if (!u.nkey && !u.user) fail(ctx, 'User entry requires a user');
    if (u.nkey) {
      if (!/^U[A-Z2-7]{55}$/.test(u.nkey)) fail(ctx, 'Not a valid public nkey for a user');
      if (u.user || u.password) fail(ctx, 'Nkey users do not take usernames or passwords');
    }
    users.push(u);
  }
  return users;
}

function applyDefaultPermissions(users: UserConfig[], defaults: PermissionsConfig | undefined): void {
  if (!defaults) return;
  for (const u of users) u.permissions ??= defaults;
}

export function parseAuthorization(v: ConfValue, ctx: Context): AuthorizationConfig {
  const m = asMap(v, ctx, 'authorization');
  const auth: AuthorizationConfig = { users: [] };
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (key === 'user' || key === 'username') auth.user = asString(value, c);
    else if (key === 'pass' || key === 'password') auth.password = asString(value, c);
    else if (key === 'token') auth.token = asString(value, c);
    else if (key === 'timeout') auth.timeoutMs = typeof value === 'number' ? value * 1000 : 1000;
    else if (key === 'users') auth.users = parseUsers(value, c, '$G');
    else if (key === 'default_permission' || key === 'default_permissions' || key === 'permissions') auth.defaultPermissions = parsePermissions(value, c);
    else fail(c, `unknown field "${c.key}"`);
  });
  applyDefaultPermissions(auth.users, auth.defaultPermissions);
  if (auth.token && (auth.user || auth.users.length > 0)) fail(ctx, 'Can not have a token and a users array');
  if (auth.user && auth.users.length > 0) fail(ctx, 'Can not have a single user/pass and a users array');
  return auth;
}

function parseExport(v: ConfValue, ctx: Context): ExportConfig {
  const m = asMap(v, ctx, 'export');
  let kind: 'stream' | 'service' | undefined;
  let subject = '';
  const e: Omit<ExportConfig, 'kind' | 'subject'> = { responseType: 'singleton', responseThresholdMs: DEFAULT_RESPONSE_THRESHOLD_MS, accountTokenPosition: 0 };
  let responseSeen = false;
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (key === 'stream' || key === 'service') {
      if (kind !== undefined) fail(c, `Detected ${key} "${String(value)}" but already saw a ${kind}`);
      kind = key;
      subject = asString(value, c);
    } else if (key === 'response' || key === 'response_type') {
      responseSeen = true;
      const t = asString(value, c).toLowerCase();
      if (t === 'single' || t === 'singleton') e.responseType = 'singleton';
      else if (t === 'stream') e.responseType = 'stream';
      else if (t === 'chunk' || t === 'chunked') e.responseType = 'chunked';
      else fail(c, `Unknown response type: "${t}"`);
    } else if (['threshold', 'response_threshold', 'response_max_time', 'response_time'].includes(key)) {
      const ms = typeof value === 'string' ? parseGoDuration(value) : null;
      if (ms === null) fail(c, `Expected response threshold to be a parseable time duration, got ${JSON.stringify(value)}`);
      e.responseThresholdMs = ms;
    } else if (key === 'accounts') {
      e.accounts = asArray(value, c, 'accounts').map((a) => asString(a, c));
    } else if (key === 'latency') {
      e.latency = parseLatency(value, c);
    } else if (key === 'account_token_position') {
      e.accountTokenPosition = asInt(value, c);
    } else fail(c, `unknown field "${c.key}"`);
  });
  if (kind === undefined) fail(ctx, 'Export Items should be a map with type entry');
  if (kind === 'stream' && (responseSeen || e.latency)) fail(ctx, 'Detected response directive on non-service');
  if (!isValidSubject(subject)) fail(ctx, `Error adding ${kind} export "${subject}": subject is not valid`);
  return { kind, subject, ...e };
}

function parseLatency(v: ConfValue, ctx: Context): { sampling: number | 'headers'; subject: string } {
  if (typeof v === 'string') return { sampling: 100, subject: v };
  const m = asMap(v, ctx, 'latency entry');
  let sampling: number | 'headers' = 100;
  let subject: string | undefined;
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (key === 'sampling') {
      if (typeof value === 'string' && value.trim().toLowerCase() === 'headers') sampling = 'headers';
      else {
        const n = typeof value === 'number' ? value : Number.parseInt(String(value).replace(/%$/, ''), 10);
        if (!Number.isInteger(n)) fail(c, `Failed to parse latency sample: ${String(value)}`);
        if (n < 1 || n > 100) fail(c, 'sampling rate should be between 1% and 100%');
        sampling = n;
      }
    } else if (key === 'subject') subject = asString(value, c);
    else fail(c, `unknown field "${c.key}"`);
  });
  if (subject === undefined) fail(ctx, 'Latency subject required, but missing');
  return { sampling, subject };
}

function parseImport(v: ConfValue, ctx: Context): ImportConfig {
  const m = asMap(v, ctx, 'import');
  let kind: 'stream' | 'service' | undefined;
  let account = '';
  let subject = '';
  const imp: Pick<ImportConfig, 'to' | 'prefix' | 'share'> = { share: false };
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (key === 'stream' || key === 'service') {
      if (kind !== undefined) fail(c, `Detected ${key} but already saw a ${kind}`);
      kind = key;
      const src = asMap(value, c, `${key} entry`);
      forEachKey(src, c.warnings, (k, val, cc) => {
        if (k === 'account') account = asString(val, cc);
        else if (k === 'subject') subject = asString(val, cc);
        else fail(cc, `unknown field "${cc.key}"`);
      });
      if (!account || !subject) fail(c, 'Expect an account name and a subject');
    } else if (key === 'prefix') imp.prefix = asString(value, c);
    else if (key === 'to') imp.to = asString(value, c);
    else if (key === 'share') imp.share = asBool(value, c);
    else fail(c, `unknown field "${c.key}"`);
  });
  if (kind === undefined) fail(ctx, 'Import Items should be a map with type entry');
  return { kind, account, subject, ...imp };
}

export function parseMappings(v: ConfValue, ctx: Context): MappingConfig[] {
  const m = asMap(v, ctx, 'mappings');
  const out: MappingConfig[] = [];
  forEachKey(m, ctx.warnings, (_key, value, c) => {
    const source = c.key;
    // nats-server points this error at the mappings block itself.
    if (!isValidSubject(source)) fail(ctx, `Subject "${source}" is not a valid subject`);
    if (value === '') fail(c, `Error adding mapping for "${source}" to "" : invalid mapping destination: invalid subject in `);
    if (typeof value === 'string') {
      try {
        new MappingSet(source, [{ destination: value, weight: 100 }]);
      } catch (err) {
        fail(c, `Error adding mapping for "${source}" to "${value}" : ${(err as Error).message}`);
      }
      out.push({ source, destinations: [{ destination: value, weight: 100 }] });
      return;
    }
    const entries = Array.isArray(value) ? value : [value];
    const destinations = entries.map((entry) => {
      const dm = asMap(entry, c, 'mapping destination');
      const d: MappingDestinationConfig = { destination: '', weight: 100 };
      forEachKey(dm, c.warnings, (k, val, cc) => {
        if (k === 'dest' || k === 'destination') d.destination = asString(val, cc);
        else if (k === 'weight') {
          const w = typeof val === 'number' ? val : Number.parseInt(String(val).replace(/%$/, ''), 10);
          if (!Number.isInteger(w)) fail(cc, `Invalid weight ${JSON.stringify(val)} for mapping destination`);
          if (w < 0 || w > 100) fail(cc, `Invalid weight ${w} for mapping destination`);
          d.weight = w;
        } else if (k === 'cluster') d.cluster = asString(val, cc);
        else fail(cc, `Unknown field "${cc.key}" for mapping destination`);
      });
      return d;
    });
    try {
      new MappingSet(source, destinations);
    } catch (err) {
      fail(c, `Error adding mapping for "${source}" to "${destinations.map((d) => d.destination).join(', ')}" : ${(err as Error).message}`);
    }
    out.push({ source, destinations });
  });
  return out;
}

function parseLimits(v: ConfValue, ctx: Context): AccountLimitsConfig {
  const m = asMap(v, ctx, 'account limits');
  const limits: AccountLimitsConfig = { maxConnections: -1, maxSubscriptions: -1, maxPayload: -1, maxLeafnodes: -1 };
  forEachKey(m, ctx.warnings, (key, value, c) => {
    if (key === 'max_connections' || key === 'max_conn') limits.maxConnections = asInt(value, c);
    else if (key === 'max_subscriptions' || key === 'max_subs') limits.maxSubscriptions = asInt(value, c);
    else if (key === 'max_payload' || key === 'max_pay') limits.maxPayload = asInt(value, c);
    else if (key === 'max_leafnodes' || key === 'max_leafs') limits.maxLeafnodes = asInt(value, c);
    else fail(c, `Unknown field "${c.key}" parsing account limits`);
  });
  return limits;
}

export function parseAccounts(v: ConfValue, ctx: Context): AccountConfig[] {
  const empty = (name: string): AccountConfig => ({
    name,
    users: [],
    exports: [],
    imports: [],
    mappings: [],
    limits: { maxConnections: -1, maxSubscriptions: -1, maxPayload: -1, maxLeafnodes: -1 },
  });
  const accounts: AccountConfig[] = [];
  if (Array.isArray(v)) {
    v.forEach((n, i) => {
      const name = asString(n, ctx);
      const at = (message: string): never => {
        const pos = elementPosition(v, i);
        throw new ConfigError(message, pos === undefined ? positionOf(ctx.map, ctx.key) : { file: pos.file, line: pos.line, col: natsColumn(pos) });
      };
      if (RESERVED_ACCOUNTS.has(name)) at(`"${name}" is a Reserved Account`);
      if (accounts.some((a) => a.name === name)) at(`Duplicate Account Entry: ${name}`);
      accounts.push(empty(name));
    });
    return accounts;
  }
  const m = asMap(v, ctx, 'accounts');
  forEachKey(m, ctx.warnings, (_key, value, c) => {
    const name = c.key;
    if (RESERVED_ACCOUNTS.has(name)) fail(c, `"${name}" is a Reserved Account`);
    const body = asMap(value, c, 'map entries for accounts');
    const acc = empty(name);
    forEachKey(body, c.warnings, (key, val, cc) => {
      if (key === 'nkey') {
        const nk = asString(val, cc);
        if (!/^A[A-Z2-7]{55}$/.test(nk)) fail(cc, `Not a valid public nkey for an account: "${nk}"`);
        acc.nkey = nk;
      } else if (key === 'users') acc.users = parseUsers(val, cc, name);
      else if (key === 'imports') acc.imports = asArray(val, cc, 'imports').map((i) => parseImport(i, cc));
      else if (key === 'exports') acc.exports = asArray(val, cc, 'exports').map((e) => parseExport(e, cc));
      else if (key === 'default_permissions') acc.defaultPermissions = parsePermissions(val, cc);
      else if (key === 'mappings' || key === 'maps') acc.mappings = parseMappings(val, cc);
      else if (key === 'limits') acc.limits = parseLimits(val, cc);
      else if (key === 'jetstream') fail(cc, '"jetstream" is not supported yet: dialtone does not implement JetStream in this release');
      else fail(cc, `unknown field "${cc.key}"`);
    });
    applyDefaultPermissions(acc.users, acc.defaultPermissions);
    accounts.push(acc);
  });
  return accounts;
}
