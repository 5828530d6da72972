// Server limits as the clients experience them: max_connections, max_subscriptions,
// max_control_line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../support/servers.js';
import { closeAll, collect, connectTo, eachClient, rejection, startTarget, waitForEvent } from './_clients.js';

eachClient('max_connections: the connection over the limit is refused, the others keep working', async (c) => {
  const srv = await startTarget({ max_connections: 2 });
  const a = await connectTo(c, srv);
  const b = await connectTo(c, srv);
  let d = null;
  try {
    const err = await rejection(connectTo(c, srv));
    // Dialtone reports the server's -ERR; nats-server may race it with the socket close.
    assert.match(String(err?.message), /maximum connections exceeded|ECONNRESET|EPIPE/i);
    const col = collect(a, 'limits.conn');
    await a.flush();
    b.publish('limits.conn', 'still fine');
    await b.flush();
    const [m] = await col.until(1);
    assert.equal(m.string(), 'still fine');
    // Once one leaves there is room again.
    await b.close();
    d = await connectTo(c, srv);
    await d.flush();
    assert.equal(d.isClosed(), false);
  } finally {
    await closeAll(a, b, d);
    // Keep the event loop alive while the server closes: see the next test for why.
    const keepAlive = setInterval(() => {}, 1000);
    await srv.close();
    clearInterval(keepAlive);
  }
});

// Run in a child process: when the bug is present the parent's event loop empties with
// close() still pending, which would cancel every test that follows in this file.
test('close() resolves promptly after a connection was refused for max_connections', () => {
  const script = `
    import { CLIENTS, startTarget, connectTo, rejection, closeAll } from './test/client/_clients.js';
    // The v2 client can throw a stray EPIPE when the server drops a refused socket first.
    process.on('uncaughtException', (err) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') throw err;
    });
    for (const c of [...CLIENTS, ...CLIENTS]) {
      const srv = await startTarget({ max_connections: 1 });
      const a = await connectTo(c, srv);
      await rejection(connectTo(c, srv));
      await srv.close();
      await closeAll(a);
      console.log(c.name + ' closed');
    }
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 15000 });
  assert.equal(r.stdout, 'v3 closed\nv2 closed\nv3 closed\nv2 closed\n', `child stderr: ${r.stderr}`);
  assert.equal(r.status, 0);
});

eachClient('max_subscriptions: subscriptions over the limit get an error, the connection and earlier ones stay', async (c) => {
  const srv = await startTarget({ max_subscriptions: 3 });
  const nc = await connectTo(c, srv);
  const pub = await connectTo(c, srv);
  try {
    const errors = waitForEvent(nc, 'error', 2);
    const cols = Array.from({ length: 5 }, (_, i) => collect(nc, `limits.sub.${i}`));
    await nc.flush();
    const events = await errors;
    assert.equal(events.length, 2);
    for (const e of events) assert.match(String(e.error?.message ?? e.data), /maximum subscriptions exceeded|NATS_PROTOCOL_ERR/i);
    assert.equal(nc.isClosed(), false);
    for (let i = 0; i < 5; i++) pub.publish(`limits.sub.${i}`, String(i));
    await pub.flush();
    await nc.flush();
    assert.deepEqual(
      cols.map((col) => col.msgs.length),
      [1, 1, 1, 0, 0],
    );
  } finally {
    await closeAll(nc, pub);
    await srv.close();
  }
});

eachClient('max_control_line: a subject longer than the limit closes the connection with an error', async (c) => {
  const srv = await startTarget({ max_control_line: 1024 });
  const nc = await connectTo(c, srv);
  const other = await connectTo(c, srv);
  try {
    const closed = nc.closed();
    nc.publish(`x.${'y'.repeat(2000)}`, 'too long');
    nc.flush().catch(() => {});
    const err = await closed;
    assert.ok(err instanceof Error, `closed() resolved with ${err}`);
    // Dialtone reports the server's -ERR; nats-server may race it with the socket close.
    assert.match(err.message, /maximum control line exceeded|ECONNRESET|EPIPE/i);
    assert.equal(nc.isClosed(), true);
    // A subject under the limit is fine for another connection.
    const col = collect(other, `x.${'y'.repeat(900)}`);
    await other.flush();
    other.publish(`x.${'y'.repeat(900)}`, 'fits');
    await other.flush();
    const [m] = await col.until(1);
    assert.equal(m.string(), 'fits');
  } finally {
    await closeAll(nc, other);
    await srv.close();
  }
});
