/**
 * NATS JWTs (nats-io/jwt v2): decoding, signature checks with node:crypto, claim
 * validation, and the trust-chain checks nats-server makes (operator → account → user,
 * revocations, activation tokens for private exports). Everything here is a pure
 * function of its arguments: no server state, no I/O.
 *
 * A JWT is `base64url(header).base64url(claims).base64url(sig)`; the header is
 * `{"typ":"JWT","alg":"ed25519-nkey"}` and the signature is the issuer's ed25519
 * signature over `header.claims` (v2) or over `claims` alone (v1, alg "ed25519", whose
 * claims carry `type` at the top level). v1 claims are migrated to the v2 shape on
 * decode, as jwt.Decode does.
 *
 * Expected failures come back as `{ ok: false, error }`, never as exceptions; only
 * config-time helpers (buildTrustedOperators) throw.
 *
 * Decoded claims are deep-frozen: verified tokens are cached (bounded) by their text, so
 * a creds file shared by many clients is parsed and verified once, and the same objects
 * are handed to every caller.
 */
import { isIP } from 'node:net';
import { decodeSignature, isValidPublicKey, NKeyPrefix, verifySignature } from './nkeys.ts';

// ---------------------------------------------------------------------------------------
// Constants

export const AlgorithmNkey = 'ed25519-nkey';
/** The v1 algorithm name; accepted on read, as nats-io/jwt does. */
export const AlgorithmNkeyOld = 'ed25519';

export const ClaimType = {
  Operator: 'operator',
  Account: 'account',
  User: 'user',
  Activation: 'activation',
} as const;
export type ClaimTypeName = (typeof ClaimType)[keyof typeof ClaimType];

/** Values of a user's `allowed_connection_types` (jwt.ConnectionType*). */
export const ConnectionType = {
  Standard: 'STANDARD',
  Websocket: 'WEBSOCKET',
  Leafnode: 'LEAFNODE',
  LeafnodeWS: 'LEAFNODE_WS',
  Mqtt: 'MQTT',
  MqttWS: 'MQTT_WS',
  InProcess: 'IN_PROCESS',
} as const;

/** jwt.NoLimit: a limit of -1 means unlimited. */
export const NoLimit = -1;
/** jwt.All: the revocation key that revokes every user (or activation) issued up to then. */
export const RevokeAll = '*';

// ---------------------------------------------------------------------------------------
// Claim types (field names exactly as nats-io/jwt v2 serializes them)

export interface GenericFields {
  readonly type?: string;
  readonly version?: number;
  readonly tags?: readonly string[];
}

export interface ClaimsData<N> {
  readonly jti?: string;
  /** Issued at, unix seconds. */
  readonly iat?: number;
  readonly iss: string;
  readonly sub: string;
  readonly name?: string;
  /** Expiry, unix seconds (0 or absent: never). */
  readonly exp?: number;
  /** Not before, unix seconds. */
  readonly nbf?: number;
  readonly aud?: string;
  readonly nats: N;
}

export interface Permission {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

export interface ResponsePermission {
  readonly max: number;
  /** time.Duration: nanoseconds. */
  readonly ttl: number;
}

export interface Permissions {
  readonly pub?: Permission;
  readonly sub?: Permission;
  readonly resp?: ResponsePermission;
}

export interface TimeRange {
  /** "15:04:05" */
  readonly start?: string;
  readonly end?: string;
}

export interface UserLimits {
  /** CIDRs the user may connect from (a comma-separated string is normalized to a list). */
  readonly src?: readonly string[];
  readonly times?: readonly TimeRange[];
  /** IANA zone for `times` (Go field Locale). */
  readonly times_location?: string;
}

export interface NatsLimits {
  readonly subs?: number;
  readonly data?: number;
  readonly payload?: number;
}

export interface UserPermissionLimits extends Permissions, UserLimits, NatsLimits {
  readonly bearer_token?: boolean;
  readonly proxy_required?: boolean;
  readonly allowed_connection_types?: readonly string[];
}

export interface UserNats extends UserPermissionLimits, GenericFields {
  /** Set when a signing key issued the user: the account the key belongs to. */
  readonly issuer_account?: string;
}

export interface AccountLimits {
  readonly imports?: number;
  readonly exports?: number;
  readonly wildcards?: boolean;
  readonly disallow_bearer?: boolean;
  readonly conn?: number;
  readonly leaf?: number;
}

export interface JetStreamLimits {
  readonly mem_storage?: number;
  readonly disk_storage?: number;
  readonly streams?: number;
  readonly consumer?: number;
  readonly max_ack_pending?: number;
  readonly mem_max_stream_bytes?: number;
  readonly disk_max_stream_bytes?: number;
  readonly max_bytes_required?: boolean;
}

export interface OperatorLimits extends NatsLimits, AccountLimits, JetStreamLimits {
  readonly tiered_limits?: Readonly<Record<string, JetStreamLimits>>;
}

export interface UserScope {
  readonly kind: 'user_scope';
  readonly key: string;
  readonly role?: string;
  readonly template: UserPermissionLimits;
  readonly description?: string;
}

/** An account signing key: a plain public key or a scoped one. */
export type SigningKey = string | UserScope;

export type RevocationList = Readonly<Record<string, number>>;

export type ExportType = 'stream' | 'service';

export interface Import {
  readonly name?: string;
  readonly subject?: string;
  readonly account?: string;
  readonly token?: string;
  /** Deprecated: replaced by local_subject. */
  readonly to?: string;
  readonly local_subject?: string;
  readonly type?: ExportType;
  readonly share?: boolean;
  readonly allow_trace?: boolean;
}

export interface ServiceLatency {
  /** 1..100, or "headers". */
  readonly sampling: number | string;
  readonly results: string;
}

export interface Export {
  readonly name?: string;
  readonly subject?: string;
  readonly type?: ExportType;
  readonly token_req?: boolean;
  /** Revoked activations: importing account key (or "*") → unix seconds. */
  readonly revocations?: RevocationList;
  readonly response_type?: string;
  /** time.Duration: nanoseconds. */
  readonly response_threshold?: number;
  readonly service_latency?: ServiceLatency;
  readonly account_token_position?: number;
  readonly advertise?: boolean;
  readonly allow_trace?: boolean;
  readonly description?: string;
  readonly info_url?: string;
}

export interface WeightedMapping {
  readonly subject: string;
  readonly weight?: number;
  readonly cluster?: string;
}

export interface ExternalAuthorization {
  readonly auth_users?: readonly string[];
  readonly allowed_accounts?: readonly string[];
  readonly xkey?: string;
}

export interface MsgTrace {
  readonly dest?: string;
  readonly sampling?: number;
}

export interface AccountNats extends GenericFields {
  readonly imports?: readonly Import[];
  readonly exports?: readonly Export[];
  readonly limits?: OperatorLimits;
  readonly signing_keys?: readonly SigningKey[];
  /** Revoked users: user key (or "*") → unix seconds; users with iat <= that are revoked. */
  readonly revocations?: RevocationList;
  readonly default_permissions?: Permissions;
  readonly mappings?: Readonly<Record<string, readonly WeightedMapping[]>>;
  readonly authorization?: ExternalAuthorization;
  readonly trace?: MsgTrace;
  readonly cluster_traffic?: string;
  readonly description?: string;
  readonly info_url?: string;
}

export interface OperatorNats extends GenericFields {
  readonly signing_keys?: readonly string[];
  readonly account_server_url?: string;
  readonly operator_service_urls?: readonly string[];
  readonly system_account?: string;
  readonly assert_server_version?: string;
  readonly strict_signing_key_usage?: boolean;
}

export interface ActivationNats extends GenericFields {
  /** The subject (possibly a wildcard) the importing account is allowed to import. */
  readonly subject?: string;
  readonly kind?: ExportType;
  /** Set when a signing key of the exporting account issued the token. */
  readonly issuer_account?: string;
}

export type OperatorClaims = ClaimsData<OperatorNats>;
export type AccountClaims = ClaimsData<AccountNats>;
export type UserClaims = ClaimsData<UserNats>;
export type ActivationClaims = ClaimsData<ActivationNats>;
export type GenericClaims = ClaimsData<GenericFields & Readonly<Record<string, unknown>>>;
export type AnyClaims = OperatorClaims | AccountClaims | UserClaims | ActivationClaims | GenericClaims;

export interface JwtHeader {
  readonly typ: string;
  readonly alg: string;
}

export interface DecodedJwt<C = AnyClaims> {
  readonly token: string;
  readonly header: JwtHeader;
  /** Claims in the v2 shape (v1 claims are migrated). */
  readonly claims: C;
  /** 1 or 2 for the known claim types; generic claims report nats.version or 1. */
  readonly version: number;
  /** The bytes the issuer signed: `header.claims` (v2) or `claims` (v1). */
  readonly signingInput: string;
  readonly signature: Uint8Array;
}

export type JwtResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function ok<T>(value: T): JwtResult<T> {
  return { ok: true, value };
}
function fail<T>(error: string): JwtResult<T> {
  return { ok: false, error };
}

// ---------------------------------------------------------------------------------------
// Decoding

const B64URL_RE = /^[A-Za-z0-9_-]*$/;

/** Strict unpadded base64url (Go's base64.RawURLEncoding). */
function b64urlDecode(s: string): Buffer | null {
  if (!B64URL_RE.test(s) || s.length % 4 === 1) return null;
  return Buffer.from(s, 'base64url');
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class ShapeError extends Error {}

function shapeFail(msg: string): never {
  throw new ShapeError(msg);
}

// Field checkers: mirror Go's json.Unmarshal into typed fields (a wrong JSON type is a
// decode error; null leaves the zero value, so it is dropped here).
function optString(o: Json, k: string, where: string): void {
  const v = o[k];
  if (v === null) delete o[k];
  else if (v !== undefined && typeof v !== 'string') shapeFail(`${where}.${k} must be a string`);
}
function optInt(o: Json, k: string, where: string): void {
  const v = o[k];
  if (v === null) delete o[k];
  else if (v !== undefined && !Number.isSafeInteger(v)) shapeFail(`${where}.${k} must be an integer`);
}
function optBool(o: Json, k: string, where: string): void {
  const v = o[k];
  if (v === null) delete o[k];
  else if (v !== undefined && typeof v !== 'boolean') shapeFail(`${where}.${k} must be a boolean`);
}
function optStringList(o: Json, k: string, where: string): void {
  const v = o[k];
  if (v === null) delete o[k];
  else if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))) {
    shapeFail(`${where}.${k} must be a list of strings`);
  }
}
function optObject(o: Json, k: string, where: string, check?: (v: Json, where: string) => void): void {
  const v = o[k];
  if (v === null) delete o[k];
  else if (v !== undefined) {
    if (!isObject(v)) shapeFail(`${where}.${k} must be an object`);
    check?.(v, `${where}.${k}`);
  }
}
function optList(o: Json, k: string, where: string, check: (v: Json, where: string) => void): void {
  const v = o[k];
  if (v === null) delete o[k];
  else if (v !== undefined) {
    if (!Array.isArray(v)) shapeFail(`${where}.${k} must be a list`);
    v.forEach((item, i) => {
      if (!isObject(item)) shapeFail(`${where}.${k}[${i}] must be an object`);
      check(item, `${where}.${k}[${i}]`);
    });
  }
}
function optIntMap(o: Json, k: string, where: string): void {
  optObject(o, k, where, (m, w) => {
    for (const key of Object.keys(m)) if (!Number.isSafeInteger(m[key])) shapeFail(`${w}["${key}"] must be an integer`);
  });
}

