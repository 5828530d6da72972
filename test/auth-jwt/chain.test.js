import test from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTrustedOperators,
  checkConnectionType,
  checkUserSource,
  checkUserTimes,
  decodeAccountJwt,
  decodeOperatorJwt,
  decodeUserJwt,
  findAccountSigner,
  isIssuedByOperator,
  isUserRevoked,
  validateAccountJwt,
  validateUserJwt,
  verifyUserNonce,
} from '../../dist/auth/index.js';
import { createAccount, createOperator, createUser, encodeAccount, encodeUser, makeChain, now, te } from './fixtures.js';

const operatorOf = (chain) => decodeOperatorJwt(chain.operatorJwt).value;
const accountOf = (chain) => decodeAccountJwt(chain.accountJwt).value;

test('an account issued by an operator signing key is trusted; the operator is reported', async () => {
  const chain = await makeChain();
  const op = operatorOf(chain);
  const r = validateAccountJwt(chain.accountJwt, [op]);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.value.claims.sub, chain.account.getPublicKey());
  assert.equal(r.value.operator.sub, chain.operator.getPublicKey());
  assert.equal(r.value.strictSigningKeyUsage, false);
  assert.equal(isIssuedByOperator(op, r.value.claims), true);
  // The same with a prebuilt trust set and with raw trusted keys.
  assert.equal(validateAccountJwt(chain.accountJwt, buildTrustedOperators([op])).ok, true);
  const raw = validateAccountJwt(chain.accountJwt, [chain.opSigner.getPublicKey()]);
  assert.equal(raw.ok, true);
  assert.equal(raw.value.operator, null);
});

test('an account issued by the operator identity key is trusted unless strict', async () => {
  const chain = await makeChain();
  const byIdentity = await encodeAccount('acc', chain.account, {}, { signer: chain.operator });
  assert.equal(validateAccountJwt(byIdentity, [operatorOf(chain)]).ok, true);

  const strict = await makeChain({ strict: true });
  const strictOp = operatorOf(strict);
  const byStrictIdentity = await encodeAccount('acc', strict.account, {}, { signer: strict.operator });
  const r = validateAccountJwt(byStrictIdentity, [strictOp]);
  assert.equal(r.ok, false);
  assert.match(r.error, /strict_signing_key_usage/);
  assert.equal(isIssuedByOperator(strictOp, decodeAccountJwt(byStrictIdentity).value), false);
  const bySigner = validateAccountJwt(strict.accountJwt, [strictOp]);
  assert.equal(bySigner.ok, true);
  assert.equal(bySigner.value.strictSigningKeyUsage, true);
});

test('accounts from unknown operators, self-signed accounts and expired accounts are rejected', async () => {
  const chain = await makeChain();
  const other = createOperator();
  assert.match(validateAccountJwt(chain.accountJwt, [other.getPublicKey()]).error, /not signed by a trusted operator/);
  const selfSigned = await encodeAccount('acc', chain.account);
  assert.equal(decodeAccountJwt(selfSigned).ok, true);
  assert.match(validateAccountJwt(selfSigned, [operatorOf(chain)]).error, /not signed by a trusted operator/);
  const expired = await encodeAccount('acc', chain.account, {}, { signer: chain.opSigner, exp: now() - 5 });
  assert.match(validateAccountJwt(expired, [operatorOf(chain)]).error, /account JWT: claim is expired/);
  assert.equal(validateAccountJwt(expired, [operatorOf(chain)], { checkTimes: false }).ok, true);
  const later = await encodeAccount('acc', chain.account, {}, { signer: chain.opSigner, nbf: now() + 3600 });
  assert.match(validateAccountJwt(later, [operatorOf(chain)]).error, /not yet valid/);
  assert.throws(() => buildTrustedOperators([chain.account.getPublicKey()]), /valid public operator nkey/);
});

