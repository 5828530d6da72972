// Differential tests: one config file, both servers (Debian's nats-server 2.9.10 and
// Dialtone) started from it, the same raw-socket script of several connections in
// several accounts; every connection must receive the same bytes. Server-made `_R_.`
// reply subjects are random: they are masked by order of first appearance, keeping
// their structure (`_R_.<account prefix>.<request token>`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawConnect } from '../support/raw.js';
import { diffTest, hpub, parseMsgs, pub, sleep, startBoth } from './_helpers.js';

/**
 * Runs `steps` on a server: `conns[k]` is the CONNECT object of connection k; a step is
 * [k, text] or [k, (ctx) => text], where ctx.reply(k, subject, n) is the reply subject
 * of the n-th message connection k got on `subject` (-1: the last). After each step
 * every open connection is synced twice with PING/PONG. Returns per connection
 * { out, closed } (`out` is everything after INFO, PONGs included).
 */
async function script(port, conns, steps) {
  const clients = [];
  try {
    for (const cn of conns) {
      const c = await rawConnect(port, cn);
      clients.push(c);
      await c.flush().catch(() => {});
    }
    const ctx = {
      reply(k, subject, n = -1) {
        const got = parseMsgs(clients[k].text.replace(/^INFO .*\r\n/, '')).filter((m) => m.subject === subject);
        const m = got.at(n);
        if (!m) throw new Error(`connection ${k} got no message #${n} on ${subject}: ${JSON.stringify(clients[k].text)}`);
        return m.reply;
      },
    };
    for (const [k, step] of steps) {
      const text = typeof step === 'function' ? step(ctx) : step;
      if (!clients[k].closed) clients[k].send(text);
      await sleep(10);
      for (let round = 0; round < 2; round++) {
        await Promise.all(clients.filter((c) => !c.closed).map((c) => c.flush().catch(() => {})));
      }
    }
    await sleep(50);
    return clients.map((c) => ({ out: c.text.replace(/^INFO .*\r\n/, ''), closed: c.closed }));
  } finally {
    for (const c of clients) c.close();
  }
}

/** Masks `_R_` subjects and the per-request values of Nats-Request-Info. */
function normalizer() {
  const prefixes = new Map();
  const tokens = new Map();
  const id = (map, key, tag) => {
    if (!map.has(key)) map.set(key, `${tag}${map.size + 1}`);
    return map.get(key);
  };
  return (text) =>
    text
      .replace(/_R_\.([A-Za-z0-9]+)\.([A-Za-z0-9]+)/g, (_, p, t) => `_R_.${id(prefixes, p, 'P')}.${id(tokens, t, 'T')}`)
      .replace(/"rtt":\d+/g, '"rtt":N')
      // The rtt's digits count in the header and total sizes: mask those of messages carrying it.
      .replace(/(HMSG \S+ \S+ \S+) \d+ \d+(\r\nNATS\/1\.0\r\n(?:[^\r\n]*\r\n)*?Nats-Request-Info)/g, '$1 H T$2');
}

/** Runs the script on both servers; each connection's normalized bytes must be equal. */
async function same(conf, conns, steps, check) {
  const both = await startBoth(conf);
  try {
    const ref = await script(both.ref.port, conns, steps);
    const dial = await script(both.dial.port, conns, steps);
    const nr = normalizer();
    const nd = normalizer();
    const norm = (rs, n) => rs.map((r) => ({ out: n(r.out), closed: r.closed }));
    const r = norm(ref, nr);
    const d = norm(dial, nd);
    for (let k = 0; k < conns.length; k++) {
      assert.deepEqual(d[k], r[k], `connection ${k} (${conns[k].user ?? 'anonymous'}):\nnats-server: ${JSON.stringify(r[k].out)}\ndialtone:    ${JSON.stringify(d[k].out)}`);
    }
    // Guard against both servers failing the same way for a broken script.
    if (check) check(r);
    return r;
  } finally {
    await both.close();
  }
}

