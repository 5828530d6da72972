// Operator mode, the happy path: users with creds files or JWT + seed connect through
// both official clients, publish and subscribe inside their own account, and accounts
// stay isolated from each other. Every INFO carries a fresh nonce and auth_required.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import * as v2 from 'nats';
import { fmtCreds, login, makeWorld, mintUser, parseMsgs, pub, refusedLogin, startOperator, td, AUTH_VIOLATION } from './_helpers.js';
import { parseInfo, rawConnect } from '../support/raw.js';

let world;
let server;

before(async () => {
  world = await makeWorld({ A: {}, B: {} });
  world.accounts.A.second = await mintUser(world.accounts.A.kp, {}, {}, 'a2');
  server = await startOperator(world, { preload: [world.accounts.A, world.accounts.B] });
});

after(async () => {
  await server?.close();
});

const CLIENTS = [
  {
    name: 'v3 (@nats-io/transport-node)',
    connect: (url, user) => v3.connect({ servers: url, authenticator: v3.credsAuthenticator(user.creds), reconnect: false }),
    connectJwt: (url, user) => v3.connect({ servers: url, authenticator: v3.jwtAuthenticator(user.jwt, user.kp.getSeed()), reconnect: false }),
  },
  {
    name: 'v2 (nats)',
    connect: (url, user) => v2.connect({ servers: url, authenticator: v2.credsAuthenticator(user.creds), reconnect: false }),
    connectJwt: (url, user) => v2.connect({ servers: url, authenticator: v2.jwtAuthenticator(user.jwt, user.kp.getSeed()), reconnect: false }),
  },
];

/** Collects up to `n` messages of `sub` (resolves early when n arrive, else after `ms`). */
async function collect(sub, n, ms = 1000) {
  const got = [];
  const timer = setTimeout(() => sub.unsubscribe(), ms);
  for await (const m of sub) {
    got.push({ subject: m.subject, data: td.decode(m.data) });
    if (got.length >= n) break;
  }
  clearTimeout(timer);
  return got;
}

for (const c of CLIENTS) {
  test(`${c.name}: a creds-file user publishes and subscribes in its account`, async () => {
    const sender = await c.connect(server.url, world.accounts.A.user);
    const receiver = await c.connect(server.url, world.accounts.A.second);
    try {
      const sub = receiver.subscribe('orders.*');
      await receiver.flush();
      const got = collect(sub, 2);
      sender.publish('orders.new', 'one');
      sender.publish('orders.old', 'two');
      await sender.flush();
      assert.deepEqual(await got, [
        { subject: 'orders.new', data: 'one' },
        { subject: 'orders.old', data: 'two' },
      ]);
      // Request/reply inside the account.
      const svc = receiver.subscribe('svc.echo', { callback: (_e, m) => m.respond(`echo:${td.decode(m.data)}`) });
      await receiver.flush();
      const reply = await sender.request('svc.echo', 'hi', { timeout: 2000 });
      assert.equal(td.decode(reply.data), 'echo:hi');
      svc.unsubscribe();
    } finally {
      await sender.close();
      await receiver.close();
    }
  });

  test(`${c.name}: jwtAuthenticator with the JWT and the seed connects too`, async () => {
    const nc = await c.connectJwt(server.url, world.accounts.B.user);
    try {
      const sub = nc.subscribe('b.x', { max: 1 });
      const got = collect(sub, 1);
      nc.publish('b.x', 'hello');
      assert.deepEqual(await got, [{ subject: 'b.x', data: 'hello' }]);
      assert.equal(nc.info.auth_required, true);
      assert.equal(typeof nc.info.nonce, 'string');
    } finally {
      await nc.close();
    }
  });

  test(`${c.name}: accounts are isolated from each other`, async () => {
    const a = await c.connect(server.url, world.accounts.A.user);
    const b = await c.connect(server.url, world.accounts.B.user);
    try {
      const inB = b.subscribe('>');
      const inA = a.subscribe('shared.subject');
      await b.flush();
      await a.flush();
      const gotB = collect(inB, 1, 400);
      const gotA = collect(inA, 1, 1000);
      a.publish('shared.subject', 'from A');
      await a.flush();
      assert.deepEqual(await gotA, [{ subject: 'shared.subject', data: 'from A' }]);
      assert.deepEqual(await gotB, [], 'B must not see A traffic');
      // And no request from B reaches a responder in A.
      const svc = a.subscribe('svc.a', { callback: (_e, m) => m.respond('a') });
      await a.flush();
      await assert.rejects(b.request('svc.a', '', { timeout: 500 }));
      svc.unsubscribe();
    } finally {
      await a.close();
      await b.close();
    }
  });

  test(`${c.name}: a refused user gets an authorization error from connect()`, async () => {
    // Creds whose seed does not match the JWT subject: the nonce signature fails.
    const stranger = await mintUser(world.accounts.A.kp);
    const forged = { ...stranger, creds: fmtCreds(stranger.jwt, world.accounts.A.second.kp) };
    await assert.rejects(c.connect(server.url, forged), (err) => /authorization violation/i.test(`${err.message} ${err.cause?.message ?? ''}`));
  });
}

test('raw: INFO carries auth_required and a fresh nonce on every connection', async () => {
  const nonces = new Set();
  for (let i = 0; i < 3; i++) {
    const c = await rawConnect(server.port, null);
    const info = parseInfo(c.text);
    c.close();
    assert.equal(info.auth_required, true);
    assert.equal(typeof info.nonce, 'string');
    assert.ok(info.nonce.length >= 11, `nonce ${info.nonce}`);
    assert.match(info.nonce, /^[A-Za-z0-9_-]+$/);
    nonces.add(info.nonce);
  }
  assert.equal(nonces.size, 3, 'every connection gets its own nonce');
  // Also right after a refusal.
  const r = await refusedLogin(server.port, null);
  assert.equal(r.text, AUTH_VIOLATION);
  const c = await rawConnect(server.port, null);
  assert.equal(parseInfo(c.text).auth_required, true);
  c.close();
});

test('raw: a signed JWT login is followed by normal traffic in the account', async () => {
  const a1 = await login(server.port, world.accounts.A.user);
  const a2 = await login(server.port, world.accounts.A.second);
  const b = await login(server.port, world.accounts.B.user);
  try {
    a1.send('SUB t.> 1\r\n');
    b.send('SUB t.> 1\r\n');
    await a1.flush();
    await b.flush();
    a2.send(pub('t.x', 'payload'));
    await a2.flush();
    await a1.waitUntil((t) => parseMsgs(t).length === 1);
    assert.deepEqual(parseMsgs(a1.text), [{ subject: 't.x', sid: '1', reply: '', headers: '', payload: 'payload' }]);
    await b.flush();
    assert.equal(parseMsgs(b.text).length, 0);
  } finally {
    a1.close();
    a2.close();
    b.close();
  }
});
