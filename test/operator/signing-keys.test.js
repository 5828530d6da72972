// Signing keys in operator mode: an account's plain signing key issues users (who then
// carry issuer_account), a scoped signing key imposes its template permissions and
// limits (and refuses users that carry their own), and operator signing keys sign
// accounts (the identity key too, unless the operator is strict).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import {
  AUTH_VIOLATION,
  accountJwt,
  claimsOf,
  encodeOperator,
  errLines,
  login,
  makeWorld,
  mintUser,
  newAccountKey,
  newOperatorKey,
  newScopedSigner,
  parseMsgs,
  pub,
  refusedLogin,
  startOperator,
  sysRequest,
  td,
} from './_helpers.js';

let world;
let server;
const f = {};

before(async () => {
  world = await makeWorld();
  const kp = newAccountKey();
  const plainSk = newAccountKey();
  const scopedSk = newAccountKey();
  const otherScopedSk = newAccountKey();
  const scope = newScopedSigner(scopedSk, 'dev', {
    pub: { allow: ['app.{{name()}}.>', 'team.{{tag(team)}}.>'], deny: ['app.{{name()}}.secret'] },
    sub: { allow: ['_INBOX.>', 'acct.{{account-name()}}.>', 'me.{{subject()}}'] },
    subs: 4,
  });
  const otherScope = newScopedSigner(otherScopedSk, 'ro', { pub: { deny: ['>'] } });
  const claims = { signing_keys: [plainSk.getPublicKey(), scope, otherScope] };
  f.acc = { kp, pub: kp.getPublicKey(), jwt: await accountJwt('SK', kp, world.opSigner, claims), claims, plainSk, scopedSk, otherScopedSk };
  f.observer = await mintUser(kp, {}, {}, 'observer');
  f.bySk = await mintUser(kp, {}, { signer: plainSk }, 'sk-user');
  f.bySkPerms = await mintUser(kp, { pub: { allow: ['only.this'] } }, { signer: plainSk }, 'sk-perms');
  f.scoped = await mintUser(kp, { tags: ['team:blue'] }, { signer: scopedSk, scopedUser: true }, 'alice');
  f.scopedRo = await mintUser(kp, {}, { signer: otherScopedSk, scopedUser: true }, 'ro');
  f.scopedWithPerms = await mintUser(kp, { pub: { allow: ['>'] } }, { signer: scopedSk, scopedUser: true }, 'bob');
  f.scopedWithLimits = await mintUser(kp, {}, { signer: scopedSk }, 'carol'); // default user limits (-1) count as its own
  // Signed by an account key that is not among SK's signing keys, but naming SK.
  f.byStranger = await mintUser(kp, {}, { signer: newAccountKey() }, 'stranger');

  // An account signed by the operator identity key (allowed: the operator is not strict).
  const idKp = newAccountKey();
  f.byIdentity = { kp: idKp, pub: idKp.getPublicKey(), jwt: await accountJwt('ID', idKp, world.operator) };
  f.byIdentityUser = await mintUser(idKp);
  // An account signed by an operator key that is not listed in the operator JWT.
  const strayKp = newAccountKey();
  f.byStray = { kp: strayKp, pub: strayKp.getPublicKey(), jwt: await accountJwt('STRAY', strayKp, newOperatorKey()) };
  f.byStrayUser = await mintUser(strayKp);

  server = await startOperator(world, { preload: [f.acc, f.byIdentity, f.byStray] });
  f.sys = await login(server.port, world.sys.user);
});

after(async () => {
  f.sys?.close();
  await server?.close();
});

test('a user issued by an account signing key carries issuer_account and connects', async () => {
  const c = claimsOf(f.bySk.jwt);
  assert.equal(c.iss, f.acc.plainSk.getPublicKey());
  assert.equal(c.nats.issuer_account, f.acc.pub);
  const nc = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(f.bySk.creds), reconnect: false });
  const obs = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(f.observer.creds), reconnect: false });
  try {
    // Same account as users signed by the identity key.
    const sub = obs.subscribe('x.>', { max: 1 });
    await obs.flush();
    nc.publish('x.y', 'via signing key');
    for await (const m of sub) assert.equal(td.decode(m.data), 'via signing key');
    assert.equal(sub.getProcessed(), 1);
  } finally {
    await nc.close();
    await obs.close();
  }
});

test('a plain signing key user keeps its own permissions', async () => {
  const c = await login(server.port, f.bySkPerms);
  try {
    c.send(pub('only.this', 'ok') + pub('not.this', 'no'));
    await c.flush();
    assert.deepEqual(errLines(c.text), [`-ERR 'Permissions Violation for Publish to "not.this"'`]);
  } finally {
    c.close();
  }
});

test('a user signed by a key its account does not list is refused', async () => {
  const r = await refusedLogin(server.port, f.byStranger);
  assert.equal(r.text, AUTH_VIOLATION);
  assert.equal(r.closed, true);
});

