// Fixtures minted with @nats-io/jwt (the reference JS implementation), and two tokens
// minted by Go tools, copied from nats-server's own test data.
//
// createOperator/createAccount/createUser here return @nats-io/nkeys-compatible KeyPairs
// backed by node:crypto: tweetnacl needs ~10 ms per key or signature, which made these
// tests take seconds. The JWTs are still encoded by @nats-io/jwt; nkeys.test.js checks
// these pairs against @nats-io/nkeys (same public key from the seed, same signatures),
// and `reference.*` gives the tweetnacl-backed originals.
import { generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto';
import * as reference from '@nats-io/nkeys';
import { encodeAccount, encodeActivation, encodeOperator, encodeUser, newScopedSigner } from '@nats-io/jwt';
import { NKeyPrefix, base32Encode, crc16, encodePublicKey } from '../../dist/util/nkey.js';

export const te = new TextEncoder();
export const td = new TextDecoder();

const SEED_PREFIX = 18 << 3;

/** An nkeys KeyPair (as @nats-io/jwt consumes it) made and used with node:crypto. */
export function fastPair(prefix) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pk = encodePublicKey(prefix, Buffer.from(jwk.x, 'base64url'));
  const body = Buffer.alloc(36);
  body[0] = SEED_PREFIX | (prefix >> 5);
  body[1] = (prefix & 31) << 3;
  Buffer.from(jwk.d, 'base64url').copy(body, 2);
  const crc = crc16(body.subarray(0, 34));
  body[34] = crc & 0xff;
  body[35] = crc >> 8;
  const seed = base32Encode(body);
  return {
    getPublicKey: () => pk,
    getPrivateKey: () => Buffer.concat([Buffer.from(jwk.d, 'base64url'), Buffer.from(jwk.x, 'base64url')]),
    getSeed: () => te.encode(seed),
    sign: (data) => new Uint8Array(edSign(null, data, privateKey)),
    verify: (data, sig) => edVerify(null, data, publicKey, sig),
    clear: () => {},
  };
}

export const createOperator = () => fastPair(NKeyPrefix.Operator);
export const createAccount = () => fastPair(NKeyPrefix.Account);
export const createUser = () => fastPair(NKeyPrefix.User);
export { reference };

/** Seconds now, as the encoders stamp iat. */
export const now = () => Math.floor(Date.now() / 1000);

export const seedOf = (kp) => td.decode(kp.getSeed());

