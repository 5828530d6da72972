/**
 * Config-based authentication (auth.go processClientOrLeafAuthentication): nkey users
 * sign the nonce from INFO; named users give a password (plain or bcrypt); otherwise a
 * token or the single user/password of `authorization {}`. `no_auth_user` stands in
 * for a client that presents no credentials. The result binds the connection to an
 * account and its permissions.
 */
import type { Account } from '../accounts/account.ts';
import type { ServerOptions } from '../options/options.ts';
import type { PermissionsConfig, UserConfig } from '../options/security.ts';
import { decodeSignature, verifySignature } from './nkeys.ts';
import { comparePassword, isBcryptHash, loadBcrypt } from './passwords.ts';
import { Permissions } from './permissions.ts';
import { dnMatches } from '../transport/tls.ts';
import type { AuthGrant, AuthOutcome, AuthRequest, AuthService } from './service.ts';

interface ResolvedUser {
  readonly name: string;
  readonly password: string | undefined;
  readonly nkey: string | undefined;
  readonly account: Account;
  readonly permissions: Permissions | null;
  readonly connectionTypes: ReadonlySet<string> | null;
}

export class Authenticator implements AuthService {
  /** Whether clients must authenticate (INFO auth_required, the CONNECT-first rule). */
  readonly required: boolean;
  /** Whether INFO carries a nonce for clients to sign. */
  readonly needsNonce: boolean;
  /** INFO's auth_required: false when no_auth_user lets anonymous clients in. */
  readonly advertiseRequired: boolean;
  private readonly users = new Map<string, ResolvedUser>();
  private readonly nkeys = new Map<string, ResolvedUser>();
  private readonly token: string;
  private readonly singleUser: string;
  private readonly singlePassword: string;
  private readonly noAuthUser: string;
  private readonly globalAccount: Account;
  private readonly usesBcrypt: boolean;
  /** verify_and_map: the user comes from the client certificate. */
  private readonly mapCertificates: boolean;

  constructor(options: ServerOptions, accounts: ReadonlyMap<string, Account>, globalAccount: Account) {
    this.globalAccount = globalAccount;
    const auth = options.authorization;
    const compiled = new Map<PermissionsConfig, Permissions>();
    const permissionsOf = (p: PermissionsConfig | undefined): Permissions | null => {
      if (p === undefined) return null;
      let perms = compiled.get(p);
      if (perms === undefined) {
        perms = new Permissions(p);
        compiled.set(p, perms);
      }
      return perms;
    };
    const add = (u: UserConfig): void => {
      const resolved: ResolvedUser = {
        name: u.nkey ?? u.user ?? '',
        password: u.password,
        nkey: u.nkey,
        account: accounts.get(u.account) ?? globalAccount,
        permissions: permissionsOf(u.permissions),
        connectionTypes: u.connectionTypes ? new Set(u.connectionTypes) : null,
      };
      if (u.nkey) this.nkeys.set(u.nkey, resolved);
      else this.users.set(resolved.name, resolved);
    };
    for (const u of auth?.users ?? []) add(u);
    for (const acc of options.accounts) for (const u of acc.users) add(u);
    this.token = auth?.token ?? '';
    this.singleUser = auth?.user ?? '';
    this.singlePassword = auth?.password ?? '';
    this.noAuthUser = options.noAuthUser;
    this.required = this.users.size > 0 || this.nkeys.size > 0 || this.token !== '' || this.singleUser !== '';
    this.advertiseRequired = this.required && this.noAuthUser === '';
    this.needsNonce = this.nkeys.size > 0;
    this.mapCertificates = options.tls?.verifyAndMap ?? false;
    this.usesBcrypt = [this.token, this.singlePassword, ...[...this.users.values()].map((u) => u.password ?? '')].some(isBcryptHash);
  }

  /** Loads what checks need before the first client arrives (bcrypt). */
  async prepare(): Promise<void> {
    if (this.usesBcrypt) await loadBcrypt();
  }

  /**
   * The configured user a client certificate names: its e-mail addresses, DNS names
   * and URIs in that order, then its subject DN (attributes in any order), then the
   * DN as text (auth.go checkClientTLSCertSubject).
   */
  private userFromCertificate(req: AuthRequest): ResolvedUser | undefined {
    const id = req.certificate;
    if (id === null) return undefined;
    const allowed = (u: ResolvedUser | undefined): ResolvedUser | undefined => (u !== undefined && typeAllowed(u, req.connectionType) ? u : undefined);
    for (const name of [...id.emails, ...id.dnsNames, ...id.uris]) {
      const u = allowed(this.users.get(name));
      if (u !== undefined) return u;
    }
    for (const u of this.users.values()) if (dnMatches(u.name, id.subjectAttributes) && allowed(u)) return u;
    return allowed(this.users.get(id.subject));
  }

  /** The no_auth_user's grant, for a client that skips CONNECT; null when none is set. */
  noAuthGrant(): AuthGrant | null {
    if (this.noAuthUser === '') return null;
    const user = this.users.get(this.noAuthUser) ?? this.nkeys.get(this.noAuthUser);
    return user === undefined ? null : grantFor(user);
  }

  /** Checks a client's CONNECT credentials; a Promise when a bcrypt hash must be compared. */
  authenticate(req: AuthRequest): AuthOutcome | Promise<AuthOutcome> {
    if (!this.required) return { account: this.globalAccount, permissions: null, user: '', anonymous: true };
    const o = req.opts;
    if (this.nkeys.size > 0 && o.nkey !== '') {
      const user = this.nkeys.get(o.nkey);
      if (user === undefined || !typeAllowed(user, req.connectionType)) return null;
      const sig = decodeSignature(o.sig);
      if (sig === null || !verifySignature(o.nkey, Buffer.from(req.nonce), sig)) return null;
      return grantFor(user);
    }
    let user: ResolvedUser | undefined;
    if (this.mapCertificates && this.users.size > 0) {
      user = this.userFromCertificate(req);
      if (user === undefined) return null;
    } else if (this.users.size > 0 || this.nkeys.size > 0) {
      if (this.noAuthUser !== '' && o.user === '' && o.pass === '' && o.auth_token === '') return this.noAuthGrant();
      if (o.user !== '') {
        user = this.users.get(o.user);
        if (user === undefined || !typeAllowed(user, req.connectionType)) return null;
      }
    }
    if (user !== undefined) return settle(comparePassword(user.password ?? '', o.pass), grantFor(user));
    const anonymous: AuthGrant = { account: this.globalAccount, permissions: null, user: o.user, anonymous: true };
    if (this.token !== '') return settle(comparePassword(this.token, o.auth_token), anonymous);
    if (this.singleUser !== '') {
      if (this.singleUser !== o.user) return null;
      return settle(comparePassword(this.singlePassword, o.pass), anonymous);
    }
    return null;
  }
}

function grantFor(user: ResolvedUser): AuthGrant {
  return { account: user.account, permissions: user.permissions, user: user.name };
}

function typeAllowed(user: ResolvedUser, type: string): boolean {
  return user.connectionTypes === null || user.connectionTypes.has(type);
}

function settle(ok: boolean | Promise<boolean>, grant: AuthGrant): AuthOutcome | Promise<AuthOutcome> {
  if (typeof ok === 'boolean') return ok ? grant : null;
  return ok.then((yes) => (yes ? grant : null));
}