const as = (user, extra = {}) => ({ verbose: false, pedantic: false, user, pass: user, ...extra });
// Responders without header support: nats-server's Nats-Request-Info header (which
// Dialtone does not add, see services.test.js) is stripped for them.
const RESPONDER = (user) => as(user, { headers: false });
const REQUESTER = (user) => as(user, { headers: true });

const CONF = {
  accounts: {
    A: {
      users: [{ user: 'a', password: 'a' }, { user: 'a2', password: 'a2' }],
      exports: [
        { stream: 'ev.>' },
        { stream: 'w.*' },
        { service: 'svc.echo' },
        { service: 'svc.wild.*' },
        { service: 'feed', response_type: 'stream' },
        { service: 'ngs.usage.*', account_token_position: 3 },
      ],
      mappings: { 'old.*': 'ev.$1' },
    },
    B: {
      users: [{ user: 'b', password: 'b' }, { user: 'b2', password: 'b2' }],
      imports: [
        { stream: { account: 'A', subject: 'ev.>' }, prefix: 'from_a' },
        { stream: { account: 'A', subject: 'w.*' }, to: 'ww.$1' },
        { service: { account: 'A', subject: 'svc.echo' } },
        { service: { account: 'A', subject: 'svc.echo' }, to: 'echo' },
        { service: { account: 'A', subject: 'svc.wild.*' } },
        { service: { account: 'A', subject: 'feed' } },
        { service: { account: 'A', subject: 'ngs.usage.B' } },
      ],
    },
    C: { users: [{ user: 'c', password: 'c' }] },
  },
};

diffTest('differential: stream import deliveries (prefix, `to`, wildcard, mapped subjects, headers)', async () => {
  await same(
    CONF,
    [as('a', { headers: true }), as('b', { headers: true }), as('b2', { headers: false }), as('c')],
    [
      [1, 'SUB from_a.> 1\r\nSUB ww.* 2\r\nSUB ev.> 3\r\n'],
      [2, 'SUB from_a.ev.* 1\r\nSUB > 2\r\n'],
      [3, 'SUB > 1\r\n'],
      [0, 'SUB ev.> 1\r\n'],
      [0, pub('ev.one', 'E1') + pub('ev.two.deep', 'E2', 'reply.to') + pub('w.x', 'W') + pub('w.x.y', 'no') + pub('old.z', 'mapped')],
      [0, hpub('ev.h', 'NATS/1.0\r\nX: 1\r\n\r\n', 'H', 'r.h')],
      [1, pub('ev.one', 'local-in-B')],
      [3, pub('ev.one', 'local-in-C')],
    ],
    (r) => {
      assert.ok(parseMsgs(r[1].out).length >= 6, `nats-server delivered the imports: ${r[1].out}`);
    },
  );
});

