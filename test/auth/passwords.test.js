// Token and user/password authentication (plain and bcrypt), the CONNECT-first rule,
// the auth timeout and the --user/--pass/--auth flags, through raw sockets (exact
// bytes) and both official clients.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcrypt';
import { parseInfo, rawConnect } from '../support/raw.js';
import { startDialtone, startDialtoneProcess } from '../support/servers.js';
import {
  ERR,
  assertAccepted,
  assertRefused,
  closeAll,
  collect,
  connectV2,
  connectV3,
  rawAuthed,
  rejection,
  startDialtoneConf,
  v2,
  v3,
} from './_helpers.js';

// One slow hash (≈0.5 s per comparison) shared by the tests that need a long bcrypt check.
let slowHash;
before(async () => {
  slowHash = await bcrypt.hash('slow-secret', 13);
});

// ---- token ---------------------------------------------------------------------------

test('token: INFO says auth_required without a nonce; the right auth_token is accepted, wrong or missing ones are refused', async () => {
  const s = await startDialtone({ authorization: { token: 's3cr3t' } });
  try {
    const c = await rawConnect(s.port, null);
    const info = parseInfo(c.text);
    c.close();
    assert.equal(info.auth_required, true);
    assert.equal('nonce' in info, false, 'no nonce without nkey users');
    await assertAccepted(s.port, { auth_token: 's3cr3t' });
    await assertRefused(s.port, { auth_token: 's3cr3t ' }, 'token with a trailing blank');
    await assertRefused(s.port, { auth_token: 'S3CR3T' }, 'token in another case');
    await assertRefused(s.port, {}, 'no token');
    await assertRefused(s.port, { user: 's3cr3t' }, 'token given as the user');
    await assertRefused(s.port, { pass: 's3cr3t' }, 'token given as the password');
  } finally {
    await s.close();
  }
});

test('token: both official clients connect with it and exchange messages; a wrong token is an AuthorizationError', async () => {
  const s = await startDialtone({ authorization: { token: 'tok-123' } });
  const conns = [];
  try {
    const a = await connectV3(s.url, { token: 'tok-123' });
    const b = await connectV2(s.url, { token: 'tok-123' });
    const c = await connectV3(s.url, { authenticator: v3.tokenAuthenticator('tok-123') });
    conns.push(a, b, c);
    const got = collect(b, 'greet');
    await b.flush();
    a.publish('greet', 'from v3');
    c.publish('greet', 'from v3 authenticator');
    await a.flush();
    await c.flush();
    await b.flush();
    assert.deepEqual(got.msgs.map((m) => m.string()).sort(), ['from v3', 'from v3 authenticator']);

    const e3 = await rejection(connectV3(s.url, { token: 'nope' }));
    assert.ok(e3 instanceof v3.errors.AuthorizationError, `v3: ${e3}`);
    assert.equal(e3.message, 'Authorization Violation');
    const e2 = await rejection(connectV2(s.url, { token: 'nope' }));
    assert.equal(e2.code, v2.ErrorCode.AuthorizationViolation, `v2: ${e2}`);
  } finally {
    await closeAll(conns);
    await s.close();
  }
});

test('token: a bcrypt hash ($2b$ and $2a$) as the configured token checks the plain token', async () => {
  const hash = await bcrypt.hash('plain-token', 4);
  assert.match(hash, /^\$2b\$04\$/);
  for (const configured of [hash, hash.replace(/^\$2b\$/, '$2a$')]) {
    const s = await startDialtoneConf({ authorization: { token: configured } });
    try {
      await assertAccepted(s.port, { auth_token: 'plain-token' }, `${configured.slice(0, 4)} hash, plain token`);
      await assertRefused(s.port, { auth_token: configured }, `${configured.slice(0, 4)} hash, the hash itself`);
      await assertRefused(s.port, { auth_token: 'plain-tokeN' }, `${configured.slice(0, 4)} hash, wrong token`);
      const nc = await connectV3(s.url, { token: 'plain-token' });
      await nc.flush();
      await nc.close();
    } finally {
      await s.close();
    }
  }
});

// ---- user / password ---------------------------------------------------------------------

test('single user/password: exact match required, everything else is refused with Authorization Violation', async () => {
  const s = await startDialtoneConf({ authorization: { user: 'derek', password: 'T0pS3cr3t' } });
  try {
    await assertAccepted(s.port, { user: 'derek', pass: 'T0pS3cr3t' });
    await assertRefused(s.port, { user: 'derek', pass: 'wrong' }, 'wrong password');
    await assertRefused(s.port, { user: 'derek', pass: '' }, 'empty password');
    await assertRefused(s.port, { user: 'derek' }, 'no password');
    await assertRefused(s.port, { user: 'Derek', pass: 'T0pS3cr3t' }, 'user name in another case');
    await assertRefused(s.port, { user: 'other', pass: 'T0pS3cr3t' }, 'unknown user');
    await assertRefused(s.port, { pass: 'T0pS3cr3t' }, 'password only');
    await assertRefused(s.port, {}, 'no credentials');
    await assertRefused(s.port, { auth_token: 'T0pS3cr3t' }, 'password as token');
  } finally {
    await s.close();
  }
});