test('a user issued by the account identity key passes the chain and signs the nonce', async () => {
  // Keys and signatures from @nats-io/nkeys (tweetnacl) for this end-to-end case.
  const chain = await makeChain({ useReferenceKeys: true });
  const account = accountOf(chain);
  const { kp, jwt } = await chain.user({ pub: { allow: ['orders.>'] } });
  const r = validateUserJwt(jwt, account);
  assert.equal(r.ok, true, r.error);
  const v = r.value;
  assert.equal(v.account, chain.account.getPublicKey());
  assert.equal(v.signingKey, null);
  assert.equal(v.scope, null);
  assert.deepEqual(v.permissions.pub, { allow: ['orders.>'] });
  assert.equal(v.bearer, false);
  const nonce = 'kJ1kKGk9C4LbR1s';
  const sig = Buffer.from(kp.sign(te.encode(nonce))).toString('base64url');
  assert.equal(verifyUserNonce(v, nonce, sig), true);
  assert.equal(verifyUserNonce(v, 'other-nonce', sig), false);
  assert.equal(verifyUserNonce(v, nonce, undefined), false);
  assert.equal(verifyUserNonce(v.claims, te.encode(nonce), sig), true);
});

test('a user JWT for another account, or tampered, is rejected', async () => {
  const chain = await makeChain();
  const otherAccount = createAccount();
  const jwt = await encodeUser('bob', createUser(), otherAccount);
  assert.match(validateUserJwt(jwt, accountOf(chain)).error, /does not belong to this account/);
  const { jwt: good } = await chain.user();
  const [h, c, s] = good.split('.');
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  claims.nats.pub = { allow: ['>'] };
  const bad = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  assert.match(validateUserJwt(bad, accountOf(chain)).error, /signature/);
});

test('a signing key may issue users only with issuer_account set to the account', async () => {
  const chain = await makeChain();
  const account = accountOf(chain);
  const u = createUser();
  const withIssuerAccount = await encodeUser('carol', u, chain.account, { sub: { allow: ['a'] } }, { signer: chain.accSigner });
  const ok = validateUserJwt(withIssuerAccount, account);
  assert.equal(ok.ok, true, ok.error);
  assert.equal(ok.value.signingKey, chain.accSigner.getPublicKey());
  assert.equal(ok.value.claims.nats.issuer_account, chain.account.getPublicKey());
  assert.deepEqual(ok.value.permissions.sub, { allow: ['a'] });

  const withoutIssuerAccount = await encodeUser('carol', u, chain.accSigner);
  assert.match(validateUserJwt(withoutIssuerAccount, account).error, /must carry issuer_account/);

  // A key that is not one of the account's signing keys, even with issuer_account.
  const stranger = createAccount();
  const byStranger = await encodeUser('carol', u, chain.account, {}, { signer: stranger });
  assert.match(validateUserJwt(byStranger, account).error, /issuer is not known/);
  assert.equal(findAccountSigner(account, stranger.getPublicKey()), null);
  assert.deepEqual(findAccountSigner(account, chain.accSigner.getPublicKey()), { scope: null });
});

test('strict operators: only account signing keys may issue users', async () => {
  const chain = await makeChain({ strict: true });
  const acc = validateAccountJwt(chain.accountJwt, [operatorOf(chain)]).value;
  const opts = { strictSigningKeyUsage: acc.strictSigningKeyUsage };
  const { jwt: byIdentity } = await chain.user();
  assert.match(validateUserJwt(byIdentity, acc.claims, opts).error, /operator requires signing keys/);
  assert.equal(validateUserJwt(byIdentity, acc.claims).ok, true, 'non-strict accepts the identity key');
  const bySigner = await encodeUser('dave', createUser(), chain.account, {}, { signer: chain.accSigner });
  assert.equal(validateUserJwt(bySigner, acc.claims, opts).ok, true);
});

test('a scoped signing key replaces the user permissions with its filled-in template', async () => {
  const chain = await makeChain();
  const account = accountOf(chain);
  const u = createUser();
  const jwt = await encodeUser(
    'alice',
    u,
    chain.account,
    { tags: ['team:blue', 'team:red', 'other:x'] },
    { signer: chain.scopedSigner, scopedUser: true },
  );
  const r = validateUserJwt(jwt, account);
  assert.equal(r.ok, true, r.error);
  const v = r.value;
  assert.equal(v.scope.key, chain.scopedSigner.getPublicKey());
  assert.equal(v.scope.role, 'dev');
  assert.deepEqual(v.permissions.pub.allow, ['app.alice.>', 'svc.blue.>', 'svc.red.>']);
  assert.deepEqual(v.permissions.pub.deny, ['app.alice.secret']);
  assert.deepEqual(v.permissions.sub.allow, ['_INBOX.>', `acct.acc.${u.getPublicKey()}`]);
  assert.equal(v.permissions.subs, 10);
  assert.equal(v.permissions.data, -1);
  // The account claims (shared, cached) are untouched.
  const scope = account.nats.signing_keys.find((k) => typeof k !== 'string');
  assert.deepEqual(scope.template.pub.allow, ['app.{{name()}}.>', 'svc.{{tag(team)}}.>']);

  // Without the tag the tagged entry is dropped (allow) rather than failing.
  const untagged = await encodeUser('bob', createUser(), chain.account, {}, { signer: chain.scopedSigner, scopedUser: true });
  assert.deepEqual(validateUserJwt(untagged, account).value.permissions.pub.allow, ['app.bob.>']);
});