function checkPermission(p: Json, where: string): void {
  optStringList(p, 'allow', where);
  optStringList(p, 'deny', where);
}

function checkPermissions(o: Json, where: string): void {
  optObject(o, 'pub', where, checkPermission);
  optObject(o, 'sub', where, checkPermission);
  optObject(o, 'resp', where, (r, w) => {
    optInt(r, 'max', w);
    optInt(r, 'ttl', w);
    if (r['max'] === undefined) r['max'] = 0;
    if (r['ttl'] === undefined) r['ttl'] = 0;
  });
}

/** jwt.CIDRList accepts a list or a comma-separated string (lowercased, trimmed). */
function normalizeSrc(o: Json, where: string): void {
  const v = o['src'];
  if (typeof v === 'string') {
    const list: string[] = [];
    for (const part of v.toLowerCase().split(',')) {
      const t = part.trim();
      if (t !== '' && !list.includes(t)) list.push(t);
    }
    o['src'] = list;
  } else {
    optStringList(o, 'src', where);
  }
}

function checkUserPermissionLimits(o: Json, where: string): void {
  checkPermissions(o, where);
  normalizeSrc(o, where);
  optList(o, 'times', where, (t, w) => {
    optString(t, 'start', w);
    optString(t, 'end', w);
  });
  optString(o, 'times_location', where);
  optInt(o, 'subs', where);
  optInt(o, 'data', where);
  optInt(o, 'payload', where);
  optBool(o, 'bearer_token', where);
  optBool(o, 'proxy_required', where);
  optStringList(o, 'allowed_connection_types', where);
}

function checkGeneric(n: Json, where: string): void {
  optString(n, 'type', where);
  optInt(n, 'version', where);
  optStringList(n, 'tags', where);
}

function checkUserNats(n: Json): void {
  checkGeneric(n, 'nats');
  checkUserPermissionLimits(n, 'nats');
  optString(n, 'issuer_account', 'nats');
}

function checkExportType(o: Json, k: string, where: string): void {
  const v = o[k];
  if (v === null || v === '') delete o[k];
  else if (v !== undefined && v !== 'stream' && v !== 'service') shapeFail(`${where}.${k}: unknown export type`);
}

