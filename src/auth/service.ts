/** What the connection code asks of authentication, whichever kind is configured. */
import type { Account } from '../accounts/account.ts';
import type { ConnectOptions } from '../server/connect-options.ts';
import type { CertificateIdentities } from '../transport/tls.ts';
import type { UserClaims } from './jwt.ts';
import type { Permissions } from './permissions.ts';

export interface AuthRequest {
  readonly opts: ConnectOptions;
  readonly nonce: string;
  readonly connectionType: string;
  /** The client's address, for user JWT `src` limits. */
  readonly host: string;
  /** Identities of the client's TLS certificate, when it presented one. */
  readonly certificate: CertificateIdentities | null;
}

export interface AuthGrant {
  readonly account: Account;
  readonly permissions: Permissions | null;
  /** User name or public key, for logs and monitoring; empty for token or anonymous access. */
  readonly user: string;
  /** The user JWT's claims, in operator mode (revocations are checked against them). */
  readonly userClaims?: UserClaims;
  /** When the credentials stop being valid (epoch ms); 0 = never. */
  readonly expiresAt?: number;
  /** Per-user limits from a user JWT; -1 = none. */
  readonly maxSubscriptions?: number;
  readonly maxPayload?: number;
  /** No configured user was matched (no auth, a token, the single user): nothing is registered with the account. */
  readonly anonymous?: boolean;
}

export type AuthOutcome = AuthGrant | null;

export interface AuthService {
  /** Whether clients must authenticate (the CONNECT-first rule, the auth timeout). */
  readonly required: boolean;
  /** Whether INFO carries a nonce for clients to sign. */
  readonly needsNonce: boolean;
  /** INFO's auth_required: false when no_auth_user lets anonymous clients in. */
  readonly advertiseRequired: boolean;
  /** Loads what checks need before the first client arrives. */
  prepare(): Promise<void>;
  /** Checks a CONNECT's credentials; a Promise when the check runs off the event loop. */
  authenticate(req: AuthRequest): AuthOutcome | Promise<AuthOutcome>;
  /** The grant for a client that skips CONNECT (no_auth_user); null when not allowed. */
  noAuthGrant(): AuthGrant | null;
}
