// Queue groups through the official clients: exactly-once delivery across members,
// every member gets a share, plain subscribers and other groups get everything.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { closeAll, collect, connectTo, eachClient, enc, flushAll, startTarget } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

/** Counts how often each id appears in the messages of all collectors given. */
function countIds(cols) {
  const counts = new Map();
  for (const col of cols) for (const m of col.msgs) counts.set(m.string(), (counts.get(m.string()) ?? 0) + 1);
  return counts;
}

eachClient('N members, M messages: each delivered exactly once, every member gets a share', async (c) => {
  const MEMBERS = 5;
  const M = 1000;
  const pub = await connectTo(c, srv);
  const members = await Promise.all(Array.from({ length: MEMBERS }, () => connectTo(c, srv)));
  const plain = await Promise.all([connectTo(c, srv), connectTo(c, srv)]);
  try {
    const q = members.map((nc) => collect(nc, 'q.work', { queue: 'workers' }));
    const p = plain.map((nc) => collect(nc, 'q.work'));
    await flushAll(members, plain);
    for (let i = 0; i < M; i++) pub.publish('q.work', enc.encode(`id-${i}`));
    await flushAll(pub);
    for (const col of p) await col.until(M);
    await flushAll(pub, members, plain);

    const counts = countIds(q);
    assert.equal(counts.size, M, 'every message reached the group');
    for (let i = 0; i < M; i++) assert.equal(counts.get(`id-${i}`), 1, `id-${i} delivered exactly once`);
    assert.equal(
      q.reduce((n, col) => n + col.msgs.length, 0),
      M,
    );
    for (const [k, col] of q.entries()) assert.ok(col.msgs.length > 0, `member ${k} got a share`);
    // Each member sees its share in publish order.
    for (const col of q) {
      const ids = col.msgs.map((m) => Number(m.string().slice(3)));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
    }
    // Plain subscribers each get every message, in order.
    for (const col of p) {
      assert.deepEqual(
        col.msgs.map((m) => m.string()),
        Array.from({ length: M }, (_, i) => `id-${i}`),
      );
    }
  } finally {
    await closeAll(pub, members, plain);
  }
});

eachClient('two queue groups on one subject each get every message once', async (c) => {
  const M = 300;
  const pub = await connectTo(c, srv);
  const conns = await Promise.all(Array.from({ length: 4 }, () => connectTo(c, srv)));
  try {
    // Group A spans all four connections; group B has two members on the same connection.
    const a = conns.map((nc) => collect(nc, 'q.multi', { queue: 'A' }));
    const b = [collect(conns[0], 'q.multi', { queue: 'B' }), collect(conns[0], 'q.multi', { queue: 'B' })];
    await flushAll(conns);
    for (let i = 0; i < M; i++) pub.publish('q.multi', enc.encode(String(i)));
    await flushAll(pub, conns);
    await flushAll(pub, conns);
    for (const [name, group] of [
      ['A', a],
      ['B', b],
    ]) {
      const counts = countIds(group);
      assert.equal(counts.size, M, `group ${name} saw every message`);
      for (const [id, n] of counts) assert.equal(n, 1, `group ${name}: message ${id} delivered ${n} times`);
      for (const [k, col] of group.entries()) assert.ok(col.msgs.length > 0, `group ${name} member ${k} got a share`);
    }
  } finally {
    await closeAll(pub, conns);
  }
});

eachClient('queue members with wildcard subjects and the same group name share one group', async (c) => {
  const M = 200;
  const pub = await connectTo(c, srv);
  const m1 = await connectTo(c, srv);
  const m2 = await connectTo(c, srv);
  try {
    const exact = collect(m1, 'qw.a.b', { queue: 'g' });
    const star = collect(m2, 'qw.*.b', { queue: 'g' });
    const full = collect(m2, 'qw.>', { queue: 'g' });
    await flushAll(m1, m2);
    for (let i = 0; i < M; i++) pub.publish('qw.a.b', enc.encode(String(i)));
    // Only qw.> matches this one.
    pub.publish('qw.c', enc.encode('only-full'));
    await flushAll(pub, m1, m2);
    await flushAll(pub, m1, m2);
    const counts = countIds([exact, star, full]);
    assert.equal(counts.size, M + 1);
    for (const [id, n] of counts) assert.equal(n, 1, `message ${id} delivered ${n} times within group g`);
    assert.deepEqual(
      full.msgs.filter((m) => m.subject === 'qw.c').map((m) => m.string()),
      ['only-full'],
    );
  } finally {
    await closeAll(pub, m1, m2);
  }
});

