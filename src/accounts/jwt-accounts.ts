/**
 * Accounts in operator mode: each is named by its public key and described by a JWT
 * that a trusted operator signed. Accounts are loaded from the resolver on first use;
 * their imports are wired only where the exporter's JWT allows them (public, the
 * importer's own token position, or a valid activation token); pushed updates
 * re-apply limits, mappings, exports and imports, and revocations.
 */
import {
  decodeAccountJwt,
  decodeActivationJwt,
  subjectIsContainedIn,
  validateAccountJwt,
  validateImportActivation,
  type AccountClaims,
  type Export,
  type Import,
  type JwtResult,
  type TrustedOperators,
  type ValidatedAccount,
} from '../auth/jwt.ts';
import { Permissions } from '../auth/permissions.ts';
import type { PermissionsConfig, ResponseType } from '../options/security.ts';
import { isSubsetMatch } from '../sublist/subject.ts';
import { MappingSet } from '../sublist/subject-transform.ts';
import { Account, ServiceImport, type ServiceExportInfo } from './account.ts';
import type { AccountResolver } from './resolver.ts';
import { importTransform, streamImport } from './transforms.ts';

/** Service responses are awaited this long unless the export says otherwise. */
const DEFAULT_RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
const NANOS_PER_MS = 1_000_000;

/** The JWT side of an account in operator mode. */
export interface JwtAccountState {
  claims: AccountClaims;
  /** From the operator: the account's identity key may not issue users. */
  strictSigningKeyUsage: boolean;
  defaultPermissions: Permissions | null;
}

export interface UpdateResult {
  readonly ok: boolean;
  readonly account: string;
  /** nats-server's message: "jwt updated", "jwt validation failed", … */
  readonly message: string;
  readonly error?: string;
}

export interface JwtAccountHooks {
  /** Called after an update was applied, with the claims it replaced. */
  onUpdated(account: Account, previous: AccountClaims): void;
  /** Called when an account's JWT expires. */
  onExpired(account: Account): void;
  /** Called after an account's imports were (re)wired: its subscribers' shadows must follow. */
  onImportsChanged(account: Account): void;
  /** Called when an account is first loaded from the resolver. */
  onRegistered?(account: Account): void;
}

export function toPermissionsConfig(p: { pub?: { allow?: readonly string[]; deny?: readonly string[] }; sub?: { allow?: readonly string[]; deny?: readonly string[] }; resp?: { max: number; ttl: number } }): PermissionsConfig | undefined {
  const list = (v: readonly string[] | undefined): string[] | undefined => (v === undefined ? undefined : [...v]);
  const config: PermissionsConfig = {};
  if (p.pub && (p.pub.allow?.length || p.pub.deny?.length)) config.publish = { ...(p.pub.allow?.length ? { allow: list(p.pub.allow) } : {}), ...(p.pub.deny?.length ? { deny: list(p.pub.deny) } : {}) };
  if (p.sub && (p.sub.allow?.length || p.sub.deny?.length)) config.subscribe = { ...(p.sub.allow?.length ? { allow: list(p.sub.allow) } : {}), ...(p.sub.deny?.length ? { deny: list(p.sub.deny) } : {}) };
  if (p.resp) {
    config.response = { maxMsgs: p.resp.max, expiresMs: p.resp.ttl / NANOS_PER_MS };
    config.publish ??= {};
    config.publish.allow ??= [];
  }
  return config.publish || config.subscribe || config.response ? config : undefined;
}

function responseType(t: string | undefined): ResponseType {
  const v = (t ?? '').toLowerCase();
  return v === 'stream' ? 'stream' : v === 'chunked' ? 'chunked' : 'singleton';
}

export class JwtAccounts {
  private readonly accounts: Map<string, Account>;
  private readonly state = new Map<Account, JwtAccountState>();
  private readonly expiry = new Map<Account, NodeJS.Timeout>();
  private readonly trusted: TrustedOperators;
  private readonly resolver: AccountResolver;
  private readonly cacheSubjects: boolean;
  private readonly hooks: JwtAccountHooks;

  constructor(accounts: Map<string, Account>, trusted: TrustedOperators, resolver: AccountResolver, cacheSubjects: boolean, hooks: JwtAccountHooks) {
    this.accounts = accounts;
    this.trusted = trusted;
    this.resolver = resolver;
    this.cacheSubjects = cacheSubjects;
    this.hooks = hooks;
  }

