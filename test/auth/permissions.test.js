// Publish and subscribe permissions: allow/deny lists, deny overriding allow, queue
// scoped entries, deliveries filtered for wildcard subscriptions, default_permissions,
// and the exact -ERR texts (Go %q quoting). Every violation leaves the connection open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/servers.js';
import { ERR, closeAll, collect, connectV2, connectV3, msgLines, rawAuthed, startDialtoneConf, v2, v3, watchErrors } from './_helpers.js';

let srv;
before(async () => {
  srv = await startDialtoneConf({
    authorization: {
      default_permissions: { publish: ['dflt.>'], subscribe: ['dflt.>'] },
      users: [
        { user: 'admin', password: 'p', permissions: { publish: '>', subscribe: '>' } },
        { user: 'pub_allow', password: 'p', permissions: { publish: ['orders.*', 'logs.>'] } },
        { user: 'pub_deny', password: 'p', permissions: { publish: { deny: ['admin.>', 'exact'] } } },
        { user: 'sub_allow', password: 'p', permissions: { subscribe: ['weather.*', 'news.>'] } },
        { user: 'sub_deny', password: 'p', permissions: { subscribe: { deny: ['secret.>', 'hidden'] } } },
        {
          user: 'both',
          password: 'p',
          permissions: { publish: { allow: ['foo.>'], deny: ['foo.bar', 'foo.*.x'] }, subscribe: { allow: ['foo.>'], deny: ['foo.bar', 'foo.*.x'] } },
        },
        { user: 'queues', password: 'p', permissions: { subscribe: { allow: ['work v1', 'jobs', 'tasks.* g1'], deny: ['jobs slow'] } } },
        { user: 'wild', password: 'p', permissions: { subscribe: { allow: ['>'], deny: ['secret.>', 'top.*.hidden'] } } },
        { user: 'defaulted', password: 'p' },
        { user: 'empty_perms', password: 'p', permissions: {} },
        { user: 'quoted', password: 'p', permissions: { publish: ['ok'], subscribe: ['ok'] } },
      ],
    },
  });
});
after(async () => {
  await srv?.close();
});

const login = (user) => rawAuthed(srv.port, { user, pass: 'p' });

/**
 * Sends `input` + PING and returns everything received since the previous run up to
 * the PONG (then forgets it); asserts the connection stayed open.
 */
async function run(c, input) {
  c.send(`${input}PING\r\n`);
  await c.waitUntil((t, cl) => cl.closed || t.includes('PONG\r\n'));
  assert.equal(c.closed, false, `still open after ${JSON.stringify(input)}`);
  const out = c.text;
  c.clear();
  return out;
}

/** An admin client subscribed to everything; `seen()` returns its MSG lines after a round trip. */
async function watcher() {
  const w = await login('admin');
  w.send('SUB > 1\r\n');
  await w.flush();
  w.clear();
  return {
    c: w,
    async seen() {
      await w.flush();
      const lines = msgLines(w.text);
      w.clear();
      return lines;
    },
  };
}

test('publish allow list: other subjects get -ERR Permissions Violation for Publish, are not delivered, and the connection stays open', async () => {
  const c = await login('pub_allow');
  const w = await watcher();
  try {
    const out = await run(c, 'PUB orders.new 1\r\na\r\nPUB orders.new.x 1\r\nb\r\nPUB logs.a.b 1\r\nc\r\nPUB payments 1\r\nd\r\nPUB orders 1\r\ne\r\n');
    assert.equal(out, `${ERR.pub('orders.new.x')}${ERR.pub('payments')}${ERR.pub('orders')}PONG\r\n`);
    assert.deepEqual(await w.seen(), ['MSG orders.new 1 1', 'MSG logs.a.b 1 1']);
    // Still usable after the errors.
    assert.equal(await run(c, 'PUB orders.again 2\r\nok\r\n'), 'PONG\r\n');
    assert.deepEqual(await w.seen(), ['MSG orders.again 1 2']);
  } finally {
    c.close();
    w.c.close();
  }
});

