// Account resolvers in operator mode. The full directory resolver takes account JWTs
// pushed by system-account users ($SYS.REQ.CLAIMS.UPDATE and
// $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE), answers LOOKUP and LIST, keeps `<acc>.jwt`
// files that survive a restart, and applies updates to connected clients (revocations,
// lower connection limits). The memory resolver applies updates of preloaded accounts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as v3 from '@nats-io/transport-node';
import {
  AUTH_VIOLATION,
  accountJwt,
  errLines,
  login,
  makeWorld,
  mintUser,
  newAccountKey,
  newOperatorKey,
  nowSec,
  parseMsgs,
  pub,
  refusedLogin,
  sleep,
  startFrom,
  startOperator,
  sysRequest,
  tamper,
  td,
} from './_helpers.js';

let world;
let server;
let sys;

before(async () => {
  world = await makeWorld();
  server = await startOperator(world, { resolver: 'dir' });
  sys = await login(server.port, world.sys.user);
});

after(async () => {
  sys?.close();
  await server?.close();
});

/** A fresh account (key, JWT signed by the operator signing key) and one user. */
async function newAccount(name, claims = {}) {
  const kp = newAccountKey();
  const acc = { kp, pub: kp.getPublicKey(), name, jwt: await accountJwt(name, kp, world.opSigner, claims) };
  acc.user = await mintUser(kp, {}, {}, `${name}-user`);
  return acc;
}

/** Checks the common envelope of a successful update reply and returns its data. */
function updated(reply, account) {
  assert.equal(typeof reply, 'object', JSON.stringify(reply));
  assert.equal(reply.error, undefined, JSON.stringify(reply.error));
  assert.deepEqual(reply.data, { account, code: 200, message: 'jwt updated' });
  for (const k of ['name', 'host', 'id', 'ver', 'seq', 'time']) assert.ok(k in reply.server, `server.${k} in ${JSON.stringify(reply.server)}`);
  assert.match(reply.server.id, /^N[A-Z2-7]{55}$/);
  return reply.data;
}

test('a pushed account becomes usable: CLAIMS.UPDATE from a system-account user', async () => {
  const acc = await newAccount('PUSHED');
  const before = await refusedLogin(server.port, acc.user);
  assert.equal(before.text, AUTH_VIOLATION, 'unknown before the push');
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', acc.jwt), acc.pub);
  const nc = await v3.connect({ servers: server.url, authenticator: v3.credsAuthenticator(acc.user.creds), reconnect: false });
  try {
    const sub = nc.subscribe('hello', { max: 1 });
    nc.publish('hello', 'world');
    for await (const m of sub) assert.equal(td.decode(m.data), 'world');
    assert.equal(sub.getProcessed(), 1);
  } finally {
    await nc.close();
  }
});

test('the per-account subject $SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE works too', async () => {
  const acc = await newAccount('PERACC');
  updated(await sysRequest(sys, `$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, acc.jwt), acc.pub);
  const c = await login(server.port, acc.user);
  c.close();
});

test('a user of a pushed account is isolated from other pushed accounts', async () => {
  const a = await newAccount('ISO_A');
  const b = await newAccount('ISO_B');
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', a.jwt), a.pub);
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', b.jwt), b.pub);
  const ca = await login(server.port, a.user);
  const cb = await login(server.port, b.user);
  try {
    cb.send('SUB > 1\r\n');
    ca.send('SUB x 1\r\n');
    await cb.flush();
    await ca.flush();
    ca.send(pub('x', 'mine'));
    await ca.waitUntil((t) => parseMsgs(t).length === 1);
    await cb.flush();
    assert.deepEqual(parseMsgs(cb.text), []);
  } finally {
    ca.close();
    cb.close();
  }
});

test('an update revoking a connected user: User Authentication Revoked, then close', async () => {
  const acc = await newAccount('REVOKE');
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', acc.jwt), acc.pub);
  const victim = await mintUser(acc.kp, {}, {}, 'victim');
  const v = await login(server.port, victim);
  const bystander = await login(server.port, acc.user);
  try {
    const revoking = await accountJwt('REVOKE', acc.kp, world.opSigner, { revocations: { [victim.pub]: nowSec() } });
    updated(await sysRequest(sys, `$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, revoking), acc.pub);
    await v.waitClosed();
    assert.deepEqual(errLines(v.text), [`-ERR 'User Authentication Revoked'`]);
    await bystander.flush();
    assert.equal(bystander.closed, false);
    assert.deepEqual(errLines(bystander.text), []);
    const again = await refusedLogin(server.port, victim);
    assert.equal(again.text, AUTH_VIOLATION);
  } finally {
    v.close();
    bystander.close();
  }
});

