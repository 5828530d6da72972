import test from 'node:test';
import assert from 'node:assert/strict';
import { Algorithms } from '@nats-io/jwt';
import {
  checkClaimTimes,
  clearJwtCache,
  decodeAccountJwt,
  decodeJwt,
  decodeOperatorJwt,
  decodeUserJwt,
  isExpired,
  isNotYetValid,
  parseCreds,
  parseDecoratedJwt,
  setJwtCacheSize,
  verifyJwt,
} from '../../dist/auth/index.js';
import {
  GO_USER_CREDS,
  GO_V1_OPERATOR_FILE,
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  now,
  rawJwt,
  tamper,
} from './fixtures.js';

test('decodeJwt splits a v2 JWT into header, claims, signing input and signature', async () => {
  const a = createAccount();
  const u = createUser();
  const token = await encodeUser('alice', u, a, { pub: { allow: ['foo.>'] } });
  const r = decodeJwt(token);
  assert.equal(r.ok, true);
  const d = r.value;
  const [h, c, s] = token.split('.');
  assert.deepEqual(d.header, { typ: 'JWT', alg: 'ed25519-nkey' });
  assert.equal(d.version, 2);
  assert.equal(d.signingInput, `${h}.${c}`);
  assert.deepEqual(Buffer.from(d.signature), Buffer.from(s, 'base64url'));
  assert.equal(d.signature.length, 64);
  assert.equal(d.claims.iss, a.getPublicKey());
  assert.equal(d.claims.sub, u.getPublicKey());
  assert.equal(d.claims.name, 'alice');
  assert.equal(d.claims.nats.type, 'user');
  assert.deepEqual(d.claims.nats.pub, { allow: ['foo.>'] });
  assert.equal(d.claims.nats.subs, -1);
});

test('malformed tokens are rejected with a reason', async () => {
  const a = createAccount();
  const token = await encodeUser('alice', createUser(), a);
  const [h, c, s] = token.split('.');
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const cases = [
    [`${h}.${c}`, /3 chunks/],
    [`${token}.x`, /3 chunks/],
    [`${h}!.${c}.${s}`, /header is not base64url/],
    [`${Buffer.from('{nope').toString('base64url')}.${c}.${s}`, /header is not JSON/],
    [`${b64({ typ: 'JWS', alg: 'ed25519-nkey' })}.${c}.${s}`, /not supported type/],
    [`${b64({ typ: 'JWT', alg: 'HS256' })}.${c}.${s}`, /unexpected "HS256" algorithm/],
    [`${b64({ typ: 'JWT', alg: 'ed25519-nkeyX' })}.${c}.${s}`, /algorithm/],
    [`${h}.${c}=.${s}`, /claims are not base64url/],
    [`${h}.${Buffer.from('[1,2]').toString('base64url')}.${s}`, /not an object/],
    [`${h}.${c}.${s}==`, /signature is not base64url/],
    [42, /must be a string/],
  ];
  for (const [bad, re] of cases) {
    const r = decodeJwt(bad);
    assert.equal(r.ok, false, String(bad).slice(0, 40));
    assert.match(r.error, re);
  }
});

test('header typ is case-insensitive; v1 "ed25519" is accepted', async () => {
  const a = createAccount();
  const claims = { iss: a.getPublicKey(), sub: createUser().getPublicKey(), iat: now(), nats: { type: 'user', version: 2 } };
  for (const header of [{ typ: 'jwt', alg: 'ed25519-nkey' }, { typ: 'JwT', alg: 'ED25519-NKEY' }]) {
    const r = verifyJwt(rawJwt(header, claims, a));
    assert.equal(r.ok, true, JSON.stringify(header));
  }
});

test('v1 JWTs (claims type at the top level, payload-only signature) are migrated', async () => {
  const a = createAccount();
  const u = createUser();
  const token = await encodeUser('old', u, a, { pub: { allow: ['a'] } }, { algorithm: Algorithms.v1 });
  const r = decodeUserJwt(token);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.value.nats.type, 'user');
  assert.equal(r.value.nats.version, 1);
  assert.equal(r.value.type, undefined);
  assert.deepEqual(r.value.nats.pub, { allow: ['a'] });
  const d = decodeJwt(token).value;
  assert.equal(d.version, 1);
  assert.equal(d.signingInput, token.split('.')[1]);
});