function checkAccountNats(n: Json): void {
  checkGeneric(n, 'nats');
  optList(n, 'imports', 'nats', (im, w) => {
    for (const k of ['name', 'subject', 'account', 'token', 'to', 'local_subject']) optString(im, k, w);
    checkExportType(im, 'type', w);
    optBool(im, 'share', w);
    optBool(im, 'allow_trace', w);
  });
  optList(n, 'exports', 'nats', (ex, w) => {
    for (const k of ['name', 'subject', 'response_type', 'description', 'info_url']) optString(ex, k, w);
    checkExportType(ex, 'type', w);
    optBool(ex, 'token_req', w);
    optIntMap(ex, 'revocations', w);
    optInt(ex, 'response_threshold', w);
    optInt(ex, 'account_token_position', w);
    optBool(ex, 'advertise', w);
    optBool(ex, 'allow_trace', w);
    optObject(ex, 'service_latency', w);
  });
  optObject(n, 'limits', 'nats', (l, w) => {
    for (const k of ['subs', 'data', 'payload', 'imports', 'exports', 'conn', 'leaf']) optInt(l, k, w);
    for (const k of ['mem_storage', 'disk_storage', 'streams', 'consumer', 'max_ack_pending']) optInt(l, k, w);
    for (const k of ['mem_max_stream_bytes', 'disk_max_stream_bytes']) optInt(l, k, w);
    for (const k of ['wildcards', 'disallow_bearer', 'max_bytes_required']) optBool(l, k, w);
    optObject(l, 'tiered_limits', w);
  });
  const sk = n['signing_keys'];
  if (sk === null) delete n['signing_keys'];
  else if (sk !== undefined) {
    if (!Array.isArray(sk)) shapeFail('nats.signing_keys must be a list');
    sk.forEach((entry, i) => {
      if (typeof entry === 'string') return;
      const w = `nats.signing_keys[${i}]`;
      if (!isObject(entry)) shapeFail(`${w} must be a key or a scope`);
      if (entry['kind'] !== 'user_scope') shapeFail(`${w}: unknown signing key scope`);
      optString(entry, 'key', w);
      optString(entry, 'role', w);
      optString(entry, 'description', w);
      if (typeof entry['key'] !== 'string') shapeFail(`${w}.key must be a string`);
      const tpl = entry['template'];
      if (tpl === undefined || tpl === null) {
        // jwt.NewUserScope: an absent template still has unlimited nats limits.
        entry['template'] = { subs: NoLimit, data: NoLimit, payload: NoLimit };
      } else {
        if (!isObject(tpl)) shapeFail(`${w}.template must be an object`);
        // The Go decoder starts from NoLimit before unmarshalling the template.
        for (const k of ['subs', 'data', 'payload']) if (tpl[k] === undefined) tpl[k] = NoLimit;
        checkUserPermissionLimits(tpl, `${w}.template`);
      }
    });
  }
  optIntMap(n, 'revocations', 'nats');
  optObject(n, 'default_permissions', 'nats', checkPermissions);
  optObject(n, 'mappings', 'nats', (m, w) => {
    for (const from of Object.keys(m)) {
      const list = m[from];
      if (!Array.isArray(list)) shapeFail(`${w}["${from}"] must be a list`);
      list.forEach((wm, i) => {
        if (!isObject(wm)) shapeFail(`${w}["${from}"][${i}] must be an object`);
        optString(wm, 'subject', w);
        optInt(wm, 'weight', w);
        optString(wm, 'cluster', w);
      });
    }
  });
  optObject(n, 'authorization', 'nats', (a, w) => {
    optStringList(a, 'auth_users', w);
    optStringList(a, 'allowed_accounts', w);
    optString(a, 'xkey', w);
  });
  optObject(n, 'trace', 'nats', (t, w) => {
    optString(t, 'dest', w);
    optInt(t, 'sampling', w);
  });
  optString(n, 'cluster_traffic', 'nats');
  optString(n, 'description', 'nats');
  optString(n, 'info_url', 'nats');
}

function checkOperatorNats(n: Json): void {
  checkGeneric(n, 'nats');
  optStringList(n, 'signing_keys', 'nats');
  optString(n, 'account_server_url', 'nats');
  optStringList(n, 'operator_service_urls', 'nats');
  optString(n, 'system_account', 'nats');
  optString(n, 'assert_server_version', 'nats');
  optBool(n, 'strict_signing_key_usage', 'nats');
}

function checkActivationNats(n: Json): void {
  checkGeneric(n, 'nats');
  optString(n, 'subject', 'nats');
  checkExportType(n, 'kind', 'nats');
  optString(n, 'issuer_account', 'nats');
}

function pick(src: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

/** Rewrites v1 claims (type/tags/issuer_account at the top level) into the v2 shape. */
function migrateV1(claims: Json, kind: string): void {
  const nats = isObject(claims['nats']) ? claims['nats'] : {};
  let out: Json;
  switch (kind) {
    case ClaimType.Operator:
      out = pick(nats, ['signing_keys', 'account_server_url', 'operator_service_urls', 'system_account']);
      break;
    case ClaimType.Account:
      out = pick(nats, ['imports', 'exports', 'limits', 'signing_keys', 'revocations']);
      // v1 limits carried only the nats and account limits.
      if (isObject(out['limits'])) {
        out['limits'] = pick(out['limits'], ['subs', 'data', 'payload', 'imports', 'exports', 'wildcards', 'disallow_bearer', 'conn', 'leaf']);
      }
      break;
    case ClaimType.User:
      out = { ...nats };
      delete out['max'];
      // The v1 decoder starts from NoLimit.
      for (const k of ['subs', 'data', 'payload']) if (out[k] === undefined) out[k] = NoLimit;
      if (claims['issuer_account'] !== undefined) out['issuer_account'] = claims['issuer_account'];
      break;
    case ClaimType.Activation:
      out = pick(nats, ['subject']);
      if (nats['type'] !== undefined) out['kind'] = nats['type'];
      if (claims['issuer_account'] !== undefined) out['issuer_account'] = claims['issuer_account'];
      break;
    default:
      out = { ...nats };
  }
  out['type'] = kind;
  if (claims['tags'] !== undefined) out['tags'] = claims['tags'];
  out['version'] = 1;
  delete claims['type'];
  delete claims['tags'];
  delete claims['issuer_account'];
  claims['nats'] = out;
}

function deepFreeze<T>(v: T): T {
  // Typed arrays (the signature) cannot be frozen; they are left as they are.
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Json)[k]);
  }
  return v;
}

/**
 * Parses a JWT without checking its signature: three base64url parts, a NATS header
 * (typ "JWT" in any case, alg "ed25519-nkey" or v1 "ed25519"), JSON claims of a
 * supported version with correctly typed fields. Use verifyJwt (or the typed decoders)
 * for anything that grants access.
 */
export function decodeJwt(token: string): JwtResult<DecodedJwt> {
  if (typeof token !== 'string') return fail('JWT must be a string');
  const parts = token.split('.');
  if (parts.length !== 3) return fail('expected 3 chunks');
  const [h, c, s] = parts as [string, string, string];

  const hb = b64urlDecode(h);
  if (hb === null) return fail('header is not base64url');
  let header: unknown;
  try {
    header = JSON.parse(hb.toString('utf8'));
  } catch {
    return fail('header is not JSON');
  }
  if (!isObject(header)) return fail('header is not an object');
  const typ = typeof header['typ'] === 'string' ? header['typ'] : '';
  const alg = typeof header['alg'] === 'string' ? header['alg'] : '';
  if (typ.toUpperCase() !== 'JWT') return fail(`not supported type "${typ}"`);
  const algLower = alg.toLowerCase();
  if (algLower !== AlgorithmNkey && algLower !== AlgorithmNkeyOld) return fail(`unexpected "${alg}" algorithm`);

  const cb = b64urlDecode(c);
  if (cb === null) return fail('claims are not base64url');
  let claims: unknown;
  try {
    claims = JSON.parse(cb.toString('utf8'));
  } catch {
    return fail('claims are not JSON');
  }
  if (!isObject(claims)) return fail('claims are not an object');

  const sig = b64urlDecode(s);
  if (sig === null) return fail('signature is not base64url');

  let version: number;
  let kind: string;
  let known = false;
  try {
    for (const k of ['jti', 'iss', 'sub', 'name', 'aud']) optString(claims, k, 'claims');
    for (const k of ['iat', 'exp', 'nbf']) optInt(claims, k, 'claims');
    optObject(claims, 'nats', 'claims');
    if (claims['nats'] === undefined) claims['nats'] = {};
    const nats = claims['nats'] as Json;
    const topType = claims['type'];
    if (typeof topType === 'string' && topType !== '') {
      // v1: the claim type sits at the top level.
      version = 1;
      kind = topType;
    } else {
      optInt(nats, 'version', 'nats');
      optString(nats, 'type', 'nats');
      version = (nats['version'] as number | undefined) ?? 0;
      kind = (nats['type'] as string | undefined) ?? '';
      if (version > 2) return fail('JWT was generated by a newer version');
    }
    if (kind === 'cluster' || kind === 'server') return fail(`${kind} claims are not supported`);
    known = kind === ClaimType.Operator || kind === ClaimType.Account || kind === ClaimType.User || kind === ClaimType.Activation;
    if (known) {
      if (version !== 1 && version !== 2) return fail(`unsupported JWT version ${version}`);
      if (version === 1) migrateV1(claims, kind);
      const n = claims['nats'] as Json;
      switch (kind) {
        case ClaimType.Operator:
          checkOperatorNats(n);
          break;
        case ClaimType.Account:
          checkAccountNats(n);
          break;
        case ClaimType.User:
          checkUserNats(n);
          break;
        default:
          checkActivationNats(n);
      }
    } else if (version === 0) {
      version = 1;
    }
  } catch (e) {
    if (e instanceof ShapeError) return fail(e.message);
    throw e;
  }
  if (typeof claims['iss'] !== 'string' || claims['iss'] === '') return fail('claims have no issuer');
  if (typeof claims['sub'] !== 'string' || claims['sub'] === '') return fail('claims have no subject');

  // Known types: the claims version picks the signing input (jwt.Decode); for generic
  // claims the header's algorithm does.
  const v1Input = known ? version === 1 : algLower === AlgorithmNkeyOld;
  return ok({
    token,
    header: { typ, alg },
    claims: claims as unknown as AnyClaims,
    version,
    signingInput: v1Input ? c : `${h}.${c}`,
    // A copy: small Buffers are slices of a shared 8 KB pool, which a cached view would pin.
    signature: new Uint8Array(sig),
  });
}

