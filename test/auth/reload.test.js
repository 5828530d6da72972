// Reloading users and permissions with SIGHUP (CLI process): connections whose
// credentials no longer pass are closed, new permissions apply to open connections,
// and subscriptions that are no longer allowed are removed. The last test runs the
// same script against nats-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startDialtoneProcess, startNatsServer, waitFor } from '../support/servers.js';
import { ERR, confText, connectV3, diff, msgLines, rawAuthed, assertAccepted, assertRefused, v3, writeConf } from './_helpers.js';

const RELOADED = /\[INF\] Reloaded server configuration/g;

/** Starts a server process (Dialtone's CLI by default) with `config`; `reload(next)` rewrites the file and sends SIGHUP. */
async function startWithConf(config, start = startDialtoneProcess) {
  const file = writeConf(config);
  const srv = await start(['-c', file]);
  await waitFor(() => /Server is ready/.test(srv.output()), 8000);
  await new Promise((r) => setTimeout(r, 100));
  let reloads = 0;
  return {
    ...srv,
    file,
    async reload(next) {
      writeFileSync(file, confText(next));
      reloads++;
      srv.child.kill('SIGHUP');
      await waitFor(() => (srv.output().match(RELOADED) ?? []).length >= reloads, 8000);
    },
  };
}

test('SIGHUP after a password change: the client with the old password is closed with Authorization Violation; the new password works', async () => {
  const users = (pw) => ({ authorization: { users: [{ user: 'changed', password: pw }, { user: 'steady', password: 'same' }] } });
  const srv = await startWithConf(users('old-pw'));
  try {
    const old = await rawAuthed(srv.port, { user: 'changed', pass: 'old-pw' });
    const steady = await rawAuthed(srv.port, { user: 'steady', pass: 'same' });
    const nc = await connectV3(srv.url, { user: 'changed', pass: 'old-pw' });
    await srv.reload(users('new-pw'));
    await old.waitClosed();
    assert.equal(old.text, ERR.authViolation);
    const closedWith = await nc.closed();
    assert.ok(closedWith instanceof v3.errors.AuthorizationError, `v3 client closed with ${closedWith}`);
    // Unchanged users are not disturbed.
    await steady.flush();
    assert.equal(steady.closed, false);
    assert.equal(steady.text, 'PONG\r\n');
    steady.close();
    await assertAccepted(srv.port, { user: 'changed', pass: 'new-pw' });
    await assertRefused(srv.port, { user: 'changed', pass: 'old-pw' });
  } finally {
    await srv.stop();
  }
});

test('SIGHUP: a removed user is disconnected, an added user can connect, a changed token takes effect', async () => {
  const srv = await startWithConf({ authorization: { users: [{ user: 'gone', password: 'p' }, { user: 'kept', password: 'p' }] } });
  try {
    const gone = await rawAuthed(srv.port, { user: 'gone', pass: 'p' });
    await assertRefused(srv.port, { user: 'new', pass: 'p' });
    await srv.reload({ authorization: { users: [{ user: 'kept', password: 'p' }, { user: 'new', password: 'p' }] } });
    await gone.waitClosed();
    assert.equal(gone.text, ERR.authViolation);
    await assertAccepted(srv.port, { user: 'new', pass: 'p' });

    const kept = await rawAuthed(srv.port, { user: 'kept', pass: 'p' });
    await srv.reload({ authorization: { token: 'tok' } });
    await kept.waitClosed();
    assert.equal(kept.text, ERR.authViolation, 'a user/password client under a token-only config');
    await assertAccepted(srv.port, { auth_token: 'tok' });
    await assertRefused(srv.port, { user: 'kept', pass: 'p' });
  } finally {
    await srv.stop();
  }
});

