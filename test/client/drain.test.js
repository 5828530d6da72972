// Subscription drain and connection drain: every in-flight message is delivered
// before the subscription or connection closes.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { closeAll, collect, connectTo, eachClient, enc, flushAll, rejection, startTarget } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

const ids = (n, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

eachClient('subscription drain delivers every in-flight message, then stops', async (c) => {
  const N = 2000;
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'drain.sub');
    const keep = collect(sub, 'drain.sub');
    await sub.flush();
    for (let i = 0; i < N; i++) pub.publish('drain.sub', enc.encode(String(i)));
    // The server has routed all N (they are in flight to `sub`) before the drain starts.
    await pub.flush();
    await col.sub.drain();
    assert.equal(col.sub.isClosed(), true);
    assert.deepEqual(
      col.msgs.map((m) => m.string()),
      ids(N),
    );
    for (let i = 0; i < 10; i++) pub.publish('drain.sub', enc.encode(`late-${i}`));
    await flushAll(pub, sub);
    await keep.until(N + 10);
    await flushAll(pub, sub);
    assert.equal(col.msgs.length, N, 'nothing after the drain');
    assert.equal(keep.msgs.length, N + 10, 'the other subscription kept receiving');
    assert.equal(sub.isClosed(), false);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('connection drain delivers in-flight messages on every subscription before closing', async (c) => {
  const N = 1500;
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const a = collect(sub, 'drain.conn.a');
    const b = collect(sub, 'drain.conn.>');
    const q = collect(sub, 'drain.conn.a', { queue: 'g' });
    await sub.flush();
    for (let i = 0; i < N; i++) pub.publish('drain.conn.a', enc.encode(String(i)));
    await pub.flush();
    const closed = sub.closed();
    await sub.drain();
    assert.equal(await closed, undefined, 'drain closes without an error');
    assert.equal(sub.isClosed(), true);
    for (const [name, col] of [
      ['a', a],
      ['b', b],
      ['queue', q],
    ]) {
      assert.deepEqual(
        col.msgs.map((m) => m.string()),
        ids(N),
        `subscription ${name}`,
      );
    }
    // The server dropped the interest: a request now has no responders.
    const err = await rejection(pub.request('drain.conn.a', 'x', { timeout: 3000 }));
    assert.ok(c.isNoResponders(err), `after drain: ${err}`);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('a draining responder answers every request already sent to it', async (c) => {
  const N = 200;
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  try {
    let handled = 0;
    rep.subscribe('drain.svc', {
      callback: (err, m) => {
        handled++;
        m.respond(`ok-${m.string()}`);
      },
    });
    await rep.flush();
    const pending = Array.from({ length: N }, (_, i) => req.request('drain.svc', String(i), { timeout: 5000 }));
    await req.flush();
    await rep.drain();
    const replies = await Promise.all(pending);
    assert.equal(handled, N);
    assert.deepEqual(
      replies.map((r) => r.string()),
      ids(N, 'ok-'),
    );
  } finally {
    await closeAll(req, rep);
  }
});

eachClient('messages a draining connection publishes before closing reach subscribers', async (c) => {
  const N = 500;
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'drain.out');
    await sub.flush();
    for (let i = 0; i < N; i++) pub.publish('drain.out', enc.encode(String(i)));
    await pub.drain();
    assert.equal(pub.isClosed(), true);
    await col.until(N);
    await sub.flush();
    assert.deepEqual(
      col.msgs.map((m) => m.string()),
      ids(N),
    );
  } finally {
    await closeAll(pub, sub);
  }
});
