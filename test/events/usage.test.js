// The account usage service: every account imports $SYS.REQ.ACCOUNT.PING.STATZ,
// $SYS.REQ.ACCOUNT.PING.CONNZ and $SYS.REQ.SERVER.PING.CONNZ from the system account,
// mapped to its own $SYS.REQ.ACCOUNT.<name>.* — so a user of any account can read its
// own connections, subscriptions and traffic, and never another account's, whatever
// the request body asks for. With config accounts and with JWT accounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { ACCOUNT_SENTINEL, ask, assertNoReply, exchange, login, startEvents } from './_helpers.js';
import { makeWorld, startOperator } from '../operator/_helpers.js';

const asAccount = { until: ACCOUNT_SENTINEL };

/**
 * Traffic in both accounts, then checks what a user of each sees through the usage
 * service. `users` holds one official-client connection per account name, plus a
 * second one in A (`A2`).
 */
async function checkIsolation(users) {
  const { A, A2, B } = users;
  A.subscribe('work.>');
  A2.subscribe('work.items', { queue: 'q' });
  B.subscribe('b.only');
  await Promise.all([A.flush(), A2.flush(), B.flush()]);
  A2.publish('work.items', 'abcd');
  A2.publish('work.items', 'ef');
  B.publish('b.only', 'xyz');
  B.publish('nowhere', 'z');
  await Promise.all([A2.flush(), B.flush()]);
  // Deliveries are done once a request through the same connection is answered.
  await Promise.all([ask(A, '$SYS.REQ.ACCOUNT.PING.STATZ', '', asAccount), ask(B, '$SYS.REQ.ACCOUNT.PING.STATZ', '', asAccount)]);

  // STATZ: the account's own statistics only, even when the body names others.
  for (const body of ['', '{"accounts":["B"]}', '{"accounts":["A","B","SYS","$G"],"include_unused":true}']) {
    const statz = (await ask(A, '$SYS.REQ.ACCOUNT.PING.STATZ', body, asAccount)).data.account_statz;
    assert.deepEqual(
      statz.map((s) => s.acc),
      [users.names.A],
      `A asks ${body}`,
    );
    assert.equal(statz[0].conns, 2);
    // Both messages to both subscribers, and the usage replies; A's clients published the two and their usage requests.
    assert.ok(statz[0].sent.msgs >= 4 + 1 && statz[0].received.msgs >= 2 + 1, JSON.stringify(statz[0]));
  }
  const bStatz = (await ask(B, '$SYS.REQ.ACCOUNT.PING.STATZ', '{"accounts":["A"]}', asAccount)).data.account_statz;
  assert.deepEqual(
    bStatz.map((s) => [s.acc, s.conns]),
    [[users.names.B, 1]],
  );
  assert.ok(bStatz[0].sent.msgs >= 1 + 1 && bStatz[0].received.msgs >= 2 + 1, JSON.stringify(bStatz[0]));

  // CONNZ, on both imported subjects: the account's connections with their subscriptions, and nobody else's.
  for (const subject of ['$SYS.REQ.ACCOUNT.PING.CONNZ', '$SYS.REQ.SERVER.PING.CONNZ']) {
    for (const body of ['', JSON.stringify({ acc: users.names.B, subscriptions: true }), '{"acc":"SYS"}', '{"state":2}']) {
      const connz = (await ask(A, subject, body, asAccount)).data;
      assert.deepEqual(
        connz.connections.map((c) => c.name).sort(),
        ['A', 'A2'],
        `A asks ${subject} ${body}`,
      );
    }
    const detail = (await ask(A, subject, '{"subscriptions":true}', asAccount)).data;
    assert.deepEqual(
      // Besides the clients' own inboxes.
      Object.fromEntries(detail.connections.map((c) => [c.name, c.subscriptions_list.filter((s) => !s.startsWith('_INBOX.'))])),
      { A: ['work.>'], A2: ['work.items'] },
    );
    const b = (await ask(B, subject, JSON.stringify({ acc: users.names.A }), asAccount)).data;
    assert.deepEqual(
      b.connections.map((c) => [c.name, c.in_msgs >= 2]),
      [['B', true]],
    );
  }

  // The system account's own subjects are not reachable from an account.
  for (const subject of [`$SYS.REQ.ACCOUNT.${users.names.B}.CONNZ`, `$SYS.REQ.ACCOUNT.${users.names.B}.STATZ`, '$SYS.REQ.SERVER.PING.VARZ', '$SYS.REQ.SERVER.PING', '$SYS.REQ.ACCOUNT.PING.INFO']) {
    await assertNoReply(A, subject, '', asAccount);
  }
  // Nor are the usage replies meant for another account's requester.
  const spy = A.subscribe('>');
  await A.flush();
  await ask(B, '$SYS.REQ.ACCOUNT.PING.CONNZ', '', asAccount);
  await A.flush();
  assert.deepEqual(
    spy.getProcessed(),
    0,
    'A saw nothing of B\'s request',
  );
  spy.unsubscribe();

  // A bad body gets the error envelope back through the import.
  const bad = await ask(A, '$SYS.REQ.ACCOUNT.PING.CONNZ', '{bad', asAccount);
  assert.deepEqual(bad.error, { code: 400, description: "invalid character 'b' looking for beginning of object key string" });
}

test('config accounts: each account reads its own usage and never another\'s', async () => {
  const srv = await startEvents();
  const conns = [];
  try {
    const users = { A: await login(srv.url, 'a', { name: 'A' }), A2: await login(srv.url, 'a2', { name: 'A2' }), B: await login(srv.url, 'b', { name: 'B' }), names: { A: 'A', B: 'B' } };
    conns.push(users.A, users.A2, users.B);
    await checkIsolation(users);
    // The system account sees each account's exact traffic (its requests do not count in them).
    const sys = await login(srv.url, 'sys');
    conns.push(sys);
    const [b] = (await ask(sys, '$SYS.REQ.ACCOUNT.B.STATZ')).data.account_statz;
    const bConnz = (await ask(sys, '$SYS.REQ.ACCOUNT.B.CONNZ')).data.connections[0];
    assert.deepEqual([b.conns, b.received.msgs, b.sent.msgs], [1, bConnz.in_msgs, bConnz.out_msgs]);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await srv.close();
  }
});

test('JWT accounts: the system imports are added when an account is loaded, with the same isolation', async () => {
  const world = await makeWorld({ A: {}, B: {} });
  const srv = await startOperator(world, { preload: [world.accounts.A, world.accounts.B] });
  const conns = [];
  const as = async (user, name) => {
    const nc = await connect({ servers: srv.url, name, reconnect: false, authenticator: credsAuthenticator(user.creds) });
    conns.push(nc);
    return nc;
  };
  try {
    const users = { A: await as(world.accounts.A.user, 'A'), A2: await as(world.accounts.A.user, 'A2'), B: await as(world.accounts.B.user, 'B'), names: { A: world.accounts.A.pub, B: world.accounts.B.pub } };
    const sys = await as(world.sys.user, 'sys');
    await checkIsolation(users);
    // The system account sees both.
    const all = (await ask(sys, '$SYS.REQ.ACCOUNT.PING.STATZ')).data.account_statz.map((s) => s.acc);
    assert.deepEqual(all.sort(), [world.accounts.A.pub, world.accounts.B.pub, world.sys.pub].sort());
    assert.equal((await exchange(sys, `$SYS.REQ.ACCOUNT.${world.accounts.A.pub}.CONNZ`))[0].json().data.total, 2);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await srv.close();
  }
});
