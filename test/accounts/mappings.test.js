// Subject mappings: top-level (global account) and per account, wildcard references,
// weighted destinations, and mappings on requests and across service imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, errLines, flushAll, login, parseMsgs, pub, withServer } from './_helpers.js';

const loginAll = (port, users, extra) => Promise.all(users.map((u) => login(port, u, u, extra)));
async function settle(clients) {
  await flushAll(clients);
  await flushAll(clients);
}
const seen = (c) => parseMsgs(c.text).map((m) => `${m.sid}:${m.subject}:${m.payload}`);

test('top-level mappings rewrite what $G clients publish; subscribers on the original subject get nothing', async () => {
  const conf = { mappings: { orig: 'dest', 'a.b': 'c.d.e' } };
  await withServer(conf, async (srv) => {
    const [p, s] = await Promise.all([login(srv.port, null), login(srv.port, null)]);
    try {
      s.send('SUB orig 1\r\nSUB dest 2\r\nSUB c.d.e 3\r\nSUB a.b 4\r\n');
      await s.flush();
      p.send(pub('orig', 'm1') + pub('a.b', 'm2') + pub('dest', 'm3') + pub('orig.x', 'm4'));
      await settle([p, s]);
      assert.deepEqual(seen(s), ['2:dest:m1', '3:c.d.e:m2', '2:dest:m3']);
    } finally {
      closeAll([p, s]);
    }
  });
});

test('account mappings apply in that account only; top-level mappings do not apply to configured accounts', async () => {
  const conf = {
    mappings: { top: 'top.mapped' },
    authorization: { users: [{ user: 'g', password: 'g' }] },
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], mappings: { orig: 'dest' } },
      B: { users: [{ user: 'b', password: 'b' }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [g, a, b] = await loginAll(srv.port, ['g', 'a', 'b']);
    const all = [g, a, b];
    try {
      for (const c of all) c.send('SUB orig 1\r\nSUB dest 2\r\nSUB top 3\r\nSUB top.mapped 4\r\n');
      await flushAll(all);
      for (const c of all) c.send(pub('orig', 'o') + pub('top', 't'));
      await settle(all);
      assert.deepEqual(seen(g), ['1:orig:o', '4:top.mapped:t'], '$G: top-level mapping only');
      assert.deepEqual(seen(a), ['2:dest:o', '3:top:t'], 'A: its own mapping only');
      assert.deepEqual(seen(b), ['1:orig:o', '3:top:t'], 'B: no mapping');
    } finally {
      closeAll(all);
    }
  });
});

test('wildcard references: $1, {{wildcard(1)}}, reordered tokens, and a > tail', async () => {
  const conf = {
    accounts: {
      A: {
        users: [{ user: 'a', password: 'a' }],
        mappings: {
          'd1.*': 'r1.$1',
          'd2.*': 'r2.{{wildcard(1)}}.end',
          'd3.*.*': 'r3.$2.$1',
          'd4.*.*': 'r4.{{ wildcard(2) }}.{{Wildcard(1)}}',
          'd5.>': 'r5.>',
          'd6.*.>': 'r6.$1.>',
        },
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, s] = await loginAll(srv.port, ['a', 'a']);
    try {
      s.send('SUB > 1\r\n');
      await s.flush();
      a.send(pub('d1.x', '1') + pub('d2.y', '2') + pub('d3.p.q', '3') + pub('d4.p.q', '4') + pub('d5.a.b.c', '5') + pub('d6.k.l.m', '6') + pub('d1.x.y', 'unmapped'));
      await settle([a, s]);
      assert.deepEqual(
        parseMsgs(s.text).map((m) => `${m.subject}:${m.payload}`),
        ['r1.x:1', 'r2.y.end:2', 'r3.q.p:3', 'r4.q.p:4', 'r5.a.b.c:5', 'r6.k.l.m:6', 'd1.x.y:unmapped'],
      );
      assert.deepEqual(errLines(a.text), []);
    } finally {
      closeAll([a, s]);
    }
  });
});

/** Publishes `n` messages on `subject` and counts deliveries per subject on a `>` subscriber. */
async function distribution(conf, subject, n) {
  return withServer(conf, async (srv) => {
    const [p, s] = await Promise.all([login(srv.port, null), login(srv.port, null)]);
    try {
      s.send('SUB > 1\r\n');
      await s.flush();
      let text = '';
      for (let i = 0; i < n; i++) text += pub(subject, `${i}`);
      p.send(text);
      await settle([p, s]);
      await s.waitUntil((t) => parseMsgs(t).length >= n, 5000, `${n} deliveries`);
      const counts = {};
      for (const m of parseMsgs(s.text)) counts[m.subject] = (counts[m.subject] ?? 0) + 1;
      return counts;
    } finally {
      closeAll([p, s]);
    }
  });
}

