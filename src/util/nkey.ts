/**
 * NKey public keys: a prefix byte, a 32-byte ed25519 key and a CRC-16/XMODEM
 * checksum, base32-encoded without padding (the "N…", "U…", "A…" strings of NATS).
 * Keys are made with node:crypto; importing @nats-io/nkeys (tweetnacl) for one server
 * id cost about 170 ms of startup, measured.
 */
import { generateKeyPairSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Prefix bytes of public keys, by their leading letter. */
export const NKeyPrefix = {
  Operator: 14 << 3,
  Server: 13 << 3,
  Cluster: 2 << 3,
  Account: 0,
  User: 20 << 3,
} as const;

const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    table[n] = c;
  }
  return table;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** Encodes a raw 32-byte public key with the given prefix byte. */
export function encodePublicKey(prefix: number, raw: Uint8Array): string {
  const body = new Uint8Array(raw.length + 3);
  body[0] = prefix;
  body.set(raw, 1);
  const crc = crc16(body.subarray(0, raw.length + 1));
  body[raw.length + 1] = crc & 0xff;
  body[raw.length + 2] = crc >> 8;
  return base32Encode(body);
}

/** A fresh server identity: the public key of a new ed25519 key pair ("N…", 56 chars). */
export function newServerId(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // The raw key is the last 32 bytes of the SPKI encoding.
  return encodePublicKey(NKeyPrefix.Server, der.subarray(der.length - 32));
}