  stateOf(account: Account): JwtAccountState | undefined {
    return this.state.get(account);
  }

  /** The account named `key`, loading and wiring it from the resolver on first use. */
  lookup(key: string): Account | null {
    const known = this.accounts.get(key);
    if (known !== undefined && this.state.has(known)) return known;
    const jwt = this.resolver.fetch(key);
    if (jwt === null) return null;
    const v = this.validate(jwt);
    if (!v.ok || v.value.claims.sub !== key) return null;
    const account = known ?? new Account(key, { cacheSubjects: this.cacheSubjects });
    this.accounts.set(key, account);
    this.apply(account, v.value.claims, v.value.strictSigningKeyUsage);
    this.wireImports(account);
    this.hooks.onRegistered?.(account);
    return account;
  }

  /**
   * Validates an account JWT as nats-server does, including the activation tokens its
   * imports carry: a token for another account, another subject or the wrong kind, or
   * signed by the importer itself, makes the whole JWT invalid. (A token that is only
   * expired or from an unknown signer just leaves its import unwired.)
   */
  private validate(jwt: string): JwtResult<ValidatedAccount> {
    const v = validateAccountJwt(jwt, this.trusted);
    if (!v.ok) return v;
    const claims = v.value.claims;
    for (const im of claims.nats.imports ?? []) {
      if (!im.token) continue;
      const act = decodeActivationJwt(im.token);
      if (!act.ok) return { ok: false, error: `activation token for import "${im.subject ?? ''}" is not valid: ${act.error}` };
      const a = act.value;
      const kind = im.type === 'service' ? 'service' : 'stream';
      const subject = kind === 'service' && im.to ? im.to : (im.subject ?? '');
      if (a.sub !== claims.sub) return { ok: false, error: 'activation token doesn\'t match account it is being included in' };
      if (a.iss === claims.sub) return { ok: false, error: 'activation token is signed by the importing account' };
      if (a.nats.kind !== undefined && a.nats.kind !== kind) return { ok: false, error: 'activation token kind does not match the import' };
      if (!subjectIsContainedIn(subject, a.nats.subject ?? '')) return { ok: false, error: 'activation token import subject doesn\'t match import' };
    }
    return v;
  }

  /** A pushed account JWT ($SYS claim update): validated, stored, applied if loaded. */
  update(jwt: string, expectedAccount?: string): UpdateResult {
    const decoded = decodeAccountJwt(jwt);
    if (!decoded.ok) return { ok: false, account: 'n/a', message: 'jwt update resulted in error', error: decoded.error };
    const key = decoded.value.sub;
    if (expectedAccount !== undefined && expectedAccount !== key) {
      return { ok: false, account: expectedAccount, message: 'jwt update resulted in error', error: 'subject does not match jwt content' };
    }
    const v = this.validate(jwt);
    if (!v.ok) return { ok: false, account: key, message: 'jwt validation failed', error: v.error };
    const loaded = this.accounts.get(key);
    const state = loaded === undefined ? undefined : this.state.get(loaded);
    if (state !== undefined && (v.value.claims.iat ?? 0) < (state.claims.iat ?? 0)) {
      return { ok: false, account: key, message: 'jwt update resulted in error', error: 'jwt is older than the current one' };
    }
    if (loaded === undefined && !this.resolver.acceptsNewAccounts && this.resolver.fetch(key) === null) {
      return { ok: false, account: key, message: 'jwt update resulted in error', error: 'account not known to this resolver' };
    }
    this.resolver.store(key, jwt);
    if (loaded !== undefined && state !== undefined) {
      const previous = state.claims;
      this.apply(loaded, v.value.claims, v.value.strictSigningKeyUsage);
      this.rewireAll();
      this.hooks.onUpdated(loaded, previous);
    }
    return { ok: true, account: key, message: 'jwt updated' };
  }

  /** Removes stored JWTs (claims delete); only a directory resolver with allow_delete does. */
  remove(keys: readonly string[]): boolean {
    return keys.every((k) => this.resolver.remove(k));
  }

  list(): string[] {
    return this.resolver.list();
  }

  fetch(key: string): string | null {
    return this.resolver.fetch(key);
  }

  close(): void {
    for (const t of this.expiry.values()) clearTimeout(t);
    this.expiry.clear();
  }

