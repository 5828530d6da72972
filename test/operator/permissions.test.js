// Permissions from user JWTs (pub/sub allow and deny lists, queue entries, resp) and
// the account's default_permissions for users that carry none, checked with the exact
// `-ERR 'Permissions Violation …'` texts; violations leave the connection open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import { errLines, login, makeWorld, mintUser, parseMsgs, pub, sleep, startOperator } from './_helpers.js';

let world;
let server;
const u = {};

before(async () => {
  world = await makeWorld({
    A: {},
    DP: { default_permissions: { pub: { deny: ['admin.>'] }, sub: { allow: ['public.>', '_INBOX.>'] } } },
  });
  const A = world.accounts.A.kp;
  const DP = world.accounts.DP.kp;
  u.observer = world.accounts.A.user;
  u.pubPerms = await mintUser(A, { pub: { allow: ['foo.>', 'req'], deny: ['foo.secret'] } });
  u.pubDenyAll = await mintUser(A, { pub: { deny: ['>'] } });
  u.subPerms = await mintUser(A, { sub: { allow: ['foo.>', 'q.* grp'], deny: ['foo.secret'] } });
  u.resp = await mintUser(A, { resp: { max: 1, ttl: 0 }, sub: { allow: ['svc'] } });
  u.respTtl = await mintUser(A, { resp: { max: 5, ttl: 300_000_000 } });
  u.dpPlain = world.accounts.DP.user;
  u.dpOwn = await mintUser(DP, { pub: { allow: ['admin.ok'] } });
  server = await startOperator(world, { preload: [world.accounts.A, world.accounts.DP] });
});

after(async () => {
  await server?.close();
});

test('publish allow/deny from the user JWT', async () => {
  const obs = await login(server.port, u.observer);
  const c = await login(server.port, u.pubPerms);
  try {
    obs.send('SUB > 1\r\n');
    await obs.flush();
    c.send(pub('foo.a', '1') + pub('foo.secret', 'x') + pub('bar', 'x') + pub('req', '2') + pub('foo.b.c', '3'));
    await c.flush();
    assert.deepEqual(errLines(c.text), [
      `-ERR 'Permissions Violation for Publish to "foo.secret"'`,
      `-ERR 'Permissions Violation for Publish to "bar"'`,
    ]);
    assert.equal(c.closed, false);
    await obs.waitUntil((t) => parseMsgs(t).length >= 3);
    await obs.flush();
    assert.deepEqual(parseMsgs(obs.text).map((m) => m.subject), ['foo.a', 'req', 'foo.b.c']);
    // Reserved reply subjects are refused whatever the permissions.
    c.clear();
    c.send(pub('foo.a', 'x', '_R_.abc.def'));
    await c.flush();
    assert.deepEqual(errLines(c.text), [`-ERR 'Permissions Violation for Publish with Reply of "_R_.abc.def"'`]);
  } finally {
    obs.close();
    c.close();
  }
});

test('pub deny ">" refuses every publish but subscriptions work', async () => {
  const c = await login(server.port, u.pubDenyAll);
  const obs = await login(server.port, u.observer);
  try {
    c.send(`SUB anything 1\r\n${pub('anything', 'x')}${pub('_INBOX.x', 'y')}`);
    await c.flush();
    assert.deepEqual(errLines(c.text), [`-ERR 'Permissions Violation for Publish to "anything"'`, `-ERR 'Permissions Violation for Publish to "_INBOX.x"'`]);
    obs.send(pub('anything', 'from obs'));
    await obs.flush();
    await c.waitUntil((t) => parseMsgs(t).length === 1);
    assert.equal(parseMsgs(c.text)[0].payload, 'from obs');
  } finally {
    c.close();
    obs.close();
  }
});

test('subscribe allow/deny and queue entries from the user JWT', async () => {
  const c = await login(server.port, u.subPerms);
  const obs = await login(server.port, u.observer);
  try {
    c.send('SUB foo.> 1\r\nSUB foo.secret 2\r\nSUB bar 3\r\nSUB q.x grp 4\r\nSUB q.x other 5\r\nSUB q.x 6\r\n');
    await c.flush();
    assert.deepEqual(errLines(c.text), [
      `-ERR 'Permissions Violation for Subscription to "foo.secret"'`,
      `-ERR 'Permissions Violation for Subscription to "bar"'`,
      `-ERR 'Permissions Violation for Subscription to "q.x" using queue "other"'`,
      `-ERR 'Permissions Violation for Subscription to "q.x"'`,
    ]);
    assert.equal(c.closed, false);
    c.clear();
    // The wildcard subscription does not deliver the denied subject.
    obs.send(pub('foo.secret', 'hidden') + pub('foo.open', 'seen') + pub('q.x', 'queued'));
    await obs.flush();
    await c.waitUntil((t) => parseMsgs(t).length >= 2);
    await sleep(50);
    await c.flush();
    assert.deepEqual(
      parseMsgs(c.text).map((m) => `${m.sid}:${m.subject}=${m.payload}`).sort(),
      ['1:foo.open=seen', '4:q.x=queued'],
    );
  } finally {
    c.close();
    obs.close();
  }
});