/** Splits a JWT and re-encodes its claims after `edit`, keeping the old signature. */
export function tamper(token, edit) {
  const [h, c, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  edit(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

/** Builds a JWT from raw header/claims objects, signed by `kp` over header.claims. */
export function rawJwt(header, claims, kp, { v1 = false } = {}) {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const c = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = Buffer.from(kp.sign(te.encode(v1 ? c : `${h}.${c}`))).toString('base64url');
  return `${h}.${c}.${sig}`;
}

/**
 * An operator with a signing key, an account issued by that signing key with a plain
 * and a scoped signing key, and helpers to mint users.
 */
export async function makeChain({ strict = false, accountData = {}, scopeTemplate, useReferenceKeys = false } = {}) {
  const keys = useReferenceKeys ? reference : { createOperator, createAccount, createUser };
  const operator = keys.createOperator();
  const opSigner = keys.createOperator();
  const account = keys.createAccount();
  const accSigner = keys.createAccount();
  const scopedSigner = keys.createAccount();
  const scope = newScopedSigner(
    scopedSigner,
    'dev',
    scopeTemplate ?? {
      pub: { allow: ['app.{{name()}}.>', 'svc.{{tag(team)}}.>'], deny: ['app.{{name()}}.secret'] },
      sub: { allow: ['_INBOX.>', 'acct.{{account-name()}}.{{subject()}}'] },
      subs: 10,
    },
  );
  const operatorJwt = await encodeOperator('op', operator, {
    signing_keys: [opSigner.getPublicKey()],
    ...(strict ? { strict_signing_key_usage: true } : {}),
  });
  const accountJwt = await encodeAccount(
    'acc',
    account,
    { signing_keys: [accSigner.getPublicKey(), scope], ...accountData },
    { signer: opSigner },
  );
  return {
    operator,
    opSigner,
    account,
    accSigner,
    scopedSigner,
    operatorJwt,
    accountJwt,
    /** A user issued by the account identity key. */
    user: (data = {}, opts = {}) => {
      const u = keys.createUser();
      return encodeUser('alice', u, account, data, opts).then((jwt) => ({ kp: u, jwt }));
    },
  };
}

export { encodeAccount, encodeActivation, encodeOperator, encodeUser, newScopedSigner };

// server/configs/one.creds in nats-server: a v2 user creds file minted by nsc (Go).
export const GO_USER_CREDS = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJHRUNQVEpISE1TM01DTUtMVFBHWUdBTzQ1R1E2TjZRUFlXUTRHUExBRUIzM1ZDUkpOUlZRIiwiaWF0IjoxNjE2MjQ3MjMyLCJpc3MiOiJBQlZSWktKNlo3TklNUElZSlJDSEVZRlJVTzdFTk42TldPS1FERkxGREZWUFNNMzZVUFgyVUNQUCIsIm5hbWUiOiJvbmUiLCJzdWIiOiJVRENJQkdHR0hDSkJRUE9PNFNDSkpCSFpEUjM3TlFHR0NJV01ORzJEREFLSjZXTUtCTUFLWElNTyIsIm5hdHMiOnsicHViIjp7fSwic3ViIjp7fSwic3VicyI6LTEsImRhdGEiOi0xLCJwYXlsb2FkIjotMSwidHlwZSI6InVzZXIiLCJ2ZXJzaW9uIjoyfX0.VLhSDtGZEF_jdvgmhgkdISXAt5wFMMZxxwm5w8UrsnlM1hkUvtxBlTe4IP0xJIf4xf8JOR2Bmf73xUGJKUZECQ
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
SUAPCDMU5TSHHLWUUZSOUABJXP2GXRCZVEOVWPSVM5XRSXYGQMRRFDYNMY
------END USER NKEY SEED------

*************************************************************
`;

// test/configs/nkeys/op.jwt in nats-server: a v1 operator JWT (alg "ed25519", typ "jwt",
// type at the top level) with three signing keys, expiring in 2028.
export const GO_V1_OPERATOR_FILE = `-----BEGIN TEST OPERATOR JWT-----
eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJhdWQiOiJURVNUUyIsImV4cCI6MTg1OTEyMTI3NSwianRpIjoiWE5MWjZYWVBIVE1ESlFSTlFPSFVPSlFHV0NVN01JNVc1SlhDWk5YQllVS0VRVzY3STI1USIsImlhdCI6MTU0Mzc2MTI3NSwiaXNzIjoiT0NBVDMzTVRWVTJWVU9JTUdOR1VOWEo2NkFIMlJMU0RBRjNNVUJDWUFZNVFNSUw2NU5RTTZYUUciLCJuYW1lIjoiU3luYWRpYSBDb21tdW5pY2F0aW9ucyBJbmMuIiwibmJmIjoxNTQzNzYxMjc1LCJzdWIiOiJPQ0FUMzNNVFZVMlZVT0lNR05HVU5YSjY2QUgyUkxTREFGM01VQkNZQVk1UU1JTDY1TlFNNlhRRyIsInR5cGUiOiJvcGVyYXRvciIsIm5hdHMiOnsic2lnbmluZ19rZXlzIjpbIk9EU0tSN01ZRlFaNU1NQUo2RlBNRUVUQ1RFM1JJSE9GTFRZUEpSTUFWVk40T0xWMllZQU1IQ0FDIiwiT0RTS0FDU1JCV1A1MzdEWkRSVko2NTdKT0lHT1BPUTZLRzdUNEhONk9LNEY2SUVDR1hEQUhOUDIiLCJPRFNLSTM2TFpCNDRPWTVJVkNSNlA1MkZaSlpZTVlXWlZXTlVEVExFWjVUSzJQTjNPRU1SVEFCUiJdfX0.hyfz6E39BMUh0GLzovFfk3wT4OfualftjdJ_eYkLfPvu5tZubYQ_Pn9oFYGCV_6yKy3KMGhWGUCyCdHaPhalBw
------END TEST OPERATOR JWT------`;
