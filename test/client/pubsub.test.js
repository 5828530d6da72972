// Publish/subscribe through the official clients: payload fidelity, ordering,
// auto-unsubscribe, unsubscribe, wildcards, overlapping subscriptions, echo.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { closeAll, collect, connectTo, dec, eachClient, enc, flushAll, bytes, rejection, startTarget, waitForEvent } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

eachClient('payload bytes arrive intact: binary, empty, UTF-8, protocol-like text', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const payloads = [
      allBytes,
      new Uint8Array(0),
      enc.encode('héllo wörld ✓ 🚀 日本語 Ωμέγα'),
      enc.encode('MSG foo 1 5\r\nhello\r\nPING\r\n'),
      enc.encode('\r\n'),
      bytes(70000, 7),
      new Uint8Array([0, 0, 0, 13, 10, 13, 10, 0]),
    ];
    const col = collect(sub, 'bytes.test');
    await sub.flush();
    for (const p of payloads) pub.publish('bytes.test', p);
    await flushAll(pub);
    const got = await col.until(payloads.length);
    assert.equal(got.length, payloads.length);
    for (let i = 0; i < payloads.length; i++) {
      assert.equal(got[i].subject, 'bytes.test');
      assert.equal(got[i].data.length, payloads[i].length, `payload ${i} length`);
      assert.deepEqual(Buffer.from(got[i].data), Buffer.from(payloads[i]), `payload ${i} bytes`);
    }
    assert.equal(got[2].string(), 'héllo wörld ✓ 🚀 日本語 Ωμέγα');
    // Publishing a JS string sends its UTF-8 bytes.
    pub.publish('bytes.test', 'ünïcödé string');
    await flushAll(pub, sub);
    const all = await col.until(payloads.length + 1);
    assert.equal(all.at(-1).string(), 'ünïcödé string');
    assert.deepEqual(Buffer.from(all.at(-1).data), Buffer.from('ünïcödé string', 'utf8'));
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('order is preserved over thousands of messages', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const N = 5000;
    const col = collect(sub, 'order.test');
    const own = collect(pub, 'order.test');
    await sub.flush();
    for (let i = 0; i < N; i++) pub.publish('order.test', enc.encode(String(i)));
    await flushAll(pub);
    const got = await col.until(N, 10000);
    const mine = await own.until(N, 10000);
    await flushAll(pub, sub);
    assert.equal(got.length, N);
    assert.equal(mine.length, N);
    for (let i = 0; i < N; i++) {
      assert.equal(dec.decode(got[i].data), String(i), `other connection: message ${i} out of order`);
      assert.equal(dec.decode(mine[i].data), String(i), `own connection: message ${i} out of order`);
    }
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('subscription max auto-unsubscribes after exactly max messages', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'max.test', { max: 5 });
    const all = collect(sub, 'max.test');
    await sub.flush();
    for (let i = 0; i < 20; i++) pub.publish('max.test', enc.encode(String(i)));
    await flushAll(pub, sub);
    await all.until(20);
    await flushAll(pub, sub);
    assert.deepEqual(
      col.msgs.map((m) => m.string()),
      ['0', '1', '2', '3', '4'],
    );
    assert.equal(col.sub.getProcessed(), 5);
    assert.equal(col.sub.isClosed(), true);
    assert.equal(all.msgs.length, 20);
    // The server dropped the interest too: once the other subscription goes, nobody answers.
    all.sub.unsubscribe();
    await sub.flush();
    const err = await rejection(pub.request('max.test', 'x', { timeout: 2000 }));
    assert.ok(c.isNoResponders(err), `expected no responders, got ${err}`);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('unsubscribe stops delivery; other subscriptions keep receiving', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  const other = await connectTo(c, srv);
  try {
    const a = collect(sub, 'unsub.test');
    const b = collect(other, 'unsub.test');
    await flushAll(sub, other);
    for (let i = 0; i < 3; i++) pub.publish('unsub.test', enc.encode(`before-${i}`));
    await flushAll(pub, sub, other);
    await a.until(3);
    a.sub.unsubscribe();
    await sub.flush();
    for (let i = 0; i < 3; i++) pub.publish('unsub.test', enc.encode(`after-${i}`));
    await flushAll(pub, sub, other);
    await b.until(6);
    await flushAll(pub, sub, other);
    assert.deepEqual(
      a.msgs.map((m) => m.string()),
      ['before-0', 'before-1', 'before-2'],
    );
    assert.deepEqual(
      b.msgs.map((m) => m.string()),
      ['before-0', 'before-1', 'before-2', 'after-0', 'after-1', 'after-2'],
    );
    assert.equal(a.sub.isClosed(), true);
  } finally {
    await closeAll(pub, sub, other);
  }
});

/** nats subject matching, the reference for the wildcard tests. */
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

eachClient('wildcards: * matches one token, > one or more, across overlapping subscriptions', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const patterns = ['wc', 'wc.*', 'wc.>', 'wc.*.baz', 'wc.bar.*', 'wc.bar.>', '*.bar', '*.*.*', 'wc.*.>', 'wc.bar.baz', 'other.>'];
    const subjects = ['wc', 'wc.bar', 'wc.foo', 'wc.bar.baz', 'wc.foo.baz', 'wc.bar.qux', 'wc.bar.baz.deep', 'x.bar', 'wc.baz.bar', 'wcx.bar', 'wc.barx'];
    const cols = new Map(patterns.map((p) => [p, collect(sub, p)]));
    await sub.flush();
    for (const s of subjects) pub.publish(s, enc.encode(`payload:${s}`));
    let expectedTotal = 0;
    for (const p of patterns) expectedTotal += subjects.filter((s) => matches(p, s)).length;
    await flushAll(pub, sub);
    await flushAll(pub, sub);
    let total = 0;
    for (const [p, col] of cols) {
      const want = subjects.filter((s) => matches(p, s));
      assert.deepEqual(
        col.msgs.map((m) => m.subject),
        want,
        `subscription ${p}`,
      );
      for (const m of col.msgs) assert.equal(m.string(), `payload:${m.subject}`);
      total += col.msgs.length;
    }
    assert.equal(total, expectedTotal);
    // Spot checks of the rules the table encodes.
    assert.deepEqual(
      cols.get('wc.>').msgs.map((m) => m.subject).includes('wc'),
      false,
      'wc.> must not match wc',
    );
    assert.equal(cols.get('wc.*').msgs.some((m) => m.subject === 'wc.bar.baz'), false, 'wc.* must not match wc.bar.baz');
    assert.equal(cols.get('other.>').msgs.length, 0);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('identical subscriptions on one connection and on several connections each get a copy', async (c) => {
  const pub = await connectTo(c, srv);
  const s1 = await connectTo(c, srv);
  const s2 = await connectTo(c, srv);
  try {
    const cols = [collect(s1, 'dup.test'), collect(s1, 'dup.test'), collect(s1, 'dup.>'), collect(s2, 'dup.test'), collect(s2, '>')];
    await flushAll(s1, s2);
    for (let i = 0; i < 10; i++) pub.publish('dup.test', enc.encode(String(i)));
    await flushAll(pub, s1, s2);
    for (const col of cols) await col.until(10);
    await flushAll(pub, s1, s2);
    for (const [k, col] of cols.entries()) {
      // The ">" subscription on s2 may also see other tests' traffic: filter on subject.
      const mine = col.msgs.filter((m) => m.subject === 'dup.test');
      assert.deepEqual(
        mine.map((m) => m.string()),
        ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        `subscription #${k}`,
      );
    }
  } finally {
    await closeAll(pub, s1, s2);
  }
});

eachClient('echo:false: own publishes are not delivered back, others still receive them', async (c) => {
  const quiet = await connectTo(c, srv, { noEcho: true });
  const loud = await connectTo(c, srv);
  try {
    const qcol = collect(quiet, 'echo.test');
    const lcol = collect(loud, 'echo.test');
    await flushAll(quiet, loud);
    for (let i = 0; i < 10; i++) quiet.publish('echo.test', enc.encode(`quiet-${i}`));
    for (let i = 0; i < 5; i++) loud.publish('echo.test', enc.encode(`loud-${i}`));
    await flushAll(quiet, loud);
    await lcol.until(15);
    await qcol.until(5);
    await flushAll(quiet, loud, quiet);
    assert.deepEqual(
      qcol.msgs.map((m) => m.string()),
      ['loud-0', 'loud-1', 'loud-2', 'loud-3', 'loud-4'],
    );
    assert.equal(lcol.msgs.length, 15);
    assert.deepEqual(
      lcol.msgs.filter((m) => m.string().startsWith('quiet')).map((m) => m.string()),
      Array.from({ length: 10 }, (_, i) => `quiet-${i}`),
    );
  } finally {
    await closeAll(quiet, loud);
  }
});

eachClient('echo:false: a queue group skips the publishing member and delivers to another', async (c) => {
  const quiet = await connectTo(c, srv, { noEcho: true });
  const other = await connectTo(c, srv);
  try {
    const qcol = collect(quiet, 'echoq.test', { queue: 'workers' });
    const ocol = collect(other, 'echoq.test', { queue: 'workers' });
    await flushAll(quiet, other);
    for (let i = 0; i < 50; i++) quiet.publish('echoq.test', enc.encode(String(i)));
    await flushAll(quiet, other);
    await ocol.until(50);
    await flushAll(quiet, other);
    assert.equal(qcol.msgs.length, 0, 'the publisher itself must not get its own messages');
    assert.deepEqual(
      ocol.msgs.map((m) => m.string()),
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
  } finally {
    await closeAll(quiet, other);
  }
});

eachClient('a message to a subject nobody subscribes is dropped without error', async (c) => {
  const nc = await connectTo(c, srv);
  try {
    const col = collect(nc, 'dropped.yes');
    await nc.flush();
    nc.publish('dropped.no', 'lost');
    nc.publish('dropped.yes', 'kept');
    await nc.flush();
    await col.until(1);
    await nc.flush();
    assert.deepEqual(
      col.msgs.map((m) => m.string()),
      ['kept'],
    );
    assert.equal(nc.isClosed(), false);
  } finally {
    await closeAll(nc);
  }
});

eachClient('UTF-8 subjects route by exact bytes, with wildcards too', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const exact = collect(sub, 'ünï.主题.ok');
    const star = collect(sub, 'ünï.*.ok');
    const full = collect(sub, 'ünï.>');
    const lookalike = collect(sub, 'uni.>');
    await sub.flush();
    pub.publish('ünï.主题.ok', 'a');
    pub.publish('ünï.тема.ok', 'b');
    pub.publish('ünï.主题', 'c');
    pub.publish('uni.plain', 'd');
    await flushAll(pub, sub);
    await full.until(3);
    await flushAll(pub, sub);
    assert.deepEqual(
      exact.msgs.map((m) => [m.subject, m.string()]),
      [['ünï.主题.ok', 'a']],
    );
    assert.deepEqual(
      star.msgs.map((m) => [m.subject, m.string()]),
      [
        ['ünï.主题.ok', 'a'],
        ['ünï.тема.ok', 'b'],
      ],
    );
    assert.deepEqual(
      full.msgs.map((m) => m.subject),
      ['ünï.主题.ok', 'ünï.тема.ok', 'ünï.主题'],
    );
    assert.deepEqual(
      lookalike.msgs.map((m) => m.subject),
      ['uni.plain'],
    );
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('long subjects (2000+ bytes) and many-token subjects route correctly', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const longA = `long.${'a'.repeat(2000)}`;
    const longB = `long.${'b'.repeat(2000)}`;
    const deep = Array.from({ length: 100 }, (_, i) => `t${i}`).join('.');
    const a = collect(sub, longA);
    const w = collect(sub, 'long.*');
    const d = collect(sub, `${deep.split('.').slice(0, 50).join('.')}.>`);
    await sub.flush();
    // Alternate two long subjects of the same length from one publisher.
    for (let i = 0; i < 6; i++) pub.publish(i % 2 === 0 ? longA : longB, String(i));
    pub.publish(deep, 'deep');
    await flushAll(pub, sub);
    await w.until(6);
    await d.until(1);
    await flushAll(pub, sub);
    assert.deepEqual(
      a.msgs.map((m) => m.string()),
      ['0', '2', '4'],
    );
    assert.deepEqual(
      w.msgs.map((m) => [m.subject === longA ? 'A' : m.subject === longB ? 'B' : '?', m.string()]),
      [
        ['A', '0'],
        ['B', '1'],
        ['A', '2'],
        ['B', '3'],
        ['A', '4'],
        ['B', '5'],
      ],
    );
    assert.equal(d.msgs[0].subject, deep);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('interest added or removed between publishes on the same subject takes effect at once', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    // The publisher repeats one subject throughout; subscriptions come and go around it.
    pub.publish('late.interest', '0');
    await pub.flush();
    const first = collect(sub, 'late.interest');
    await sub.flush();
    pub.publish('late.interest', '1');
    await pub.flush();
    const second = collect(sub, 'late.*');
    const third = collect(pub, 'late.>');
    await flushAll(sub, pub);
    pub.publish('late.interest', '2');
    await flushAll(pub, sub);
    await first.until(2);
    first.sub.unsubscribe();
    await sub.flush();
    pub.publish('late.interest', '3');
    await flushAll(pub, sub);
    await second.until(2);
    await third.until(2);
    await flushAll(pub, sub);
    assert.deepEqual(
      first.msgs.map((m) => m.string()),
      ['1', '2'],
    );
    assert.deepEqual(
      second.msgs.map((m) => m.string()),
      ['2', '3'],
    );
    assert.deepEqual(
      third.msgs.map((m) => m.string()),
      ['2', '3'],
    );
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('unsubscribe(n) after some deliveries stops after n in total', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'unsub.n');
    const witness = collect(sub, 'unsub.n');
    await sub.flush();
    for (let i = 0; i < 3; i++) pub.publish('unsub.n', String(i));
    await flushAll(pub, sub);
    await col.until(3);
    col.sub.unsubscribe(5);
    await sub.flush();
    for (let i = 3; i < 10; i++) pub.publish('unsub.n', String(i));
    await flushAll(pub, sub);
    await witness.until(10);
    await flushAll(pub, sub);
    assert.deepEqual(
      col.msgs.map((m) => m.string()),
      ['0', '1', '2', '3', '4'],
    );
    assert.equal(col.sub.isClosed(), true);
    // And the server dropped the interest: nothing answers a request once the witness goes.
    witness.sub.unsubscribe();
    await sub.flush();
    const err = await rejection(pub.request('unsub.n', 'x', { timeout: 2000 }));
    assert.ok(c.isNoResponders(err), `expected no responders, got ${err}`);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('thousands of subscriptions on one connection each get their message', async (c) => {
  const N = 5000;
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const got = new Array(N).fill(0);
    const subs = [];
    for (let i = 0; i < N; i++) subs.push(sub.subscribe(`many.subs.${i}`, { callback: (err, m) => (got[i] += Number(m.string()) === i ? 1 : 100) }));
    await sub.flush();
    for (let i = 0; i < N; i++) pub.publish(`many.subs.${i}`, String(i));
    await flushAll(pub, sub);
    assert.deepEqual(got, new Array(N).fill(1));
    // Unsubscribe the even ones; only the odd ones get the second round.
    for (let i = 0; i < N; i += 2) subs[i].unsubscribe();
    await sub.flush();
    for (let i = 0; i < N; i++) pub.publish(`many.subs.${i}`, String(i));
    await flushAll(pub, sub);
    assert.deepEqual(
      got,
      Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1 : 2)),
    );
  } finally {
    await closeAll(pub, sub);
  }
});

for (const flags of [{ verbose: true }, { pedantic: true }, { verbose: true, pedantic: true }]) {
  eachClient(`pub/sub and request/reply work with ${JSON.stringify(flags)}`, async (c) => {
    const a = await connectTo(c, srv, flags);
    const b = await connectTo(c, srv, flags);
    try {
      const col = collect(b, 'flags.test');
      b.subscribe('flags.svc', { callback: (err, m) => m.respond(`re:${m.string()}`) });
      await b.flush();
      for (let i = 0; i < 20; i++) a.publish('flags.test', String(i));
      const r = await a.request('flags.svc', 'q', { timeout: 2000 });
      await flushAll(a, b);
      await col.until(20);
      assert.equal(r.string(), 're:q');
      assert.deepEqual(
        col.msgs.map((m) => m.string()),
        Array.from({ length: 20 }, (_, i) => String(i)),
      );
      assert.equal(a.isClosed() || b.isClosed(), false);
    } finally {
      await closeAll(a, b);
    }
  });
}

eachClient('a custom inbox prefix is used for replies', async (c) => {
  const req = await connectTo(c, srv, { inboxPrefix: '_MY_INBOX.app' });
  const rep = await connectTo(c, srv);
  try {
    let replyTo = '';
    rep.subscribe('inbox.svc', {
      callback: (err, m) => {
        replyTo = m.reply;
        m.respond('ok');
      },
    });
    await rep.flush();
    const r = await req.request('inbox.svc', '', { timeout: 2000 });
    assert.equal(r.string(), 'ok');
    assert.ok(replyTo.startsWith('_MY_INBOX.app.'), `reply subject ${replyTo}`);
  } finally {
    await closeAll(req, rep);
  }
});

eachClient('invalid subscription subjects get an -ERR; the connection and valid subscriptions carry on', async (c) => {
  const pub = await connectTo(c, srv);
  const nc = await connectTo(c, srv);
  try {
    const errors = waitForEvent(nc, 'error', 5);
    for (const subject of ['inv..bar', 'inv.>.bar', '>.inv', '.inv', 'inv.']) collect(nc, subject);
    // '*' and '>' are wildcards only as whole tokens: these are literal subjects.
    const starInside = collect(nc, 'inv*');
    const starSuffix = collect(nc, 'inv.*bar');
    await nc.flush();
    const events = await errors;
    for (const e of events) assert.match(String(e.error?.message ?? e.data), /invalid subject|NATS_PROTOCOL_ERR/i);
    assert.equal(nc.isClosed(), false);
    pub.publish('inv*', '1');
    pub.publish('inv.*bar', '2');
    pub.publish('inv.xbar', '3');
    await flushAll(pub, nc);
    await flushAll(pub, nc);
    assert.deepEqual(
      starInside.msgs.map((m) => m.string()),
      ['1'],
    );
    assert.deepEqual(
      starSuffix.msgs.map((m) => m.string()),
      ['2'],
    );
  } finally {
    await closeAll(pub, nc);
  }
});

eachClient('a publish to a subject containing wildcard tokens only reaches wildcard subscribers', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const literal = collect(sub, 'pw.bar');
    const star = collect(sub, 'pw.*');
    const full = collect(sub, 'pw.>');
    await sub.flush();
    pub.publish('pw.*', 'to-star');
    pub.publish('pw.bar', 'to-bar');
    await flushAll(pub, sub);
    await full.until(2);
    await flushAll(pub, sub);
    assert.deepEqual(
      literal.msgs.map((m) => m.string()),
      ['to-bar'],
    );
    assert.deepEqual(
      star.msgs.map((m) => [m.subject, m.string()]),
      [
        ['pw.*', 'to-star'],
        ['pw.bar', 'to-bar'],
      ],
    );
    assert.deepEqual(
      full.msgs.map((m) => m.string()),
      ['to-star', 'to-bar'],
    );
  } finally {
    await closeAll(pub, sub);
  }
});
