// Isolation between accounts: a message only reaches subscriptions in its publisher's
// account, except through a configured import. A seeded randomized test checks every
// delivery against a model; smaller tests pin the same subject in two accounts and the
// global account `$G` next to configured accounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../support/prng.js';
import { closeAll, errLines, flushAll, login, parseMsgs, pub, withServer } from './_helpers.js';

/** Does literal `subject` match subscription `pattern` (with * and >)? */
function matches(pattern, subject) {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

// $G (users in the authorization block), A, B, C, D. A exports stream `pub.>`; B
// imports it with prefix `ia`; C and D import nothing. `ia` is also a first token the
// generator uses, so locally published `ia.…` subjects compete with imported ones.
const ISOLATION_CONF = {
  authorization: { users: [{ user: 'g0', password: 'p' }, { user: 'g1', password: 'p' }, { user: 'g2', password: 'p' }] },
  accounts: {
    A: { users: [0, 1, 2].map((k) => ({ user: `a${k}`, password: 'p' })), exports: [{ stream: 'pub.>' }] },
    B: {
      users: [0, 1, 2].map((k) => ({ user: `b${k}`, password: 'p' })),
      imports: [{ stream: { account: 'A', subject: 'pub.>' }, prefix: 'ia' }],
    },
    C: { users: [0, 1, 2].map((k) => ({ user: `c${k}`, password: 'p' })) },
    D: { users: [0, 1, 2].map((k) => ({ user: `d${k}`, password: 'p' })) },
  },
};
const ACCOUNTS = [
  ['$G', 'g'],
  ['A', 'a'],
  ['B', 'b'],
  ['C', 'c'],
  ['D', 'd'],
];
/** Where a message published in `from` on `subject` is also delivered: [account, subject]. */
function imported(from, subject) {
  if (from === 'A' && matches('pub.>', subject)) return [['B', `ia.${subject}`]];
  return [];
}

const FIRST = ['pub', 'foo', 'bar', 'ia'];
const REST = ['pub', 'foo', 'bar', 'x', 'y'];

function randomLiteral(r) {
  const n = 1 + r.int(4);
  const t = [r.pick(FIRST)];
  while (t.length < n) t.push(r.pick(REST));
  return t.join('.');
}

function randomPattern(r) {
  const t = randomLiteral(r).split('.');
  for (let i = 0; i < t.length; i++) if (r.chance(0.3)) t[i] = '*';
  if (r.chance(0.25)) t[r.int(t.length)] = '>';
  const cut = t.indexOf('>');
  return (cut >= 0 ? t.slice(0, cut + 1) : t).join('.');
}

for (const seed of [0x5eed0001, 0x5eed0002, 0x5eed0003]) {
  test(`randomized isolation (seed ${seed.toString(16)}): every delivery matches the model, nothing crosses without an import`, async () => {
    const r = prng(seed);
    await withServer(ISOLATION_CONF, async (srv) => {
      /** @type {{account: string, name: string, c: any, subs: Map<string, {pattern: string, queue?: string}>}[]} */
      const conns = [];
      try {
        for (const [account, letter] of ACCOUNTS) {
          for (let k = 0; k < 3; k++) {
            const name = `${letter}${k}`;
            conns.push({ account, name, c: await login(srv.port, name, 'p'), subs: new Map() });
          }
        }
        // Subscriptions: plain ones on random subjects, some in queue groups.
        for (const conn of conns) {
          const n = 4 + r.int(8);
          let text = '';
          for (let s = 1; s <= n; s++) {
            const pattern = r.chance(0.5) ? randomLiteral(r) : randomPattern(r);
            // Group names differ per account: nats-server copies an importer's queue
            // subscription into the exporter's index with its group name (a shadow
            // subscription), so same-named groups on both sides of an import compete;
            // streams.test.js covers that. Here groups are per account.
            const queue = r.chance(0.2) ? `${conn.account}-${r.pick(['q1', 'q2'])}` : undefined;
            conn.subs.set(String(s), { pattern, queue });
            text += queue ? `SUB ${pattern} ${queue} ${s}\r\n` : `SUB ${pattern} ${s}\r\n`;
          }
          conn.c.send(text);
        }
        await flushAll(conns.map((x) => x.c));
        for (const conn of conns) assert.deepEqual(errLines(conn.c.text), [], `${conn.name}: ${conn.c.text}`);

        // Publishes: payload `account|publisher|seq` so every delivery names its origin.
        const published = [];
        for (let round = 0; round < 40; round++) {
          for (const conn of conns) {
            if (!r.chance(0.8)) continue;
            const subject = randomLiteral(r);
            const payload = `${conn.account}|${conn.name}|${published.length}`;
            published.push({ account: conn.account, subject, payload });
            conn.c.send(pub(subject, payload));
          }
        }
        await flushAll(conns.map((x) => x.c));
        // A second round of flushes: deliveries caused by another connection's publish
        // were queued before that connection's PONG, so one more PING settles them all.
        await flushAll(conns.map((x) => x.c));

        // Model: for each (account, subject) the list of deliveries expected.
        const deliveries = []; // {account, subject, payload}
        for (const m of published) {
          deliveries.push({ account: m.account, subject: m.subject, payload: m.payload });
          for (const [account, subject] of imported(m.account, m.subject)) deliveries.push({ account, subject, payload: m.payload });
        }

        let crossings = 0;
        let total = 0;
        const queueGot = new Map(); // `${account}|${queue}|${payload}|${subject}` -> count
        for (const conn of conns) {
          const got = parseMsgs(conn.c.text);
          total += got.length;
          const plain = new Map();
          for (const m of got) {
            const sub = conn.subs.get(m.sid);
            assert.ok(sub, `${conn.name} got a MSG for unknown sid ${m.sid}`);
            assert.ok(matches(sub.pattern, m.subject), `${conn.name}: ${m.subject} delivered to sid ${m.sid} (${sub.pattern})`);
            const from = m.payload.split('|')[0];
            if (from !== conn.account) {
              crossings++;
              // Only the configured import may carry messages across.
              const ok = imported(from, m.subject.replace(/^ia\./, '')).some(([acc, subj]) => acc === conn.account && subj === m.subject);
              assert.ok(ok, `seed ${seed}: ${JSON.stringify(m)} published in ${from} reached ${conn.name} in ${conn.account}`);
            }
            if (sub.queue) {
              const key = `${conn.account}|${sub.queue}|${m.payload}|${m.subject}`;
              queueGot.set(key, (queueGot.get(key) ?? 0) + 1);
            } else {
              const key = `${m.sid}|${m.subject}|${m.payload}`;
              plain.set(key, (plain.get(key) ?? 0) + 1);
            }
          }
          // Plain subscriptions: exactly the model's deliveries, once each.
          const want = new Map();
          for (const [sid, sub] of conn.subs) {
            if (sub.queue) continue;
            for (const d of deliveries) {
              if (d.account === conn.account && matches(sub.pattern, d.subject)) want.set(`${sid}|${d.subject}|${d.payload}`, 1);
            }
          }
          assert.deepEqual(
            [...plain.entries()].sort(),
            [...want.entries()].sort(),
            `seed ${seed}: ${conn.name} (${conn.account}) plain deliveries differ from the model`,
          );
        }
        // Queue groups: each matching message once per (account, group).
        const wantQ = new Map();
        for (const d of deliveries) {
          for (const q of [`${d.account}-q1`, `${d.account}-q2`]) {
            const members = conns.filter((x) => x.account === d.account && [...x.subs.values()].some((s) => s.queue === q && matches(s.pattern, d.subject)));
            if (members.length > 0) wantQ.set(`${d.account}|${q}|${d.payload}|${d.subject}`, 1);
          }
        }
        // Exactly one member of each group gets each matching message.
        assert.deepEqual([...queueGot.entries()].sort(), [...wantQ.entries()].sort(), `seed ${seed}: queue-group deliveries differ from the model`);
        assert.ok(total > 100, `the scenario delivered enough messages to mean something (${total})`);
        assert.ok(crossings > 0, 'the import carried at least one message');
      } finally {
        closeAll(conns.map((x) => x.c));
      }
    });
  });
}

test('the same subject in two accounts: subscribers and queue groups are independent', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a1', password: 'p' }, { user: 'a2', password: 'p' }] },
      B: { users: [{ user: 'b1', password: 'p' }, { user: 'b2', password: 'p' }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a1, a2, b1, b2] = await Promise.all(['a1', 'a2', 'b1', 'b2'].map((u) => login(srv.port, u, 'p')));
    const all = [a1, a2, b1, b2];
    try {
      for (const c of all) c.send('SUB same 1\r\nSUB same grp 2\r\nSUB same.> 3\r\n');
      await flushAll(all);
      a1.send(pub('same', 'fromA') + pub('same.x', 'fromA2'));
      b2.send(pub('same', 'fromB'));
      await flushAll(all);
      await flushAll(all);
      const view = (c) => parseMsgs(c.text).map((m) => `${m.sid}:${m.subject}:${m.payload}`);
      for (const [c, acc] of [
        [a1, 'A'],
        [a2, 'A'],
        [b1, 'B'],
        [b2, 'B'],
      ]) {
        const own = acc === 'A' ? ['1:same:fromA', '3:same.x:fromA2'] : ['1:same:fromB'];
        const got = view(c);
        assert.deepEqual(got.filter((x) => x.startsWith('1:') || x.startsWith('3:')), own, `${acc}: ${c.text}`);
        assert.ok(!got.some((x) => x.endsWith(acc === 'A' ? 'fromB' : 'fromA')), `nothing from the other account: ${c.text}`);
      }
      // One queue delivery per account and per message.
      const q = (cs) => cs.flatMap((c) => view(c).filter((x) => x.startsWith('2:')));
      assert.deepEqual(q([a1, a2]), ['2:same:fromA']);
      assert.deepEqual(q([b1, b2]), ['2:same:fromB']);
    } finally {
      closeAll(all);
    }
  });
});