test('publish deny list: only the denied subjects are refused (wildcard-aware)', async () => {
  const c = await login('pub_deny');
  const w = await watcher();
  try {
    const out = await run(c, 'PUB admin.x 1\r\na\r\nPUB admin.x.y 1\r\nb\r\nPUB exact 1\r\nc\r\nPUB exact.not 1\r\nd\r\nPUB admin 1\r\ne\r\n');
    assert.equal(out, `${ERR.pub('admin.x')}${ERR.pub('admin.x.y')}${ERR.pub('exact')}PONG\r\n`);
    assert.deepEqual(await w.seen(), ['MSG exact.not 1 1', 'MSG admin 1 1']);
  } finally {
    c.close();
    w.c.close();
  }
});

test('subscribe allow list: other subjects get -ERR Permissions Violation for Subscription and receive nothing', async () => {
  const c = await login('sub_allow');
  const admin = await login('admin');
  try {
    const out = await run(c, 'SUB weather.today 1\r\nSUB weather.* 2\r\nSUB news.> 3\r\nSUB weather 4\r\nSUB sports 5\r\nSUB > 6\r\nSUB news 7\r\n');
    assert.equal(out, `${ERR.sub('weather')}${ERR.sub('sports')}${ERR.sub('>')}${ERR.sub('news')}PONG\r\n`);
    await run(admin, 'PUB weather.today 1\r\n1\r\nPUB sports 1\r\n2\r\nPUB news 1\r\n3\r\nPUB news.a 1\r\n4\r\nPUB weather.a.b 1\r\n5\r\n');
    assert.deepEqual(msgLines(await run(c, '')), ['MSG weather.today 1 1', 'MSG weather.today 2 1', 'MSG news.a 3 1']);
    // A refused SUB does not take its sid: the sid works for an allowed subject afterwards.
    assert.equal(await run(c, 'SUB news.b 5\r\n'), 'PONG\r\n');
    await run(admin, 'PUB news.b 1\r\nx\r\n');
    assert.deepEqual(msgLines(await run(c, '')), ['MSG news.b 3 1', 'MSG news.b 5 1']);
  } finally {
    c.close();
    admin.close();
  }
});

test('subscribe deny list: denied subjects and wildcards inside them are refused', async () => {
  const c = await login('sub_deny');
  try {
    const out = await run(c, 'SUB secret.a 1\r\nSUB secret.> 2\r\nSUB secret.* 3\r\nSUB hidden 4\r\nSUB hidden.not 5\r\nSUB secret 6\r\n');
    assert.equal(out, `${ERR.sub('secret.a')}${ERR.sub('secret.>')}${ERR.sub('secret.*')}${ERR.sub('hidden')}PONG\r\n`);
  } finally {
    c.close();
  }
});

test('deny overrides allow, for publish and subscribe', async () => {
  const c = await login('both');
  const w = await watcher();
  try {
    const out = await run(c, 'PUB foo.bar 1\r\na\r\nPUB foo.baz 1\r\nb\r\nPUB foo.y.x 1\r\nc\r\nPUB foo.y.z 1\r\nd\r\nSUB foo.bar 1\r\nSUB foo.y.x 2\r\nSUB foo.baz 3\r\n');
    assert.equal(out, `${ERR.pub('foo.bar')}${ERR.pub('foo.y.x')}${ERR.sub('foo.bar')}${ERR.sub('foo.y.x')}PONG\r\n`);
    assert.deepEqual(await w.seen(), ['MSG foo.baz 1 1', 'MSG foo.y.z 1 1']);
  } finally {
    c.close();
    w.c.close();
  }
});

test('queue permissions: "subject queue" entries allow only that queue; queue-scoped denies; the error names the queue', async () => {
  const c = await login('queues');
  try {
    const out = await run(
      c,
      [
        'SUB work v1 1', // allowed: the queue named in the entry
        'SUB work v2 2', // denied: another queue
        'SUB work 3', // denied: no queue
        'SUB jobs 4', // allowed: plain entry allows any queue...
        'SUB jobs fast 5',
        'SUB jobs slow 6', // ...except the denied one
        'SUB tasks.a g1 7', // allowed via wildcard subject
        'SUB tasks.a g2 8',
        '',
      ].join('\r\n'),
    );
    assert.equal(out, `${ERR.sub('work', 'v2')}${ERR.sub('work')}${ERR.sub('jobs', 'slow')}${ERR.sub('tasks.a', 'g2')}PONG\r\n`);
  } finally {
    c.close();
  }
});