test('users list: plain and bcrypt passwords; each user only with its own password', async () => {
  const hash = await bcrypt.hash('bpass', 4);
  const s = await startDialtoneConf({
    authorization: {
      users: [
        { user: 'alice', password: 'apass' },
        { user: 'bob', password: hash },
        { user: 'carol', password: hash.replace(/^\$2b\$/, '$2a$') },
      ],
    },
  });
  try {
    await assertAccepted(s.port, { user: 'alice', pass: 'apass' });
    await assertAccepted(s.port, { user: 'bob', pass: 'bpass' });
    await assertAccepted(s.port, { user: 'carol', pass: 'bpass' });
    await assertRefused(s.port, { user: 'bob', pass: hash }, 'bcrypt user presenting the hash');
    await assertRefused(s.port, { user: 'alice', pass: 'bpass' }, "another user's password");
    await assertRefused(s.port, { user: 'bob', pass: 'apass' }, "another user's password (bcrypt user)");
    await assertRefused(s.port, { user: 'dave', pass: 'apass' }, 'unknown user');
    await assertRefused(s.port, {}, 'missing credentials');

    // Both official clients, and messages flow between users.
    const a = await connectV3(s.url, { user: 'alice', pass: 'apass' });
    const b = await connectV2(s.url, { user: 'bob', pass: 'bpass' });
    const c = await connectV3(s.url, { authenticator: v3.usernamePasswordAuthenticator('carol', 'bpass') });
    try {
      const got = collect(a, 'x.>');
      await a.flush();
      b.publish('x.b', 'hi from bob');
      c.publish('x.c', 'hi from carol');
      await b.flush();
      await c.flush();
      await a.flush();
      assert.deepEqual(got.msgs.map((m) => `${m.subject}=${m.string()}`).sort(), ['x.b=hi from bob', 'x.c=hi from carol']);
      const e = await rejection(connectV3(s.url, { user: 'bob', pass: 'apass' }));
      assert.ok(e instanceof v3.errors.AuthorizationError, String(e));
      const e2 = await rejection(connectV2(s.url, { user: 'alice', pass: 'x' }));
      assert.equal(e2.code, v2.ErrorCode.AuthorizationViolation, String(e2));
    } finally {
      await closeAll(a, b, c);
    }
  } finally {
    await s.close();
  }
});

test('a bcrypt check does not block the server: other clients are served while a wrong password is being compared', async () => {
  const s = await startDialtoneConf({ authorization: { users: [{ user: 'slow', password: slowHash }, { user: 'fast', password: 'plain' }] } });
  try {
    const busy = await rawAuthed(s.port, { user: 'fast', pass: 'plain' });
    const victim = await rawConnect(s.port, null);
    const t0 = Date.now();
    victim.send('CONNECT {"verbose":false,"user":"slow","pass":"wrong"}\r\nPING\r\n');
    // While bcrypt runs: an existing client gets 5 round trips and a new one authenticates.
    const events = [];
    victim.waitClosed(10000).then(() => events.push('violation'), () => {});
    for (let i = 0; i < 5; i++) {
      await busy.flush();
      events.push(`pong${i}`);
    }
    const fresh = await rawAuthed(s.port, { user: 'fast', pass: 'plain' });
    events.push('fresh client authenticated');
    fresh.close();
    await victim.waitClosed(10000);
    const took = Date.now() - t0;
    assert.deepEqual(events, ['pong0', 'pong1', 'pong2', 'pong3', 'pong4', 'fresh client authenticated', 'violation']);
    assert.equal(victim.text.slice(victim.text.indexOf('\r\n') + 2), ERR.authViolation);
    assert.ok(took >= 150, `the bcrypt comparison took a while (${took} ms), so the round trips overlapped it`);
    busy.close();
  } finally {
    await s.close();
  }
});

