// Large payloads: up to max_payload arrive intact, above it the client refuses to
// publish (it reads max_payload from INFO), and a raised max_payload allows more.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { rawConnect } from '../support/raw.js';
import { closeAll, collect, connectTo, eachClient, flushAll, bytes, startTarget, enc } from './_clients.js';

const MiB = 1024 * 1024;
const sha = (b) => createHash('sha256').update(b).digest('hex');

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv.close();
});

eachClient('payloads up to the default max_payload (1 MiB) arrive intact', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    assert.equal(pub.info.max_payload, MiB);
    const sizes = [MiB, MiB - 1, 512 * 1024, 65536, 16383, 16384, 16385];
    const payloads = sizes.map((n, i) => bytes(n, i + 11));
    const col = collect(sub, 'big.default');
    await sub.flush();
    for (const p of payloads) pub.publish('big.default', p);
    await pub.flush();
    const got = await col.until(payloads.length, 10000);
    for (let i = 0; i < payloads.length; i++) {
      assert.equal(got[i].data.length, sizes[i], `message ${i} size`);
      assert.equal(sha(got[i].data), sha(payloads[i]), `message ${i} (${sizes[i]} bytes) hash`);
    }
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('a payload above max_payload is refused by the client; the connection stays usable', async (c) => {
  const nc = await connectTo(c, srv);
  try {
    const col = collect(nc, 'big.refused');
    await nc.flush();
    assert.throws(
      () => nc.publish('big.refused', new Uint8Array(MiB + 1)),
      (err) => c.isMaxPayload(err),
    );
    // Headers count towards the limit too.
    const h = c.headers();
    h.set('X-Pad', 'x');
    assert.throws(
      () => nc.publish('big.refused', new Uint8Array(MiB), { headers: h }),
      (err) => c.isMaxPayload(err),
    );
    nc.publish('big.refused', enc.encode('small one'));
    await nc.flush();
    await col.until(1);
    await nc.flush();
    assert.equal(nc.isClosed(), false);
    assert.deepEqual(
      col.msgs.map((m) => m.string()),
      ['small one'],
    );
  } finally {
    await closeAll(nc);
  }
});

eachClient('many large payloads of differing sizes and content stay intact and in order', async (c) => {
  const pub = await connectTo(c, srv);
  const sub = await connectTo(c, srv);
  try {
    const payloads = [];
    for (let i = 0; i < 60; i++) {
      // Alternate small and large payloads, around and far above 16 KiB.
      const size = i % 2 === 0 ? 10 + i : 16000 + ((i * 7919) % 300000);
      payloads.push(bytes(size, 1000 + i));
    }
    const other = collect(sub, 'big.many');
    const own = collect(pub, 'big.many');
    await flushAll(sub, pub);
    for (const p of payloads) pub.publish('big.many', p);
    await pub.flush();
    const got = await other.until(payloads.length, 10000);
    const mine = await own.until(payloads.length, 10000);
    for (let i = 0; i < payloads.length; i++) {
      assert.equal(sha(got[i].data), sha(payloads[i]), `other connection: message ${i} (${payloads[i].length} bytes)`);
      assert.equal(sha(mine[i].data), sha(payloads[i]), `own connection: message ${i} (${payloads[i].length} bytes)`);
    }
  } finally {
    await closeAll(pub, sub);
  }
});

eachClient('a 1 MiB request and a 1 MiB reply round-trip intact', async (c) => {
  const req = await connectTo(c, srv);
  const rep = await connectTo(c, srv);
  try {
    const reqBody = bytes(MiB, 5);
    const repBody = bytes(MiB, 6);
    let seen = '';
    rep.subscribe('big.rr', {
      callback: (err, m) => {
        seen = sha(m.data);
        m.respond(repBody);
      },
    });
    await rep.flush();
    const r = await req.request('big.rr', reqBody, { timeout: 5000 });
    assert.equal(seen, sha(reqBody));
    assert.equal(sha(r.data), sha(repBody));
  } finally {
    await closeAll(req, rep);
  }
});

test('the server itself rejects a PUB above max_payload from a client that ignores the limit', async () => {
  const raw = await rawConnect(srv.port);
  try {
    raw.send(`PUB big.raw ${MiB + 1}\r\n`);
    await raw.expect("-ERR 'Maximum Payload Violation'\r\n");
    await raw.waitClosed();
    assert.equal(raw.closed, true);
  } finally {
    raw.close();
  }
});

eachClient('with max_payload raised to 4 MiB, larger payloads work and INFO says so', async (c) => {
  const big = await startTarget({ max_payload: 4 * MiB });
  const pub = await connectTo(c, big);
  const sub = await connectTo(c, big);
  try {
    assert.equal(pub.info.max_payload, 4 * MiB);
    const payloads = [bytes(3 * MiB + 12345, 21), bytes(4 * MiB, 22), bytes(MiB + 1, 23)];
    const col = collect(sub, 'big.raised');
    await sub.flush();
    for (const p of payloads) pub.publish('big.raised', p);
    await pub.flush();
    const got = await col.until(payloads.length, 15000);
    for (let i = 0; i < payloads.length; i++) {
      assert.equal(got[i].data.length, payloads[i].length);
      assert.equal(sha(got[i].data), sha(payloads[i]), `message ${i} hash`);
    }
    assert.throws(
      () => pub.publish('big.raised', new Uint8Array(4 * MiB + 1)),
      (err) => c.isMaxPayload(err),
    );
  } finally {
    await closeAll(pub, sub);
    await big.close();
  }
});

eachClient('with max_payload lowered to 4 KiB, the client enforces the lower limit', async (c) => {
  const small = await startTarget({ max_payload: 4096 });
  const nc = await connectTo(c, small);
  try {
    assert.equal(nc.info.max_payload, 4096);
    const col = collect(nc, 'small.limit');
    await nc.flush();
    nc.publish('small.limit', bytes(4096, 3));
    assert.throws(
      () => nc.publish('small.limit', bytes(4097, 3)),
      (err) => c.isMaxPayload(err),
    );
    await nc.flush();
    const [m] = await col.until(1);
    assert.equal(sha(m.data), sha(bytes(4096, 3)));
    await nc.flush();
    assert.equal(col.msgs.length, 1);
  } finally {
    await closeAll(nc);
    await small.close();
  }
});
