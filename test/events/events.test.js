// The system account's events through the official client, logged in as a system
// account user: connect and disconnect advisories, account connection counts, the
// authentication error advisory, STATSZ heartbeats and the shutdown notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDialtone, waitFor } from '../support/servers.js';
import { SERVER_SUBSCRIPTIONS } from '../monitor/_helpers.js';
import { monitor } from '../../dist/index.js';
import { ask, assertNoReply, assertServerInfo, login, record, startEvents } from './_helpers.js';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const NUID = /^[0-9A-Za-z]{22}$/;

test('a client of an account is announced on CONNECT, SERVER.CONNS and DISCONNECT; the global account only counts', async () => {
  const srv = await startEvents();
  const sys = await login(srv.url, 'sys');
  try {
    const rec = record(sys, '$SYS.ACCOUNT.>');
    const old = record(sys, '$SYS.SERVER.ACCOUNT.>');
    await sys.flush();

    const a = await login(srv.url, 'a', { name: 'app-a' });
    a.subscribe('in.a');
    a.publish('x', 'hello');
    a.publish('x', 'hi');
    await a.flush();
    const cid = [...srv.server.clients.values()].find((c) => c.opts.name === 'app-a').cid;
    await a.close();
    await waitFor(() => rec.events.length === 5);

    // A login starts in the global account and moves: $G counts it, leaving $G is not announced.
    assert.deepEqual(rec.subjects(), ['$SYS.ACCOUNT.$G.SERVER.CONNS', '$SYS.ACCOUNT.A.SERVER.CONNS', '$SYS.ACCOUNT.A.CONNECT', '$SYS.ACCOUNT.A.SERVER.CONNS', '$SYS.ACCOUNT.A.DISCONNECT']);
    assert.deepEqual(old.subjects(), ['$SYS.SERVER.ACCOUNT.$G.CONNS', '$SYS.SERVER.ACCOUNT.A.CONNS', '$SYS.SERVER.ACCOUNT.A.CONNS']);
    const [, connsUp] = rec.events[1];
    const [, connect] = rec.events[2];
    const [, connsDown] = rec.events[3];
    const [, disconnect] = rec.events[4];

    // The old and new subjects carry the same event.
    assert.deepEqual(old.events[1][1].id, connsUp.id);
    assert.equal(connsUp.type, 'io.nats.server.advisory.v1.account_connections');
    assert.match(connsUp.id, NUID);
    assert.match(connsUp.timestamp, TIME);
    assertServerInfo(connsUp.server, srv.server);
    const stat = ({ acc, conns, leafnodes, total_conns, sent, received, slow_consumers }) => ({ acc, conns, leafnodes, total_conns, sent, received, slow_consumers });
    assert.deepEqual(stat(connsUp), { acc: 'A', conns: 1, leafnodes: 0, total_conns: 1, sent: { msgs: 0, bytes: 0 }, received: { msgs: 0, bytes: 0 }, slow_consumers: 0 });
    assert.deepEqual(stat(connsDown), { acc: 'A', conns: 0, leafnodes: 0, total_conns: 0, sent: { msgs: 0, bytes: 0 }, received: { msgs: 2, bytes: 7 }, slow_consumers: 0 });

    assert.deepEqual(Object.keys(connect), ['type', 'id', 'timestamp', 'server', 'client']);
    assert.equal(connect.type, 'io.nats.server.advisory.v1.client_connect');
    assertServerInfo(connect.server, srv.server);
    assert.ok(connect.server.seq > connsUp.server.seq, 'each message takes the next sequence number');
    const { start, ...client } = connect.client;
    assert.match(start, TIME);
    assert.match(client.ver, /^\d+\.\d+\.\d+/);
    assert.deepEqual(client, { host: '127.0.0.1', id: cid, acc: 'A', user: 'a', name: 'app-a', lang: 'nats.js', ver: client.ver, kind: 'Client', client_type: 'nats' });

    assert.deepEqual(Object.keys(disconnect), ['type', 'id', 'timestamp', 'server', 'client', 'sent', 'received', 'reason']);
    assert.equal(disconnect.type, 'io.nats.server.advisory.v1.client_disconnect');
    assert.notEqual(disconnect.id, connect.id);
    assert.equal(disconnect.client.start, start);
    assert.match(disconnect.client.stop, TIME);
    assert.ok(Number.isInteger(disconnect.client.rtt) && disconnect.client.rtt > 0, 'rtt in nanoseconds');
    // `sent` is what the client published, `received` what it was delivered.
    assert.deepEqual([disconnect.sent, disconnect.received, disconnect.reason], [{ msgs: 2, bytes: 7 }, { msgs: 0, bytes: 0 }, 'Client Closed']);

    // A user of the global account: counted when the connection is created and again when the
    // user is registered with it (as nats-server does), never announced, and leaving is not counted.
    rec.events.length = 0;
    const g = await login(srv.url, 'g');
    await g.close();
    await waitFor(() => srv.server.clients.size === 1);
    await sys.flush();
    assert.deepEqual(
      rec.events.map(([s, e]) => [s, e.conns]),
      [
        ['$SYS.ACCOUNT.$G.SERVER.CONNS', 1],
        ['$SYS.ACCOUNT.$G.SERVER.CONNS', 1],
      ],
    );
  } finally {
    await sys.close();
    await srv.close();
  }
});