diffTest('differential: requests through service imports, singleton and stream responses', async () => {
  await same(
    CONF,
    [RESPONDER('a'), REQUESTER('b'), REQUESTER('b2'), as('c'), as('a2', { headers: true })],
    [
      [0, 'SUB svc.echo 1\r\nSUB svc.wild.* 2\r\nSUB feed 3\r\nSUB ngs.usage.* 4\r\n'],
      [1, 'SUB inbox.> 9\r\n'],
      [2, 'SUB inbox.> 9\r\nSUB _R_.> 10\r\n'],
      [3, 'SUB inbox.> 9\r\n'],
      // Plain import, `to` import, wildcard import, token-position import.
      [1, pub('svc.echo', 'q1', 'inbox.1')],
      [0, (ctx) => pub(ctx.reply(0, 'svc.echo'), 'r1') + pub(ctx.reply(0, 'svc.echo'), 'r1-again')],
      [2, pub('echo', 'q2', 'inbox.2')],
      [0, (ctx) => pub(ctx.reply(0, 'svc.echo'), 'r2')],
      [1, pub('svc.wild.k', 'q3', 'inbox.3')],
      // Another connection of A answers, with headers.
      [4, (ctx) => hpub(ctx.reply(0, 'svc.wild.k'), 'NATS/1.0\r\nY: 2\r\n\r\n', 'r3')],
      [1, pub('ngs.usage.B', 'q4', 'inbox.4')],
      [0, (ctx) => pub(ctx.reply(0, 'ngs.usage.B'), 'r4')],
      // C has no import: its request stays in C.
      [3, pub('svc.echo', 'qc', 'inbox.c')],
      // Stream responses.
      [2, pub('feed', 'q5', 'inbox.5')],
      [0, (ctx) => pub(ctx.reply(0, 'feed'), 's1') + pub(ctx.reply(0, 'feed'), 's2') + pub(ctx.reply(0, 'feed'), 's3')],
      // Requests without a reply.
      [1, pub('svc.echo', 'no-reply')],
      // Using a server-made reply is refused; publishing to it stays in B.
      [2, (ctx) => pub('svc.echo', 'x', ctx.reply(0, 'feed'))],
      [2, (ctx) => pub(ctx.reply(0, 'feed'), 'forged')],
      [1, pub('x', 'y', '_R_.abc.def')],
    ],
    (r) => {
      const got = parseMsgs(r[1].out).map((m) => m.payload);
      assert.ok(got.includes('r1') && got.includes('r3') && got.includes('r4'), `nats-server answered B: ${r[1].out}`);
    },
  );
});

diffTest('differential: account limits (connections, subscriptions, payload)', async () => {
  const conf = {
    accounts: {
      L: { users: [{ user: 'l', password: 'l' }], limits: { max_connections: 2, max_subscriptions: 2, max_payload: 8 } },
      M: { users: [{ user: 'm', password: 'm' }] },
    },
  };
  await same(
    conf,
    [as('l'), as('l'), as('l'), as('m')],
    [
      [0, 'SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n'],
      [1, 'SUB a 1\r\n'],
      [3, 'SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n' + pub('a', 'payload-over-8')],
      [1, pub('a', '12345678')],
      [1, pub('a', '123456789')],
    ],
    (r) => {
      assert.equal(r[2].closed, true, 'nats-server closed the third connection');
      assert.equal(r[1].closed, true, 'nats-server closed the payload violator');
    },
  );
});

// nats-server adds `Nats-Request-Info: {"acc":"B","rtt":…}` to every request crossing a
// service import (more fields with `share: true`); a headers-capable responder sees it.
diffTest('differential: a headers-capable responder sees the same request (Nats-Request-Info, rtt masked)', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ service: 'svc' }] },
      B: { users: [{ user: 'b', password: 'b' }], imports: [{ service: { account: 'A', subject: 'svc' } }] },
    },
  };
  await same(
    conf,
    [as('a', { headers: true }), as('b', { headers: true })],
    [
      [0, 'SUB svc 1\r\n'],
      [1, 'SUB inbox 9\r\n' + pub('svc', 'q', 'inbox') + hpub('svc', 'NATS/1.0\r\nK: v\r\n\r\n', 'qh', 'inbox')],
      [0, (ctx) => pub(ctx.reply(0, 'svc', 0), 'r1') + pub(ctx.reply(0, 'svc', 1), 'r2')],
    ],
    (r) => assert.match(r[0].out, /Nats-Request-Info: \{"acc":"B","rtt":N\}/),
  );
});

test('the differential normalizer masks _R_ subjects by first appearance and keeps their structure', () => {
  const n = normalizer();
  assert.equal(n('MSG x 1 _R_.abc.DEF 1\r\n _R_.abc.XYZ _R_.q1.DEF "rtt":123'), 'MSG x 1 _R_.P1.T1 1\r\n _R_.P1.T2 _R_.P2.T1 "rtt":N');
});