test('a scoped signing key applies its template permissions to the user', async () => {
  const obs = await login(server.port, f.observer);
  const alice = await login(server.port, f.scoped);
  try {
    obs.send('SUB > 1\r\n');
    await obs.flush();
    alice.send(pub('app.alice.orders', '1') + pub('team.blue.x', '2') + pub('app.bob.orders', 'no') + pub('app.alice.secret', 'no') + pub('team.red.x', 'no'));
    await alice.flush();
    assert.deepEqual(errLines(alice.text), [
      `-ERR 'Permissions Violation for Publish to "app.bob.orders"'`,
      `-ERR 'Permissions Violation for Publish to "app.alice.secret"'`,
      `-ERR 'Permissions Violation for Publish to "team.red.x"'`,
    ]);
    await obs.waitUntil((t) => parseMsgs(t).length >= 2);
    await obs.flush();
    assert.deepEqual(
      parseMsgs(obs.text).map((m) => `${m.subject}=${m.payload}`),
      ['app.alice.orders=1', 'team.blue.x=2'],
    );
    alice.clear();
    alice.send(`SUB acct.SK.events 1\r\nSUB me.${f.scoped.pub} 2\r\nSUB acct.OTHER.events 3\r\nSUB app.alice.orders 4\r\n`);
    await alice.flush();
    assert.deepEqual(errLines(alice.text), [
      `-ERR 'Permissions Violation for Subscription to "acct.OTHER.events"'`,
      `-ERR 'Permissions Violation for Subscription to "app.alice.orders"'`,
    ]);
    obs.send(pub('acct.SK.events', 'e') + pub(`me.${f.scoped.pub}`, 'm'));
    await obs.flush();
    await alice.waitUntil((t) => parseMsgs(t).length >= 2);
    assert.deepEqual(parseMsgs(alice.text).map((m) => m.sid).sort(), ['1', '2']);
  } finally {
    obs.close();
    alice.close();
  }
});

test('the scope template limits apply too (subs: 4)', async () => {
  const alice = await login(server.port, f.scoped);
  try {
    for (let i = 1; i <= 5; i++) alice.send(`SUB _INBOX.s${i} ${i}\r\n`);
    await alice.flush();
    assert.deepEqual(errLines(alice.text), [`-ERR 'maximum subscriptions exceeded'`]);
    assert.equal(alice.closed, false);
  } finally {
    alice.close();
  }
});

test('another scope of the same account gives its own permissions', async () => {
  const ro = await login(server.port, f.scopedRo);
  try {
    ro.send(pub('anything', 'x'));
    await ro.flush();
    assert.deepEqual(errLines(ro.text), [`-ERR 'Permissions Violation for Publish to "anything"'`]);
  } finally {
    ro.close();
  }
});

test('a scoped user carrying its own permissions or limits is refused', async () => {
  for (const u of [f.scopedWithPerms, f.scopedWithLimits]) {
    const r = await refusedLogin(server.port, u);
    assert.equal(r.text, AUTH_VIOLATION, claimsOf(u.jwt).name);
    assert.equal(r.closed, true);
  }
});

test('accounts signed by the operator identity key or a listed operator signing key are trusted', async () => {
  // world.accounts / SK are signed by the operator signing key; ID by the identity key.
  const a = await login(server.port, f.byIdentityUser);
  a.close();
  const b = await login(server.port, f.observer);
  b.close();
  const r = await refusedLogin(server.port, f.byStrayUser);
  assert.equal(r.text, AUTH_VIOLATION, 'an account signed by an unlisted operator key');
});

test('strict_signing_key_usage: identity keys of the operator and of accounts sign nothing', async () => {
  const operator = newOperatorKey();
  const opSigner = newOperatorKey();
  const strictJwt = await encodeOperator('STRICT', operator, { signing_keys: [opSigner.getPublicKey()], strict_signing_key_usage: true });
  const sysKp = newAccountKey();
  const strictWorld = {
    operatorJwt: strictJwt,
    sys: { kp: sysKp, pub: sysKp.getPublicKey(), jwt: await accountJwt('SYS', sysKp, opSigner) },
  };
  const goodKp = newAccountKey();
  const goodSk = newAccountKey();
  const badKp = newAccountKey();
  const good = { pub: goodKp.getPublicKey(), jwt: await accountJwt('GOOD', goodKp, opSigner, { signing_keys: [goodSk.getPublicKey()] }) };
  const bad = { pub: badKp.getPublicKey(), jwt: await accountJwt('BAD', badKp, operator, { signing_keys: [newAccountKey().getPublicKey()] }) };
  const s = await startOperator(strictWorld, { preload: [good, bad] });
  try {
    // A user issued by the account signing key of an account signed by the operator signing key.
    const ok = await login(s.port, await mintUser(goodKp, {}, { signer: goodSk }));
    ok.close();
    // A user issued by the account identity key.
    let r = await refusedLogin(s.port, await mintUser(goodKp));
    assert.equal(r.text, AUTH_VIOLATION, 'user signed by the account identity key');
    // An account signed by the operator identity key.
    r = await refusedLogin(s.port, await mintUser(badKp));
    assert.equal(r.text, AUTH_VIOLATION, 'account signed by the operator identity key');
  } finally {
    await s.close();
  }
});

test('an account update that drops a signing key closes the users it issued', async () => {
  const viaSk = await login(server.port, f.bySk);
  const viaIdentity = await login(server.port, f.observer);
  try {
    const updated = await accountJwt('SK', f.acc.kp, world.opSigner, { ...f.acc.claims, signing_keys: f.acc.claims.signing_keys.slice(1) });
    const reply = await sysRequest(f.sys, `$SYS.REQ.ACCOUNT.${f.acc.pub}.CLAIMS.UPDATE`, updated);
    assert.deepEqual(reply.data, { account: f.acc.pub, code: 200, message: 'jwt updated' });
    await viaSk.waitClosed();
    // nats-server closes them without an -ERR (closeConnection(AuthenticationViolation)).
    assert.deepEqual(errLines(viaSk.text), []);
    await viaIdentity.flush();
    assert.equal(viaIdentity.closed, false);
    // And the key can no longer log in.
    const r = await refusedLogin(server.port, f.bySk);
    assert.equal(r.text, AUTH_VIOLATION);
  } finally {
    viaSk.close();
    viaIdentity.close();
  }
});
