// Differential: the same operator-mode config run by Debian's nats-server and by
// Dialtone; raw-socket transcripts (which credentials are refused, the error texts,
// INFO field names, permission and limit errors) and the replies to $SYS claim
// requests must match.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  accountJwt,
  claimsOf,
  diffTest,
  jwtLogin,
  login,
  makeWorld,
  mintUser,
  newAccountKey,
  newOperatorKey,
  newScopedSigner,
  nowSec,
  pub,
  resign,
  signNonce,
  startFrom,
  sysRequest,
  tamper,
  writeOperatorConf,
} from './_helpers.js';
import { hasNatsServer } from '../support/servers.js';

let world;
let ref; // nats-server
let dial; // Dialtone
const u = {};
let extraAccounts;

function clock(offsetMs) {
  const d = new Date(Date.now() + offsetMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

before(async () => {
  if (!hasNatsServer) return;
  world = await makeWorld({ A: {}, NOBEARER: { limits: { disallow_bearer: true } }, ONECONN: { limits: { conn: 1 } } });
  const A = world.accounts.A.kp;
  const T = nowSec();
  const scopedSk = newAccountKey();
  const revoked = await mintUser(A);
  const aClaims = {
    signing_keys: [newScopedSigner(scopedSk, 'dev', { pub: { allow: ['app.>'] } })],
    revocations: { [revoked.pub]: T + 1 },
  };
  world.accounts.A.jwt = await accountJwt('A', A, world.opSigner, aClaims);
  const rogueKp = newAccountKey();
  const rogue = { pub: rogueKp.getPublicKey(), jwt: await accountJwt('ROGUE', rogueKp, newOperatorKey()) };
  extraAccounts = [rogue];

  u.ok = await mintUser(A);
  u.tampered = { kp: u.ok.kp, jwt: tamper(u.ok.jwt, (c) => (c.nats.pub = { allow: ['>'] })) };
  u.unknownAccount = await mintUser(newAccountKey());
  u.untrusted = await mintUser(rogueKp);
  u.expired = await mintUser(A, {}, { exp: T - 10 });
  u.notYet = await mintUser(A, {}, { nbf: T + 3600 });
  u.revoked = revoked;
  u.bearer = await mintUser(A, { bearer_token: true });
  u.bearerDisallowed = await mintUser(world.accounts.NOBEARER.kp, { bearer_token: true });
  u.websocketOnly = await mintUser(A, { allowed_connection_types: ['WEBSOCKET'] });
  u.srcOther = await mintUser(A, { src: ['10.0.0.0/8'] });
  u.timesOutside = await mintUser(A, { times: [{ start: clock(2 * 3600e3), end: clock(3 * 3600e3) }] });
  u.scoped = await mintUser(A, {}, { signer: scopedSk, scopedUser: true }, 'scoped');
  u.scopedWithPerms = await mintUser(A, { pub: { allow: ['>'] } }, { signer: scopedSk, scopedUser: true });
  u.foreignSigner = await mintUser(A, {}, { signer: newAccountKey() });
  u.payload = await mintUser(A, { payload: 100 });
  u.perms = await mintUser(A, { pub: { allow: ['foo', 'foo.>'], deny: ['foo.secret'] }, sub: { allow: ['foo.>', 'q grp'], deny: ['foo.bar'] } });
  u.subs = await mintUser(A, { subs: 1 });
  u.short = await mintUser(A, {}, { exp: T + 2 });
  u.oneConn = world.accounts.ONECONN.user;

  const conf = writeOperatorConf(world, { preload: [world.accounts.A, world.accounts.NOBEARER, world.accounts.ONECONN, rogue] });
  [ref, dial] = await Promise.all([startFrom(conf.file, 'nats-server'), startFrom(conf.file, 'dialtone')]);
});

after(async () => {
  await Promise.all([ref?.close(), dial?.close()]);
});

/** Text after the first INFO, with later INFOs reduced to their max_payload and server PINGs dropped. */
function normalize(text) {
  return text
    .replace(/^INFO [^\r\n]*\r\n/, '')
    .replace(/INFO (\{[^\r\n]*\}) ?\r\n/g, (_m, json) => `INFO max_payload=${JSON.parse(json).max_payload}\r\n`)
    .replace(/(^|\n)PING\r\n/g, '$1');
}

/**
 * Logs in with `user` (options as jwtLogin), then sends `ops` followed by PING and
 * waits for the PONG or the close. Resolves with { text, closed }.
 */
async function transcript(port, user, { ops = '', waitClose = false, closeTimeoutMs = 3000, ...options } = {}) {
  const r = await jwtLogin(port, user, options);
  const c = r.client;
  try {
    if (r.ok && ops) {
      const pongs = (c.text.match(/PONG\r\n/g) ?? []).length;
      c.send(`${ops}PING\r\n`);
      await c.waitUntil((t, cl) => cl.closed || (t.match(/PONG\r\n/g) ?? []).length > pongs, 3000, 'PONG after ops');
    }
    if (!r.ok || waitClose) await c.waitClosed(closeTimeoutMs).catch(() => {});
    return { text: normalize(c.text), closed: c.closed };
  } finally {
    c.close();
  }
}

/** Runs the same transcript on both servers; asserts they match and returns nats-server's. */
async function same(what, user, options) {
  const [a, b] = await Promise.all([transcript(ref.port, user, options), transcript(dial.port, user, options)]);
  assert.deepEqual(b, a, `${what}: Dialtone ${JSON.stringify(b)} vs nats-server ${JSON.stringify(a)}`);
  return a;
}

const AUTHV = { text: "-ERR 'Authorization Violation'\r\n", closed: true };

diffTest('INFO carries the same field names, auth_required and a nonce', async () => {
  const [a, b] = await Promise.all([jwtLogin(ref.port, u.ok), jwtLogin(dial.port, u.ok)]);
  a.client.close();
  b.client.close();
  assert.deepEqual(Object.keys(b.info).sort(), Object.keys(a.info).sort());
  for (const info of [a.info, b.info]) {
    assert.equal(info.auth_required, true);
    assert.equal(typeof info.nonce, 'string');
    assert.equal(info.nonce.length, 15);
    assert.equal(info.max_payload, 1048576);
    assert.equal(info.headers, true);
  }
});

diffTest('valid logins: plain, bearer without signature, scoped', async () => {
  assert.deepEqual(await same('plain', u.ok), { text: 'PONG\r\n', closed: false });
  assert.deepEqual(await same('bearer', u.bearer, { sign: false }), { text: 'PONG\r\n', closed: false });
  assert.deepEqual(await same('scoped', u.scoped), { text: 'PONG\r\n', closed: false });
});

diffTest('refused credentials: the same -ERR and close on both servers', async () => {
  const cases = [
    ['no jwt', null, {}],
    ['user/pass only', null, { extra: { user: 'a', pass: 'b' } }],
    ['tampered', u.tampered, {}],
    ['unknown account', u.unknownAccount, {}],
    ['untrusted operator', u.untrusted, {}],
    ['foreign signer', u.foreignSigner, {}],
    ['wrong nonce', u.ok, { sig: signNonce(u.ok.kp, 'not-the-nonce') }],
    ['no signature', u.ok, { sign: false }],
    ['expired', u.expired, {}],
    ['not yet valid', u.notYet, {}],
    ['revoked', u.revoked, {}],
    ['bearer disallowed', u.bearerDisallowed, { sign: false }],
    ['websocket only', u.websocketOnly, {}],
    ['src mismatch', u.srcOther, {}],
    ['times outside', u.timesOutside, {}],
    ['scoped with own permissions', u.scopedWithPerms, {}],
    ['account JWT as user JWT', { kp: u.ok.kp, jwt: world.accounts.A.jwt }, {}],
    ['re-signed by operator', { kp: u.ok.kp, jwt: resign(u.ok.jwt, world.opSigner, (c) => (c.iss = world.opSigner.getPublicKey())) }, {}],
  ];
  const results = await Promise.all(cases.map(([what, user, opts]) => same(what, user, opts)));
  for (const [i, r] of results.entries()) assert.deepEqual(r, AUTHV, cases[i][0]);
});

diffTest('permission violations: the same texts, connection kept', async () => {
  const ops = [
    pub('foo', 'ok'),
    pub('foo.secret', 'x'),
    pub('bar', 'x'),
    pub('foo', 'x', '_R_.a.b'),
    'SUB foo.bar 1\r\n',
    'SUB foo.baz 2\r\n',
    'SUB q grp 3\r\n',
    'SUB q other 4\r\n',
    'SUB zzz 5\r\n',
  ].join('');
  const r = await same('permissions', u.perms, { ops });
  assert.equal(r.closed, false);
  assert.equal(
    r.text,
    'PONG\r\n' +
      `-ERR 'Permissions Violation for Publish to "foo.secret"'\r\n` +
      `-ERR 'Permissions Violation for Publish to "bar"'\r\n` +
      `-ERR 'Permissions Violation for Publish with Reply of "_R_.a.b"'\r\n` +
      `-ERR 'Permissions Violation for Subscription to "foo.bar"'\r\n` +
      `-ERR 'Permissions Violation for Subscription to "q" using queue "other"'\r\n` +
      `-ERR 'Permissions Violation for Subscription to "zzz"'\r\n` +
      'PONG\r\n',
  );
});

diffTest('limits: subscriptions over the user JWT subs', async () => {
  const subs = await same('subs', u.subs, { ops: 'SUB a 1\r\nSUB b 2\r\n' });
  assert.deepEqual(subs, { text: "PONG\r\n-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n", closed: false });
});

diffTest('limits: the user JWT payload is advertised in an INFO and enforced', async () => {
  const payload = await same('payload', u.payload, { ops: pub('p', 'x'.repeat(101)) });
  assert.deepEqual(payload, { text: "PONG\r\nINFO max_payload=100\r\n-ERR 'Maximum Payload Violation'\r\n", closed: true });
});

diffTest('limits: a second connection over the account limits.conn 1', async () => {
  const [ra, da] = await Promise.all([login(ref.port, u.oneConn), login(dial.port, u.oneConn)]);
  try {
    const second = await same('second connection', u.oneConn);
    assert.deepEqual(second, { text: "-ERR 'maximum account active connections exceeded'\r\n", closed: true });
  } finally {
    ra.close();
    da.close();
  }
});

diffTest('expiry while connected: User Authentication Expired', async () => {
  const r = await same('expiring user', u.short, { waitClose: true, closeTimeoutMs: 5000 });
  assert.deepEqual(r, { text: "PONG\r\n-ERR 'User Authentication Expired'\r\n", closed: true });
});

/** Key structure of a JSON value: objects become sorted key → structure, leaves their type. */
function shape(v) {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape(v[k])]));
  return typeof v;
}