test('a scoped user carrying its own permissions or limits is rejected', async () => {
  const chain = await makeChain();
  // Without scopedUser the encoder adds subs/data/payload -1: not empty.
  const withLimits = await encodeUser('eve', createUser(), chain.account, {}, { signer: chain.scopedSigner });
  assert.match(validateUserJwt(withLimits, accountOf(chain)).error, /scoped users require no permissions/);
  const withPerms = await encodeUser('eve', createUser(), chain.account, { pub: { allow: ['>'] } }, { signer: chain.scopedSigner, scopedUser: true });
  assert.match(validateUserJwt(withPerms, accountOf(chain)).error, /scoped users require no permissions/);
});

test('a template whose allow list empties out denies everything; bad deny templates fail', async () => {
  const chain = await makeChain({ scopeTemplate: { pub: { allow: ['x.{{tag(missing)}}'] }, sub: { deny: ['y.{{tag(missing)}}'] } } });
  const jwt = await encodeUser('z', createUser(), chain.account, {}, { signer: chain.scopedSigner, scopedUser: true });
  assert.match(validateUserJwt(jwt, accountOf(chain)).error, /invalid permissions/);
  const chain2 = await makeChain({ scopeTemplate: { pub: { allow: ['x.{{tag(missing)}}'] } } });
  const jwt2 = await encodeUser('z', createUser(), chain2.account, {}, { signer: chain2.scopedSigner, scopedUser: true });
  const v = validateUserJwt(jwt2, accountOf(chain2)).value;
  assert.deepEqual(v.permissions.pub.allow, []);
  assert.deepEqual(v.permissions.pub.deny, ['>']);
  const chain3 = await makeChain({ scopeTemplate: { pub: { allow: ['x.{{nope()}}'] } } });
  const jwt3 = await encodeUser('z', createUser(), chain3.account, {}, { signer: chain3.scopedSigner, scopedUser: true });
  assert.match(validateUserJwt(jwt3, accountOf(chain3)).error, /is not defined/);
});

test('expired, not-yet-valid users and users of expired accounts are rejected', async () => {
  const chain = await makeChain();
  const account = accountOf(chain);
  const { jwt: expired } = await chain.user({}, { exp: now() - 1 });
  assert.match(validateUserJwt(expired, account).error, /user JWT: claim is expired/);
  assert.equal(validateUserJwt(expired, account, { skipTimeChecks: true }).ok, true);
  const { jwt: future } = await chain.user({}, { nbf: now() + 600 });
  assert.match(validateUserJwt(future, account).error, /not yet valid/);
  const { jwt: limited } = await chain.user({}, { exp: now() + 600 });
  assert.equal(validateUserJwt(limited, account).value.expires, decodeUserJwt(limited).value.exp);

  const expiredAccount = decodeAccountJwt(await encodeAccount('acc', chain.account, {}, { signer: chain.opSigner, exp: now() - 1 })).value;
  const { jwt } = await chain.user();
  assert.match(validateUserJwt(jwt, expiredAccount).error, /account JWT has expired/);
});

test('bearer tokens skip the nonce but can be disallowed by the account', async () => {
  const chain = await makeChain();
  const { jwt } = await chain.user({ bearer_token: true });
  const v = validateUserJwt(jwt, accountOf(chain)).value;
  assert.equal(v.bearer, true);
  assert.equal(verifyUserNonce(v, 'nonce', undefined), true);
  const strictAccount = decodeAccountJwt(
    await encodeAccount('acc', chain.account, { limits: { disallow_bearer: true } }, { signer: chain.opSigner }),
  ).value;
  assert.match(validateUserJwt(jwt, strictAccount).error, /does not allow bearer tokens/);
});

