// The dashboard's routes over HTTP: /ui (the page, linked from the index) and
// /ui/api/activity (busiest subjects, slow consumers, per-account rows), under a base
// path too, and the builder behind the endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDashboardActivity, decodeBytes } from '../../dist/monitor/dashboard/index.js';
import { rawConnect } from '../support/raw.js';
import { startDialtone, waitFor } from '../support/servers.js';
import { SERVER_SUBSCRIPTIONS } from '../monitor/_helpers.js';

async function get(url) {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function getJson(url) {
  const r = await get(url);
  assert.equal(r.status, 200, `${url}: ${r.body}`);
  return JSON.parse(r.body);
}

const ACCOUNTS = {
  A: { users: [{ user: 'a', password: 'a' }] },
  B: { users: [{ user: 'b', password: 'b' }] },
};

/** A raw client in account `user`'s account that has had its CONNECT processed. */
async function raw(port, user, name) {
  const c = await rawConnect(port, { verbose: false, pedantic: false, user, pass: user, name });
  await c.flush();
  return c;
}

/** `n` publishes of `payload` on `subject` (a latin1 byte string, as on the wire). */
function pubs(subject, payload, n) {
  return `PUB ${subject} ${Buffer.byteLength(payload, 'latin1')}\r\n${payload}\r\n`.repeat(n);
}

test('/ui serves the dashboard page, linked from the index', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  try {
    const page = await get(`${srv.monitorUrl}/ui`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy'), /script-src 'sha256-/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(page.body, /^<!doctype html>/);
    assert.match(page.body, /<title>Dialtone<\/title>/);
    assert.match(page.body, /id="chart-msgs"/);
    assert.match(page.body, /<a href="\.\/">All endpoints<\/a>/);
    const index = await get(`${srv.monitorUrl}/`);
    assert.match(index.body, /<a href=\.\/ui class=dashboard>/);
    assert.match(index.body, /href=\.\/varz/, 'the index keeps its endpoint links');
    assert.equal((await get(`${srv.monitorUrl}/ui/`)).status, 404);
    assert.equal((await get(`${srv.monitorUrl}/ui/api`)).status, 404);
    const stats = (await getJson(`${srv.monitorUrl}/varz`)).http_req_stats;
    assert.equal(stats['/ui'], 1);
  } finally {
    await srv.close();
  }
});

test('/ui/api/activity: busiest subjects as UTF-8 text, per-account rows, slow consumers', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', server_name: 'act', accounts: ACCOUNTS });
  const clients = [];
  try {
    const subA = await raw(srv.port, 'a', 'sub-a');
    clients.push(subA);
    subA.send('SUB hot 1\r\nSUB warm 2\r\nSUB nobody.* 3\r\n');
    await subA.flush();
    const pubA = await raw(srv.port, 'a', 'pub-a');
    const pubA2 = await raw(srv.port, 'a', 'pub-a2');
    const pubB = await raw(srv.port, 'b', 'pub-b');
    clients.push(pubA, pubA2, pubB);
    // Sampling takes one message in 32 on average (random gaps), scaled back up by 32.
    pubA.send(pubs('hot', 'x'.repeat(10), 3200));
    pubA2.send(pubs('warm', 'yy', 320));
    // "données.é" as UTF-8 bytes on the wire.
    pubB.send(pubs(Buffer.from('données.é', 'utf8').toString('latin1'), 'z', 960));
    await Promise.all([pubA.flush(), pubA2.flush(), pubB.flush()]);

    const act = await getJson(`${srv.monitorUrl}/ui/api/activity`);
    assert.equal(act.server_id, srv.server.serverId);
    assert.equal(act.sample_every, 32);
    assert.ok(act.window_ms >= 1000 && act.window_ms <= 20000, `window ${act.window_ms}`);
    assert.match(act.now, /^\d{4}-\d\d-\d\dT/);
    // Busiest first; each estimate a multiple of 32, within 40% of what was sent.
    assert.deepEqual(
      act.subjects.map((s) => [s.subject, s.account]),
      [
        ['hot', 'A'],
        ['données.é', 'B'],
        ['warm', 'A'],
      ],
    );
    const sent = { hot: [3200, 10], 'données.é': [960, 1], warm: [320, 2] };
    for (const s of act.subjects) {
      const [msgs, size] = sent[s.subject];
      assert.equal(s.msgs % 32, 0);
      assert.ok(Math.abs(s.msgs - msgs) <= msgs * 0.4, `${s.subject}: ${s.msgs} estimated for ${msgs}`);
      assert.equal(s.bytes, s.msgs * size);
    }
    for (const s of act.subjects) {
      assert.ok(Math.abs(s.msgs_per_sec - (s.msgs * 1000) / act.window_ms) < 1e-6);
      assert.ok(Math.abs(s.bytes_per_sec - (s.bytes * 1000) / act.window_ms) < 1e-6);
    }
    assert.deepEqual(act.slow_consumers, []);

    assert.equal(act.accounts_total, srv.server.accounts.size);
    assert.equal(act.accounts_active, 2);
    const rows = Object.fromEntries(act.accounts.map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(rows), ['A', 'B'], 'accounts with activity, most connections first');
    assert.deepEqual(rows.A, { name: 'A', connections: 3, subscriptions: 3, in_msgs: 3520, in_bytes: 32640, out_msgs: 3520, out_bytes: 32640, slow_consumers: 0 });
    assert.deepEqual(rows.B, { name: 'B', connections: 1, subscriptions: 0, in_msgs: 960, in_bytes: 960, out_msgs: 0, out_bytes: 0, slow_consumers: 0 });

    // limit, JSONP, errors as the other endpoints report them.
    assert.deepEqual((await getJson(`${srv.monitorUrl}/ui/api/activity?limit=1`)).subjects.map((s) => s.subject), ['hot']);
    assert.equal((await getJson(`${srv.monitorUrl}/ui/api/activity?limit=0`)).subjects.length, 3, 'limit=0 is the default');
    const jsonp = await get(`${srv.monitorUrl}/ui/api/activity?callback=cb`);
    assert.equal(jsonp.headers.get('content-type'), 'application/javascript');
    assert.match(jsonp.body, /^cb\(\{"server_id":/);
    const bad = await get(`${srv.monitorUrl}/ui/api/activity?limit=x`);
    assert.deepEqual([bad.status, bad.body], [400, `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`]);
    const plain = await get(`${srv.monitorUrl}/ui/api/activity`);
    assert.equal(plain.headers.get('content-type'), 'application/json');
    assert.equal(plain.headers.get('cache-control'), 'no-store');
    assert.ok(!plain.body.includes('\n'), 'compact JSON');
    assert.equal((await getJson(`${srv.monitorUrl}/varz`)).http_req_stats['/ui/api/activity'], 5, 'the bad request is not counted, as nats-server counts after decoding');

    // Once a connection leaves, its account keeps its traffic.
    pubB.close();
    await waitFor(() => srv.server.accounts.get('B').connections === 0);
    const after = await getJson(`${srv.monitorUrl}/ui/api/activity`);
    assert.equal(after.accounts_active, 1);
    assert.deepEqual(after.accounts.find((r) => r.name === 'B'), { name: 'B', connections: 0, subscriptions: 0, in_msgs: 960, in_bytes: 960, out_msgs: 0, out_bytes: 0, slow_consumers: 0 });
  } finally {
    clients.forEach((c) => c.close());
    await srv.close();
  }
});

test('a slow consumer cut off by max_pending is listed, newest first, with its account', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', max_pending: '64KB', max_payload: '16KB', accounts: ACCOUNTS });
  const slow = await raw(srv.port, 'b', 'laggard');
  const pub = await raw(srv.port, 'b', 'firehose');
  try {
    slow.send('SUB bulk 1\r\n');
    await slow.flush();
    slow.socket.pause();
    const chunk = pubs('bulk', 'x'.repeat(8000), 64);
    for (let i = 0; i < 200 && srv.server.slowConsumers === 0; i++) {
      pub.send(chunk);
      await pub.flush(10000);
    }
    await waitFor(() => srv.server.slowConsumers > 0, 5000);
    const act = await getJson(`${srv.monitorUrl}/ui/api/activity`);
    assert.equal(act.slow_consumers.length, 1);
    const [event] = act.slow_consumers;
    assert.equal(event.name, 'laggard');
    assert.equal(event.account, 'B');
    assert.equal(event.reason, 'Slow Consumer (Pending Bytes)');
    assert.ok(Number.isInteger(event.cid) && event.cid > 0);
    assert.ok(Math.abs(Date.parse(event.time) - Date.now()) < 30000);
    assert.equal(act.accounts.find((r) => r.name === 'B').slow_consumers, 1);

    // Newest first.
    srv.server.activity.slowConsumer({ cid: 99, name: '', account: 'A', reason: 'Slow Consumer (Write Deadline)', time: new Date().toISOString() });
    const again = await getJson(`${srv.monitorUrl}/ui/api/activity`);
    assert.deepEqual(again.slow_consumers.map((e) => e.cid), [99, event.cid]);
  } finally {
    slow.close();
    pub.close();
    await srv.close();
  }
});

test('under http_base_path the routes sit below the prefix and the page links back to the index there', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', http_base_path: '/mon/nats' });
  try {
    assert.match(srv.monitorUrl, /\/mon\/nats$/);
    const page = await get(`${srv.monitorUrl}/ui`);
    assert.equal(page.status, 200);
    // From /mon/nats/ui, "../nats" is /mon/nats, where the index is served.
    assert.match(page.body, /<a href="\.\.\/nats">All endpoints<\/a>/);
    assert.equal(new URL('../nats', `${srv.monitorUrl}/ui`).href, srv.monitorUrl);
    assert.equal((await getJson(`${srv.monitorUrl}/ui/api/activity`)).server_id, srv.server.serverId);
    const root = srv.monitorUrl.replace(/\/mon\/nats$/, '');
    assert.equal((await get(`${root}/ui`)).status, 404);
    assert.equal((await get(`${root}/ui/api/activity`)).status, 404);
  } finally {
    await srv.close();
  }
});

test('buildDashboardActivity works without HTTP; decodeBytes turns byte strings into text', async () => {
  const srv = await startDialtone();
  try {
    const act = buildDashboardActivity(srv.server, { limit: 500 });
    assert.deepEqual(act.subjects, []);
    assert.deepEqual(act.accounts, []);
    assert.equal(act.accounts_active, 0);
    assert.equal(act.server_subscriptions, SERVER_SUBSCRIPTIONS, 'the server\'s own, left out of the rows');
  } finally {
    await srv.close();
  }
  assert.equal(decodeBytes('plain.ascii'), 'plain.ascii');
  assert.equal(decodeBytes(Buffer.from('日本.語', 'utf8').toString('latin1')), '日本.語');
  assert.equal(decodeBytes('\xff'), '\ufffd', 'invalid UTF-8 shows as a replacement character');
});