diffTest('claim requests on a directory resolver: the same replies', async () => {
  const w = await makeWorld();
  const kp = newAccountKey();
  const acc = { pub: kp.getPublicKey(), jwt: await accountJwt('PUSHED', kp, w.opSigner) };
  const other = newAccountKey();
  const confA = writeOperatorConf(w, { resolver: 'dir' });
  const confB = writeOperatorConf(w, { resolver: 'dir' });
  const [r, d] = await Promise.all([startFrom(confA.file, 'nats-server'), startFrom(confB.file, 'dialtone')]);
  const [rs, ds] = await Promise.all([login(r.port, w.sys.user), login(d.port, w.sys.user)]);
  try {
    const both = async (subject, payload) => Promise.all([sysRequest(rs, subject, payload), sysRequest(ds, subject, payload)]);
    const diffs = [];
    const check = (what, [a, b]) => {
      for (const [part, x, y] of [['shape', shape(a), shape(b)], ['data', a.data, b.data], ['error', a.error, b.error]]) {
        if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${what} ${part}: nats-server ${JSON.stringify(x)}, Dialtone ${JSON.stringify(y)}`);
      }
      return a;
    };
    const okReply = check('update', await both('$SYS.REQ.CLAIMS.UPDATE', acc.jwt));
    assert.deepEqual(okReply.data, { account: acc.pub, code: 200, message: 'jwt updated' });
    check('per-account update', await both(`$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, acc.jwt));
    const bad = check('tampered', await both('$SYS.REQ.CLAIMS.UPDATE', tamper(acc.jwt, (c) => (c.name = 'x'))));
    assert.equal(bad.error.code, 500);
    check('garbage', await both('$SYS.REQ.CLAIMS.UPDATE', 'not a jwt'));
    check('tampered, per-account subject', await both(`$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, tamper(acc.jwt, (c) => (c.name = 'x'))));
    check('subject mismatch', await both(`$SYS.REQ.ACCOUNT.${other.getPublicKey()}.CLAIMS.UPDATE`, acc.jwt));
    assert.deepEqual(diffs, []);
    const [la, lb] = await both(`$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.LOOKUP`, '');
    assert.equal(la, acc.jwt);
    assert.equal(lb, la);
    const [lista, listb] = await both('$SYS.REQ.CLAIMS.LIST', '');
    assert.deepEqual(shape(listb), shape(lista));
    assert.deepEqual([...listb.data].sort(), [...lista.data].sort());
    // The stored files have the same names.
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(confB.jwtDir).sort(), readdirSync(confA.jwtDir).sort());
  } finally {
    rs.close();
    ds.close();
    await Promise.all([r.close(), d.close()]);
  }
});

diffTest('a claim update on a memory resolver: the same reply and effect', async () => {
  const w = await makeWorld({ MEM: {} });
  const mem = w.accounts.MEM;
  const conf = writeOperatorConf(w, { preload: [mem] });
  const [r, d] = await Promise.all([startFrom(conf.file, 'nats-server'), startFrom(conf.file, 'dialtone')]);
  const victim = await mintUser(mem.kp);
  const clients = [];
  try {
    const [rs, ds, rv, dv] = await Promise.all([login(r.port, w.sys.user), login(d.port, w.sys.user), login(r.port, victim), login(d.port, victim)]);
    clients.push(rs, ds, rv, dv);
    const next = await accountJwt('MEM', mem.kp, w.opSigner, { revocations: { [victim.pub]: claimsOf(victim.jwt).iat } });
    const subject = `$SYS.REQ.ACCOUNT.${mem.pub}.CLAIMS.UPDATE`;
    const [a, b] = await Promise.all([sysRequest(rs, subject, next), sysRequest(ds, subject, next)]);
    assert.deepEqual(shape(b), shape(a));
    assert.deepEqual(b.data, a.data);
    assert.deepEqual(a.data, { account: mem.pub, code: 200, message: 'jwt updated' });
    await Promise.all([rv.waitClosed(), dv.waitClosed()]);
    assert.equal(normalize(`INFO {}\r\n${dv.text}`), normalize(`INFO {}\r\n${rv.text}`));
    assert.match(rv.text, /-ERR 'User Authentication Revoked'\r\n$/);
  } finally {
    for (const c of clients) c.close();
    await Promise.all([r.close(), d.close()]);
  }
});