test('a Go-minted v1 operator JWT (nats-server test data) decodes and verifies', () => {
  const token = parseDecoratedJwt(GO_V1_OPERATOR_FILE);
  const r = decodeOperatorJwt(token);
  assert.equal(r.ok, true, r.error);
  const op = r.value;
  assert.equal(op.sub, 'OCAT33MTVU2VUOIMGNGUNXJ66AH2RLSDAF3MUBCYAY5QMIL65NQM6XQG');
  assert.equal(op.iss, op.sub);
  assert.equal(op.name, 'Synadia Communications Inc.');
  assert.equal(op.nats.type, 'operator');
  assert.equal(op.nats.version, 1);
  assert.equal(op.nats.signing_keys.length, 3);
  assert.equal(op.exp, 1859121275);
  assert.equal(checkClaimTimes(op, { now: 1859121275 }), null);
  assert.equal(checkClaimTimes(op, { now: 1859121276 }), 'claim is expired');
  // Its signature covers only the claims part: tampering still breaks it.
  const bad = tamper(token, (c) => (c.name = 'Someone Else'));
  assert.match(decodeOperatorJwt(bad).error, /V1 signature/);
});

test('a Go-minted v2 user JWT (nats-server one.creds) decodes and verifies', () => {
  const { jwt } = parseCreds(GO_USER_CREDS);
  const r = decodeUserJwt(jwt);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.value.sub, 'UDCIBGGGHCJBQPOO4SCJJBHZDR37NQGGCIWMNG2DDAKJ6WMKBMAKXIMO');
  assert.equal(r.value.iss, 'ABVRZKJ6Z7NIMPIYJRCHEYFRUO7ENN6NWOKQDFLFDFVPSM36UPX2UCPP');
  assert.deepEqual(r.value.nats.pub, {});
  assert.equal(r.value.nats.version, 2);
});

test('tampered claims fail signature verification', async () => {
  const a = createAccount();
  const token = await encodeUser('alice', createUser(), a, { pub: { allow: ['only.this'] } });
  assert.equal(verifyJwt(token).ok, true);
  const widened = tamper(token, (c) => (c.nats.pub.allow = ['>']));
  const r = verifyJwt(widened);
  assert.equal(r.ok, false);
  assert.match(r.error, /V2 signature verification/);
  // Swapping in another issuer does not help either.
  const reissued = tamper(token, (c) => (c.iss = createAccount().getPublicKey()));
  assert.equal(verifyJwt(reissued).ok, false);
  // Nor does a truncated signature.
  const [h, c, s] = token.split('.');
  assert.equal(verifyJwt(`${h}.${c}.${s.slice(0, 40)}`).ok, false);
});

test('the issuer must be the kind of key the claim type allows', async () => {
  const op = createOperator();
  const u = createUser();
  // A user JWT signed by an operator (valid signature, wrong issuer kind).
  const userByOperator = rawJwt(
    { typ: 'JWT', alg: 'ed25519-nkey' },
    { iss: op.getPublicKey(), sub: u.getPublicKey(), iat: now(), nats: { type: 'user', version: 2 } },
    op,
  );
  assert.match(verifyJwt(userByOperator).error, /expected prefixes/);
  // An operator JWT signed by an account.
  const a = createAccount();
  const opByAccount = rawJwt(
    { typ: 'JWT', alg: 'ed25519-nkey' },
    { iss: a.getPublicKey(), sub: op.getPublicKey(), iat: now(), nats: { type: 'operator', version: 2 } },
    a,
  );
  assert.match(decodeOperatorJwt(opByAccount).error, /expected prefixes/);
  // A user JWT signed by another user.
  const u2 = createUser();
  const userByUser = rawJwt(
    { typ: 'JWT', alg: 'ed25519-nkey' },
    { iss: u2.getPublicKey(), sub: u.getPublicKey(), iat: now(), nats: { type: 'user', version: 2 } },
    u2,
  );
  assert.equal(verifyJwt(userByUser).ok, false);
});

test('typed decoders check the claim type and the subject kind', async () => {
  const o = createOperator();
  const a = createAccount();
  const accountJwt = await encodeAccount('acc', a, {}, { signer: o });
  assert.equal(decodeAccountJwt(accountJwt).ok, true);
  assert.equal(decodeUserJwt(accountJwt).error, 'not user claim');
  assert.equal(decodeOperatorJwt(accountJwt).error, 'not operator claim');
  // A "user" whose subject is an account key.
  const userWithAccountSub = rawJwt(
    { typ: 'JWT', alg: 'ed25519-nkey' },
    { iss: a.getPublicKey(), sub: createAccount().getPublicKey(), iat: now(), nats: { type: 'user', version: 2 } },
    a,
  );
  assert.match(decodeUserJwt(userWithAccountSub).error, /subject is not a user public key/);
  // Operator signing keys must be operator keys.
  const op = await encodeOperator('op', o, { signing_keys: [a.getPublicKey()] });
  assert.match(decodeOperatorJwt(op).error, /is not an operator public key/);
});