test('a failed login is announced on $SYS.SERVER.<id>.CLIENT.AUTH.ERR with its reason', async () => {
  const srv = await startEvents();
  const sys = await login(srv.url, 'sys');
  try {
    const rec = record(sys, `$SYS.SERVER.${srv.server.serverId}.CLIENT.AUTH.ERR`);
    await sys.flush();
    await assert.rejects(login(srv.url, 'a', { pass: 'wrong', name: 'intruder' }));
    await waitFor(() => rec.events.length === 1);
    const [, ev] = rec.events[0];
    assert.equal(ev.type, 'io.nats.server.advisory.v1.client_disconnect');
    assert.equal(ev.reason, 'Authentication Failure');
    // Not yet bound to an account: the global one.
    assert.deepEqual([ev.client.acc, ev.client.user, ev.client.name, ev.client.kind], ['$G', 'a', 'intruder', 'Client']);
    assert.deepEqual([ev.sent, ev.received], [
      { msgs: 0, bytes: 0 },
      { msgs: 0, bytes: 0 },
    ]);
    assertServerInfo(ev.server, srv.server);
  } finally {
    await sys.close();
    await srv.close();
  }
});

test('STATSZ heartbeats start 250ms after start and back off; $SYS.REQ.SERVER.PING answers with the same message', async () => {
  const srv = await startEvents();
  const sys = await login(srv.url, 'sys');
  try {
    const rec = record(sys, `$SYS.SERVER.${srv.server.serverId}.STATSZ`);
    await sys.flush();
    await waitFor(() => rec.events.length >= 2, 3000);
    // 250ms after start, then 500ms, 1s, ... up to 30s apart (less a little for timer rounding).
    const [first, second] = rec.events.map(([, e]) => Date.parse(e.server.time));
    assert.ok(first - srv.server.startTime.getTime() >= 240, `first heartbeat ${first - srv.server.startTime.getTime()}ms after start`);
    assert.ok(second - first >= 480, `second heartbeat ${second - first}ms after the first`);

    const [, beat] = rec.events[0];
    assert.deepEqual(Object.keys(beat), ['server', 'statsz']);
    assertServerInfo(beat.server, srv.server);
    const pong = await ask(sys, '$SYS.REQ.SERVER.PING');
    assert.deepEqual(Object.keys(pong.statsz), Object.keys(beat.statsz));
    const { statsz } = pong;
    assert.equal(statsz.start, monitor.buildVarz(srv.server).start);
    assert.ok(Number.isInteger(statsz.mem) && statsz.mem > 0);
    assert.equal(typeof statsz.cpu, 'number');
    assert.ok(statsz.cores >= 1);
    // The sys user; SYS counts as active (nats-server's own client lives there).
    assert.deepEqual([statsz.connections, statsz.total_connections, statsz.active_accounts], [1, 1, 1]);
    // The server's own (40 in SYS, 3 imports in each of $G, A and B) and the sys user's two: heartbeats and the reply inbox.
    assert.equal(statsz.subscriptions, SERVER_SUBSCRIPTIONS + 6 + 2);
    assert.equal(statsz.slow_consumers, 0);
    assert.equal(statsz.active_servers, 1);
    assert.ok(statsz.sent.msgs >= 2, 'the heartbeats were delivered');
    // A PING without a reply subject makes the server publish on its STATSZ subject.
    const before = rec.events.length;
    sys.publish('$SYS.REQ.SERVER.PING');
    await sys.flush();
    await waitFor(() => rec.events.length > before);
  } finally {
    await sys.close();
    await srv.close();
  }
});

test('closing the server sends SHUTDOWN; the disconnects of the shutdown are not announced', async () => {
  const srv = await startEvents();
  const sys = await login(srv.url, 'sys');
  const a = await login(srv.url, 'a');
  const rec = record(sys, '$SYS.>');
  await sys.flush();
  const closed = srv.close();
  await sys.closed();
  await closed;
  await a.closed();
  const shutdown = rec.events.filter(([s]) => s === `$SYS.SERVER.${srv.server.serverId}.SHUTDOWN`);
  assert.equal(shutdown.length, 1);
  // The ServerInfo alone.
  assertServerInfo(shutdown[0][1], srv.server);
  assert.deepEqual(
    rec.subjects().filter((s) => /DISCONNECT|CONNS/.test(s)),
    [],
  );
});

test('$SYS.REQ.ACCOUNT.<acc>.CONNS answers with the account\'s connections while it has some', async () => {
  const srv = await startEvents();
  const sys = await login(srv.url, 'sys');
  const a = await login(srv.url, 'a');
  try {
    const conns = await ask(sys, '$SYS.REQ.ACCOUNT.A.CONNS');
    assert.equal(conns.type, 'io.nats.server.advisory.v1.account_connections');
    assert.deepEqual([conns.acc, conns.conns, conns.total_conns], ['A', 1, 1]);
    // No reply for an account without connections here, nor when the body names another account.
    await assertNoReply(sys, '$SYS.REQ.ACCOUNT.B.CONNS');
    await assertNoReply(sys, '$SYS.REQ.ACCOUNT.A.CONNS', '{"acc":"B"}');
    await assertNoReply(sys, '$SYS.REQ.ACCOUNT.A.CONNS', '{bad');
    assert.equal((await ask(sys, '$SYS.REQ.ACCOUNT.A.CONNS', '{"acc":"A"}')).conns, 1);
  } finally {
    await a.close();
    await sys.close();
    await srv.close();
  }
});

test('with no_system_account there are no events, no services and no server subscriptions', async () => {
  const srv = await startDialtone({ no_system_account: true });
  try {
    assert.equal(srv.server.events, null);
    assert.equal(monitor.buildVarz(srv.server).subscriptions, 0);
  } finally {
    await srv.close();
  }
});
