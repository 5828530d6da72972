// Closed connections for /connz?state=closed: a ring buffer of the last
// max_closed_clients snapshots taken at close, with the reason, the subscriptions and
// the counters the connection had, and the per-account totals they leave behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { monitor } from '../../dist/index.js';
import { startDialtone, waitFor } from '../support/servers.js';
import { SERVER_SUBSCRIPTIONS, client, getJson } from './_helpers.js';

test('the ring buffer keeps the last max_closed_clients connections, oldest first', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', max_closed_clients: 3 });
  try {
    assert.equal(srv.server.monitoring.closed.capacity, 3);
    const cids = [];
    for (let i = 0; i < 5; i++) {
      const c = await client(srv.port, { name: `c${i}` });
      cids.push((await getJson(`${srv.monitorUrl}/connz`)).connections[0].cid);
      c.close();
      await waitFor(() => srv.server.clients.size === 0);
    }
    const closed = await getJson(`${srv.monitorUrl}/connz?state=closed`);
    assert.equal(closed.total, 3);
    assert.deepEqual(closed.connections.map((c) => c.name), ['c2', 'c3', 'c4']);
    assert.deepEqual(closed.connections.map((c) => c.cid), cids.slice(2));
    assert.equal(srv.server.monitoring.closed.totalClosed, 5);
    const one = await getJson(`${srv.monitorUrl}/connz?state=closed&cid=${cids[3]}`);
    assert.deepEqual(one.connections.map((c) => c.name), ['c3']);
    assert.equal((await getJson(`${srv.monitorUrl}/connz?state=closed&cid=${cids[0]}`)).connections.length, 0);
  } finally {
    await srv.close();
  }
});

test('max_closed_clients defaults to 10000 (0 too, as in nats-server)', async () => {
  for (const config of [{}, { max_closed_clients: 0 }]) {
    const srv = await startDialtone(config);
    try {
      assert.equal(srv.server.monitoring.closed.capacity, monitor.DEFAULT_MAX_CLOSED_CLIENTS);
      assert.equal(monitor.DEFAULT_MAX_CLOSED_CLIENTS, 10000);
    } finally {
      await srv.close();
    }
  }
});

test('a closed connection is a snapshot: counters, subscriptions with their account, stop time, reason', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  try {
    const sub = await client(srv.port, { name: 'sub', lang: 'raw', version: '9' });
    sub.send('SUB t.* 1\r\nSUB t.x grp 2\r\nUNSUB 2 10\r\n');
    await sub.flush();
    const pub = await client(srv.port, { name: 'pub' });
    pub.send('PUB t.x 4\r\nabcd\r\nPUB t.y 2\r\nhi\r\n');
    await pub.flush();
    await sub.expect('MSG t.y 1 2\r\nhi\r\n');
    const open = (await getJson(`${srv.monitorUrl}/connz?subs=detail`)).connections.find((c) => c.name === 'sub');
    sub.close();
    await waitFor(() => srv.server.clients.size === 1);
    const [closed] = (await getJson(`${srv.monitorUrl}/connz?state=closed&subs=detail`)).connections;
    assert.equal(closed.name, 'sub');
    assert.equal(closed.reason, 'Client Closed');
    assert.ok(Date.parse(closed.stop) >= Date.parse(closed.start));
    for (const k of ['cid', 'kind', 'type', 'ip', 'port', 'start', 'in_msgs', 'out_msgs', 'in_bytes', 'out_bytes', 'subscriptions', 'name', 'lang', 'version', 'rtt']) assert.deepEqual(closed[k], open[k], k);
    assert.deepEqual(closed.out_msgs, 3);
    assert.deepEqual(
      closed.subscriptions_list_detail.sort((a, b) => a.sid.localeCompare(b.sid)),
      [
        { account: '$G', subject: 't.*', sid: '1', msgs: 2, cid: closed.cid },
        { account: '$G', subject: 't.x', qgroup: 'grp', sid: '2', msgs: 1, max: 10, cid: closed.cid },
      ],
    );
    // The server's totals keep the closed connection's traffic.
    const varz = await getJson(`${srv.monitorUrl}/varz`);
    assert.deepEqual([varz.in_msgs, varz.out_msgs, varz.in_bytes, varz.out_bytes, varz.subscriptions], [2, 3, 6, 10, SERVER_SUBSCRIPTIONS]);
    const [g] = (await getJson(`${srv.monitorUrl}/accstatz`)).account_statz;
    assert.deepEqual([g.conns, g.sent, g.received], [1, { msgs: 3, bytes: 10 }, { msgs: 2, bytes: 6 }]);
    pub.close();
    await waitFor(() => srv.server.clients.size === 0);
    const unused = (await getJson(`${srv.monitorUrl}/accstatz?unused=true`)).account_statz.find((a) => a.acc === '$G');
    assert.deepEqual([unused.conns, unused.sent, unused.received], [0, { msgs: 3, bytes: 10 }, { msgs: 2, bytes: 6 }]);
  } finally {
    await srv.close();
  }
});

