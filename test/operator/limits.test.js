// Limits from JWTs: the account's `conn` (active connections), `subs` (per connection,
// with the user's own `subs`, the lower wins) and `payload` (advertised to the client
// in an INFO after CONNECT, enforced with `Maximum Payload Violation`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import { errLines, jwtLogin, login, makeWorld, mintUser, parseMsgs, pub, refusedLogin, startOperator } from './_helpers.js';
import { waitFor } from '../support/servers.js';
import { parseInfo } from '../support/raw.js';

let world;
let server;
const u = {};

before(async () => {
  world = await makeWorld({
    CONN: { limits: { conn: 2 } },
    SUBS: { limits: { subs: 3 } },
    PAY: { limits: { payload: 50 } },
    FREE: {},
  });
  const { CONN, SUBS, PAY, FREE } = world.accounts;
  u.conn = [CONN.user, await mintUser(CONN.kp), await mintUser(CONN.kp), await mintUser(CONN.kp)];
  u.userSubs = await mintUser(FREE.kp, { subs: 2 });
  u.accSubs = SUBS.user;
  u.bothSubs = await mintUser(SUBS.kp, { subs: 5 });
  u.userPay = await mintUser(FREE.kp, { payload: 100 });
  u.accPay = PAY.user;
  u.bothPay = await mintUser(PAY.kp, { payload: 80 });
  u.free = FREE.user;
  server = await startOperator(world, { preload: Object.values(world.accounts) });
});

after(async () => {
  await server?.close();
});

test('account limits.conn: the connection over the limit is refused, others are not', async () => {
  const a = await login(server.port, u.conn[0]);
  const b = await login(server.port, u.conn[1]);
  const other = await login(server.port, u.free);
  let d;
  try {
    const r = await refusedLogin(server.port, u.conn[2]);
    assert.equal(r.text, "-ERR 'maximum account active connections exceeded'\r\n");
    assert.equal(r.closed, true);
    // The same user as an existing connection counts too.
    const again = await refusedLogin(server.port, u.conn[0]);
    assert.equal(again.text, "-ERR 'maximum account active connections exceeded'\r\n");
    // Existing connections are unaffected.
    a.send('SUB c 1\r\n');
    await a.flush();
    b.send(pub('c', 'hi'));
    await b.flush();
    await a.waitUntil((t) => parseMsgs(t).length === 1);
    // Other accounts are not limited.
    const more = await login(server.port, await mintUser(world.accounts.FREE.kp));
    more.close();
    // Once one leaves, a new connection fits.
    b.close();
    d = await waitFor(async () => {
      const r2 = await jwtLogin(server.port, u.conn[3]);
      if (r2.ok) return r2.client;
      r2.client.close();
      return null;
    });
    assert.equal(d.closed, false);
  } finally {
    a.close();
    b.close();
    other.close();
    d?.close();
  }
});

test('user subs limit: the subscription over it is refused, the connection stays', async () => {
  const c = await login(server.port, u.userSubs);
  try {
    c.send('SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n');
    await c.flush();
    assert.deepEqual(errLines(c.text), [`-ERR 'maximum subscriptions exceeded'`]);
    assert.equal(c.closed, false);
    c.clear();
    c.send('UNSUB 1\r\nSUB d 4\r\n');
    await c.flush();
    assert.deepEqual(errLines(c.text), []);
    // The refused SUB 3 does not exist: nothing is delivered on it.
    c.send(pub('c', 'x') + pub('d', 'y'));
    await c.flush();
    await c.waitUntil((t) => parseMsgs(t).length >= 1);
    await c.flush();
    assert.deepEqual(parseMsgs(c.text).map((m) => m.sid), ['4']);
  } finally {
    c.close();
  }
});

test('account subs limit applies per connection; the lower of user and account wins', async () => {
  const a = await login(server.port, u.accSubs);
  const b = await login(server.port, u.bothSubs);
  try {
    a.send('SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\nSUB s.4 4\r\n');
    b.send('SUB s.1 1\r\nSUB s.2 2\r\nSUB s.3 3\r\nSUB s.4 4\r\n');
    await a.flush();
    await b.flush();
    assert.deepEqual(errLines(a.text), [`-ERR 'maximum subscriptions exceeded'`]);
    assert.deepEqual(errLines(b.text), [`-ERR 'maximum subscriptions exceeded'`], 'user subs 5, account subs 3');
  } finally {
    a.close();
    b.close();
  }
});

/** Logs in raw and returns the max_payload of the last INFO received before the PONG. */
async function advertisedPayload(user) {
  const r = await jwtLogin(server.port, user);
  try {
    assert.equal(r.ok, true, r.client.text);
    await r.client.flush(); // nats-server sends the INFO right after the first PONG
    const infos = r.client.text.match(/INFO \{.*\} ?\r\n/g);
    return { first: r.info.max_payload, last: parseInfo(infos[infos.length - 1]).max_payload, infos: infos.length };
  } finally {
    r.client.close();
  }
}

test('payload limits are advertised in an INFO sent after CONNECT', async () => {
  assert.deepEqual(await advertisedPayload(u.userPay), { first: 1048576, last: 100, infos: 2 });
  assert.deepEqual(await advertisedPayload(u.accPay), { first: 1048576, last: 50, infos: 2 });
  assert.deepEqual(await advertisedPayload(u.bothPay), { first: 1048576, last: 50, infos: 2 });
  // Without payload limits no second INFO is sent.
  assert.deepEqual(await advertisedPayload(u.free), { first: 1048576, last: 1048576, infos: 1 });
});

test('payload over the JWT limit: Maximum Payload Violation and close', async () => {
  const c = await login(server.port, u.userPay);
  try {
    c.send(pub('p', 'x'.repeat(100)));
    await c.flush();
    assert.deepEqual(errLines(c.text), []);
    c.send(pub('p', 'x'.repeat(101)));
    await c.waitClosed();
    assert.deepEqual(errLines(c.text), [`-ERR 'Maximum Payload Violation'`]);
  } finally {
    c.close();
  }
  const a = await login(server.port, u.accPay);
  try {
    a.send(pub('p', 'y'.repeat(51)));
    await a.waitClosed();
    assert.deepEqual(errLines(a.text), [`-ERR 'Maximum Payload Violation'`]);
  } finally {
    a.close();
  }
});

test('v3 client: sees the smaller max_payload and refuses larger publishes itself', async () => {
  const nc = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(u.userPay.creds), reconnect: false });
  try {
    await nc.flush();
    assert.equal(nc.info.max_payload, 100);
    assert.throws(() => nc.publish('p', new Uint8Array(101)), /max_payload|payload/i);
    nc.publish('p', new Uint8Array(100));
    await nc.flush();
    assert.equal(nc.isClosed(), false);
  } finally {
    await nc.close();
  }
});