test('a wildcard subscription that is allowed does not deliver messages on denied subjects', async () => {
  const c = await login('wild');
  const admin = await login('admin');
  try {
    assert.equal(await run(c, 'SUB > 1\r\nSUB top.> q 2\r\nSUB *.> 3\r\n'), 'PONG\r\n');
    assert.equal(await run(c, 'SUB secret.x 9\r\nSUB top.a.hidden 10\r\n'), `${ERR.sub('secret.x')}${ERR.sub('top.a.hidden')}PONG\r\n`);
    await run(admin, 'PUB secret.a 1\r\nS\r\nPUB secret.a.b 1\r\nS\r\nPUB top.a.hidden 1\r\nH\r\nPUB top.a.shown 1\r\nV\r\nPUB public 1\r\nP\r\nPUB secret 1\r\nO\r\n');
    const lines = msgLines(await run(c, '')).sort();
    assert.deepEqual(lines, ['MSG public 1 1', 'MSG secret 1 1', 'MSG top.a.shown 1 1', 'MSG top.a.shown 2 1', 'MSG top.a.shown 3 1']);
  } finally {
    c.close();
    admin.close();
  }
});

test('default_permissions apply to users without their own; users with their own (even empty) do not get them', async () => {
  const d = await login('defaulted');
  const e = await login('empty_perms');
  const w = await watcher();
  try {
    assert.equal(await run(d, 'PUB dflt.a 1\r\na\r\nPUB other 1\r\nb\r\nSUB dflt.> 1\r\nSUB other 2\r\n'), `${ERR.pub('other')}${ERR.sub('other')}PONG\r\n`);
    assert.equal(await run(e, 'PUB other 1\r\nc\r\nPUB dflt.b 1\r\nd\r\nSUB anything 1\r\n'), 'PONG\r\n');
    assert.deepEqual(await w.seen(), ['MSG dflt.a 1 1', 'MSG other 1 1', 'MSG dflt.b 1 1']);
    assert.deepEqual(msgLines(await run(d, '')), ['MSG dflt.b 1 1']);
  } finally {
    for (const c of [d, e, w.c]) c.close();
  }
});

test('errors quote subjects as Go %q does: quotes, backslashes, control bytes', async () => {
  const c = await login('quoted');
  try {
    const cases = [
      ['a"b', '"a\\"b"'],
      ['a\\b', '"a\\\\b"'],
      ["it's", `"it's"`],
      ['x\x7fy', '"x\\x7fy"'],
      ['x\x01y', '"x\\x01y"'],
      ['x\x1by', '"x\\x1by"'],
      ['%s%q', '"%s%q"'],
    ];
    for (const [subject, quoted] of cases) {
      const out = await run(c, `PUB ${subject} 0\r\n\r\nSUB ${subject} 1\r\nSUB ${subject} grp 2\r\n`);
      assert.equal(
        out,
        `-ERR 'Permissions Violation for Publish to ${quoted}'\r\n-ERR 'Permissions Violation for Subscription to ${quoted}'\r\n` +
          `-ERR 'Permissions Violation for Subscription to ${quoted} using queue "grp"'\r\nPONG\r\n`,
        JSON.stringify(subject),
      );
    }
    assert.equal(await run(c, 'SUB ok q"ueue 3\r\n'), 'PONG\r\n', 'allowed');
    assert.equal(await run(c, 'SUB ko q"ueue 4\r\n'), `-ERR 'Permissions Violation for Subscription to "ko" using queue "q\\"ueue"'\r\nPONG\r\n`);
  } finally {
    c.close();
  }
});