test('revocations: a user key or "*" revokes users issued at or before that time', async () => {
  const chain = await makeChain();
  const { kp, jwt } = await chain.user();
  const user = decodeUserJwt(jwt).value;
  const pk = kp.getPublicKey();
  const iat = user.iat;
  const accountWith = async (revocations) =>
    decodeAccountJwt(await encodeAccount('acc', chain.account, { revocations }, { signer: chain.opSigner })).value;

  const revokedAtIat = await accountWith({ [pk]: iat });
  assert.equal(isUserRevoked(revokedAtIat, pk, iat), true);
  assert.match(validateUserJwt(jwt, revokedAtIat).error, /revoked/);

  const revokedBefore = await accountWith({ [pk]: iat - 1 });
  assert.equal(isUserRevoked(revokedBefore, pk, iat), false);
  assert.equal(validateUserJwt(jwt, revokedBefore).ok, true, 'a JWT re-issued after the revocation is valid');

  const allAfter = await accountWith({ '*': iat + 10 });
  assert.match(validateUserJwt(jwt, allAfter).error, /revoked/);
  const allBefore = await accountWith({ '*': iat - 10 });
  assert.equal(validateUserJwt(jwt, allBefore).ok, true);

  const someoneElse = await accountWith({ [createUser().getPublicKey()]: iat + 10 });
  assert.equal(validateUserJwt(jwt, someoneElse).ok, true);
  // A plain revocation map works too.
  assert.equal(isUserRevoked({ '*': iat }, pk, iat), true);
  assert.equal(isUserRevoked(undefined, pk, iat), false);
});

test('src CIDRs, connect times and connection types', () => {
  const src = { src: ['192.168.0.0/16', '2001:db8::/32'] };
  assert.equal(checkUserSource(src, '192.168.4.20'), true);
  assert.equal(checkUserSource(src, '::ffff:192.168.4.20'), true);
  assert.equal(checkUserSource(src, '10.0.0.1'), false);
  assert.equal(checkUserSource(src, '2001:db8:1::5'), true);
  assert.equal(checkUserSource(src, '2001:db9::5'), false);
  assert.equal(checkUserSource(src, ''), false);
  assert.equal(checkUserSource({}, '10.0.0.1'), true);

  const at = (h, m) => new Date(Date.UTC(2024, 0, 15, h, m, 0));
  const day = { times: [{ start: '09:00:00', end: '17:00:00' }], times_location: 'UTC' };
  assert.deepEqual(checkUserTimes(day, at(10, 0)), { allowed: true, validForMs: 7 * 3600 * 1000 });
  assert.equal(checkUserTimes(day, at(18, 0)).allowed, false);
  const night = { times: [{ start: '22:00:00', end: '06:00:00' }], times_location: 'UTC' };
  assert.equal(checkUserTimes(night, at(23, 0)).allowed, true);
  assert.equal(checkUserTimes(night, at(23, 0)).validForMs, 7 * 3600 * 1000);
  assert.equal(checkUserTimes(night, at(5, 0)).allowed, true);
  assert.equal(checkUserTimes(night, at(12, 0)).allowed, false);
  // 10:00 UTC is 19:00 in Tokyo.
  const tokyo = { times: [{ start: '18:00:00', end: '20:00:00' }], times_location: 'Asia/Tokyo' };
  assert.equal(checkUserTimes(tokyo, at(10, 0)).allowed, true);
  assert.equal(checkUserTimes(tokyo, at(12, 0)).allowed, false);
  assert.deepEqual(checkUserTimes({}, at(1, 0)), { allowed: true, validForMs: 0 });

  assert.equal(checkConnectionType({}, 'STANDARD'), true);
  assert.equal(checkConnectionType({ allowed_connection_types: ['WEBSOCKET'] }, 'STANDARD'), false);
  assert.equal(checkConnectionType({ allowed_connection_types: ['WEBSOCKET', 'FUTURE'] }, 'WEBSOCKET'), true);
  assert.equal(checkConnectionType({ allowed_connection_types: ['FUTURE'] }, 'STANDARD'), false);
});
