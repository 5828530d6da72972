// Stream exports and imports: which messages cross, under which subject, to whom,
// and what stays on each side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBoth, closeAll, errLines, flushAll, hpub, login, parseMsgs, pub, withServer } from './_helpers.js';

/** Logs in every user (password = user name) and returns the raw clients. */
const loginAll = (port, users, extra) => Promise.all(users.map((u) => login(port, u, u, extra)));
/** `subject:payload` per received message (with `sid` if asked). */
const seen = (c, withSid = false) => parseMsgs(c.text).map((m) => (withSid ? `${m.sid}:` : '') + `${m.subject}:${m.payload}`);
/** Flushes twice: deliveries caused by another connection arrive before the second PONG. */
async function settle(clients) {
  await flushAll(clients);
  await flushAll(clients);
}

test('public stream export: the importer gets the exporter’s messages on the same subject, with their reply and headers', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'a.>' }] },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'a.>' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await loginAll(srv.port, ['a', 'b']);
    try {
      b.send('SUB a.> 1\r\n');
      await b.flush();
      a.send(pub('a.x', 'one') + pub('a.y.z', 'two', 'my.reply') + hpub('a.h', 'NATS/1.0\r\nK: v\r\n\r\n', 'hi') + pub('b.x', 'no'));
      await settle([a, b]);
      const got = parseMsgs(b.text);
      assert.deepEqual(
        got.map((m) => [m.op, m.subject, m.reply, m.headers, m.payload]),
        [
          ['MSG', 'a.x', '', '', 'one'],
          ['MSG', 'a.y.z', 'my.reply', '', 'two'],
          ['HMSG', 'a.h', '', 'NATS/1.0\r\nK: v\r\n\r\n', 'hi'],
        ],
      );
    } finally {
      closeAll([a, b]);
    }
  });
});

test('restricted stream export (accounts: [B]): B receives, C imports nothing and has no access', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'r.>', accounts: ['B'] }, { stream: 'open.>' }] },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'r.>' } }] },
      C: { users: [{ user: 'c', password: 'c' }], imports: [{ stream: { account: 'A', subject: 'open.>' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b, c] = await loginAll(srv.port, ['a', 'b', 'c']);
    try {
      b.send('SUB > 1\r\n');
      c.send('SUB > 1\r\n');
      await flushAll([b, c]);
      a.send(pub('r.1', 'restricted') + pub('open.1', 'public'));
      await settle([a, b, c]);
      assert.deepEqual(seen(b), ['r.1:restricted']);
      assert.deepEqual(seen(c), ['open.1:public']);
    } finally {
      closeAll([a, b, c]);
    }
  });
});

test('restricted stream export: an import by an account not in `accounts` is a config error with nats-server’s text', () => {
  const conf = [
    'accounts {',
    '  A: { users: [{user: a, password: a}], exports: [{stream: "r.>", accounts: [B]}] }',
    '  B: { users: [{user: b, password: b}], imports: [{stream: {account: A, subject: "r.>"}}] }',
    '  C: { users: [{user: c, password: c}], imports: [{stream: {account: A, subject: "r.>"}}] }',
    '}',
    '',
  ].join('\n');
  const expected = 'accounts.conf:1:0: Error adding stream import "r.>": stream import not authorized';
  const r = checkBoth(conf);
  if (r.nats) assert.equal(r.nats.text, expected, 'nats-server 2.9.10 says so');
  assert.notEqual(r.dialtone.code, 0);
  assert.equal(r.dialtone.text, expected);
});

