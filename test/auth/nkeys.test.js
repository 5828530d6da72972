// NKey users: INFO carries a fresh nonce, the client signs it with its seed, and the
// server checks the ed25519 signature (base64url, std base64 also accepted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, createUser } from '@nats-io/nkeys';
import { parseInfo, rawConnect } from '../support/raw.js';
import { startDialtone, waitFor } from '../support/servers.js';
import { ERR, assertAccepted, assertRefused, closeAll, collect, connectV2, connectV3, rejection, startDialtoneConf, v2, v3 } from './_helpers.js';

const alice = createUser();
const bob = createUser();
const stranger = createUser();
const ALICE = alice.getPublicKey();
const BOB = bob.getPublicKey();

let srv;
before(async () => {
  srv = await startDialtoneConf({
    authorization: {
      users: [
        { nkey: ALICE, permissions: { publish: ['alice.>', '_INBOX.>'], subscribe: ['>'] } },
        { nkey: BOB },
        { user: 'pw', password: 'secret' },
      ],
    },
  });
});
after(async () => {
  await srv?.close();
});

/** Opens a raw connection and returns it with the nonce of its INFO. */
async function withNonce(port) {
  const c = await rawConnect(port, null);
  const info = parseInfo(c.text);
  return { c, info, nonce: info.nonce };
}

function sign(kp, nonce, encoding = 'base64url') {
  return Buffer.from(kp.sign(Buffer.from(nonce))).toString(encoding);
}

