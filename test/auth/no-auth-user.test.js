// no_auth_user: a client that presents no credentials acts as the named user (its
// account and permissions); INFO then says auth_required false, and a telnet-style
// client may skip CONNECT altogether.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfo, rawConnect } from '../support/raw.js';
import { waitFor } from '../support/servers.js';
import { ERR, assertAccepted, assertRefused, closeAll, collect, connectV2, connectV3, rawAuthed, startDialtoneConf, v3, watchErrors } from './_helpers.js';

let srv;
before(async () => {
  srv = await startDialtoneConf({
    no_auth_user: 'guest',
    authorization: {
      users: [
        { user: 'guest', password: 'guest-pw', permissions: { publish: ['public.>'], subscribe: ['public.>', '_INBOX.>'] } },
        { user: 'admin', password: 'admin-pw' },
      ],
    },
  });
});
after(async () => {
  await srv?.close();
});

const afterInfo = (c) => c.text.slice(c.text.indexOf('\r\n') + 2);

test('INFO: auth_required is false when no_auth_user is set', async () => {
  const c = await rawConnect(srv.port, null);
  const info = parseInfo(c.text);
  c.close();
  assert.equal('auth_required' in info, false, JSON.stringify(info));
  assert.equal('nonce' in info, false);
});

test('CONNECT without credentials gets the no_auth_user permissions', async () => {
  const anon = await rawAuthed(srv.port, {});
  const admin = await rawAuthed(srv.port, { user: 'admin', pass: 'admin-pw' });
  try {
    admin.send('SUB > 1\r\n');
    await admin.flush();
    admin.clear();
    anon.send('PUB public.news 2\r\nok\r\nPUB private.x 2\r\nno\r\nSUB private.> 7\r\nSUB public.> 8\r\nPING\r\n');
    await anon.expect('PONG\r\n');
    assert.equal(anon.text, `${ERR.pub('private.x')}${ERR.sub('private.>')}PONG\r\n`);
    admin.send('PUB public.reply 3\r\nyes\r\nPUB private.y 1\r\nz\r\n');
    await admin.flush();
    await anon.flush();
    assert.equal(admin.text, 'MSG public.news 1 2\r\nok\r\nMSG public.reply 1 3\r\nyes\r\nMSG private.y 1 1\r\nz\r\nPONG\r\n');
    assert.equal(anon.text, `${ERR.pub('private.x')}${ERR.sub('private.>')}PONG\r\nMSG public.reply 8 3\r\nyes\r\nPONG\r\n`);
    assert.equal(anon.closed, false);
  } finally {
    anon.close();
    admin.close();
  }
});

test('telnet style: a client that never sends CONNECT can SUB/PUB as the no_auth_user (verbose by default)', async () => {
  const c = await rawConnect(srv.port, null);
  try {
    c.send('SUB public.t 1\r\nPUB public.t 5\r\nhello\r\nPUB secret 1\r\nx\r\nSUB secret 2\r\nPING\r\n');
    await c.expect('PONG\r\n');
    assert.equal(afterInfo(c), `+OK\r\n+OK\r\nMSG public.t 1 5\r\nhello\r\n${ERR.pub('secret')}${ERR.sub('secret')}PONG\r\n`);
    assert.equal(c.closed, false);
  } finally {
    c.close();
  }
});

test('telnet style: a first op other than CONNECT ends the auth timer; a client that sends nothing still times out', async () => {
  const s = await startDialtoneConf({
    no_auth_user: 'guest',
    authorization: { timeout: 0.3, users: [{ user: 'guest', password: 'x' }] },
  });
  try {
    const c = await rawConnect(s.port, null);
    const idle = await rawConnect(s.port, null);
    c.send('PING\r\n');
    await c.expect('PONG\r\n');
    await new Promise((r) => setTimeout(r, 600));
    await c.flush();
    assert.equal(c.closed, false);
    assert.equal(afterInfo(c), 'PONG\r\nPONG\r\n');
    c.close();
    await idle.waitClosed();
    assert.equal(afterInfo(idle), ERR.authTimeout);
  } finally {
    await s.close();
  }
});

test('explicit credentials are still checked: other users work, wrong passwords and unknown users are refused', async () => {
  await assertAccepted(srv.port, { user: 'admin', pass: 'admin-pw' });
  await assertAccepted(srv.port, { user: 'guest', pass: 'guest-pw' });
  await assertRefused(srv.port, { user: 'admin', pass: 'nope' });
  await assertRefused(srv.port, { user: 'guest', pass: 'nope' }, 'no_auth_user named with a wrong password');
  await assertRefused(srv.port, { user: 'nobody', pass: '' }, 'unknown user without a password');
  await assertRefused(srv.port, { auth_token: 'x' }, 'a token counts as credentials');
});

test('official clients without credentials connect as the no_auth_user and get its permission errors', async () => {
  const v3c = await connectV3(srv.url);
  const v2c = await connectV2(srv.url);
  const admin = await connectV3(srv.url, { user: 'admin', pass: 'admin-pw' });
  try {
    const errors = watchErrors(v3c);
    const seen = collect(admin, '>');
    await admin.flush();
    v3c.publish('public.a', 'from v3');
    v3c.publish('private.a', 'blocked');
    v2c.publish('public.b', 'from v2');
    await v3c.flush();
    await v2c.flush();
    await admin.flush();
    assert.deepEqual(seen.msgs.map((m) => `${m.subject}:${m.string()}`).sort(), ['public.a:from v3', 'public.b:from v2']);
    await waitFor(() => errors.length > 0, 2000);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof v3.errors.PermissionViolationError);
    assert.equal(errors[0].subject, 'private.a');
    // The anonymous client can still make requests on what it may use.
    const svc = admin.subscribe('public.svc', { callback: (_e, m) => m.respond('ok') });
    await admin.flush();
    assert.equal((await v3c.request('public.svc', '', { timeout: 2000 })).string(), 'ok');
    svc.unsubscribe();
  } finally {
    await closeAll(v3c, v2c, admin);
  }
});

test('no_auth_user in an account: anonymous clients land in that account, isolated from the global one', async () => {
  const s = await startDialtoneConf({
    no_auth_user: 'anon',
    accounts: {
      ACC: { users: [{ user: 'anon', password: 'x' }, { user: 'member', password: 'm' }] },
    },
    authorization: { users: [{ user: 'global', password: 'g' }] },
  });
  try {
    const anon = await rawAuthed(s.port, {});
    const member = await rawAuthed(s.port, { user: 'member', pass: 'm' });
    const global = await rawAuthed(s.port, { user: 'global', pass: 'g' });
    for (const c of [member, global]) {
      c.send('SUB t 1\r\n');
      await c.flush();
      c.clear();
    }
    anon.send('PUB t 2\r\nhi\r\n');
    await anon.flush();
    await member.flush();
    await global.flush();
    assert.equal(member.text, 'MSG t 1 2\r\nhi\r\nPONG\r\n', 'same account');
    assert.equal(global.text, 'PONG\r\n', 'other account sees nothing');
    for (const c of [anon, member, global]) c.close();
  } finally {
    await s.close();
  }
});
