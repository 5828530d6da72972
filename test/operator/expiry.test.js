// Credentials that expire while connected: a user JWT (exp, or the end of its
// connect-time window) ends with `-ERR 'User Authentication Expired'`, an account JWT
// with `-ERR 'Account Authentication Expired'` for every user of the account; each
// closes the connection and leaves other clients alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import { AUTH_VIOLATION, accountJwt, claimsOf, errLines, login, makeWorld, mintUser, newAccountKey, nowSec, parseMsgs, pub, refusedLogin, sleep, startOperator } from './_helpers.js';

let world;
let server;

function clock(offsetMs) {
  const d = new Date(Date.now() + offsetMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

before(async () => {
  world = await makeWorld({ A: {} });
  server = await startOperator(world, { preload: [world.accounts.A] });
});

after(async () => {
  await server?.close();
});

test('a user JWT expiring while connected: User Authentication Expired, then close', async () => {
  const short = await mintUser(world.accounts.A.kp, {}, { exp: nowSec() + 2 });
  const started = Date.now();
  const c = await login(server.port, short);
  const stay = await login(server.port, world.accounts.A.user);
  try {
    c.send('SUB x 1\r\n');
    await c.flush();
    await c.waitClosed(5000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed <= 3500, `closed after ${elapsed} ms`);
    assert.deepEqual(errLines(c.text), [`-ERR 'User Authentication Expired'`]);
    assert.match(c.text, /-ERR 'User Authentication Expired'\r\n$/);
    // Other clients of the account stay.
    await stay.flush();
    assert.equal(stay.closed, false);
    // And once its exp second has passed, the same JWT can no longer log in.
    const exp = claimsOf(short.jwt).exp;
    while (Date.now() / 1000 < exp + 1) await sleep(100);
    const r = await refusedLogin(server.port, short);
    assert.equal(r.text, AUTH_VIOLATION);
  } finally {
    c.close();
    stay.close();
  }
});

test('the end of the user connect-time window also expires the connection', async () => {
  const windowed = await mintUser(world.accounts.A.kp, { times: [{ start: '00:00:00', end: clock(2500) }] });
  const c = await login(server.port, windowed);
  try {
    await c.waitClosed(5000);
    assert.deepEqual(errLines(c.text), [`-ERR 'User Authentication Expired'`]);
  } finally {
    c.close();
  }
});

test('v3 client: an expiring user JWT closes the connection with an expiry error', async () => {
  const short = await mintUser(world.accounts.A.kp, {}, { exp: nowSec() + 2 });
  const nc = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(short.creds), reconnect: false });
  const err = await nc.closed();
  assert.ok(err instanceof Error, `closed with ${err}`);
  assert.match(`${err.message} ${err.cause?.message ?? ''}`, /user authentication expired/i);
});

test('an account JWT expiring: Account Authentication Expired for all its users', async () => {
  const kp = newAccountKey();
  const expiring = { kp, pub: kp.getPublicKey(), jwt: await accountJwt('EXP', kp, world.opSigner, {}, { exp: nowSec() + 3 }) };
  const s = await startOperator(world, { preload: [world.accounts.A, expiring] });
  const a = await login(s.port, await mintUser(kp));
  const b = await login(s.port, await mintUser(kp));
  const other = await login(s.port, world.accounts.A.user);
  try {
    a.send('SUB e 1\r\n');
    await a.flush();
    b.send(pub('e', 'before expiry'));
    await b.flush();
    await a.waitUntil((t) => parseMsgs(t).length === 1);
    await Promise.all([a.waitClosed(8000), b.waitClosed(8000)]);
    for (const c of [a, b]) {
      assert.deepEqual(errLines(c.text), [`-ERR 'Account Authentication Expired'`]);
    }
    await other.flush();
    assert.equal(other.closed, false);
    // New logins to the expired account are refused.
    const r = await refusedLogin(s.port, await mintUser(kp));
    assert.equal(r.text, AUTH_VIOLATION);
  } finally {
    a.close();
    b.close();
    other.close();
    await s.close();
  }
});
