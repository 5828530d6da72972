/**
 * NKeys for decentralized auth: decoding public keys and seeds (base32, prefix byte,
 * CRC-16 checksum), ed25519 signature checks and signing, all with node:crypto.
 *
 * Verification runs on the connect path (the CONNECT nonce signature and every JWT), so
 * the node:crypto KeyObject built for a public key is kept in a bounded cache: building
 * it (base32 decode, CRC, JWK import) costs more than the verify itself. @nats-io/nkeys
 * verifies with tweetnacl, about 70x slower; it is only used by tests to mint fixtures.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { crc16, encodePublicKey, NKeyPrefix } from '../util/nkey.ts';

export { NKeyPrefix };

/** Every prefix byte an nkey can carry (the high 5 bits of the first byte). */
export const NKeyPrefixByte = {
  Seed: 18 << 3,
  Private: 15 << 3,
  Operator: NKeyPrefix.Operator,
  Server: NKeyPrefix.Server,
  Cluster: NKeyPrefix.Cluster,
  Account: NKeyPrefix.Account,
  User: NKeyPrefix.User,
  Curve: 23 << 3,
} as const;

/** The leading letter of a public key, as used in `isValidPublicKey(key, 'A')`. */
export type PublicKeyLetter = 'O' | 'A' | 'U' | 'N' | 'C';

/** A prefix given either as its byte (NKeyPrefix.Account) or its leading letter ('A'). */
export type PublicKeyPrefix = number | PublicKeyLetter;

const LETTER_PREFIX: Readonly<Record<PublicKeyLetter, number>> = {
  O: NKeyPrefix.Operator,
  A: NKeyPrefix.Account,
  U: NKeyPrefix.User,
  N: NKeyPrefix.Server,
  C: NKeyPrefix.Cluster,
};

const PUBLIC_PREFIXES: ReadonlySet<number> = new Set([
  NKeyPrefix.Operator,
  NKeyPrefix.Server,
  NKeyPrefix.Cluster,
  NKeyPrefix.Account,
  NKeyPrefix.User,
]);

function prefixByte(p: PublicKeyPrefix): number {
  return typeof p === 'number' ? p : LETTER_PREFIX[p];
}

// ---------------------------------------------------------------------------------------
// base32 (RFC 4648 alphabet, no padding), as nkeys use it