test('weighted mapping 20%/80%: the split over 4000 messages is within tolerance', async () => {
  const conf = { mappings: { work: [{ destination: 'work.a', weight: '20%' }, { destination: 'work.b', weight: '80%' }] } };
  const N = 4000;
  const counts = await distribution(conf, 'work', N);
  assert.equal((counts['work.a'] ?? 0) + (counts['work.b'] ?? 0), N, `every message mapped to one of the two: ${JSON.stringify(counts)}`);
  assert.equal(counts.work, undefined);
  // 20% of 4000 = 800, sd ~ 25; allow 5 points (200 messages).
  assert.ok(Math.abs(counts['work.a'] / N - 0.2) < 0.05, JSON.stringify(counts));
  assert.ok(Math.abs(counts['work.b'] / N - 0.8) < 0.05, JSON.stringify(counts));
});

test('weights summing to less than 100%: the rest stays on the original subject', async () => {
  const conf = {
    accounts: {
      A: {
        users: [{ user: 'a', password: 'a' }],
        mappings: { job: [{ destination: 'job.x', weight: 20 }, { destination: 'job.y', weight: '30%' }] },
      },
    },
    no_auth_user: 'a',
  };
  const N = 4000;
  const counts = await distribution(conf, 'job', N);
  assert.equal((counts['job.x'] ?? 0) + (counts['job.y'] ?? 0) + (counts.job ?? 0), N, JSON.stringify(counts));
  assert.ok(Math.abs(counts['job.x'] / N - 0.2) < 0.05, JSON.stringify(counts));
  assert.ok(Math.abs(counts['job.y'] / N - 0.3) < 0.05, JSON.stringify(counts));
  assert.ok(Math.abs(counts.job / N - 0.5) < 0.05, JSON.stringify(counts));
});

test('mappings apply to requests: the responder gets the mapped subject with the reply, the answer returns', async () => {
  const conf = { mappings: { 'api.v1.*': 'internal.$1' } };
  await withServer(conf, async (srv) => {
    const [req, resp] = await Promise.all([login(srv.port, null), login(srv.port, null)]);
    try {
      resp.send('SUB internal.* 1\r\n');
      req.send('SUB _INBOX.> 9\r\n');
      await flushAll([req, resp]);
      req.send(pub('api.v1.users', 'list', '_INBOX.abc'));
      await settle([req, resp]);
      const [m] = parseMsgs(resp.text);
      assert.deepEqual([m.subject, m.reply, m.payload], ['internal.users', '_INBOX.abc', 'list']);
      resp.send(pub(m.reply, 'ok'));
      await settle([req, resp]);
      assert.deepEqual(parseMsgs(req.text).map((x) => `${x.subject}:${x.payload}`), ['_INBOX.abc:ok']);
    } finally {
      closeAll([req, resp]);
    }
  });
});

test('mappings and service imports: the importer’s mapping can target an import; the exporter’s mapping applies to imported requests', async () => {
  const conf = {
    accounts: {
      A: {
        users: [{ user: 'a', password: 'a' }],
        exports: [{ service: 'svc' }],
        mappings: { svc: 'svc.impl' },
      },
      B: {
        users: [{ user: 'b', password: 'b' }],
        imports: [{ service: { account: 'A', subject: 'svc' } }],
        mappings: { ask: 'svc' },
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB svc.impl 1\r\nSUB svc 2\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('ask', 'q', 'inbox.1'));
      await settle([a, b]);
      const reqs = parseMsgs(a.text);
      assert.deepEqual(reqs.map((m) => `${m.sid}:${m.subject}:${m.payload}`), ['1:svc.impl:q']);
      assert.match(reqs[0].reply, /^_R_\./);
      a.send(pub(reqs[0].reply, 'answer'));
      await settle([a, b]);
      assert.deepEqual(parseMsgs(b.text).map((m) => `${m.subject}:${m.payload}`), ['inbox.1:answer']);
    } finally {
      closeAll([a, b]);
    }
  });
});

test('mapping to a stream-exported subject: the mapped subject is what crosses the import', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'out.>' }], mappings: { 'raw.*': 'out.$1' } },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'out.>' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await loginAll(srv.port, ['a', 'b']);
    try {
      b.send('SUB > 1\r\n');
      await b.flush();
      a.send(pub('raw.x', 'mapped') + pub('raw.x.y', 'not-mapped'));
      await settle([a, b]);
      assert.deepEqual(parseMsgs(b.text).map((m) => `${m.subject}:${m.payload}`), ['out.x:mapped']);
    } finally {
      closeAll([a, b]);
    }
  });
});