test('import with prefix: delivered as `prefix.subject`; a prefix ending in "." is not doubled', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'a.>' }, { stream: 'k.*' }] },
      B: {
        users: [{ user: 'b', password: 'b' }],
        imports: [
          { stream: { account: 'A', subject: 'a.>' }, prefix: 'from_a' },
          { stream: { account: 'A', subject: 'k.*' }, prefix: 'dotted.' },
        ],
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await loginAll(srv.port, ['a', 'b']);
    try {
      b.send('SUB > 1\r\n');
      await b.flush();
      a.send(pub('a.b.c', 'p1') + pub('k.v', 'p2'));
      await settle([a, b]);
      assert.deepEqual(seen(b), ['from_a.a.b.c:p1', 'dotted.k.v:p2']);
      // B's subscriptions on the unprefixed subject get nothing.
      b.clear();
      b.send('UNSUB 1\r\nSUB a.> 2\r\nSUB from_a.a.* 3\r\n');
      await b.flush();
      a.send(pub('a.q', 'p3'));
      await settle([a, b]);
      assert.deepEqual(seen(b, true), ['3:from_a.a.q:p3']);
    } finally {
      closeAll([a, b]);
    }
  });
});

test('import with `to`: a literal renamed, a wildcard remapped with $1', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'a.lit' }, { stream: 'w.*' }] },
      B: {
        users: [{ user: 'b', password: 'b' }],
        imports: [
          { stream: { account: 'A', subject: 'a.lit' }, to: 'b.lit' },
          { stream: { account: 'A', subject: 'w.*' }, to: 'ww.$1.x' },
        ],
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await loginAll(srv.port, ['a', 'b']);
    try {
      b.send('SUB > 1\r\n');
      await b.flush();
      a.send(pub('a.lit', 'L', 'rep') + pub('w.foo', 'W1') + pub('w.bar', 'W2') + pub('w.bar.baz', 'no'));
      await settle([a, b]);
      assert.deepEqual(
        parseMsgs(b.text).map((m) => [m.subject, m.reply, m.payload]),
        [
          ['b.lit', 'rep', 'L'],
          ['ww.foo.x', '', 'W1'],
          ['ww.bar.x', '', 'W2'],
        ],
      );
    } finally {
      closeAll([a, b]);
    }
  });
});

test('wildcard export, literal import: only the imported subject crosses', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'ev.>' }] },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'ev.orders.created' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await loginAll(srv.port, ['a', 'b']);
    try {
      b.send('SUB > 1\r\n');
      await b.flush();
      a.send(pub('ev.orders.created', 'yes') + pub('ev.orders.deleted', 'no') + pub('ev.orders.created.x', 'no') + pub('ev.orders', 'no'));
      await settle([a, b]);
      assert.deepEqual(seen(b), ['ev.orders.created:yes']);
    } finally {
      closeAll([a, b]);
    }
  });
});

test('queue subscribers in the importing account: each imported message once per group, plain subscribers get all', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'jobs.>' }] },
      B: {
        users: ['b1', 'b2', 'b3', 'b4'].map((u) => ({ user: u, password: u })),
        imports: [{ stream: { account: 'A', subject: 'jobs.>' }, prefix: 'in' }],
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b1, b2, b3, b4] = await loginAll(srv.port, ['a', 'b1', 'b2', 'b3', 'b4']);
    const all = [a, b1, b2, b3, b4];
    try {
      for (const c of [b1, b2, b3]) c.send('SUB in.jobs.* workers 1\r\n');
      b4.send('SUB in.jobs.* 1\r\n');
      await flushAll(all);
      const N = 300;
      let text = '';
      for (let i = 0; i < N; i++) text += pub(`jobs.${i % 7}`, `job-${i}`);
      a.send(text);
      await settle(all);
      const workers = [b1, b2, b3].map((c) => parseMsgs(c.text).map((m) => m.payload));
      const merged = workers.flat().sort();
      const want = Array.from({ length: N }, (_, i) => `job-${i}`).sort();
      assert.deepEqual(merged, want, 'each imported message reached exactly one worker');
      for (const w of workers) assert.ok(w.length > 0, `every worker got some: ${workers.map((x) => x.length)}`);
      assert.equal(parseMsgs(b4.text).length, N, 'the plain subscriber got every message');
    } finally {
      closeAll(all);
    }
  });
});