test('refused and failed connections are recorded with their reasons', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', max_connections: 1, authorization: { user: 'u', password: 'p' } });
  try {
    const ok = await client(srv.port, { user: 'u', pass: 'p', name: 'ok' });
    // Over max_connections: refused after INFO.
    const extra = net.connect(srv.port, '127.0.0.1');
    extra.on('error', () => {});
    extra.resume();
    await new Promise((r) => extra.once('close', r));
    ok.close();
    await waitFor(() => srv.server.clients.size === 0);
    const { rawConnect } = await import('../support/raw.js');
    const bad = await rawConnect(srv.port, { verbose: false, pedantic: false, user: 'u', pass: 'wrong', name: 'bad' });
    await bad.waitClosed();
    await waitFor(async () => (await getJson(`${srv.monitorUrl}/connz?state=closed`)).total === 3);
    const closed = (await getJson(`${srv.monitorUrl}/connz?state=closed&auth=1`)).connections;
    assert.deepEqual(
      closed.map((c) => [c.name, c.reason]),
      [
        ['ok', 'Client Closed'],
        [undefined, 'Maximum Connections Exceeded'],
        ['bad', 'Authentication Failure'],
      ],
    );
    assert.equal(closed[0].authorized_user, 'u');
    const byReason = (await getJson(`${srv.monitorUrl}/connz?state=closed&sort=reason`)).connections.map((c) => c.reason);
    assert.deepEqual(byReason, ['Authentication Failure', 'Client Closed', 'Maximum Connections Exceeded']);
    const any = await getJson(`${srv.monitorUrl}/connz?state=any&sort=uptime`);
    assert.equal(any.total, 3);
  } finally {
    await srv.close();
  }
});

test('a slow consumer is recorded with its reason and counted for its account', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', max_pending: 65536, max_payload: 8192 });
  try {
    const slow = await client(srv.port, { name: 'slow' });
    slow.send('SUB flood 1\r\n');
    await slow.flush();
    slow.socket.pause();
    const pub = await client(srv.port, { name: 'pub' });
    const payload = 'x'.repeat(8000);
    const chunk = `PUB flood 8000\r\n${payload}\r\n`.repeat(64);
    for (let i = 0; i < 200 && srv.server.slowConsumers === 0; i++) {
      pub.send(chunk);
      await pub.flush(10000);
    }
    await waitFor(async () => (await getJson(`${srv.monitorUrl}/connz?state=closed`)).total === 1);
    const [closed] = (await getJson(`${srv.monitorUrl}/connz?state=closed`)).connections;
    assert.equal(closed.name, 'slow');
    assert.match(closed.reason, /^Slow Consumer \((Pending Bytes|Write Deadline)\)$/);
    assert.equal((await getJson(`${srv.monitorUrl}/varz`)).slow_consumers, 1);
    const g = (await getJson(`${srv.monitorUrl}/accstatz`)).account_statz.find((a) => a.acc === '$G');
    assert.equal(g.slow_consumers, 1);
    pub.close();
    slow.close();
  } finally {
    await srv.close();
  }
});