test('errors quote non-ASCII subjects as Go %q does: printable runes kept, others \\u-escaped', async () => {
  const c = await login('quoted');
  try {
    // Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.
    const cases = [
      ['café', '"café"'],
      ['e\u0301', '"e\u0301"'],
      ['han\u4e2d', '"han\u4e2d"'],
      ['emoji\u{1F600}', '"emoji\u{1F600}"'],
      ['nb\u00a0sp', '"nb\\u00a0sp"'],
      ['nel\u0085', '"nel\\u0085"'],
      ['ls\u2028', '"ls\\u2028"'],
      ['ps\u2029', '"ps\\u2029"'],
      ['bom\ufeff', '"bom\\ufeff"'],
      ['zw\u200b', '"zw\\u200b"'],
      ['pua\ue000', '"pua\\ue000"'],
    ];
    const failures = [];
    for (const [subject, quoted] of cases) {
      c.clear();
      c.send(Buffer.from(`PUB ${subject} 0\r\n\r\nPING\r\n`, 'utf8'));
      await c.expect('PONG\r\n');
      const got = Buffer.from(c.text, 'latin1').toString('utf8');
      const want = `-ERR 'Permissions Violation for Publish to ${quoted}'\r\nPONG\r\n`;
      if (got !== want) failures.push(`${JSON.stringify(subject)}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
    }
    assert.deepEqual(failures, []);
  } finally {
    c.close();
  }
});

test('errors quote invalid UTF-8 bytes in a subject as \\xNN, as Go %q does', async () => {
  const c = await login('quoted');
  try {
    c.clear();
    c.send(Buffer.concat([Buffer.from('PUB x'), Buffer.from([0xff, 0xc3]), Buffer.from('y 0\r\n\r\nPING\r\n')]));
    await c.expect('PONG\r\n');
    assert.equal(c.data.toString('latin1'), `-ERR 'Permissions Violation for Publish to "x\\xff\\xc3y"'\r\nPONG\r\n`);
  } finally {
    c.close();
  }
});

test('violations do not disturb other clients: a bystander keeps exchanging messages throughout', async () => {
  const bad = await login('pub_allow');
  const bystander = await login('admin');
  try {
    bystander.send('SUB chat 1\r\n');
    await bystander.flush();
    bystander.clear();
    for (let i = 0; i < 20; i++) {
      bad.send(`PUB forbidden.${i} 1\r\nx\r\n`);
      bystander.send(`PUB chat ${String(i).length}\r\n${i}\r\n`);
    }
    await bad.flush();
    await bystander.flush();
    assert.equal(msgLines(bystander.text).length, 20);
    assert.equal((bad.text.match(/Permissions Violation for Publish/g) ?? []).length, 20);
    assert.equal(bad.closed, false);
    assert.equal(bystander.closed, false);
  } finally {
    bad.close();
    bystander.close();
  }
});

test('v3 client: publish violations are async errors, a denied subscription closes with PermissionViolationError, the connection stays up', async () => {
  const nc = await connectV3(srv.url, { user: 'sub_allow', pass: 'p' });
  const admin = await connectV3(srv.url, { user: 'admin', pass: 'p' });
  try {
    const errors = watchErrors(nc);
    const denied = nc.subscribe('sports');
    const allowed = collect(nc, 'weather.*');
    await nc.flush();
    const closedWith = await denied.closed;
    assert.ok(closedWith instanceof v3.errors.PermissionViolationError, String(closedWith));
    assert.equal(closedWith.operation, 'subscription');
    assert.equal(closedWith.subject, 'sports');
    admin.publish('weather.now', 'sunny');
    admin.publish('sports', 'goal');
    await admin.flush();
    await nc.flush();
    assert.deepEqual(allowed.msgs.map((m) => m.string()), ['sunny']);
    await waitFor(() => errors.length > 0, 2000);
    assert.ok(errors.some((e) => e instanceof v3.errors.PermissionViolationError && e.subject === 'sports'));
    assert.equal(nc.isClosed(), false);

    const pubber = await connectV3(srv.url, { user: 'pub_allow', pass: 'p' });
    const pubErrors = watchErrors(pubber);
    pubber.publish('nope', 'x');
    await pubber.flush();
    await waitFor(() => pubErrors.length > 0, 2000);
    assert.equal(pubErrors.length, 1);
    assert.equal(pubErrors[0].message, 'Permissions Violation for Publish to "nope"');
    assert.equal(pubErrors[0].operation, 'publish');
    await pubber.close();
  } finally {
    await closeAll(nc, admin);
  }
});

test('v2 client: a denied subscription reports PERMISSIONS_VIOLATION to its callback; the connection stays up', async () => {
  const nc = await connectV2(srv.url, { user: 'queues', pass: 'p' });
  try {
    const errs = [];
    nc.subscribe('work', { queue: 'v2', callback: (err) => err && errs.push(err) });
    const ok = nc.subscribe('work', { queue: 'v1', callback: () => {} });
    await nc.flush();
    await nc.flush();
    assert.equal(errs.length, 1);
    assert.equal(errs[0].code, v2.ErrorCode.PermissionsViolation);
    assert.match(errs[0].message, /Permissions Violation for Subscription to "work" using queue "v2"/);
    assert.equal(nc.isClosed(), false);
    assert.equal(ok.isClosed(), false);
  } finally {
    await nc.close();
  }
});