test('an update lowering limits.conn closes the connections over the limit, oldest first', async () => {
  const acc = await newAccount('CONNS');
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', acc.jwt), acc.pub);
  const clients = [];
  try {
    for (let i = 0; i < 3; i++) {
      clients.push(await login(server.port, await mintUser(acc.kp)));
      await sleep(20);
    }
    const lowered = await accountJwt('CONNS', acc.kp, world.opSigner, { limits: { conn: 1 } });
    updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', lowered), acc.pub);
    // nats-server sorts the account's clients newest first and closes those past the limit.
    await clients[0].waitClosed();
    await clients[1].waitClosed();
    for (const c of clients.slice(0, 2)) assert.deepEqual(errLines(c.text), [`-ERR 'maximum account active connections exceeded'`]);
    await clients[2].flush();
    assert.equal(clients[2].closed, false, 'the newest connection stays');
    const r = await refusedLogin(server.port, await mintUser(acc.kp));
    assert.equal(r.text, "-ERR 'maximum account active connections exceeded'\r\n");
  } finally {
    for (const c of clients) c.close();
  }
});

test('a tampered account JWT push is refused with an error reply and changes nothing', async () => {
  const acc = await newAccount('TAMPER');
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', acc.jwt), acc.pub);
  const bad = tamper(acc.jwt, (c) => (c.nats.limits.conn = 0));
  const reply = await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', bad);
  assert.equal(reply.data, undefined);
  assert.deepEqual(reply.error, { account: 'n/a', code: 500, description: 'jwt update resulted in error - claim failed V2 signature verification' });
  const perAcc = await sysRequest(sys, `$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, bad);
  assert.deepEqual(perAcc.error, { account: 'n/a', code: 500, description: 'jwt update resulted in error - claim failed V2 signature verification' });
  const garbage = await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', 'garbage');
  assert.deepEqual(garbage.error, { account: 'n/a', code: 500, description: 'jwt update resulted in error - expected 3 chunks' });
  // The stored JWT is still the good one and users still connect.
  assert.equal(await sysRequest(sys, `$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.LOOKUP`), acc.jwt);
  const c = await login(server.port, acc.user);
  c.close();
});

test('a push whose subject names another account is refused', async () => {
  const a = await newAccount('SUBJ_A');
  const b = await newAccount('SUBJ_B');
  const reply = await sysRequest(sys, `$SYS.REQ.ACCOUNT.${b.pub}.CLAIMS.UPDATE`, a.jwt);
  assert.deepEqual(reply.error, { account: b.pub, code: 500, description: 'jwt update resulted in error - subject does not match jwt content' });
  const r = await refusedLogin(server.port, a.user);
  assert.equal(r.text, AUTH_VIOLATION, 'nothing was stored');
});

test('an account JWT from an untrusted operator never makes its users valid', async () => {
  // (nats-server 2.9.10 stores such a push and replies "jwt updated"; Dialtone refuses
  // it with an error. Either way its users must stay out.)
  const rogue = newAccountKey();
  const jwt = await accountJwt('ROGUE', rogue, newOperatorKey());
  const reply = await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', jwt);
  assert.equal((reply.data ?? reply.error).account, rogue.getPublicKey());
  const r = await refusedLogin(server.port, await mintUser(rogue));
  assert.equal(r.text, AUTH_VIOLATION);
});

test('CLAIMS.LOOKUP returns the stored JWT and CLAIMS.LIST the account ids', async () => {
  const acc = await newAccount('LOOKUP');
  updated(await sysRequest(sys, '$SYS.REQ.CLAIMS.UPDATE', acc.jwt), acc.pub);
  assert.equal(await sysRequest(sys, `$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.LOOKUP`), acc.jwt);
  assert.equal(await sysRequest(sys, `$SYS.REQ.ACCOUNT.${world.sys.pub}.CLAIMS.LOOKUP`), world.sys.jwt);
  const list = await sysRequest(sys, '$SYS.REQ.CLAIMS.LIST');
  assert.ok(Array.isArray(list.data), JSON.stringify(list));
  assert.ok(list.data.includes(acc.pub));
  assert.ok(list.data.includes(world.sys.pub), 'the preloaded system account is listed');
  for (const id of list.data) assert.match(id, /^A[A-Z2-7]{55}$/);
  assert.equal(new Set(list.data).size, list.data.length);
  assert.ok('server' in list);
});

test('JWT files appear in the resolver dir and survive a restart', async () => {
  const world2 = await makeWorld();
  const s1 = await startOperator(world2, { resolver: 'dir' });
  const jwtDir = s1.conf.jwtDir;
  const kp = newAccountKey();
  const acc = { pub: kp.getPublicKey(), jwt: await accountJwt('KEEP', kp, world2.opSigner) };
  const user = await mintUser(kp);
  let s2;
  try {
    const c = await login(s1.port, world2.sys.user);
    updated(await sysRequest(c, '$SYS.REQ.CLAIMS.UPDATE', acc.jwt), acc.pub);
    c.close();
    const file = path.join(jwtDir, `${acc.pub}.jwt`);
    assert.ok(existsSync(file), `${file} exists: ${readdirSync(jwtDir)}`);
    assert.equal(readFileSync(file, 'utf8').trim(), acc.jwt);
    assert.ok(readdirSync(jwtDir).includes(`${world2.sys.pub}.jwt`), 'the preloaded system account is stored too');
    await s1.close();
    s2 = await startFrom(s1.conf.file);
    const u = await login(s2.port, user);
    u.close();
    const c2 = await login(s2.port, world2.sys.user);
    assert.equal(await sysRequest(c2, `$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.LOOKUP`), acc.jwt);
    c2.close();
  } finally {
    await s1.close();
    await s2?.close();
  }
});

test('memory resolver: an update of a preloaded, loaded account applies', async () => {
  const world3 = await makeWorld({ MEM: {} });
  const mem = world3.accounts.MEM;
  const s = await startOperator(world3, { preload: [mem] });
  const victim = await mintUser(mem.kp, {}, {}, 'victim');
  const c = await login(s.port, world3.sys.user);
  const v = await login(s.port, victim);
  try {
    const next = await accountJwt('MEM', mem.kp, world3.opSigner, { limits: { subs: 1 }, revocations: { [victim.pub]: nowSec() } });
    updated(await sysRequest(c, `$SYS.REQ.ACCOUNT.${mem.pub}.CLAIMS.UPDATE`, next), mem.pub);
    await v.waitClosed();
    assert.deepEqual(errLines(v.text), [`-ERR 'User Authentication Revoked'`]);
    const u = await login(s.port, mem.user);
    u.send('SUB a 1\r\nSUB b 2\r\n');
    await u.flush();
    assert.deepEqual(errLines(u.text), [`-ERR 'maximum subscriptions exceeded'`]);
    u.close();
  } finally {
    c.close();
    v.close();
    await s.close();
  }
});