// ---------------------------------------------------------------------------------------
// Verification, with a bounded cache of verified tokens

let jwtCacheMax = 1024;
const jwtCache = new Map<string, DecodedJwt>();

/** Sets how many verified tokens are kept (0 disables the cache). */
export function setJwtCacheSize(max: number): void {
  jwtCacheMax = Math.max(0, Math.floor(max));
  while (jwtCache.size > jwtCacheMax) {
    const oldest = jwtCache.keys().next().value;
    if (oldest === undefined) break;
    jwtCache.delete(oldest);
  }
}

export function clearJwtCache(): void {
  jwtCache.clear();
}

/** Issuer key kinds each claim type accepts (ExpectedPrefixes in nats-io/jwt). */
const EXPECTED_ISSUERS: Readonly<Record<string, readonly number[]>> = {
  [ClaimType.Operator]: [NKeyPrefix.Operator],
  [ClaimType.Account]: [NKeyPrefix.Account, NKeyPrefix.Operator],
  [ClaimType.User]: [NKeyPrefix.Account],
  [ClaimType.Activation]: [NKeyPrefix.Account, NKeyPrefix.Operator],
};

/**
 * Decodes a JWT and verifies its signature against `claims.iss` (node:crypto), then checks
 * the issuer is a key of the kind the claim type allows. Time bounds are NOT checked here
 * (see checkClaimTimes). The result is frozen and cached by token text.
 */
export function verifyJwt(token: string): JwtResult<DecodedJwt> {
  const cached = jwtCache.get(token);
  if (cached !== undefined) return ok(cached);
  const d = decodeJwt(token);
  if (!d.ok) return d;
  const jwt = d.value;
  const { iss } = jwt.claims;
  if (!verifySignature(iss, Buffer.from(jwt.signingInput), jwt.signature)) {
    return fail(`claim failed V${jwt.version === 1 ? 1 : 2} signature verification`);
  }
  const expected = EXPECTED_ISSUERS[jwt.claims.nats.type ?? ''];
  if (expected !== undefined && !expected.some((p) => isValidPublicKey(iss, p))) {
    return fail('unable to validate expected prefixes');
  }
  deepFreeze(jwt);
  if (jwtCacheMax > 0) {
    if (jwtCache.size >= jwtCacheMax) {
      const oldest = jwtCache.keys().next().value;
      if (oldest !== undefined) jwtCache.delete(oldest);
    }
    jwtCache.set(token, jwt);
  }
  return ok(jwt);
}

// ---------------------------------------------------------------------------------------
// Claim validation (the non-time parts of Claims.Validate)

/** nats-server's IsValidSubject: non-empty tokens, no whitespace, '>' only last. */
export function isValidSubject(subject: string): boolean {
  if (subject === '') return false;
  let sawFwc = false;
  for (const t of subject.split('.')) {
    if (t.length === 0 || sawFwc) return false;
    if (t.length > 1) {
      if (/[\t\n\f\r ]/.test(t)) return false;
      continue;
    }
    if (t === '>') sawFwc = true;
    else if (t === ' ' || t === '\t' || t === '\n' || t === '\r' || t === '\f') return false;
  }
  return true;
}

/** jwt.Subject.Validate: not empty, no spaces. */
function jwtSubjectError(s: string): string | null {
  if (s === '') return 'subject cannot be empty';
  if (s.includes(' ')) return `subject "${s}" cannot have spaces`;
  return null;
}

function permissionErrors(p: Permission | undefined, permitQueue: boolean, errs: string[]): void {
  for (const subj of [...(p?.allow ?? []), ...(p?.deny ?? [])]) {
    const tk = subj.split(' ');
    if (tk.length > 2) {
      errs.push(`Permission Subject "${subj}" contains too many spaces`);
      continue;
    }
    for (const t of tk) {
      const e = jwtSubjectError(t);
      if (e !== null) errs.push(e);
    }
    if (tk.length === 2 && !permitQueue) errs.push(`Permission Subject "${subj}" is not allowed to contain queue`);
  }
}

const IANA_ZONES = new Map<string, boolean>();

function isValidTimeZone(zone: string): boolean {
  let v = IANA_ZONES.get(zone);
  if (v === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      v = true;
    } catch {
      v = false;
    }
    if (IANA_ZONES.size < 256) IANA_ZONES.set(zone, v);
  }
  return v;
}

/** Seconds into the day of a "15:04:05" time, or null (Go's time.Parse rules). */
function parseClock(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (m === null) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const sec = Number(m[3]);
  if (h > 23 || min > 59 || sec > 59) return null;
  return h * 3600 + min * 60 + sec;
}

/** Parses "a.b.c.d/n" or "x::y/n"; null if it is not a CIDR (net.ParseCIDR). */
function parseCidr(cidr: string): { addr: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const slash = cidr.indexOf('/');
  if (slash < 0) return null;
  const addr = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits);
  const fam = isIP(addr);
  if (fam === 4 && prefix <= 32) return { addr, prefix, family: 'ipv4' };
  if (fam === 6 && prefix <= 128) return { addr, prefix, family: 'ipv6' };
  return null;
}

function userLimitErrors(l: UserLimits, errs: string[]): void {
  for (const cidr of l.src ?? []) if (parseCidr(cidr) === null) errs.push(`invalid cidr "${cidr}" in user src limits`);
  for (const t of l.times ?? []) {
    if (t.start === undefined || t.start === '') errs.push('time ranges start must contain a start');
    else if (parseClock(t.start) === null) errs.push(`start in time range is invalid "${t.start}"`);
    if (t.end === undefined || t.end === '') errs.push('time ranges end must contain an end');
    else if (parseClock(t.end) === null) errs.push(`end in time range is invalid "${t.end}"`);
  }
  if (l.times_location !== undefined && l.times_location !== '' && !isValidTimeZone(l.times_location)) {
    errs.push(`could not parse iana time zone by name: ${l.times_location}`);
  }
}

function firstError(errs: readonly string[]): string | null {
  return errs.length === 0 ? null : errs.join('; ');
}

/** Blocking (non-time) validation errors of operator claims, joined; null when valid. */
export function operatorClaimsError(c: OperatorClaims): string | null {
  const errs: string[] = [];
  if (!isValidPublicKey(c.sub, NKeyPrefix.Operator)) errs.push('subject is not an operator public key');
  for (const k of c.nats.signing_keys ?? []) if (!isValidPublicKey(k, NKeyPrefix.Operator)) errs.push(`${k} is not an operator public key`);
  const sys = c.nats.system_account;
  if (sys !== undefined && sys !== '' && !isValidPublicKey(sys, NKeyPrefix.Account)) errs.push(`${sys} is not an account public key`);
  const v = c.nats.assert_server_version;
  if (v !== undefined && v !== '' && !/^\d+\.\d+\.\d+$/.test(v)) {
    errs.push('assert server version error: asserted server version must be of the form <major>.<minor>.<update>');
  }
  return firstError(errs);
}

