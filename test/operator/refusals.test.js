// Operator mode refusals: every credential problem ends with
// `-ERR 'Authorization Violation'` and the connection closed, while clients that are
// already connected carry on. Bearer tokens, connection types, source CIDRs and
// connect times are checked as nats-server does (auth.go processClientOrLeafAuthentication).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTH_VIOLATION,
  accountJwt,
  claimsOf,
  encodeOperator,
  encodeUser,
  jwtLogin,
  login,
  makeWorld,
  mintUser,
  newAccountKey,
  newOperatorKey,
  newUserKey,
  nowSec,
  parseMsgs,
  pub,
  refusedLogin,
  resign,
  signNonce,
  startOperator,
  tamper,
} from './_helpers.js';

let world;
let server;
let watcher; // a connected client that must be unaffected by every refusal
const f = {}; // fixtures

/** Local wall-clock "HH:MM:SS" `offsetMs` from now (user `times` are in server-local time). */
function clock(offsetMs) {
  const d = new Date(Date.now() + offsetMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

before(async () => {
  world = await makeWorld({ A: {}, NOBEARER: { limits: { disallow_bearer: true } } });
  const A = world.accounts.A;
  const T = nowSec();

  // Revocations: one user key revoked up to T-50 (a JWT issued at T-100 is revoked, one
  // issued now is not), and every user of REVALL issued before T-50.
  const revokedKp = newUserKey();
  const fresh = await encodeUser('rev', revokedKp, A.kp, {});
  f.revokedOld = { kp: revokedKp, jwt: resign(fresh, A.kp, (c) => (c.iat = T - 100)) };
  f.revokedReissued = { kp: revokedKp, jwt: fresh };
  const revAllKp = newAccountKey();
  const revAll = { kp: revAllKp, pub: revAllKp.getPublicKey(), jwt: await accountJwt('REVALL', revAllKp, world.opSigner, { revocations: { '*': T - 50 } }) };
  const oldUser = await mintUser(revAllKp);
  f.revAllOld = { kp: oldUser.kp, jwt: resign(oldUser.jwt, revAllKp, (c) => (c.iat = T - 100)) };
  f.revAllNew = await mintUser(revAllKp);
  const REV = { kp: A.kp, pub: A.pub, jwt: await accountJwt('A', A.kp, world.opSigner, { revocations: { [revokedKp.getPublicKey()]: T - 50 } }) };

  // An account signed by an operator the server does not trust.
  const rogueOp = newOperatorKey();
  await encodeOperator('ROGUE', rogueOp);
  const untrustedKp = newAccountKey();
  const untrusted = { kp: untrustedKp, pub: untrustedKp.getPublicKey(), jwt: await accountJwt('UNTRUSTED', untrustedKp, rogueOp) };
  f.untrustedUser = await mintUser(untrustedKp);

  // A user of an account the resolver does not know.
  f.unknownAccountUser = await mintUser(newAccountKey());
  // A user claiming account A but signed by a key A does not list.
  f.foreignSigned = await mintUser(A.kp, {}, { signer: newAccountKey() });
  assert.equal(claimsOf(f.foreignSigned.jwt).nats.issuer_account, A.pub);

  f.plain = await mintUser(A.kp);
  f.tampered = { kp: f.plain.kp, jwt: tamper(f.plain.jwt, (c) => (c.nats.pub = { allow: ['>'] })) };
  f.tamperedName = { kp: f.plain.kp, jwt: tamper(f.plain.jwt, (c) => (c.name = 'mallory')) };
  f.expired = await mintUser(A.kp, {}, { exp: T - 10 });
  f.notYet = await mintUser(A.kp, {}, { nbf: T + 3600 });
  f.validWindow = await mintUser(A.kp, {}, { nbf: T - 60, exp: T + 3600 });
  f.bearer = await mintUser(A.kp, { bearer_token: true });
  f.bearerNoBearerAcc = await mintUser(world.accounts.NOBEARER.kp, { bearer_token: true });
  f.noBearerAccSigned = await mintUser(world.accounts.NOBEARER.kp);
  f.websocketOnly = await mintUser(A.kp, { allowed_connection_types: ['WEBSOCKET'] });
  f.standardOk = await mintUser(A.kp, { allowed_connection_types: ['STANDARD', 'WEBSOCKET'] });
  f.srcOther = await mintUser(A.kp, { src: ['10.0.0.0/8', '192.168.1.0/24'] });
  f.srcLocal = await mintUser(A.kp, { src: ['10.0.0.0/8', '127.0.0.0/8'] });
  f.timesOutside = await mintUser(A.kp, { times: [{ start: clock(2 * 3600e3), end: clock(3 * 3600e3) }] });
  f.timesInside = await mintUser(A.kp, { times: [{ start: '00:00:00', end: '23:59:59' }] });

  server = await startOperator(world, { preload: [REV, world.accounts.NOBEARER, untrusted, revAll] });
  watcher = await login(server.port, world.accounts.A.user);
  watcher.send('SUB watch 1\r\n');
  await watcher.flush();
});

after(async () => {
  watcher?.close();
  await server?.close();
});

/** Asserts the login is refused with exactly `-ERR 'Authorization Violation'` and a close. */
async function assertRefused(user, options, what) {
  const r = await refusedLogin(server.port, user, options);
  assert.equal(r.text, AUTH_VIOLATION, `${what}: expected an authorization violation`);
  assert.equal(r.closed, true, `${what}: the server closes the connection`);
}

async function assertAccepted(user, options, what) {
  const r = await jwtLogin(server.port, user, options);
  r.client.close();
  assert.equal(r.ok, true, `${what}: ${JSON.stringify(r.client.text)}`);
}

test('no JWT at all (no credentials, or user/pass, or a token) is refused', async () => {
  await assertRefused(null, {}, 'no credentials');
  await assertRefused(null, { extra: { user: 'a', pass: 'b' } }, 'user/pass');
  await assertRefused(null, { extra: { auth_token: 'secret' } }, 'token');
  // An nkey without a JWT is refused too, even with a valid nonce signature.
  const kp = newUserKey();
  const r = await jwtLogin(server.port, null, { extra: { nkey: kp.getPublicKey() }, sig: 'x' });
  await r.client.waitClosed();
  r.client.close();
  assert.equal(r.client.text.replace(/^INFO [^\r\n]*\r\n/, ''), AUTH_VIOLATION);
  // A protocol op before CONNECT.
  const { rawConnect } = await import('../support/raw.js');
  const c = await rawConnect(server.port, null);
  c.send('SUB x 1\r\n');
  await c.waitClosed();
  c.close();
  assert.match(c.text, /-ERR 'Authorization Violation'\r\n$/);
});

test('a tampered user JWT (claims changed after signing) is refused', async () => {
  await assertAccepted(f.plain, {}, 'the original');
  await assertRefused(f.tampered, {}, 'permissions added');
  await assertRefused(f.tamperedName, {}, 'name changed');
  await assertRefused({ kp: f.plain.kp, jwt: f.plain.jwt.replace(/\.[^.]+$/, '.AAAA') }, {}, 'signature replaced');
  await assertRefused({ kp: f.plain.kp, jwt: 'not.a.jwt' }, {}, 'garbage');
  await assertRefused({ kp: f.plain.kp, jwt: world.accounts.A.jwt }, {}, 'an account JWT as a user JWT');
});

test('a user signed by a key its account does not know is refused', async () => {
  await assertRefused(f.foreignSigned, {}, 'issuer_account A, signer unknown');
  // The issuer_account claim cannot be redirected to another account either.
  const redirected = resign(f.plain.jwt, world.accounts.NOBEARER.kp, (c) => (c.nats.issuer_account = world.accounts.A.pub));
  await assertRefused({ kp: f.plain.kp, jwt: redirected }, {}, 'signed by another account');
});

test('a user of an account the resolver does not know is refused', async () => {
  await assertRefused(f.unknownAccountUser, {}, 'unknown account');
});

test('a user of an account signed by an untrusted operator is refused', async () => {
  await assertRefused(f.untrustedUser, {}, 'untrusted operator');
});

test('the nonce signature must be by the user key, over this connection nonce', async () => {
  await assertRefused(f.plain, { sig: signNonce(f.plain.kp, 'some-other-nonce') }, 'wrong nonce');
  await assertRefused(f.plain, { sign: false }, 'no signature');
  await assertRefused(f.plain, { sig: '' }, 'empty signature');
  await assertRefused(f.plain, { sig: '!!!not base64!!!' }, 'signature not base64');
  const other = newUserKey();
  const r = await jwtLogin(server.port, { jwt: f.plain.jwt, kp: other });
  await r.client.waitClosed();
  r.client.close();
  assert.equal(r.client.text.replace(/^INFO [^\r\n]*\r\n/, ''), AUTH_VIOLATION, 'signed by another key');
  // A nonce from an earlier connection does not work on a new one.
  const first = await jwtLogin(server.port, f.plain);
  first.client.close();
  assert.equal(first.ok, true);
  await assertRefused(f.plain, { sig: signNonce(f.plain.kp, first.info.nonce) }, 'replayed signature');
});

test('standard base64 signatures are accepted as well as raw URL base64', async () => {
  const { rawConnect, parseInfo } = await import('../support/raw.js');
  const client = await rawConnect(server.port, null);
  try {
    const { nonce } = parseInfo(client.text);
    const sig = Buffer.from(f.plain.kp.sign(new TextEncoder().encode(nonce))).toString('base64');
    client.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, jwt: f.plain.jwt, sig })}\r\nPING\r\n`);
    await client.expect('PONG\r\n');
    assert.doesNotMatch(client.text, /-ERR/);
  } finally {
    client.close();
  }
});

test('an expired user JWT and a not yet valid one are refused', async () => {
  await assertRefused(f.expired, {}, 'expired');
  await assertRefused(f.notYet, {}, 'nbf in the future');
  await assertAccepted(f.validWindow, {}, 'nbf in the past, exp in the future');
});

test('users revoked by their account are refused; a later JWT for the same key is not', async () => {
  await assertRefused(f.revokedOld, {}, 'issued before the revocation');
  await assertAccepted(f.revokedReissued, {}, 'issued after the revocation');
  await assertRefused(f.revAllOld, {}, 'revoked by "*"');
  await assertAccepted(f.revAllNew, {}, 'issued after the "*" revocation');
});

test('bearer tokens need no signature, unless the account disallows bearer tokens', async () => {
  await assertAccepted(f.bearer, { sign: false }, 'bearer without signature');
  await assertAccepted(f.bearer, { sig: 'garbage' }, 'bearer with a meaningless signature');
  await assertRefused(f.bearerNoBearerAcc, { sign: false }, 'bearer in a disallow_bearer account');
  await assertRefused(f.bearerNoBearerAcc, {}, 'bearer in a disallow_bearer account, even signed');
  await assertAccepted(f.noBearerAccSigned, {}, 'a signed non-bearer user of that account');
  await assertRefused(f.noBearerAccSigned, { sign: false }, 'a non-bearer user without signature');
});

test('allowed_connection_types without STANDARD refuses a plain TCP client', async () => {
  await assertRefused(f.websocketOnly, {}, 'WEBSOCKET only');
  await assertAccepted(f.standardOk, {}, 'STANDARD listed');
});

test('src CIDRs that do not contain 127.0.0.1 refuse the client', async () => {
  await assertRefused(f.srcOther, {}, 'src 10/8, 192.168.1/24');
  await assertAccepted(f.srcLocal, {}, 'src including 127/8');
});

test('connect times that exclude now refuse the client', async () => {
  await assertRefused(f.timesOutside, {}, 'a window two hours from now');
  await assertAccepted(f.timesInside, {}, 'the whole day');
});

test('connected clients are unaffected by the refusals', async () => {
  const other = await login(server.port, f.plain);
  try {
    other.send(pub('watch', 'still here'));
    await other.flush();
    await watcher.waitUntil((t) => parseMsgs(t).length >= 1);
    assert.equal(watcher.closed, false);
    assert.deepEqual(
      parseMsgs(watcher.text).map((m) => m.payload),
      ['still here'],
    );
    assert.doesNotMatch(watcher.text, /-ERR/);
  } finally {
    other.close();
  }
});
