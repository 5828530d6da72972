// Many concurrent connections, each subscribing, publishing and answering requests:
// every message accounted for, per-publisher order kept.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CLIENTS, closeAll, collect, connectTo, eachClient, enc, flushAll, startTarget } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

async function scenario(clientFor, subject) {
  const N = 50;
  const PER = 10;
  const conns = await Promise.all(Array.from({ length: N }, (_, i) => connectTo(clientFor(i), srv, { name: `client-${i}` })));
  try {
    const cols = conns.map((nc) => collect(nc, `${subject}.all`));
    const served = new Array(N).fill(0);
    conns.forEach((nc, i) =>
      nc.subscribe(`${subject}.rpc.${i}`, {
        callback: (err, m) => {
          served[i]++;
          m.respond(`${i} answers ${m.string()}`);
        },
      }),
    );
    await flushAll(conns);
    for (const [i, nc] of conns.entries()) for (let k = 0; k < PER; k++) nc.publish(`${subject}.all`, enc.encode(`${i}:${k}`));
    const replies = await Promise.all(conns.map((nc, i) => nc.request(`${subject}.rpc.${(i + 1) % N}`, String(i), { timeout: 5000 })));
    await flushAll(conns);
    for (const col of cols) await col.until(N * PER, 10000);
    await flushAll(conns);

    for (const [r, col] of cols.entries()) {
      assert.equal(col.msgs.length, N * PER, `connection ${r} got every message once`);
      const next = new Array(N).fill(0);
      for (const m of col.msgs) {
        const [from, k] = m.string().split(':').map(Number);
        assert.equal(k, next[from], `connection ${r}: messages from ${from} in order`);
        next[from]++;
      }
      assert.deepEqual(next, new Array(N).fill(PER));
    }
    for (let i = 0; i < N; i++) assert.equal(replies[i].string(), `${(i + 1) % N} answers ${i}`);
    assert.deepEqual(served, new Array(N).fill(1), 'each responder served exactly one request');
  } finally {
    await closeAll(conns);
  }
}

eachClient('50 connections each subscribing, publishing and answering a request', async (c) => {
  await scenario(() => c, `many.${c.name}`);
});

test('50 connections, v3 and v2 mixed, share the same traffic', async () => {
  await scenario((i) => CLIENTS[i % 2], 'many.mixed');
});

eachClient('a burst of connections opening and closing leaves the server serving', async (c) => {
  for (let round = 0; round < 3; round++) {
    const conns = await Promise.all(Array.from({ length: 30 }, () => connectTo(c, srv)));
    await Promise.all(conns.map((nc) => nc.flush()));
    assert.equal(conns.filter((nc) => !nc.isClosed()).length, 30);
    await closeAll(conns);
  }
  const a = await connectTo(c, srv);
  try {
    const col = collect(a, 'burst.after');
    await a.flush();
    a.publish('burst.after', 'still here');
    await a.flush();
    const [m] = await col.until(1);
    assert.equal(m.string(), 'still here');
  } finally {
    await closeAll(a);
  }
});
