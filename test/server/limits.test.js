// Runtime limits and liveness, in-process over raw sockets: max_connections,
// max_subscriptions, server PINGs and stale connections, max_payload vs max_pending.
// (Slow consumers are in slow-consumer.test.js.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { parseInfo, rawConnect } from '../support/raw.js';
import { startDialtone, waitFor } from '../support/servers.js';

const count = (text, re) => (text.match(re) ?? []).length;

test('max_connections: the connection over the limit gets INFO then -ERR and is closed; the others keep working', async (t) => {
  const srv = await startDialtone({ max_connections: 2 });
  t.after(() => srv.close());
  const a = await rawConnect(srv.port);
  const b = await rawConnect(srv.port);
  await a.flush();
  await b.flush();

  const c = await rawConnect(srv.port, null);
  await c.expect(/^INFO \{.*\} ?\r\n-ERR 'maximum connections exceeded'\r\n$/);
  const info = parseInfo(c.text);
  assert.equal(typeof info.server_id, 'string');
  await c.waitClosed();

  // The first two still route messages.
  a.send('SUB mc.x 1\r\n');
  await a.flush();
  b.send('PUB mc.x 2\r\nok\r\n');
  await b.flush();
  await a.expect('MSG mc.x 1 2\r\nok\r\n');
  assert.equal(a.closed, false);
  assert.equal(b.closed, false);

  // Once one leaves, a new connection is admitted.
  b.close();
  await waitFor(() => srv.server.clients.size === 1);
  const d = await rawConnect(srv.port);
  await d.flush();
  assert.equal(d.closed, false);
  assert.doesNotMatch(d.text, /-ERR/);
  a.close();
  d.close();
});

test('max_connections from the official client: the extra connect is rejected', async (t) => {
  const srv = await startDialtone({ max_connections: 1 });
  t.after(() => srv.close());
  const nc = await connect({ servers: srv.url });
  t.after(() => nc.close());
  await assert.rejects(connect({ servers: srv.url, reconnect: false, maxReconnectAttempts: 0 }), /maximum connections exceeded/i);
  await nc.flush();
});

test('max_subscriptions: the SUB over the limit gets -ERR, the connection and its other subs stay', async (t) => {
  const srv = await startDialtone({ max_subscriptions: 2 });
  t.after(() => srv.close());
  const c = await rawConnect(srv.port);
  c.send('SUB ms.a 1\r\nSUB ms.b 2\r\n');
  await c.flush();
  assert.doesNotMatch(c.text, /-ERR/);
  c.send('SUB ms.c 3\r\n');
  await c.expect("-ERR 'maximum subscriptions exceeded'\r\n");
  await c.flush();
  assert.equal(c.closed, false, 'still connected');
  c.send('PUB ms.a 1\r\na\r\nPUB ms.b 1\r\nb\r\nPUB ms.c 1\r\nc\r\n');
  await c.flush();
  await c.expect('MSG ms.a 1 1\r\na\r\n');
  await c.expect('MSG ms.b 2 1\r\nb\r\n');
  assert.doesNotMatch(c.text, /MSG ms\.c/, 'the refused subscription receives nothing');
  // After an UNSUB there is room again.
  c.send('UNSUB 1\r\nSUB ms.c 3\r\n');
  await c.flush();
  assert.equal(count(c.text, /-ERR/g), 1);
  c.send('PUB ms.c 1\r\nc\r\n');
  await c.expect('MSG ms.c 3 1\r\nc\r\n');
  c.close();
});

test('max_subscriptions counts per connection', async (t) => {
  const srv = await startDialtone({ max_subscriptions: 1 });
  t.after(() => srv.close());
  const a = await rawConnect(srv.port);
  const b = await rawConnect(srv.port);
  a.send('SUB pc.x 1\r\n');
  b.send('SUB pc.x 1\r\n');
  await a.flush();
  await b.flush();
  assert.doesNotMatch(a.text + b.text, /-ERR/);
  a.close();
  b.close();
});

test('ping_interval/ping_max: a client that never answers gets PINGs, then -ERR \'Stale Connection\' and is closed', async (t) => {
  const srv = await startDialtone({ ping_interval: '200ms', ping_max: 2 });
  t.after(() => srv.close());
  const silent = await rawConnect(srv.port);
  const t0 = Date.now();
  await silent.expect("-ERR 'Stale Connection'\r\n", 4000);
  await silent.waitClosed();
  const elapsed = Date.now() - t0;
  const pings = count(silent.text, /PING\r\n/g);
  assert.equal(pings, 2, `ping_max PINGs before the error, got ${JSON.stringify(silent.text)}`);
  assert.ok(silent.text.indexOf("-ERR 'Stale Connection'") > silent.text.lastIndexOf('PING\r\n'), 'the error follows the PINGs');
  // First PING ~200ms (+20% jitter), then two more intervals: about 600-700ms in all.
  assert.ok(elapsed >= 500 && elapsed < 2000, `stale after ${elapsed}ms`);
});

test('a client that answers the server PINGs stays connected', async (t) => {
  const srv = await startDialtone({ ping_interval: '200ms', ping_max: 2 });
  t.after(() => srv.close());
  const answering = await rawConnect(srv.port);
  let answered = 0;
  answering.socket.on('data', (d) => {
    for (const _ of d.toString('latin1').matchAll(/PING\r\n/g)) {
      answering.send('PONG\r\n');
      answered++;
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(answered >= 2, `server kept pinging (${answered} PINGs answered)`);
  assert.equal(answering.closed, false);
  assert.doesNotMatch(answering.text, /Stale Connection/);
  await answering.flush();
  answering.close();
});

test('the official client (which answers PINGs) survives a short ping_interval', async (t) => {
  const srv = await startDialtone({ ping_interval: '100ms', ping_max: 1 });
  t.after(() => srv.close());
  const nc = await connect({ servers: srv.url, reconnect: false });
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(nc.isClosed(), false);
  await nc.flush();
  await nc.close();
});

test('with the default ping_interval (2m) the first PING after CONNECT comes after ~2s (+ up to 20%)', async (t) => {
  const srv = await startDialtone();
  t.after(() => srv.close());
  const c = await rawConnect(srv.port);
  const t0 = Date.now();
  await c.expect('PING\r\n', 3000);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 1900, `first PING after ${elapsed}ms, expected about 2s`);
  assert.ok(elapsed <= 3000, `first PING after ${elapsed}ms, expected within 3s`);
  assert.equal(srv.server.options.pingInterval, 120000);
  c.close();
});

test('disable_short_first_ping: the first PING waits the whole ping_interval', async (t) => {
  const srv = await startDialtone({ ping_interval: '1s', disable_short_first_ping: true });
  t.after(() => srv.close());
  // With a 1s interval the short first ping would be min(1s, 2s): use timing to tell.
  const c = await rawConnect(srv.port);
  const t0 = Date.now();
  await c.expect('PING\r\n', 3000);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 900 && elapsed < 2000, `first PING after ${elapsed}ms`);
  c.close();
});

test('max_payload larger than max_pending is refused, as nats-server does', async () => {
  let srv;
  try {
    await assert.rejects(
      (async () => {
        srv = await startDialtone({ max_pending: '64KB' });
      })(),
      /max_payload \(1048576\) cannot be higher than max_pending \(65536\)/,
    );
  } finally {
    await srv?.close();
  }
  const ok = await startDialtone({ max_pending: '64KB', max_payload: '64KB' });
  await ok.close();
});