  private apply(account: Account, claims: AccountClaims, strict: boolean): void {
    const n = claims.nats;
    // Absent limits decode as 0, as Go's zero values do in nats-server: a JWT must say -1 for "no limit".
    const limits = n.limits ?? {};
    account.limits = { maxConnections: limits.conn ?? 0, maxSubscriptions: limits.subs ?? 0, maxPayload: limits.payload ?? 0 };
    const mappings = Object.entries(n.mappings ?? {}).map(
      ([source, dests]) => new MappingSet(source, dests.map((d) => ({ destination: d.subject, weight: d.weight ?? 100, ...(d.cluster ? { cluster: d.cluster } : {}) }))),
    );
    account.mappings = mappings.length > 0 ? mappings : null;
    account.serviceExports = (n.exports ?? []).filter((e) => e.type === 'service' && e.subject).map((e) => this.serviceExportInfo(e));
    const defaults = n.default_permissions ? toPermissionsConfig(n.default_permissions) : undefined;
    this.state.set(account, { claims, strictSigningKeyUsage: strict, defaultPermissions: defaults ? new Permissions(defaults) : null });
    this.scheduleExpiry(account, claims.exp ?? 0);
  }

  private serviceExportInfo(e: Export): ServiceExportInfo {
    const latency = e.service_latency;
    return {
      subject: e.subject!,
      responseType: responseType(e.response_type),
      responseThresholdMs: e.response_threshold ? e.response_threshold / NANOS_PER_MS : DEFAULT_RESPONSE_THRESHOLD_MS,
      latency: latency ? { sampling: latency.sampling === 'headers' ? 'headers' : Number(latency.sampling), subject: latency.results } : undefined,
    };
  }

  private scheduleExpiry(account: Account, exp: number): void {
    const previous = this.expiry.get(account);
    if (previous !== undefined) clearTimeout(previous);
    this.expiry.delete(account);
    if (exp <= 0) return;
    const delay = Math.max(0, exp * 1000 - Date.now());
    this.expiry.set(account, setTimeout(() => this.hooks.onExpired(account), delay));
  }

  /** Re-derives every loaded account's imports, after any account changed. */
  private rewireAll(): void {
    for (const account of this.state.keys()) this.wireImports(account);
  }

  private wireImports(importer: Account): void {
    importer.streamImports = [];
    importer.serviceImports = null;
    const claims = this.state.get(importer)!.claims;
    for (const im of claims.nats.imports ?? []) {
      if (!im.account || !im.subject) continue;
      const exporter = this.lookup(im.account);
      if (exporter === null) continue;
      const exp = this.authorizingExport(exporter, importer, im);
      if (exp === undefined) continue;
      if (im.type === 'service') {
        const local = im.local_subject || im.to || im.subject;
        const info = exporter.serviceExportFor(im.subject) ?? this.serviceExportInfo(exp);
        const toExporter = local === im.subject ? (s: string) => s : importTransform(local, im.subject);
        importer.addServiceImport(new ServiceImport(local, exporter, info, toExporter, im.share === true));
      } else {
        // A stream import's `to` is a prefix (jwt v2); `local_subject` maps the subject.
        importer.streamImports.push(streamImport(exporter, im.subject, im.local_subject ? { to: im.local_subject } : { prefix: im.to }));
      }
    }
    this.hooks.onImportsChanged(importer);
  }

  /** The export that lets `importer` make this import, checked as nats-server does. */
  private authorizingExport(exporter: Account, importer: Account, im: Import): Export | undefined {
    const state = this.state.get(exporter)!;
    const kind = im.type === 'service' ? 'service' : 'stream';
    const subject = im.subject!;
    const exports = (state.claims.nats.exports ?? []).filter((e) => (e.type ?? 'stream') === kind && e.subject);
    const direct = exports.find((e) => e.subject === subject);
    const exp = direct ?? exports.find((e) => isSubsetMatch(subject, e.subject!));
    if (exp === undefined) return undefined;
    const position = exp.account_token_position ?? 0;
    if (position > 0) {
      const tokens = subject.split('.');
      return direct === undefined && position <= tokens.length && tokens[position - 1] === importer.name ? exp : undefined;
    }
    if (!exp.token_req) return exp;
    const activation = validateImportActivation(im, importer.name, state.claims, { export: exp, strictSigningKeyUsage: state.strictSigningKeyUsage });
    return activation.ok ? exp : undefined;
  }
}