const DECODE_TABLE = (() => {
  const t = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

/** Decodes unpadded base32; null on a character outside the alphabet. */
export function base32Decode(s: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((s.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE_TABLE[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Decodes a key string and checks its trailing little-endian CRC-16; returns the body. */
function decodeChecked(key: string): Uint8Array | null {
  const raw = base32Decode(key);
  if (raw === null || raw.length < 4) return null;
  const body = raw.subarray(0, raw.length - 2);
  const crc = raw[raw.length - 2]! | (raw[raw.length - 1]! << 8);
  return crc16(body) === crc ? body : null;
}

// ---------------------------------------------------------------------------------------
// Public keys

/** A public key is 56 base32 characters: prefix byte, 32-byte ed25519 key, CRC-16. */
const PUBLIC_KEY_LENGTH = 56;

/**
 * Decodes a public nkey ("U…", "A…", "O…", "N…", "C…") to its raw 32 bytes, or null when
 * it is malformed, fails its checksum, or (given `expected`) has another prefix.
 */
export function decodePublicKey(key: string, expected?: PublicKeyPrefix): Uint8Array | null {
  const body = decodePublicBody(key);
  if (body === null) return null;
  if (expected !== undefined && body[0] !== prefixByte(expected)) return null;
  return body.slice(1);
}

/** Prefix byte + raw key of a well-formed public key, or null. */
function decodePublicBody(key: string): Uint8Array | null {
  if (typeof key !== 'string' || key.length !== PUBLIC_KEY_LENGTH) return null;
  const body = decodeChecked(key);
  if (body === null || body.length !== 33 || !PUBLIC_PREFIXES.has(body[0]!)) return null;
  return body;
}

/** The prefix byte of a valid public key (compare with NKeyPrefix), or null. */
export function publicKeyPrefix(key: string): number | null {
  const body = decodePublicBody(key);
  return body === null ? null : body[0]!;
}

/** Whether `key` is a well-formed public nkey, of the given kind when one is given. */
export function isValidPublicKey(key: string, prefix?: PublicKeyPrefix): boolean {
  return decodePublicKey(key, prefix) !== null;
}

// ---------------------------------------------------------------------------------------
// Verification with a bounded KeyObject cache

const KEY_CACHE_MAX = 4096;
const keyCache = new Map<string, KeyObject>();

function keyObjectFor(publicKey: string): KeyObject | null {
  const cached = keyCache.get(publicKey);
  if (cached !== undefined) return cached;
  const raw = decodePublicKey(publicKey);
  if (raw === null) return null;
  let ko: KeyObject;
  try {
    ko = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return null;
  }
  if (keyCache.size >= KEY_CACHE_MAX) {
    // Drop the oldest entry (Map keeps insertion order).
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) keyCache.delete(oldest);
  }
  keyCache.set(publicKey, ko);
  return ko;
}

/**
 * Verifies an ed25519 signature made by the holder of `publicKey` (any public nkey kind).
 * Returns false, never throws, for malformed keys or signatures.
 */
export function verifySignature(publicKey: string, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const ko = keyObjectFor(publicKey);
  if (ko === null) return false;
  try {
    return verify(null, data, ko, signature);
  } catch {
    return false;
  }
}

/** Empties the public KeyObject cache (tests, or after a mass key rotation). */
export function clearKeyCache(): void {
  keyCache.clear();
}

/** Number of cached public KeyObjects. */
export function keyCacheSize(): number {
  return keyCache.size;
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;
// Standard base64 must be padded, as Go's base64.StdEncoding requires.
const B64STD_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes the `sig` of a CONNECT: unpadded base64url (what clients send), falling back to
 * standard base64, as nats-server does. Null when it is neither.
 */
export function decodeSignature(sig: string): Uint8Array | null {
  if (typeof sig !== 'string' || sig === '') return null;
  if (B64URL_RE.test(sig)) {
    // A length of 4k+1 cannot be produced by an encoder.
    if (sig.length % 4 === 1) return null;
    return new Uint8Array(Buffer.from(sig, 'base64url'));
  }
  if (B64STD_RE.test(sig)) return new Uint8Array(Buffer.from(sig, 'base64'));
  return null;
}

// ---------------------------------------------------------------------------------------
// Seeds

export interface DecodedSeed {
  /** Prefix byte of the public key this seed belongs to (NKeyPrefix.User, …). */
  readonly prefix: number;
  /** The 32-byte ed25519 private seed. */
  readonly seed: Uint8Array;
}

/** A seed is 58 base32 characters: 2 prefix bytes, 32-byte seed, CRC-16. */
const SEED_LENGTH = 58;

/**
 * Decodes a seed ("SU…", "SA…", "SO…", "SN…", "SC…") to its raw 32 bytes and the public
 * prefix it is for; null when malformed or when its checksum fails.
 */
export function decodeSeed(seed: string): DecodedSeed | null {
  if (typeof seed !== 'string') return null;
  const s = seed.trim();
  if (s.length !== SEED_LENGTH) return null;
  const body = decodeChecked(s);
  if (body === null || body.length !== 34) return null;
  const b0 = body[0]!;
  const b1 = body[1]!;
  if ((b0 & 0xf8) !== NKeyPrefixByte.Seed) return null;
  const prefix = ((b0 & 7) << 5) | ((b1 & 0xf8) >> 3);
  if (!PUBLIC_PREFIXES.has(prefix)) return null;
  return { prefix, seed: body.slice(2) };
}

// PKCS#8 wrapping of a raw ed25519 seed (RFC 8410): SEQUENCE { INTEGER 0,
// AlgorithmIdentifier { 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyFromSeed(seed: string): KeyObject {
  const decoded = decodeSeed(seed);
  if (decoded === null) throw new Error('nkeys: invalid seed');
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, decoded.seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Signs `data` with the ed25519 key of an nkey seed; throws on an invalid seed. */
export function signWithSeed(seed: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, data, privateKeyFromSeed(seed)));
}

/** The public key ("U…", "A…", …) of an nkey seed; throws on an invalid seed. */
export function publicKeyFromSeed(seed: string): string {
  const decoded = decodeSeed(seed);
  if (decoded === null) throw new Error('nkeys: invalid seed');
  const jwk = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('nkeys: cannot derive public key');
  return encodePublicKey(decoded.prefix, Buffer.from(jwk.x, 'base64url'));
}
