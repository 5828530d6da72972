// Slow consumers, in-process over raw sockets: a subscriber that stops reading is cut
// off (max_pending or write_deadline) while the publisher keeps publishing unhindered
// and a healthy subscriber receives every message in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { rawConnect } from '../support/raw.js';
import { startDialtone, waitFor } from '../support/servers.js';

/** A Logger that keeps the lines, to look for what the server logged. */
function captureLogger() {
  const lines = [];
  const push = (lvl) => (msg) => lines.push(`[${lvl}] ${msg}`);
  return {
    lines,
    debugEnabled: true,
    traceEnabled: false,
    info: push('INF'),
    warn: push('WRN'),
    error: push('ERR'),
    fatal: push('FTL'),
    debug: push('DBG'),
    trace: push('TRC'),
  };
}

/**
 * Publishes messages of `size` bytes (a sequence number first) on `subject` from the
 * official client, flushing every `batch` messages, until `done()` says to stop and
 * `extra` more have gone out (or `max` in all). Returns the count and the slowest flush.
 */
async function publishUntil(nc, subject, { size, batch, max, extra, done }) {
  const payload = new Uint8Array(size);
  let worstFlush = 0;
  let stopAt = max;
  let i = 0;
  for (; i < stopAt; i++) {
    const p = payload.slice();
    new DataView(p.buffer).setUint32(0, i);
    nc.publish(subject, p);
    if (i % batch === batch - 1) {
      const t0 = Date.now();
      await nc.flush();
      worstFlush = Math.max(worstFlush, Date.now() - t0);
      if (stopAt === max && done()) stopAt = Math.min(max, i + 1 + extra);
    }
  }
  const t0 = Date.now();
  await nc.flush();
  return { sent: i, worstFlush: Math.max(worstFlush, Date.now() - t0) };
}

/** A subscriber that checks every message arrives, in order; resolves when `n` are in. */
function orderedReceiver(nc, subject) {
  const sub = nc.subscribe(subject);
  let next = 0;
  let outOfOrder = 0;
  let target = Infinity;
  let wake = () => {};
  const finished = new Promise((r) => (wake = r));
  (async () => {
    for await (const m of sub) {
      const seq = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength).getUint32(0);
      if (seq !== next) outOfOrder++;
      next = seq + 1;
      if (next >= target) break;
    }
    wake();
  })();
  return {
    /** Resolves once `n` messages are in (or the subscription ended). */
    until(n) {
      target = n;
      if (next >= n) wake();
      return finished.then(() => ({ received: next, outOfOrder }));
    },
    progress: () => next,
  };
}

/**
 * A raw subscriber stops reading its socket while a publisher sends messages of `size`
 * bytes (until the server gives up on the slow one, more than the kernel's socket
 * buffers hold) and a healthy subscriber reads along.
 */
async function slowConsumerScenario(t, { config, size, batch, reason }) {
  const logger = captureLogger();
  const srv = await startDialtone({ ...config, logger });
  t.after(() => srv.close());

  const slow = await rawConnect(srv.port);
  t.after(() => slow.close());
  slow.send('SUB sc.data 1\r\n');
  await slow.flush();
  slow.socket.pause();

  const healthyConn = await connect({ servers: srv.url, reconnect: false, name: 'healthy' });
  t.after(() => healthyConn.close());
  const healthy = orderedReceiver(healthyConn, 'sc.data');
  await healthyConn.flush();

  const pub = await connect({ servers: srv.url, reconnect: false, name: 'publisher' });
  t.after(() => pub.close());
  const t0 = Date.now();
  const max = Math.ceil((48 * 1024 * 1024) / size);
  const { sent: n, worstFlush } = await publishUntil(pub, 'sc.data', { size, batch, max, extra: 4 * batch, done: () => srv.server.slowConsumers > 0 });
  const publishMs = Date.now() - t0;

  let timer;
  const result = await Promise.race([
    healthy.until(n),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`healthy subscriber stalled at ${healthy.progress()}/${n}`)), 10000);
    }),
  ]).finally(() => clearTimeout(timer));
  let slowLines = logger.lines.filter((l) => /Slow Consumer/.test(l));
  assert.deepEqual(result, { received: n, outOfOrder: 0 }, `the healthy subscriber gets every message, in order (server logged: ${slowLines.join(' | ')})`);
  assert.equal(healthyConn.isClosed(), false, 'the healthy subscriber is still connected');
  assert.ok(worstFlush < 1500, `the publisher was never blocked (slowest flush ${worstFlush}ms, publishing took ${publishMs}ms)`);
  assert.equal(pub.isClosed(), false);

  // The slow consumer was cut off, and only it.
  await waitFor(() => srv.server.slowConsumers > 0, 5000);
  slowLines = logger.lines.filter((l) => /Slow Consumer/.test(l));
  assert.equal(srv.server.slowConsumers, 1, slowLines.join(' | '));
  assert.equal(srv.server.clients.size, 2, 'only the publisher and the healthy subscriber remain');
  assert.ok(slowLines.some((l) => /Slow Consumer Detected/.test(l) && reason.test(l)), `logged a slow consumer (${reason}): ${slowLines.join(' | ')}`);
  slow.socket.resume();
  await slow.waitClosed(5000);
  assert.ok(slow.text.includes(`MSG sc.data 1 ${size}\r\n`), 'the slow consumer received some messages before being cut off');
  assert.ok(slow.data.length < n * size, 'but not all of them');
}

test('slow consumer (max_pending 64KB): a subscriber that stops reading is disconnected; the publisher and a healthy subscriber are unaffected', async (t) => {
  // A steady publisher (32KB between flushes) that a healthy subscriber can keep up with.
  await slowConsumerScenario(t, { config: { max_pending: '64KB', max_payload: '16KB' }, size: 1024, batch: 32, reason: /MaxPending/i });
});

test('slow consumer (max_pending 256KB) with an unpaced publisher: only the reader that stopped is cut off', async (t) => {
  // The publisher sends 1.6MB between flushes. A subscriber that keeps reading must not
  // be taken for a slow consumer (nats-server 2.9.10 keeps it, by stalling the producer).
  await slowConsumerScenario(t, { config: { max_pending: '256KB', max_payload: '64KB' }, size: 8192, batch: 200, reason: /MaxPending/i });
});

test('slow consumer (max_pending 1MB) under an unpaced burst of 1.6MB batches', async (t) => {
  await slowConsumerScenario(t, { config: { max_pending: '1MB' }, size: 8192, batch: 200, reason: /MaxPending/i });
});

test('slow consumer (write_deadline): a subscriber that stops reading is disconnected after the deadline', async (t) => {
  await slowConsumerScenario(t, { config: { write_deadline: '300ms' }, size: 8192, batch: 200, reason: /WriteDeadline/i });
});