/** Blocking (non-time) validation errors of account claims, joined; null when valid. */
export function accountClaimsError(c: AccountClaims): string | null {
  const errs: string[] = [];
  if (!isValidPublicKey(c.sub, NKeyPrefix.Account)) errs.push('subject is not an account public key');
  for (const sk of c.nats.signing_keys ?? []) {
    const key = typeof sk === 'string' ? sk : sk.key;
    if (!isValidPublicKey(key, NKeyPrefix.Account)) errs.push(`"${key}" is not a valid account signing key`);
    if (typeof sk !== 'string') {
      permissionErrors(sk.template.pub, false, errs);
      permissionErrors(sk.template.sub, true, errs);
    }
  }
  permissionErrors(c.nats.default_permissions?.pub, false, errs);
  permissionErrors(c.nats.default_permissions?.sub, true, errs);
  for (const im of c.nats.imports ?? []) {
    if (im.type === undefined) errs.push(`invalid import type: "${im.type ?? ''}"`);
    if (im.account === undefined || im.account === '') errs.push('account to import from is not specified');
    const e = jwtSubjectError(im.subject ?? '');
    if (e !== null) errs.push(e);
  }
  for (const ex of c.nats.exports ?? []) {
    if (ex.type === undefined) errs.push(`invalid export type: "${ex.type ?? ''}"`);
    const e = jwtSubjectError(ex.subject ?? '');
    if (e !== null) errs.push(e);
  }
  return firstError(errs);
}

/** Blocking (non-time) validation errors of user claims, joined; null when valid. */
export function userClaimsError(c: UserClaims): string | null {
  const errs: string[] = [];
  if (!isValidPublicKey(c.sub, NKeyPrefix.User)) errs.push('subject is not a user public key');
  permissionErrors(c.nats.pub, false, errs);
  permissionErrors(c.nats.sub, true, errs);
  userLimitErrors(c.nats, errs);
  const ia = c.nats.issuer_account;
  if (ia !== undefined && ia !== '' && !isValidPublicKey(ia, NKeyPrefix.Account)) errs.push('account_id is not an account public key');
  return firstError(errs);
}

/** Blocking (non-time) validation errors of activation claims, joined; null when valid. */
export function activationClaimsError(c: ActivationClaims): string | null {
  const errs: string[] = [];
  if (!isValidPublicKey(c.sub, NKeyPrefix.Account)) errs.push('subject is not an account public key');
  if (c.nats.kind !== 'stream' && c.nats.kind !== 'service') errs.push(`invalid import type: "${c.nats.kind ?? ''}"`);
  const e = jwtSubjectError(c.nats.subject ?? '');
  if (e !== null) errs.push(e);
  const ia = c.nats.issuer_account;
  if (ia !== undefined && ia !== '' && !isValidPublicKey(ia, NKeyPrefix.Account)) errs.push('account_id is not an account public key');
  return firstError(errs);
}

function decodeTyped<C extends AnyClaims>(token: string, type: ClaimTypeName, check: (c: C) => string | null): JwtResult<C> {
  const v = verifyJwt(token);
  if (!v.ok) return v;
  const claims = v.value.claims as C;
  if (claims.nats.type !== type) return fail(`not ${type} claim`);
  const err = check(claims);
  return err === null ? ok(claims) : fail(err);
}

/** verifyJwt + claim type "operator" + operator validation (DecodeOperatorClaims + Validate). */
export function decodeOperatorJwt(token: string): JwtResult<OperatorClaims> {
  return decodeTyped<OperatorClaims>(token, ClaimType.Operator, operatorClaimsError);
}

/** verifyJwt + claim type "account" + account validation. Trust is checked by validateAccountJwt. */
export function decodeAccountJwt(token: string): JwtResult<AccountClaims> {
  return decodeTyped<AccountClaims>(token, ClaimType.Account, accountClaimsError);
}

/** verifyJwt + claim type "user" + user validation. The chain is checked by validateUserJwt. */
export function decodeUserJwt(token: string): JwtResult<UserClaims> {
  return decodeTyped<UserClaims>(token, ClaimType.User, userClaimsError);
}

/** verifyJwt + claim type "activation" + activation validation. */
export function decodeActivationJwt(token: string): JwtResult<ActivationClaims> {
  return decodeTyped<ActivationClaims>(token, ClaimType.Activation, activationClaimsError);
}

// ---------------------------------------------------------------------------------------
// Time checks

/** Current unix time in whole seconds, as Go's time.Now().Unix(). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface TimeOptions {
  /** Unix seconds to check against (default: now). */
  readonly now?: number;
  /**
   * Seconds of clock skew to tolerate on `exp` and `nbf`. Default 0: neither nats-io/jwt
   * (ClaimsData.Validate) nor nats-server allows any skew.
   */
  readonly skewSeconds?: number;
}

/** jwt ClaimsData.Validate: expired when now > exp (exp set). */
export function isExpired(claims: { readonly exp?: number }, opts: TimeOptions = {}): boolean {
  const exp = claims.exp ?? 0;
  return exp > 0 && (opts.now ?? nowSeconds()) > exp + (opts.skewSeconds ?? 0);
}

/** jwt ClaimsData.Validate: not yet valid when nbf > now (nbf set). */
export function isNotYetValid(claims: { readonly nbf?: number }, opts: TimeOptions = {}): boolean {
  const nbf = claims.nbf ?? 0;
  return nbf > 0 && nbf > (opts.now ?? nowSeconds()) + (opts.skewSeconds ?? 0);
}

/** The time-check error of a claim ("claim is expired", "claim is not yet valid"), or null. */
export function checkClaimTimes(claims: { readonly exp?: number; readonly nbf?: number }, opts: TimeOptions = {}): string | null {
  if (isExpired(claims, opts)) return 'claim is expired';
  if (isNotYetValid(claims, opts)) return 'claim is not yet valid';
  return null;
}

// ---------------------------------------------------------------------------------------
// Operators and account trust

export interface TrustedOperators {
  /** Keys that may issue account JWTs (nats-server's trustedKeys). */
  readonly keys: ReadonlySet<string>;
  /** Operator signing keys of operators with strict_signing_key_usage. */
  readonly strictSigningKeys: ReadonlySet<string>;
  readonly operators: readonly OperatorClaims[];
}

/**
 * Builds the trusted key set from operator JWT claims (`operator:` in the config) and/or
 * raw operator public keys (`trusted_keys`), as validateTrustedOperators does: an
 * operator's identity key is trusted unless it sets strict_signing_key_usage; its
 * signing keys always are. Throws on a key that is not an operator public key
 * (config-time error).
 */
export function buildTrustedOperators(trusted: readonly (OperatorClaims | string)[]): TrustedOperators {
  const keys = new Set<string>();
  const strict = new Set<string>();
  const operators: OperatorClaims[] = [];
  for (const t of trusted) {
    if (typeof t === 'string') {
      keys.add(t);
      continue;
    }
    operators.push(t);
    if (t.nats.strict_signing_key_usage !== true) keys.add(t.sub);
    for (const k of t.nats.signing_keys ?? []) {
      keys.add(k);
      if (t.nats.strict_signing_key_usage === true) strict.add(k);
    }
  }
  for (const k of keys) {
    if (!isValidPublicKey(k, NKeyPrefix.Operator)) throw new Error(`trusted Keys "${k}" are required to be a valid public operator nkey`);
  }
  return { keys, strictSigningKeys: strict, operators };
}

/** OperatorClaims.DidSign: whether `operator` (or one of its signing keys) issued `claims`. */
export function isIssuedByOperator(operator: OperatorClaims, claims: { readonly iss: string; readonly sub: string }): boolean {
  if (claims.iss === operator.sub) return operator.nats.strict_signing_key_usage !== true || claims.sub === operator.sub;
  return (operator.nats.signing_keys ?? []).includes(claims.iss);
}