test('the exporter’s own subscribers still get its messages, and nothing published in the importer flows back', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }, { user: 'a2', password: 'a2' }], exports: [{ stream: 's.>' }] },
      B: { users: [{ user: 'b', password: 'b' }, { user: 'b2', password: 'b2' }], imports: [{ stream: { account: 'A', subject: 's.>' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, a2, b, b2] = await loginAll(srv.port, ['a', 'a2', 'b', 'b2']);
    const all = [a, a2, b, b2];
    try {
      a2.send('SUB s.> 1\r\nSUB s.> grp 2\r\n');
      b2.send('SUB s.> 1\r\n');
      await flushAll(all);
      a.send(pub('s.1', 'fromA'));
      b.send(pub('s.2', 'fromB'));
      await settle(all);
      assert.deepEqual(seen(a2, true), ['1:s.1:fromA', '2:s.1:fromA'], 'exporter side: its own messages only');
      assert.deepEqual(seen(b2).sort(), ['s.1:fromA', 's.2:fromB'], 'importer side: imported and local');
    } finally {
      closeAll(all);
    }
  });
});

test('stream imports are not transitive: B re-exporting an imported subject does not pass A’s messages to C', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'pub.>' }] },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'pub.>' } }], exports: [{ stream: 'pub.>' }] },
      C: { users: [{ user: 'c', password: 'c' }], imports: [{ stream: { account: 'B', subject: 'pub.>' }, prefix: 'viaB' }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b, c] = await loginAll(srv.port, ['a', 'b', 'c']);
    try {
      b.send('SUB > 1\r\n');
      c.send('SUB > 1\r\n');
      await flushAll([b, c]);
      a.send(pub('pub.x', 'A1'));
      b.send(pub('pub.y', 'B1'));
      await settle([a, b, c]);
      assert.deepEqual(seen(b), ['pub.x:A1', 'pub.y:B1']);
      assert.deepEqual(seen(c), ['viaB.pub.y:B1'], 'as nats-server: only B’s own messages');
    } finally {
      closeAll([a, b, c]);
    }
  });
});

test('two imports of overlapping exports deliver once per import', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'x.>' }] },
      B: {
        users: [{ user: 'b', password: 'b' }],
        imports: [
          { stream: { account: 'A', subject: 'x.>' }, prefix: 'p1' },
          { stream: { account: 'A', subject: 'x.y' }, prefix: 'p2' },
        ],
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await loginAll(srv.port, ['a', 'b']);
    try {
      b.send('SUB > 1\r\n');
      await b.flush();
      a.send(pub('x.y', 'M'));
      await settle([a, b]);
      assert.deepEqual(seen(b).sort(), ['p1.x.y:M', 'p2.x.y:M']);
      assert.deepEqual(errLines(b.text), []);
    } finally {
      closeAll([a, b]);
    }
  });
});

// nats-server implements a stream import by copying each importer subscription into
// the exporter's index ("shadow subscription"), queue group name included. So an
// importer queue group and an exporter queue group with the same name form ONE group:
// every message goes to one member on either side, not one per account.
test('same-named queue groups on both sides of a stream import share deliveries (as nats-server)', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }, { user: 'a2', password: 'a2' }], exports: [{ stream: 'q.>' }] },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'q.>' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, a2, b] = await loginAll(srv.port, ['a', 'a2', 'b']);
    try {
      a2.send('SUB q.> grp 1\r\n');
      b.send('SUB q.> grp 1\r\n');
      await flushAll([a2, b]);
      const N = 200;
      let text = '';
      for (let i = 0; i < N; i++) text += pub('q.x', `m${i}`);
      a.send(text);
      await settle([a, a2, b]);
      const na = parseMsgs(a2.text).length;
      const nb = parseMsgs(b.text).length;
      assert.equal(na + nb, N, `one delivery per message across both accounts (exporter ${na}, importer ${nb})`);
      assert.ok(na > 0 && nb > 0, `both sides take part (exporter ${na}, importer ${nb})`);
    } finally {
      closeAll([a, a2, b]);
    }
  });
});
