// Reconnect: stop the server under a connected client, start a new one on the same
// port; the client reconnects, reports it, and its subscriptions work again.
import assert from 'node:assert/strict';
import { freePort, waitFor } from '../support/servers.js';
import { watchStatusTypes, closeAll, collect, connectTo, eachClient, enc, startTarget, startTargetProcess } from './_clients.js';


const reconnectOpts = { reconnect: true, reconnectTimeWait: 50, reconnectJitter: 0, maxReconnectAttempts: -1, pingInterval: 60000 };

async function restartScenario(c, start) {
  const port = await freePort();
  let s1 = await start(port);
  let s2 = null;
  const nc = await connectTo(c, s1, reconnectOpts);
  let other = null;
  try {
    const events = watchStatusTypes(nc);
    const firstServerId = nc.info.server_id;
    const col = collect(nc, 'rc.>');
    nc.subscribe('rc.svc', { callback: (err, m) => m.respond(`pong:${m.string()}`) });
    await nc.flush();
    other = await connectTo(c, s1);
    other.publish('rc.data', enc.encode('before'));
    await other.flush();
    await col.until(1);
    await other.close();

    await s1.close();
    s1 = null;
    await waitFor(() => events.includes('disconnect'), 5000);
    assert.equal(nc.isClosed(), false, 'the client waits to reconnect rather than closing');

    s2 = await start(port);
    await waitFor(() => events.includes('reconnect'), 8000);
    await nc.flush();
    assert.notEqual(nc.info.server_id, firstServerId, 'INFO now describes the new server');

    other = await connectTo(c, s2);
    for (let i = 0; i < 3; i++) other.publish('rc.data', enc.encode(`after-${i}`));
    await other.flush();
    await col.until(4);
    await nc.flush();
    assert.deepEqual(
      col.msgs.filter((m) => m.subject === 'rc.data').map((m) => m.string()),
      ['before', 'after-0', 'after-1', 'after-2'],
    );
    // The responder subscription was restored too.
    const r = await other.request('rc.svc', 'ping', { timeout: 3000 });
    assert.equal(r.string(), 'pong:ping');
    assert.ok(events.indexOf('disconnect') < events.indexOf('reconnect'), `status order: ${events}`);
  } finally {
    await closeAll(nc, other);
    if (s1) await s1.close();
    if (s2) await s2.close();
  }
}

eachClient('reconnects to a server restarted on the same port (in-process) and resubscribes', async (c) => {
  await restartScenario(c, (port) => startTarget({ port }));
});

eachClient('reconnects to the CLI server restarted on the same port', async (c) => {
  await restartScenario(c, (port) => startTargetProcess(port));
});

eachClient('with reconnect disabled, the connection closes when the server stops', async (c) => {
  const srv = await startTarget();
  const nc = await connectTo(c, srv, { reconnect: false });
  try {
    const closed = nc.closed();
    await srv.close();
    const result = await closed;
    assert.equal(nc.isClosed(), true);
    // Server shutdown is an orderly close: no error (or a connection error), never a hang.
    assert.ok(result === undefined || result instanceof Error, `closed() resolved with ${result}`);
  } finally {
    await closeAll(nc);
  }
});

eachClient('a forced client reconnect restores plain and queue subscriptions', async (c) => {
  const srv = await startTarget();
  const nc = await connectTo(c, srv, reconnectOpts);
  const other = await connectTo(c, srv);
  try {
    const events = watchStatusTypes(nc);
    const plain = collect(nc, 'frc.plain');
    const queued = collect(nc, 'frc.queue', { queue: 'g' });
    const firstClientId = nc.info.client_id;
    await nc.flush();
    await nc.reconnect();
    await waitFor(() => events.includes('reconnect'), 5000);
    await nc.flush();
    assert.notEqual(nc.info.client_id, firstClientId, 'a new connection was made');
    for (let i = 0; i < 5; i++) {
      other.publish('frc.plain', enc.encode(`p${i}`));
      other.publish('frc.queue', enc.encode(`q${i}`));
    }
    await other.flush();
    await plain.until(5);
    await queued.until(5);
    await nc.flush();
    assert.deepEqual(
      plain.msgs.map((m) => m.string()),
      ['p0', 'p1', 'p2', 'p3', 'p4'],
    );
    assert.deepEqual(
      queued.msgs.map((m) => m.string()),
      ['q0', 'q1', 'q2', 'q3', 'q4'],
    );
  } finally {
    await closeAll(nc, other);
    await srv.close();
  }
});

eachClient('lame duck mode: connected clients get the ldm status, new connections are refused', async (c) => {
  const port = await freePort();
  const srv = await startTargetProcess(port);
  const nc = await connectTo(c, srv, { ...reconnectOpts, maxReconnectAttempts: 0 });
  try {
    const events = watchStatusTypes(nc);
    await nc.flush();
    srv.signal('SIGUSR2');
    await waitFor(() => events.includes('ldm'), 5000);
    // The listener is closed in lame duck mode.
    await waitFor(async () => {
      try {
        const probe = await connectTo(c, srv, { timeout: 500 });
        await probe.close();
        return false;
      } catch {
        return true;
      }
    }, 5000);
    // Existing connections keep working during the grace period.
    const col = collect(nc, 'ldm.still');
    await nc.flush();
    nc.publish('ldm.still', 'alive');
    await nc.flush();
    const [m] = await col.until(1);
    assert.equal(m.string(), 'alive');
    assert.ok(events.includes('ldm'));
  } finally {
    await closeAll(nc);
    await srv.close('SIGKILL');
  }
});