export interface ValidatedAccount {
  readonly claims: AccountClaims;
  /** The operator whose key issued the account, when known (null for raw trusted keys). */
  readonly operator: OperatorClaims | null;
  /**
   * Issued by a signing key of an operator with strict_signing_key_usage: then the
   * account's identity key may not issue users, only its signing keys (nats-server
   * updateAccountClaims). Pass it on to validateUserJwt.
   */
  readonly strictSigningKeyUsage: boolean;
}

/**
 * Checks an account JWT as nats-server does when it fetches one (verifyAccountClaims):
 * signature, type, account validation, issuer among the trusted operator keys, and (unless
 * `checkTimes: false`) not expired / not before.
 */
export function validateAccountJwt(
  account: string | AccountClaims,
  trusted: TrustedOperators | readonly (OperatorClaims | string)[],
  opts: TimeOptions & { readonly checkTimes?: boolean } = {},
): JwtResult<ValidatedAccount> {
  let claims: AccountClaims;
  if (typeof account === 'string') {
    const d = decodeAccountJwt(account);
    if (!d.ok) return d;
    claims = d.value;
  } else {
    if (account.nats.type !== ClaimType.Account) return fail('not an account claim');
    claims = account;
  }
  let t: TrustedOperators;
  if (isTrustedOperators(trusted)) t = trusted;
  else {
    try {
      t = buildTrustedOperators(trusted);
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  if (!t.keys.has(claims.iss)) {
    const strictOp = t.operators.find((o) => o.sub === claims.iss && o.nats.strict_signing_key_usage === true);
    if (strictOp !== undefined) {
      return fail('account JWT issued by operator identity key, but operator requires signing keys (strict_signing_key_usage)');
    }
    return fail('account JWT not signed by a trusted operator');
  }
  if (opts.checkTimes !== false) {
    const te = checkClaimTimes(claims, opts);
    if (te !== null) return fail(`account JWT: ${te}`);
  }
  const operator = t.operators.find((o) => o.sub === claims.iss || (o.nats.signing_keys ?? []).includes(claims.iss)) ?? null;
  return ok({ claims, operator, strictSigningKeyUsage: t.strictSigningKeys.has(claims.iss) });
}

function isTrustedOperators(v: unknown): v is TrustedOperators {
  return isObject(v) && v['keys'] instanceof Set;
}

// ---------------------------------------------------------------------------------------
// Users

/**
 * Finds `key` among the keys that may issue users for `account`: its signing keys, plus
 * its identity key unless strict signing key usage applies (nats-server hasIssuer).
 * Returns `{ scope }` (null scope for a plain key) or null when `key` is not a signer.
 */
export function findAccountSigner(account: AccountClaims, key: string, strictSigningKeyUsage = false): { readonly scope: UserScope | null } | null {
  for (const sk of account.nats.signing_keys ?? []) {
    if (typeof sk === 'string') {
      if (sk === key) return { scope: null };
    } else if (sk.key === key) return { scope: sk };
  }
  if (!strictSigningKeyUsage && key === account.sub) return { scope: null };
  return null;
}

/** UserClaims.HasEmptyPermissions: no permissions, limits or flags at all. */
export function hasEmptyPermissions(u: UserPermissionLimits): boolean {
  const empty = (l: readonly unknown[] | undefined) => l === undefined || l.length === 0;
  return (
    empty(u.pub?.allow) &&
    empty(u.pub?.deny) &&
    empty(u.sub?.allow) &&
    empty(u.sub?.deny) &&
    u.resp === undefined &&
    empty(u.src) &&
    empty(u.times) &&
    (u.times_location ?? '') === '' &&
    (u.subs ?? 0) === 0 &&
    (u.data ?? 0) === 0 &&
    (u.payload ?? 0) === 0 &&
    u.bearer_token !== true &&
    u.proxy_required !== true &&
    empty(u.allowed_connection_types)
  );
}

/** The revocation rule of nats-server (isRevoked): revoked when the entry for `key` or "*" is >= issuedAt. */
export function isRevoked(revocations: RevocationList | undefined, key: string, issuedAt: number): boolean {
  if (revocations === undefined) return false;
  const t = revocations[key];
  if (t !== undefined && Object.hasOwn(revocations, key) && t >= issuedAt) return true;
  const all = revocations[RevokeAll];
  return all !== undefined && Object.hasOwn(revocations, RevokeAll) && all >= issuedAt;
}

/** Whether the account revoked this user: `revocations[userKey]` or `revocations["*"]` >= the user's iat. */
export function isUserRevoked(account: AccountClaims | RevocationList | undefined, userKey: string, issuedAt: number): boolean {
  return isRevoked(isAccountClaims(account) ? account.nats.revocations : account, userKey, issuedAt);
}

function isAccountClaims(v: AccountClaims | RevocationList | undefined): v is AccountClaims {
  return v !== undefined && isObject((v as { nats?: unknown }).nats);
}

const TEMPLATE_RE = /\{\{([^}]+)\}\}/g;
const MAX_TEMPLATE_EXPANSIONS = 4096;

function replaceAllLiteral(s: string, find: string, repl: string): string {
  return s.split(find).join(repl);
}

/**
 * Fills a scoped signing key's template for one user (processUserPermissionsTemplate):
 * `{{name()}}`, `{{subject()}}`, `{{account-name()}}`, `{{account-subject()}}`,
 * `{{tag(x)}}` and `{{account-tag(x)}}` in pub/sub allow/deny lists. Allow lists that
 * become empty turn into a "deny >". The result replaces the user's own permissions.
 */
export function applyUserScopeTemplate(template: UserPermissionLimits, user: UserClaims, account: AccountClaims): JwtResult<UserPermissionLimits> {
  const tagOp = (op: string): [string, string] | null => {
    const lower = op.toLowerCase();
    if (lower.startsWith('tag(') && op.endsWith(')')) return ['tag', op.slice(4, -1)];
    if (lower.startsWith('account-tag(') && op.endsWith(')')) return ['account-tag', op.slice(12, -1)];
    return null;
  };
  const apply = (list: readonly string[] | undefined, failOnBad: boolean): string[] | undefined => {
    if (list === undefined) return undefined;
    if (!list.some((e) => e.match(TEMPLATE_RE) !== null)) return [...list];
    const out: string[] = [];
    for (const entry of list) {
      const srcs = entry.match(TEMPLATE_RE) ?? [];
      const values: string[][] = [];
      let hasTags = false;
      for (const tk of srcs) {
        const op = tk.slice(2, -2).trim();
        const lower = op.toLowerCase();
        if (lower === 'name()') values.push([user.name ?? '']);
        else if (lower === 'subject()') values.push([user.sub]);
        else if (lower === 'account-name()') values.push([account.name ?? '']);
        else if (lower === 'account-subject()') values.push([user.nats.issuer_account ?? '']);
        else {
          const tag = tagOp(op);
          if (tag === null) throw new ShapeError(`template operation in "${entry}": "${op}" is not defined`);
          hasTags = true;
          const tags = (tag[0] === 'account-tag' ? account.nats.tags : user.nats.tags) ?? [];
          const prefix = `${tag[1].toLowerCase()}:`;
          const found = tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
          if (found.length > 0) values.push(found);
          else if (failOnBad) throw new ShapeError(`generated invalid subject "${entry}": "${tag[1]}" is not defined`);
          else values.push([' ']);
        }
      }
      if (!hasTags) {
        let subj = entry;
        srcs.forEach((m, i) => (subj = replaceAllLiteral(subj, m, values[i]![0]!)));
        if (isValidSubject(subj)) out.push(subj);
        else if (failOnBad) throw new ShapeError('generated invalid subject');
        continue;
      }
      let count = 1;
      for (const v of values) {
        count *= v.length;
        if (count > MAX_TEMPLATE_EXPANSIONS) break;
      }
      if (count > MAX_TEMPLATE_EXPANSIONS - out.length) {
        throw new ShapeError(`template expansion exceeds limit: ${MAX_TEMPLATE_EXPANSIONS}`);
      }
      const idx = values.map(() => 0);
      for (let n = 0; n < count; n++) {
        let subj = entry;
        srcs.forEach((m, j) => (subj = replaceAllLiteral(subj, m, values[j]![idx[j]!]!)));
        if (isValidSubject(subj)) out.push(subj);
        else if (failOnBad) throw new ShapeError('generated invalid subject');
        for (let j = idx.length - 1; j >= 0; j--) {
          idx[j]!++;
          if (idx[j]! < values[j]!.length) break;
          idx[j] = 0;
        }
      }
    }
    return out;
  };
  try {
    const subAllow = apply(template.sub?.allow, false);
    let subDeny = apply(template.sub?.deny, true);
    const pubAllow = apply(template.pub?.allow, false);
    let pubDeny = apply(template.pub?.deny, true);
    const addDenyAll = (deny: string[] | undefined) => (deny === undefined ? ['>'] : deny.includes('>') ? deny : [...deny, '>']);
    if ((template.sub?.allow?.length ?? 0) > 0 && (subAllow?.length ?? 0) === 0) subDeny = addDenyAll(subDeny);
    if ((template.pub?.allow?.length ?? 0) > 0 && (pubAllow?.length ?? 0) === 0) pubDeny = addDenyAll(pubDeny);
    const perm = (allow: string[] | undefined, deny: string[] | undefined): Permission => ({
      ...(allow !== undefined ? { allow } : {}),
      ...(deny !== undefined ? { deny } : {}),
    });
    const result: UserPermissionLimits = {
      ...template,
      pub: perm(pubAllow, pubDeny),
      sub: perm(subAllow, subDeny),
    };
    return ok(deepFreeze(result));
  } catch (e) {
    if (e instanceof ShapeError) return fail(e.message);
    throw e;
  }
}

export interface ValidatedUser {
  readonly claims: UserClaims;
  /** Public key of the account the user belongs to (issuer_account, or iss). */
  readonly account: string;
  /** The account signing key that issued the user; null when the account key itself did. */
  readonly signingKey: string | null;
  /** The scope of a scoped signing key, when one issued the user. */
  readonly scope: UserScope | null;
  /**
   * The user's effective permissions and limits: its own `nats` fields, or for a scoped
   * signing key the scope's template filled in for this user.
   */
  readonly permissions: UserPermissionLimits;
  /** bearer_token: the CONNECT nonce signature is not required. */
  readonly bearer: boolean;
  /** Unix seconds when the user JWT expires, 0 for never. */
  readonly expires: number;
}

export interface UserValidationOptions extends TimeOptions {
  /** From ValidatedAccount.strictSigningKeyUsage: the account key itself may not issue users. */
  readonly strictSigningKeyUsage?: boolean;
  /** Skip the user's exp/nbf checks (default false). */
  readonly skipTimeChecks?: boolean;
}

/**
 * Checks a user JWT against the account that must have issued it, in nats-server's order
 * (processClientOrLeafAuthentication): signature and claims (when given a token), time
 * bounds, the account (issuer_account or iss) is this account, the issuer is the account
 * or one of its signing keys (a signing key requires issuer_account), a scoped key's
 * template replaces the user's permissions (the user must carry none), the account is
 * not expired, bearer tokens are allowed, and the user is not revoked.
 *
 * Not checked here (they need the connection): the nonce signature (verifyUserNonce),
 * `src` (checkUserSource), `times` (checkUserTimes), connection types
 * (checkConnectionType), and that the account is trusted (validateAccountJwt).
 */
export function validateUserJwt(user: string | UserClaims, account: AccountClaims, opts: UserValidationOptions = {}): JwtResult<ValidatedUser> {
  let claims: UserClaims;
  if (typeof user === 'string') {
    const d = decodeUserJwt(user);
    if (!d.ok) return d;
    claims = d.value;
  } else {
    if (user.nats.type !== ClaimType.User) return fail('not a user claim');
    claims = user;
  }
  if (opts.skipTimeChecks !== true) {
    const te = checkClaimTimes(claims, opts);
    if (te !== null) return fail(`user JWT: ${te}`);
  }
  const issuerAccount = claims.nats.issuer_account ?? '';
  const accountKey = issuerAccount !== '' ? issuerAccount : claims.iss;
  if (accountKey !== account.sub) {
    if (issuerAccount === '' && findAccountSigner(account, claims.iss, opts.strictSigningKeyUsage) !== null) {
      return fail('user JWT issued by a signing key must carry issuer_account');
    }
    return fail('user JWT does not belong to this account');
  }
  const signer = findAccountSigner(account, claims.iss, opts.strictSigningKeyUsage === true);
  if (signer === null) {
    if (claims.iss === account.sub) return fail('user JWT issued by the account key, but the operator requires signing keys');
    return fail('user JWT issuer is not known');
  }
  let permissions: UserPermissionLimits = claims.nats;
  if (signer.scope !== null) {
    if (!hasEmptyPermissions(claims.nats)) return fail('scoped users require no permissions or limits set');
    const t = applyUserScopeTemplate(signer.scope.template, claims, account);
    if (!t.ok) return fail(`user JWT generated invalid permissions: ${t.error}`);
    permissions = t.value;
  }
  if (isExpired(account, opts)) return fail('account JWT has expired');
  const bearer = permissions.bearer_token === true;
  if (bearer && account.nats.limits?.disallow_bearer === true) return fail('account does not allow bearer tokens');
  if (isUserRevoked(account, claims.sub, claims.iat ?? 0)) return fail('user authentication revoked');
  return ok({
    claims,
    account: account.sub,
    signingKey: claims.iss === account.sub ? null : claims.iss,
    scope: signer.scope,
    permissions,
    bearer,
    expires: claims.exp ?? 0,
  });
}

/**
 * Checks the CONNECT `sig` (the INFO nonce signed by the user's seed) against the user's
 * public key; bearer-token users need no signature.
 */
export function verifyUserNonce(user: ValidatedUser | UserClaims, nonce: string | Uint8Array, sig: string | undefined): boolean {
  const claims = 'permissions' in user ? user.claims : user;
  const bearer = 'permissions' in user ? user.bearer : claims.nats.bearer_token === true;
  if (bearer) return true;
  if (sig === undefined || sig === '') return false;
  const raw = decodeSignature(sig);
  if (raw === null) return false;
  return verifySignature(claims.sub, typeof nonce === 'string' ? Buffer.from(nonce) : nonce, raw);
}

function ipv4Number(addr: string): number {
  const p = addr.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function ipv6Bytes(addr: string): number[] | null {
  let a = addr;
  let tail: number[] = [];
  const lastColon = a.lastIndexOf(':');
  if (a.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4Number(a.slice(lastColon + 1));
    tail = [(v4 >>> 24) & 255, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255];
    a = `${a.slice(0, lastColon + 1)}0:0`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest] : head;
  if (groups.length !== 8) return null;
  const bytes = groups.flatMap((g) => [(g >> 8) & 255, g & 255]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Normalizes an address to bytes, mapping IPv4-in-IPv6 (::ffff:a.b.c.d) to IPv4. */
function addressBytes(host: string): number[] | null {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const fam = isIP(h);
  if (fam === 4) {
    const n = ipv4Number(h);
    return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  }
  if (fam !== 6) return null;
  const b = ipv6Bytes(h);
  if (b === null) return null;
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255) return b.slice(12);
  return b;
}

function inCidr(ip: number[], cidr: string): boolean | null {
  const c = parseCidr(cidr);
  if (c === null) return null;
  const net = addressBytes(c.addr);
  if (net === null) return null;
  // Go: a v4 network matches v4 (and v4-mapped) addresses; a v6 network matches v6 ones.
  if (net.length !== ip.length) return false;
  let bits = Math.min(c.prefix, net.length * 8);
  for (let i = 0; i < net.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 255 : (0xff << (8 - bits)) & 255;
    if ((ip[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

/** validateSrc: with `src` set, the client address must fall in one of the CIDRs. */
export function checkUserSource(limits: UserLimits, host: string): boolean {
  const src = limits.src ?? [];
  if (src.length === 0) return true;
  if (host === '') return false;
  const ip = addressBytes(host);
  if (ip === null) return false;
  for (const cidr of src) {
    const r = inCidr(ip, cidr);
    if (r === null) return false;
    if (r) return true;
  }
  return false;
}

const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat>();

function secondsOfDay(now: Date, zone: string | undefined): number {
  if (zone === undefined || zone === '') {
    return now.getHours() * 3600 + now.getMinutes() * 60 + now.getSeconds() + now.getMilliseconds() / 1000;
  }
  let f = ZONE_FORMATS.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    if (ZONE_FORMATS.size < 256) ZONE_FORMATS.set(zone, f);
  }
  let h = 0;
  let m = 0;
  let s = 0;
  for (const p of f.formatToParts(now)) {
    if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') m = Number(p.value);
    else if (p.type === 'second') s = Number(p.value);
  }
  return h * 3600 + m * 60 + s + now.getMilliseconds() / 1000;
}

/**
 * validateTimes: with `times` set, now (in `times_location`, else local time) must fall
 * in one of the ranges; a range whose start is after its end spans midnight. Returns
 * whether connecting is allowed and, when it is, for how many ms (0 with no ranges).
 */
export function checkUserTimes(limits: UserLimits, now: Date = new Date()): { readonly allowed: boolean; readonly validForMs: number } {
  const times = limits.times ?? [];
  if (times.length === 0) return { allowed: true, validForMs: 0 };
  const zone = limits.times_location;
  if (zone !== undefined && zone !== '' && !isValidTimeZone(zone)) return { allowed: false, validForMs: 0 };
  const n = secondsOfDay(now, zone);
  let allowed = false;
  let validFor = 0;
  for (const r of times) {
    const start = parseClock(r.start ?? '');
    let end = parseClock(r.end ?? '');
    if (start === null || end === null) return { allowed: false, validForMs: 0 };
    let inRange = false;
    if (start < n && end > n) inRange = true;
    else if (start > end) {
      if (end > n) inRange = true;
      else {
        end += 86400;
        if (start < n && end > n) inRange = true;
      }
    }
    if (inRange && (!allowed || end - n > validFor)) {
      allowed = true;
      validFor = end - n;
    }
  }
  return { allowed, validForMs: allowed ? Math.round(validFor * 1000) : 0 };
}

const KNOWN_CONNECTION_TYPES: ReadonlySet<string> = new Set(Object.values(ConnectionType));

/**
 * allowed_connection_types as nats-server applies it: empty allows all; unknown types are
 * ignored, but a list with no known type rejects everyone.
 */
export function checkConnectionType(limits: { readonly allowed_connection_types?: readonly string[] }, connectionType: string): boolean {
  const list = limits.allowed_connection_types ?? [];
  if (list.length === 0) return true;
  const known = list.filter((t) => KNOWN_CONNECTION_TYPES.has(t));
  if (known.length === 0) return false;
  return known.includes(connectionType);
}

// ---------------------------------------------------------------------------------------
// Activations (imports of private exports)

/** Whether every subject matched by `subject` is matched by `container` (wildcards allowed in both). */
export function subjectIsContainedIn(subject: string, container: string): boolean {
  const mine = subject.split('.');
  const theirs = container.split('.');
  for (let i = 0; i < theirs.length; i++) {
    const t = theirs[i]!;
    if (t === '>' && i === theirs.length - 1) return i < mine.length;
    const m = mine[i];
    if (m === undefined) return false;
    if (t === '*') {
      if (m === '>') return false;
      continue;
    }
    if (t !== m) return false;
  }
  return mine.length === theirs.length;
}

export interface ActivationCheck extends TimeOptions {
  /** Public key of the account that holds the import (the token's `sub`). */
  readonly importingAccount: string;
  /** Claims of the exporting account (import.account). */
  readonly exportingAccount: AccountClaims;
  /** The import's subject (for a service import with `to`, nats-server uses `to`). */
  readonly subject: string;
  /** The import's type; the token's kind must match when given. */
  readonly kind?: ExportType;
  /** The matching export, for its activation `revocations`. */
  readonly export?: Export;
  /** ValidatedAccount.strictSigningKeyUsage of the exporting account. */
  readonly strictSigningKeyUsage?: boolean;
}

/**
 * Checks an activation token of a private (token_req) export, as Import.Validate and
 * Account.checkActivation do: signature and claims, `sub` is the importing account, the
 * issuer is the exporting account (or its signing key, then with issuer_account), the
 * kind matches, the token's subject covers the import subject, not before / not expired
 * (exp <= now is expired, as nats-server), and not revoked by the export.
 */
export function validateActivation(token: string | ActivationClaims, check: ActivationCheck): JwtResult<ActivationClaims> {
  let act: ActivationClaims;
  if (typeof token === 'string') {
    const d = decodeActivationJwt(token);
    if (!d.ok) return fail(`activation token: ${d.error}`);
    act = d.value;
  } else {
    if (token.nats.type !== ClaimType.Activation) return fail('not an activation claim');
    act = token;
  }
  const exporter = check.exportingAccount.sub;
  if (act.sub !== check.importingAccount) return fail("activation token doesn't match account it is being included in");
  const ia = act.nats.issuer_account ?? '';
  if (act.iss !== exporter && ia !== exporter) return fail("activation token doesn't match account for import");
  if (ia !== '') {
    if (ia !== exporter) return fail('invalid issuer account in activation token');
    if (findAccountSigner(check.exportingAccount, act.iss, check.strictSigningKeyUsage === true) === null) {
      return fail('activation token issuer is not a signing key of the exporting account');
    }
  }
  if (check.kind !== undefined && act.nats.kind !== check.kind) {
    return fail(`mismatch between token import type ${act.nats.kind ?? ''} and type of import ${check.kind}`);
  }
  const subj = act.nats.subject ?? '';
  if (!subjectIsContainedIn(check.subject, subj)) {
    return fail(`activation token import subject "${subj}" doesn't match import "${check.subject}"`);
  }
  const now = check.now ?? nowSeconds();
  const skew = check.skewSeconds ?? 0;
  if (isNotYetValid(act, { now, skewSeconds: skew })) return fail('activation token is not yet valid');
  const exp = act.exp ?? 0;
  if (exp !== 0 && exp + skew <= now) return fail('activation token has expired');
  if (check.export !== undefined && isRevoked(check.export.revocations, act.sub, act.iat ?? 0)) {
    return fail('activation token has been revoked');
  }
  return ok(act);
}

/**
 * validateActivation for an import entry of the importing account's JWT: uses its token,
 * its type, and its subject (`to` for a service import that sets it).
 */
export function validateImportActivation(
  imp: Import,
  importingAccount: string,
  exportingAccount: AccountClaims,
  opts: TimeOptions & { readonly export?: Export; readonly strictSigningKeyUsage?: boolean } = {},
): JwtResult<ActivationClaims> {
  if (imp.token === undefined || imp.token === '') return fail('import has no activation token');
  if (imp.account !== undefined && imp.account !== exportingAccount.sub) return fail('import is not from this account');
  const subject = imp.type === 'service' && imp.to !== undefined && imp.to !== '' ? imp.to : (imp.subject ?? '');
  return validateActivation(imp.token, {
    ...opts,
    importingAccount,
    exportingAccount,
    subject,
    ...(imp.type !== undefined ? { kind: imp.type } : {}),
  });
}