test('bcrypt: input after CONNECT waits for the comparison and is then processed in order', async () => {
  const s = await startDialtoneConf({ authorization: { users: [{ user: 'slow', password: slowHash }] } });
  try {
    const c = await rawConnect(s.port, null);
    c.send('CONNECT {"verbose":false,"user":"slow","pass":"slow-secret"}\r\nSUB q 1\r\nPUB q 2\r\nhi\r\nPING\r\n');
    await c.expect('PONG\r\n', 10000);
    assert.equal(c.text.slice(c.text.indexOf('\r\n') + 2), 'MSG q 1 2\r\nhi\r\nPONG\r\n');
    c.close();
  } finally {
    await s.close();
  }
});

test('bcrypt: a connection refused after a bcrypt comparison is released at once (server close is not held up)', async () => {
  const hash = await bcrypt.hash('right', 4);
  const s = await startDialtoneConf({ authorization: { users: [{ user: 'u', password: hash }] } });
  let closed = false;
  try {
    const c = await rawConnect(s.port, null);
    c.send('CONNECT {"verbose":false,"user":"u","pass":"wrong"}\r\nPING\r\n');
    await c.waitClosed();
    assert.equal(c.text.slice(c.text.indexOf('\r\n') + 2), ERR.authViolation);
    const t0 = Date.now();
    await s.close();
    closed = true;
    const took = Date.now() - t0;
    // nats-server closes a refused connection outright; nothing is left to wait for.
    assert.ok(took < 1000, `server close took ${took} ms after a refused bcrypt connection`);
  } finally {
    if (!closed) await s.close();
  }
});

// ---- CONNECT first, auth timeout ------------------------------------------------------------

test('with auth required, a first op other than CONNECT is an Authorization Violation and closes', async () => {
  const s = await startDialtone({ authorization: { user: 'u', password: 'p' } });
  try {
    for (const first of ['PING\r\n', 'SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n', 'UNSUB 1\r\n', 'PONG\r\n']) {
      const c = await rawConnect(s.port, null);
      c.send(`${first}CONNECT {"user":"u","pass":"p","verbose":false}\r\nPING\r\n`);
      await c.waitClosed();
      assert.equal(c.text.slice(c.text.indexOf('\r\n') + 2), ERR.authViolation, `first op ${JSON.stringify(first)}`);
    }
  } finally {
    await s.close();
  }
});

test('auth timeout: no CONNECT within authorization.timeout (0.5 s) → Authentication Timeout and close', async () => {
  const s = await startDialtoneConf({ authorization: { user: 'u', password: 'p', timeout: 0.5 } });
  try {
    const idle = await rawConnect(s.port, null);
    const t0 = Date.now();
    const ok = await rawAuthed(s.port, { user: 'u', pass: 'p' });
    await idle.waitClosed(3000);
    const took = Date.now() - t0;
    assert.equal(idle.text.slice(idle.text.indexOf('\r\n') + 2), ERR.authTimeout);
    assert.ok(took >= 400 && took < 1500, `closed after ${took} ms`);
    // A client that sent CONNECT in time is not affected.
    await new Promise((r) => setTimeout(r, 300));
    await ok.flush();
    assert.equal(ok.closed, false);
    assert.equal(ok.text, 'PONG\r\n');
    ok.close();
  } finally {
    await s.close();
  }
});

test('auth timeout: official clients that connect promptly are unaffected', async () => {
  const s = await startDialtoneConf({ authorization: { token: 't', timeout: 0.5 } });
  try {
    const nc = await connectV3(s.url, { token: 't' });
    await new Promise((r) => setTimeout(r, 700));
    await nc.flush();
    assert.equal(nc.isClosed(), false);
    await nc.close();
  } finally {
    await s.close();
  }
});

// ---- command-line flags -------------------------------------------------------------------

test('--user/--pass flags require that user and password', async () => {
  const srv = await startDialtoneProcess(['--user', 'cli-user', '--pass', 'cli-pass']);
  try {
    const c = await rawConnect(srv.port, null);
    assert.equal(parseInfo(c.text).auth_required, true);
    c.close();
    await assertAccepted(srv.port, { user: 'cli-user', pass: 'cli-pass' });
    await assertRefused(srv.port, { user: 'cli-user', pass: 'nope' });
    await assertRefused(srv.port, {});
    const nc = await connectV3(srv.url, { user: 'cli-user', pass: 'cli-pass' });
    await nc.flush();
    await nc.close();
  } finally {
    await srv.stop();
  }
});

test('--auth flag requires that token', async () => {
  const srv = await startDialtoneProcess(['--auth', 'cli-token']);
  try {
    await assertAccepted(srv.port, { auth_token: 'cli-token' });
    await assertRefused(srv.port, { auth_token: 'other' });
    await assertRefused(srv.port, { user: 'cli-token' });
    const nc = await connectV2(srv.url, { token: 'cli-token' });
    await nc.flush();
    await nc.close();
  } finally {
    await srv.stop();
  }
});