test('claims with the wrong JSON types or versions are rejected like Go unmarshalling', async () => {
  const a = createAccount();
  const u = createUser().getPublicKey();
  const h = { typ: 'JWT', alg: 'ed25519-nkey' };
  const base = { iss: a.getPublicKey(), sub: u, iat: now() };
  const bad = [
    [{ ...base, exp: 'tomorrow', nats: { type: 'user', version: 2 } }, /exp must be an integer/],
    [{ ...base, iat: 1.5, nats: { type: 'user', version: 2 } }, /iat must be an integer/],
    [{ ...base, nats: { type: 'user', version: 3 } }, /newer version/],
    [{ ...base, nats: { type: 'user' } }, /unsupported JWT version 0/],
    [{ ...base, nats: { type: 'user', version: 2, pub: { allow: 'foo' } } }, /pub.allow must be a list of strings/],
    [{ ...base, nats: { type: 'user', version: 2, bearer_token: 'yes' } }, /bearer_token must be a boolean/],
    [{ ...base, nats: { type: 'cluster', version: 2 } }, /not supported/],
    [{ sub: u, iat: now(), nats: { type: 'user', version: 2 } }, /no issuer/],
  ];
  for (const [claims, re] of bad) assert.match(decodeJwt(rawJwt(h, claims, a)).error, re);
  // Permission subjects: a queue is only allowed on sub.
  const pubQueue = rawJwt(h, { ...base, nats: { type: 'user', version: 2, pub: { allow: ['foo q'] } } }, a);
  assert.match(decodeUserJwt(pubQueue).error, /not allowed to contain queue/);
  const subQueue = rawJwt(h, { ...base, nats: { type: 'user', version: 2, sub: { allow: ['foo q'] } } }, a);
  assert.equal(decodeUserJwt(subQueue).ok, true);
  // src may be a comma-separated string (CIDRList), and must hold CIDRs.
  const srcString = rawJwt(h, { ...base, nats: { type: 'user', version: 2, src: '10.0.0.0/8, 192.168.1.0/24' } }, a);
  assert.deepEqual(decodeUserJwt(srcString).value.nats.src, ['10.0.0.0/8', '192.168.1.0/24']);
  const badSrc = rawJwt(h, { ...base, nats: { type: 'user', version: 2, src: ['10.0.0.1'] } }, a);
  assert.match(decodeUserJwt(badSrc).error, /invalid cidr/);
  const badTimes = rawJwt(h, { ...base, nats: { type: 'user', version: 2, times: [{ start: '25:00:00', end: '10:00:00' }] } }, a);
  assert.match(decodeUserJwt(badTimes).error, /start in time range is invalid/);
  const badZone = rawJwt(h, { ...base, nats: { type: 'user', version: 2, times_location: 'Mars/Olympus' } }, a);
  assert.match(decodeUserJwt(badZone).error, /iana time zone/);
});

test('exp and nbf checks: expired, not yet valid, optional skew', async () => {
  const a = createAccount();
  const t = now();
  const expired = decodeUserJwt(await encodeUser('u', createUser(), a, {}, { exp: t - 10 })).value;
  assert.equal(isExpired(expired), true);
  assert.equal(checkClaimTimes(expired), 'claim is expired');
  assert.equal(checkClaimTimes(expired, { skewSeconds: 30 }), null);
  assert.equal(checkClaimTimes(expired, { now: t - 10 }), null, 'valid through its exp second (now > exp)');
  const future = decodeUserJwt(await encodeUser('u', createUser(), a, {}, { nbf: t + 60 })).value;
  assert.equal(isNotYetValid(future), true);
  assert.equal(checkClaimTimes(future), 'claim is not yet valid');
  assert.equal(checkClaimTimes(future, { now: t + 60 }), null);
  assert.equal(checkClaimTimes(future, { skewSeconds: 120 }), null);
  const open = decodeUserJwt(await encodeUser('u', createUser(), a)).value;
  assert.equal(checkClaimTimes(open), null);
});

test('verified tokens are cached and frozen; the cache can be resized', async () => {
  clearJwtCache();
  const a = createAccount();
  const token = await encodeUser('alice', createUser(), a, { pub: { allow: ['x'] } });
  const first = verifyJwt(token).value;
  const second = verifyJwt(token).value;
  assert.equal(first, second);
  assert.equal(Object.isFrozen(first.claims), true);
  assert.equal(Object.isFrozen(first.claims.nats.pub.allow), true);
  assert.throws(() => first.claims.nats.pub.allow.push('>'));
  setJwtCacheSize(0);
  const third = verifyJwt(token).value;
  assert.notEqual(third, first);
  assert.deepEqual(third.claims, first.claims);
  setJwtCacheSize(1024);
  // A tampered token is never served from the cache of the good one.
  assert.equal(verifyJwt(tamper(token, (c) => (c.name = 'mallory'))).ok, false);
});