/** Sends CONNECT + PING on `c` and returns what came after INFO once PONG or close arrived. */
async function connectWith(c, connect) {
  c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...connect })}\r\nPING\r\n`);
  await c.waitUntil((t, cl) => cl.closed || t.includes('PONG\r\n'));
  if (!c.closed && !c.text.includes('PONG')) await c.waitClosed();
  return c.text.slice(c.text.indexOf('\r\n') + 2);
}

test('INFO carries a nonce when nkey users exist: 15 chars of base64url (11 random bytes), fresh per connection', async () => {
  const nonces = new Set();
  for (let i = 0; i < 20; i++) {
    const { c, info, nonce } = await withNonce(srv.port);
    c.close();
    assert.equal(info.auth_required, true);
    assert.equal(typeof nonce, 'string');
    assert.match(nonce, /^[A-Za-z0-9_-]{15}$/, `nonce ${nonce}`);
    assert.equal(Buffer.from(nonce, 'base64url').length, 11);
    nonces.add(nonce);
  }
  assert.equal(nonces.size, 20, 'every connection gets its own nonce');
});

test('INFO has no nonce without nkey users (users with passwords, token, single user, no auth)', async () => {
  const configs = [
    { authorization: { users: [{ user: 'a', password: 'b' }] } },
    { authorization: { token: 't' } },
    { authorization: { user: 'a', password: 'b' } },
    {},
  ];
  for (const config of configs) {
    const s = await startDialtone(config);
    try {
      const { c, info } = await withNonce(s.port);
      c.close();
      assert.equal('nonce' in info, false, `no nonce for ${JSON.stringify(config)}: ${JSON.stringify(info)}`);
    } finally {
      await s.close();
    }
  }
});

test('raw: a base64url signature of the nonce authenticates; std base64 (padded) is accepted too', async () => {
  for (const encoding of ['base64url', 'base64']) {
    const { c, nonce } = await withNonce(srv.port);
    const sig = sign(alice, nonce, encoding);
    if (encoding === 'base64') assert.match(sig, /==$/, 'std base64 of 64 bytes is padded');
    const out = await connectWith(c, { nkey: ALICE, sig });
    assert.equal(out, 'PONG\r\n', `${encoding} signature`);
    assert.equal(c.closed, false);
    c.close();
  }
});

test('raw: signatures that do not prove the key are refused with Authorization Violation', async () => {
  const cases = [
    ['signed with another seed', (nonce) => ({ nkey: ALICE, sig: sign(stranger, nonce) })],
    ['signed by another configured user', (nonce) => ({ nkey: ALICE, sig: sign(bob, nonce) })],
    ['unknown nkey with its own valid signature', (nonce) => ({ nkey: stranger.getPublicKey(), sig: sign(stranger, nonce) })],
    ['no signature', () => ({ nkey: ALICE })],
    ['empty signature', () => ({ nkey: ALICE, sig: '' })],
    ['garbage signature', () => ({ nkey: ALICE, sig: 'not a signature!' })],
    ['signature of the nonce with one byte changed', (nonce) => ({ nkey: ALICE, sig: sign(alice, nonce.slice(0, -1) + (nonce.endsWith('A') ? 'B' : 'A')) })],
    ['truncated signature', (nonce) => ({ nkey: ALICE, sig: sign(alice, nonce).slice(0, 40) })],
    ['account key instead of a user key', (nonce) => ({ nkey: createAccount().getPublicKey(), sig: sign(alice, nonce) })],
    ['signature but no nkey', (nonce) => ({ sig: sign(alice, nonce) })],
  ];
  for (const [what, make] of cases) {
    const { c, nonce } = await withNonce(srv.port);
    const out = await connectWith(c, make(nonce));
    await c.waitClosed();
    assert.equal(out, ERR.authViolation, what);
  }
});

test('raw: a signature over another connection’s nonce is refused', async () => {
  const first = await withNonce(srv.port);
  const second = await withNonce(srv.port);
  assert.notEqual(first.nonce, second.nonce);
  const out = await connectWith(second.c, { nkey: ALICE, sig: sign(alice, first.nonce) });
  await second.c.waitClosed();
  assert.equal(out, ERR.authViolation);
  // The first connection can still use its own nonce.
  const ok = await connectWith(first.c, { nkey: ALICE, sig: sign(alice, first.nonce) });
  assert.equal(ok, 'PONG\r\n');
  first.c.close();
});

test('password users next to nkey users still authenticate with passwords', async () => {
  await assertAccepted(srv.port, { user: 'pw', pass: 'secret' });
  await assertRefused(srv.port, { user: 'pw', pass: 'nope' });
  await assertRefused(srv.port, { user: ALICE }, 'nkey given as a user name');
});

test('official clients sign with nkeyAuthenticator(seed); the nkey user gets its permissions', async () => {
  const a3 = await connectV3(srv.url, { authenticator: v3.nkeyAuthenticator(alice.getSeed()) });
  const b2 = await connectV2(srv.url, { authenticator: v2.nkeyAuthenticator(bob.getSeed()) });
  try {
    const errors = [];
    (async () => {
      for await (const s of a3.status()) if (s.type === 'error') errors.push(s.error);
    })().catch(() => {});
    const got = collect(b2, '>');
    await b2.flush();
    a3.publish('alice.ok', 'allowed');
    a3.publish('other', 'denied');
    await a3.flush();
    await b2.flush();
    assert.deepEqual(got.msgs.map((m) => `${m.subject}:${m.string()}`), ['alice.ok:allowed']);
    await waitFor(() => errors.length > 0, 2000);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof v3.errors.PermissionViolationError);
    assert.equal(errors[0].message, 'Permissions Violation for Publish to "other"');
    assert.equal(a3.isClosed(), false, 'a permission error does not close the connection');

    // Request/reply between two nkey users.
    const svc = b2.subscribe('alice.svc', { callback: (_e, m) => m.respond('pong') });
    await b2.flush();
    const reply = await a3.request('alice.svc', 'ping', { timeout: 2000 });
    assert.equal(reply.string(), 'pong');
    svc.unsubscribe();
  } finally {
    await closeAll(a3, b2);
  }
});

test('official clients with a seed that is not configured are refused', async () => {
  const e3 = await rejection(connectV3(srv.url, { authenticator: v3.nkeyAuthenticator(stranger.getSeed()) }));
  assert.ok(e3 instanceof v3.errors.AuthorizationError, String(e3));
  const e2 = await rejection(connectV2(srv.url, { authenticator: v2.nkeyAuthenticator(stranger.getSeed()) }));
  assert.equal(e2.code, v2.ErrorCode.AuthorizationViolation, String(e2));
  const e3b = await rejection(connectV3(srv.url));
  assert.ok(e3b instanceof v3.errors.AuthorizationError, `no credentials: ${e3b}`);
});