eachClient('a member that unsubscribes stops getting a share; the rest take all', async (c) => {
  const pub = await connectTo(c, srv);
  const m1 = await connectTo(c, srv);
  const m2 = await connectTo(c, srv);
  try {
    const c1 = collect(m1, 'q.leave', { queue: 'g' });
    const c2 = collect(m2, 'q.leave', { queue: 'g' });
    await flushAll(m1, m2);
    for (let i = 0; i < 100; i++) pub.publish('q.leave', enc.encode(`a${i}`));
    await flushAll(pub, m1, m2);
    assert.equal(c1.msgs.length + c2.msgs.length, 100);
    c1.sub.unsubscribe();
    await m1.flush();
    const before1 = c1.msgs.length;
    for (let i = 0; i < 100; i++) pub.publish('q.leave', enc.encode(`b${i}`));
    await flushAll(pub, m1, m2);
    await c2.until(200 - before1);
    await flushAll(pub, m1, m2);
    assert.equal(c1.msgs.length, before1, 'the departed member got nothing more');
    assert.deepEqual(
      c2.msgs.filter((m) => m.string().startsWith('b')).map((m) => m.string()),
      Array.from({ length: 100 }, (_, i) => `b${i}`),
    );
  } finally {
    await closeAll(pub, m1, m2);
  }
});

eachClient('a queue member that closes its connection is replaced by the others', async (c) => {
  const pub = await connectTo(c, srv);
  const m1 = await connectTo(c, srv);
  const m2 = await connectTo(c, srv);
  try {
    collect(m1, 'q.gone', { queue: 'g' });
    const c2 = collect(m2, 'q.gone', { queue: 'g' });
    await flushAll(m1, m2);
    await m1.close();
    // The server notices the closed socket; wait until it has, via a round trip from m2.
    await m2.flush();
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 50; i++) pub.publish('q.gone', enc.encode(String(i)));
    await flushAll(pub, m2);
    await c2.until(50);
    await flushAll(pub, m2);
    assert.deepEqual(
      c2.msgs.map((m) => m.string()),
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
  } finally {
    await closeAll(pub, m1, m2);
  }
});

eachClient('a queue member with max leaves the group after max messages; the rest get the remainder', async (c) => {
  const M = 100;
  const pub = await connectTo(c, srv);
  const m1 = await connectTo(c, srv);
  const m2 = await connectTo(c, srv);
  try {
    const limited = collect(m1, 'q.max', { queue: 'g', max: 3 });
    const other = collect(m2, 'q.max', { queue: 'g' });
    await flushAll(m1, m2);
    for (let i = 0; i < M; i++) pub.publish('q.max', enc.encode(String(i)));
    await flushAll(pub, m1, m2);
    await other.until(M - limited.msgs.length);
    await flushAll(pub, m1, m2);
    assert.ok(limited.msgs.length <= 3, `limited member got ${limited.msgs.length}`);
    assert.equal(limited.msgs.length + other.msgs.length, M, 'every message delivered once');
    const counts = countIds([limited, other]);
    assert.equal(counts.size, M);
    for (const [id, n] of counts) assert.equal(n, 1, `message ${id}`);
    // Once it has its 3, only the other member is left in the group.
    for (let i = 0; i < 20; i++) pub.publish('q.max', enc.encode(`late-${i}`));
    await flushAll(pub, m1, m2);
    await other.until(M - limited.msgs.length + 20);
    assert.equal(limited.msgs.length, 3, 'the limited member got exactly its max');
    assert.equal(limited.sub.isClosed(), true);
  } finally {
    await closeAll(pub, m1, m2);
  }
});
