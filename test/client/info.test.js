// flush, rtt, the INFO the clients see, and INFO reflecting configuration.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { closeAll, collect, connectTo, eachClient, enc, flushAll, rejection, startTarget, V2 } from './_clients.js';

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

eachClient('nc.info carries server_id, version, max_payload, headers and per-connection fields', async (c) => {
  const a = await connectTo(c, srv);
  const b = await connectTo(c, srv);
  try {
    const info = a.info;
    assert.ok(info, 'info is set once connected');
    assert.match(info.server_id, /^N[A-Z2-7]{55}$/, 'server_id is a server nkey');
    assert.equal(typeof info.server_name, 'string');
    assert.ok(info.server_name.length > 0);
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.proto, 1);
    assert.equal(info.max_payload, 1024 * 1024);
    assert.equal(info.headers, true);
    assert.equal(info.port, srv.port);
    assert.equal(typeof info.client_id, 'number');
    assert.ok(info.client_id > 0);
    assert.equal(info.client_ip, '127.0.0.1');
    // Same server, different connection.
    assert.equal(b.info.server_id, info.server_id);
    assert.notEqual(b.info.client_id, info.client_id);
    assert.equal(a.getServer(), `127.0.0.1:${srv.port}`);
  } finally {
    await closeAll(a, b);
  }
});

eachClient('flush resolves once the server has processed everything sent before it', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const col = collect(sub, 'flush.test');
    await sub.flush();
    for (let i = 0; i < 1000; i++) pub.publish('flush.test', enc.encode(String(i)));
    await pub.flush();
    // The server routed all 1000 before answering pub's PING; sub's PONG comes after them.
    await sub.flush();
    assert.equal(col.msgs.length, 1000);
    assert.equal(col.msgs.at(-1).string(), '999');
    // Flushing repeatedly and concurrently all resolve.
    await Promise.all([pub.flush(), pub.flush(), sub.flush(), pub.flush()]);
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('rtt measures a round trip in milliseconds', async (c) => {
  const nc = await connectTo(c, srv);
  try {
    const rtts = [];
    for (let i = 0; i < 5; i++) rtts.push(await nc.rtt());
    for (const r of rtts) {
      assert.equal(typeof r, 'number');
      assert.ok(Number.isFinite(r) && r >= 0 && r < 1000, `rtt ${r}`);
    }
  } finally {
    await closeAll(nc);
  }
});

eachClient('client stats count exactly what the server delivered', async (c) => {
  const nc = await connectTo(c, srv);
  try {
    const col = collect(nc, 'stats.test');
    await nc.flush();
    const before = nc.stats();
    for (let i = 0; i < 10; i++) nc.publish('stats.test', enc.encode('12345'));
    await nc.flush();
    await col.until(10);
    await nc.flush();
    const s = nc.stats();
    assert.equal(s.outMsgs - before.outMsgs, 10);
    assert.equal(s.outBytes - before.outBytes, 50);
    assert.equal(s.inMsgs - before.inMsgs, 10);
    assert.equal(s.inBytes - before.inBytes, 50);
  } finally {
    await closeAll(nc);
  }
});

eachClient('INFO reflects server_name and max_payload from the configuration', async (c) => {
  const custom = await startTarget({ server_name: 'client-test-server', max_payload: 8192 });
  const nc = await connectTo(c, custom);
  try {
    assert.equal(nc.info.server_name, 'client-test-server');
    assert.equal(nc.info.max_payload, 8192);
    assert.equal(nc.info.headers, true);
  } finally {
    await closeAll(nc);
    await custom.close();
  }
});

eachClient('with no_header_support, INFO says headers:false and requests to nobody time out', async (c) => {
  const plain = await startTarget({ no_header_support: true });
  const nc = await connectTo(c, plain);
  try {
    assert.equal(nc.info.headers, false);
    // Without headers the client cannot ask for no-responders: a request just times out.
    const err = await rejection(nc.request('nobody.here', 'x', { timeout: 200 }));
    assert.ok(c.isTimeout(err), `expected a timeout, got ${err?.name}: ${err?.message}`);
    // Plain messages still flow.
    const col = collect(nc, 'plain.msgs');
    await nc.flush();
    nc.publish('plain.msgs', 'ok');
    await flushAll(nc);
    const [m] = await col.until(1);
    assert.equal(m.string(), 'ok');
    assert.equal(m.headers, undefined);
    if (c === V2) {
      // The v2 client refuses to publish headers to a server without header support.
      const h = c.headers();
      h.set('X', '1');
      assert.throws(() => nc.publish('plain.msgs', 'x', { headers: h }));
    }
  } finally {
    await closeAll(nc);
    await plain.close();
  }
});

eachClient('closed() resolves after close(), and using a closed connection fails', async (c) => {
  const nc = await connectTo(c, srv);
  const closed = nc.closed();
  await nc.close();
  assert.equal(await closed, undefined);
  assert.equal(nc.isClosed(), true);
  assert.throws(
    () => nc.publish('after.close', 'x'),
    (err) => c.isClosed(err),
  );
  const err = await rejection(nc.flush());
  assert.ok(c.isClosed(err), `flush after close: ${err}`);
});