test('resp: a responder without publish permissions may answer each request once', async () => {
  const svc = await login(server.port, u.resp);
  const req = await login(server.port, u.observer);
  try {
    svc.send('SUB svc 1\r\n');
    await svc.flush();
    req.send(`SUB _INBOX.r.> 9\r\n${pub('svc', 'q1', '_INBOX.r.1')}`);
    await req.flush();
    await svc.waitUntil((t) => parseMsgs(t).length === 1);
    assert.equal(parseMsgs(svc.text)[0].reply, '_INBOX.r.1');
    svc.clear();
    svc.send(pub('_INBOX.r.1', 'answer') + pub('_INBOX.r.1', 'again') + pub('elsewhere', 'x'));
    await svc.flush();
    assert.deepEqual(errLines(svc.text), [
      `-ERR 'Permissions Violation for Publish to "_INBOX.r.1"'`,
      `-ERR 'Permissions Violation for Publish to "elsewhere"'`,
    ]);
    await req.waitUntil((t) => parseMsgs(t).length >= 1);
    await req.flush();
    assert.deepEqual(parseMsgs(req.text).map((m) => m.payload), ['answer']);
  } finally {
    svc.close();
    req.close();
  }
});

test('resp ttl: the permission to reply expires', async () => {
  const svc = await login(server.port, u.respTtl);
  const req = await login(server.port, u.observer);
  try {
    svc.send('SUB svc2 1\r\n');
    await svc.flush();
    req.send(`SUB _INBOX.t.> 9\r\n${pub('svc2', 'a', '_INBOX.t.1')}${pub('svc2', 'b', '_INBOX.t.2')}`);
    await req.flush();
    await svc.waitUntil((t) => parseMsgs(t).length === 2);
    svc.clear();
    svc.send(pub('_INBOX.t.1', 'in time') + pub('_INBOX.t.1', 'twice is fine (max 5)'));
    await svc.flush();
    assert.deepEqual(errLines(svc.text), []);
    await sleep(600);
    svc.send(pub('_INBOX.t.2', 'too late'));
    await svc.flush();
    assert.deepEqual(errLines(svc.text), [`-ERR 'Permissions Violation for Publish to "_INBOX.t.2"'`]);
    await req.flush();
    assert.deepEqual(parseMsgs(req.text).map((m) => m.payload), ['in time', 'twice is fine (max 5)']);
  } finally {
    svc.close();
    req.close();
  }
});

test('account default_permissions apply to users without their own', async () => {
  const c = await login(server.port, u.dpPlain);
  try {
    c.send(`${pub('admin.x', 'no')}${pub('other', 'ok')}SUB private 1\r\nSUB public.news 2\r\n`);
    await c.flush();
    assert.deepEqual(errLines(c.text), [
      `-ERR 'Permissions Violation for Publish to "admin.x"'`,
      `-ERR 'Permissions Violation for Subscription to "private"'`,
    ]);
  } finally {
    c.close();
  }
});

test('a user with its own permissions is not subject to the account defaults', async () => {
  const c = await login(server.port, u.dpOwn);
  try {
    c.send(`SUB private 1\r\n${pub('admin.ok', 'own allow')}${pub('admin.x', 'no')}`);
    await c.flush();
    assert.deepEqual(errLines(c.text), [`-ERR 'Permissions Violation for Publish to "admin.x"'`]);
    assert.deepEqual(parseMsgs(c.text), []);
  } finally {
    c.close();
  }
});

test('v3 client: a denied subscription is closed with a permissions error', async () => {
  const nc = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(u.subPerms.creds), reconnect: false });
  try {
    const sub = nc.subscribe('bar');
    const err = await sub.closed;
    assert.ok(err instanceof Error, `closed with ${err}`);
    assert.match(err.message, /Permissions Violation for Subscription to "bar"/);
    // The connection stays usable.
    const ok = nc.subscribe('foo.ok', { max: 1 });
    await nc.flush();
    assert.equal(nc.isClosed(), false);
    ok.unsubscribe();
  } finally {
    await nc.close();
  }
});