test('SIGHUP after a permissions change: publish rights of open connections change at once', async () => {
  const perms = (publish) => ({ authorization: { users: [{ user: 'u', password: 'p', permissions: { publish } }, { user: 'watch', password: 'p' }] } });
  const srv = await startWithConf(perms(['foo']));
  try {
    const u = await rawAuthed(srv.port, { user: 'u', pass: 'p' });
    const w = await rawAuthed(srv.port, { user: 'watch', pass: 'p' });
    w.send('SUB > 1\r\n');
    await w.flush();
    u.send('PUB foo 1\r\na\r\nPUB bar 1\r\nb\r\n');
    await u.flush();
    assert.equal(u.text, `${ERR.pub('bar')}PONG\r\n`);
    u.clear();
    await srv.reload(perms(['bar']));
    u.send('PUB foo 1\r\nc\r\nPUB bar 1\r\nd\r\n');
    await u.flush();
    assert.equal(u.text, `${ERR.pub('foo')}PONG\r\n`);
    await w.flush();
    assert.deepEqual(msgLines(w.text), ['MSG foo 1 1', 'MSG bar 1 1']);
    assert.match(w.text, /MSG foo 1 1\r\na\r\n.*MSG bar 1 1\r\nd\r\n/s);
    u.close();
    w.close();
  } finally {
    await srv.stop();
  }
});

test('SIGHUP after a permissions change: subscriptions no longer allowed are removed with a (sid "…") error and get no more messages', async () => {
  const perms = (subscribe) => ({ authorization: { users: [{ user: 'u', password: 'p', permissions: { subscribe } }, { user: 'pub', password: 'p' }] } });
  const srv = await startWithConf(perms(['foo', 'bar', 'baz.>']));
  try {
    const u = await rawAuthed(srv.port, { user: 'u', pass: 'p' });
    const pub = await rawAuthed(srv.port, { user: 'pub', pass: 'p' });
    u.send('SUB foo 1\r\nSUB bar 2\r\nSUB baz.x 3\r\n');
    await u.flush();
    u.clear();
    await srv.reload(perms(['bar']));
    await u.flush();
    assert.equal(u.text, `-ERR 'Permissions Violation for Subscription to "foo" (sid "1")'\r\n-ERR 'Permissions Violation for Subscription to "baz.x" (sid "3")'\r\nPONG\r\n`);
    u.clear();
    pub.send('PUB foo 1\r\nf\r\nPUB bar 1\r\nb\r\nPUB baz.x 1\r\nz\r\n');
    await pub.flush();
    await u.flush();
    assert.deepEqual(msgLines(u.text), ['MSG bar 2 1'], 'only the still-allowed subscription delivers');
    assert.equal(u.closed, false);
    u.close();
    pub.close();
  } finally {
    await srv.stop();
  }
});

diff('differential: nats-server does the same on SIGHUP (closed client, new publish rights, removed subscriptions)', async () => {
  const before = {
    authorization: {
      users: [
        { user: 'a', password: 'old' },
        { user: 'b', password: 'p', permissions: { publish: ['foo', 'bar'], subscribe: ['foo', 'bar', 'baz.>'] } },
      ],
    },
  };
  const after = {
    authorization: {
      users: [
        { user: 'a', password: 'new' },
        { user: 'b', password: 'p', permissions: { publish: ['bar'], subscribe: ['bar'] } },
      ],
    },
  };
  const script = async (start) => {
    const srv = await startWithConf(before, start);
    try {
      const a = await rawAuthed(srv.port, { user: 'a', pass: 'old' });
      const b = await rawAuthed(srv.port, { user: 'b', pass: 'p' });
      b.send('SUB foo 1\r\nSUB bar 2\r\nSUB baz.x 3\r\n');
      await b.flush();
      b.clear();
      await srv.reload(after);
      await a.waitClosed();
      b.send('PUB foo 1\r\nx\r\nPUB bar 1\r\ny\r\n');
      await b.flush();
      // nats-server walks the removed subscriptions in Go map order, so their errors come in any order.
      const subErrors = b.text.split('\r\n').filter((l) => l.includes('for Subscription to')).sort();
      const rest = b.text.split('\r\n').filter((l) => !l.includes('for Subscription to')).join('\r\n');
      const out = { a: a.text, aClosed: a.closed, subErrors, b: rest, bClosed: b.closed };
      a.close();
      b.close();
      return out;
    } finally {
      await srv.stop();
    }
  };
  const ref = await script(startNatsServer);
  const dial = await script(startDialtoneProcess);
  assert.deepEqual(ref, {
    a: ERR.authViolation,
    aClosed: true,
    subErrors: [
      `-ERR 'Permissions Violation for Subscription to "baz.x" (sid "3")'`,
      `-ERR 'Permissions Violation for Subscription to "foo" (sid "1")'`,
    ],
    b: `${ERR.pub('foo')}MSG bar 2 1\r\ny\r\nPONG\r\n`,
    bClosed: false,
  });
  assert.deepEqual(dial, ref);
});