test('users of the global account $G and of configured accounts do not see each other', async () => {
  const conf = {
    authorization: { users: [{ user: 'g', password: 'p' }, { user: 'g2', password: 'p' }] },
    accounts: { A: { users: [{ user: 'a', password: 'p' }] }, B: { users: [{ user: 'b', password: 'p' }] } },
  };
  await withServer(conf, async (srv) => {
    const [g, g2, a, b] = await Promise.all(['g', 'g2', 'a', 'b'].map((u) => login(srv.port, u, 'p')));
    const all = [g, g2, a, b];
    try {
      for (const c of all) c.send('SUB > 1\r\n');
      await flushAll(all);
      g.send(pub('t.g', 'G'));
      a.send(pub('t.a', 'A'));
      b.send(pub('t.b', 'B'));
      await flushAll(all);
      await flushAll(all);
      const got = (c) => parseMsgs(c.text).map((m) => `${m.subject}:${m.payload}`);
      assert.deepEqual(got(g), ['t.g:G']);
      assert.deepEqual(got(g2), ['t.g:G'], 'the two $G users share the global account');
      assert.deepEqual(got(a), ['t.a:A']);
      assert.deepEqual(got(b), ['t.b:B']);
    } finally {
      closeAll(all);
    }
  });
});

test('no_auth_user binds anonymous connections to that user’s account, not to $G', async () => {
  const conf = {
    no_auth_user: 'a',
    authorization: { users: [{ user: 'g', password: 'p' }] },
    accounts: { A: { users: [{ user: 'a', password: 'p' }] } },
  };
  await withServer(conf, async (srv) => {
    const anon = await login(srv.port, null);
    const [g, a] = await Promise.all([login(srv.port, 'g', 'p'), login(srv.port, 'a', 'p')]);
    const all = [anon, g, a];
    try {
      a.send('SUB x 1\r\n');
      g.send('SUB x 1\r\n');
      await flushAll(all);
      anon.send(pub('x', 'anon'));
      await flushAll(all);
      await flushAll(all);
      assert.deepEqual(parseMsgs(a.text).map((m) => m.payload), ['anon']);
      assert.deepEqual(parseMsgs(g.text), [], `the $G user got nothing: ${g.text}`);
    } finally {
      closeAll(all);
    }
  });
});

test('a stream import carries only its subjects: other subjects of the exporter stay private', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'p' }], exports: [{ stream: 'public.*' }] },
      B: { users: [{ user: 'b', password: 'p' }], imports: [{ stream: { account: 'A', subject: 'public.*' } }] },
    },
  };
  await withServer(conf, async (srv) => {
    const [a, b] = await Promise.all([login(srv.port, 'a', 'p'), login(srv.port, 'b', 'p')]);
    try {
      b.send('SUB > 1\r\n');
      await b.flush();
      a.send(pub('private', 'p1') + pub('public.x', 'ok') + pub('public.x.y', 'p2') + pub('publicx', 'p3'));
      await a.flush();
      await b.flush();
      assert.deepEqual(
        parseMsgs(b.text).map((m) => `${m.subject}:${m.payload}`),
        ['public.x:ok'],
      );
    } finally {
      closeAll([a, b]);
    }
  });
});
