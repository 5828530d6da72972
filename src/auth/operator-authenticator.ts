/**
 * Operator-mode authentication (auth.go, the JWT branch): the client presents a user
 * JWT and signs the server's nonce with the user's key (unless it is a bearer token).
 * The user's account comes from the resolver and must be signed by a trusted
 * operator; the user must be signed by that account or one of its signing keys,
 * not revoked, and allowed this connection type, source address and time of day.
 */
import type { JwtAccounts } from '../accounts/jwt-accounts.ts';
import { toPermissionsConfig } from '../accounts/jwt-accounts.ts';
import { checkConnectionType, checkUserSource, checkUserTimes, decodeUserJwt, validateUserJwt, verifyUserNonce } from './jwt.ts';
import { Permissions } from './permissions.ts';
import type { AuthGrant, AuthOutcome, AuthRequest, AuthService } from './service.ts';

export class OperatorAuthenticator implements AuthService {
  readonly required = true;
  readonly needsNonce = true;
  readonly advertiseRequired = true;
  private readonly accounts: JwtAccounts;

  constructor(accounts: JwtAccounts) {
    this.accounts = accounts;
  }

  async prepare(): Promise<void> {}

  noAuthGrant(): AuthGrant | null {
    return null;
  }

  authenticate(req: AuthRequest): AuthOutcome {
    const token = req.opts.jwt;
    if (token === '') return null;
    const decoded = decodeUserJwt(token);
    if (!decoded.ok) return null;
    const claims = decoded.value;
    const account = this.accounts.lookup(claims.nats.issuer_account || claims.iss);
    if (account === null) return null;
    const state = this.accounts.stateOf(account)!;
    const accountExpires = state.claims.exp ?? 0;
    if (accountExpires > 0 && accountExpires * 1000 <= Date.now()) return null;
    const v = validateUserJwt(claims, state.claims, { strictSigningKeyUsage: state.strictSigningKeyUsage });
    if (!v.ok) return null;
    const user = v.value;
    const limits = user.permissions;
    if (!checkConnectionType(limits, req.connectionType)) return null;
    if (!verifyUserNonce(user, req.nonce, req.opts.sig)) return null;
    if (!checkUserSource(limits, req.host)) return null;
    const times = checkUserTimes(limits);
    if (!times.allowed) return null;
    const own = toPermissionsConfig(limits);
    const permissions = own ? new Permissions(own) : state.defaultPermissions;
    const ends = [user.expires * 1000, times.validForMs > 0 ? Date.now() + times.validForMs : 0].filter((t) => t > 0);
    return {
      account,
      permissions,
      user: claims.sub,
      userClaims: claims,
      expiresAt: ends.length > 0 ? Math.min(...ends) : 0,
      maxSubscriptions: limits.subs ?? 0,
      maxPayload: limits.payload ?? 0,
    };
  }
}
