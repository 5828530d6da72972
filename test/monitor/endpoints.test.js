// The monitoring listener embedded: startServer's monitorUrl, every endpoint's
// answer, http_base_path, HTTPS, listener errors, custom routes, /metrics, and no
// handles left open after close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { monitor, startServer } from '../../dist/index.js';
import { makeCertificates } from '../support/certs.js';
import { runScript, startDialtone } from '../support/servers.js';
import { SERVER_SUBSCRIPTIONS, client, get, getJson } from './_helpers.js';

test('startServer({http: "127.0.0.1:-1"}) serves monitoring on a free port and returns monitorUrl', async () => {
  const srv = await startServer({ port: 0, http: '127.0.0.1:-1' });
  try {
    assert.ok(srv.monitorPort > 0);
    assert.equal(srv.monitorUrl, `http://127.0.0.1:${srv.monitorPort}`);
    assert.equal(srv.server.monitorPort, srv.monitorPort);
    const varz = await getJson(`${srv.monitorUrl}/varz`);
    assert.equal(varz.server_id, srv.server.serverId);
    assert.equal(varz.port, srv.port);
    assert.equal(varz.http_port, -1);
    assert.equal(varz.http_host, '127.0.0.1');
  } finally {
    await srv.close();
  }
  const plain = await startServer({ port: 0 });
  try {
    assert.equal(plain.monitorPort, 0);
    assert.equal(plain.monitorUrl, '');
    assert.equal(plain.server.monitor, null);
  } finally {
    await plain.close();
  }
});

test('http_port, monitor_port and a bare http port select the monitoring port; the host defaults to the client host', async () => {
  for (const key of ['http_port', 'monitor_port', 'http']) {
    const srv = await startServer({ port: 0, [key]: -1 });
    try {
      assert.ok(srv.monitorPort > 0, key);
      assert.equal((await get(`${srv.monitorUrl}/healthz`)).body, '{"status":"ok"}');
      assert.equal((await getJson(`${srv.monitorUrl}/varz`)).http_host, '127.0.0.1');
    } finally {
      await srv.close();
    }
  }
});

test('/varz has the counters, the settings as Go types and the runtime fields', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', server_name: 'mon-a', ping_interval: '30s', write_deadline: '2.5s', max_subscriptions: 7 });
  const c = await client(srv.port, { name: 'v' });
  try {
    c.send('SUB a 1\r\nPUB a 2\r\nhi\r\n');
    await c.expect('MSG a 1 2\r\nhi\r\n');
    const v = await getJson(`${srv.monitorUrl}/varz`);
    assert.equal(v.server_name, 'mon-a');
    assert.equal(v.version, '2.9.10');
    assert.equal(v.ping_interval, 30e9);
    assert.equal(v.write_deadline, 2.5e9);
    assert.equal(v.max_subscriptions, 7);
    assert.equal(v.connections, 1);
    assert.equal(v.total_connections, 1);
    assert.deepEqual([v.in_msgs, v.out_msgs, v.in_bytes, v.out_bytes], [1, 1, 2, 2]);
    assert.equal(v.subscriptions, 1 + SERVER_SUBSCRIPTIONS);
    assert.ok(Number.isInteger(v.mem) && v.mem > 0);
    assert.equal(typeof v.cpu, 'number');
    assert.ok(v.cores >= 1);
    assert.match(v.uptime, /^(\d+[ydhm])*\d+s$/);
    assert.match(v.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(v.config_load_time, v.start);
    assert.deepEqual(v.http_req_stats, { '/varz': 1 });
    assert.equal(v.system_account, '$SYS');
  } finally {
    c.close();
    await srv.close();
  }
});

test('config_load_time moves on reload; monitoring settings cannot change on reload', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  try {
    const before = (await getJson(`${srv.monitorUrl}/varz`)).config_load_time;
    await new Promise((r) => setTimeout(r, 20));
    await srv.server.reload({ ...srv.server.options, maxPayload: 2048 });
    const after = await getJson(`${srv.monitorUrl}/varz`);
    assert.ok(Date.parse(after.config_load_time) > Date.parse(before));
    assert.equal(after.max_payload, 2048);
    await assert.rejects(srv.server.reload({ ...srv.server.options, httpPort: 1234 }), /config reload not supported for HTTPPort: old=-1, new=1234/);
    await assert.rejects(srv.server.reload({ ...srv.server.options, httpBasePath: '/x' }), /config reload not supported for HTTPBasePath/);
  } finally {
    await srv.close();
  }
});

test('http_base_path prefixes every endpoint and the index links stay relative', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', http_base_path: 'nats/' });
  try {
    const base = `http://127.0.0.1:${srv.monitorPort}`;
    assert.equal(srv.monitorUrl, `${base}/nats`);
    assert.equal((await get(`${base}/nats/varz`)).status, 200);
    assert.equal((await getJson(`${base}/nats/varz`)).http_base_path, 'nats/');
    assert.equal((await get(`${base}/nats/connz`)).status, 200);
    assert.equal((await get(`${base}/nats/subscriptionsz`)).status, 200);
    const index = await get(`${base}/nats`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.match(index.body, /href=\.\/connz/);
    for (const p of ['/varz', '/', '/nats/', '/nats/nope', '/natsvarz']) {
      const r = await get(`${base}${p}`);
      assert.deepEqual([r.status, r.body], [404, '404 page not found\n'], p);
    }
    const stats = (await getJson(`${base}/nats/varz`)).http_req_stats;
    assert.deepEqual(stats, { '/': 1, '/connz': 1, '/subsz': 1, '/varz': 3 });
  } finally {
    await srv.close();
  }
});

test('paths are cleaned with a redirect, as Go\'s ServeMux does', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  try {
    const r = await fetch(`${srv.monitorUrl}//varz?x=1`, { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/varz?x=1');
  } finally {
    await srv.close();
  }
});

test('every endpoint answers with JSON (JSONP with ?callback=) and Access-Control-Allow-Origin: *', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  try {
    for (const p of ['/varz', '/connz', '/routez', '/gatewayz', '/leafz', '/subsz', '/subscriptionsz', '/accountz', '/accountz?acc=$G', '/accstatz', '/jsz', '/healthz']) {
      const r = await get(`${srv.monitorUrl}${p}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('content-type'), 'application/json', p);
      assert.equal(r.headers.get('access-control-allow-origin'), '*', p);
      JSON.parse(r.body);
      const sep = p.includes('?') ? '&' : '?';
      const j = await get(`${srv.monitorUrl}${p}${sep}callback=fn`);
      assert.equal(j.headers.get('content-type'), 'application/javascript', p);
      assert.ok(j.body.startsWith('fn(') && j.body.endsWith(')'), p);
      JSON.parse(j.body.slice(3, -1));
    }
    const { now: _now, ...routez } = await getJson(`${srv.monitorUrl}/routez`);
    assert.deepEqual(routez, { server_id: srv.server.serverId, num_routes: 0, routes: [] });
    assert.equal((await getJson(`${srv.monitorUrl}/leafz`)).leafs, null);
    const detail = (await getJson(`${srv.monitorUrl}/accountz?acc=$SYS`)).account_detail;
    assert.equal(detail.is_system, true);
    assert.equal(detail.account_name, '$SYS');
  } finally {
    await srv.close();
  }
});

test('JSON escapes <, > and & as Go does', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  const c = await client(srv.port);
  try {
    c.send('SUB a.> 1\r\n');
    await c.flush();
    const r = await get(`${srv.monitorUrl}/subsz?subs=1`);
    assert.ok(r.body.includes('"subject": "a.\\u003e"'), r.body);
    assert.ok(JSON.parse(r.body).subscriptions_list.some((s) => s.subject === 'a.>'));
  } finally {
    c.close();
    await srv.close();
  }
});

test('/healthz reports an error with 503 once the client listener is closed (lame duck mode)', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1', lame_duck_duration: '5s', lame_duck_grace_period: '4s' });
  const c = await client(srv.port);
  try {
    assert.equal((await get(`${srv.monitorUrl}/healthz`)).status, 200);
    void srv.server.enterLameDuckMode();
    const r = await get(`${srv.monitorUrl}/healthz`);
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { status: 'error', error: 'failed to be ready for connections after 1ms: server' });
  } finally {
    c.close();
    await srv.close();
  }
});

test('/metrics serves the main counters in the Prometheus text format', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  const c = await client(srv.port);
  try {
    c.send('SUB m 1\r\nPUB m 3\r\nabc\r\n');
    await c.expect('MSG m 1 3\r\nabc\r\n');
    const r = await get(`${srv.monitorUrl}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const id = srv.server.serverId;
    for (const name of monitor.METRIC_NAMES) {
      assert.match(r.body, new RegExp(`^# HELP ${name} \\S.*\\n# TYPE ${name} (counter|gauge)$`, 'm'), name);
    }
    const value = (name, extra = '') => Number(new RegExp(`^${name}\\{server_id="${id}"${extra}\\} (\\S+)$`, 'm').exec(r.body)?.[1]);
    assert.equal(value('gnatsd_varz_connections'), 1);
    assert.equal(value('gnatsd_varz_total_connections'), 1);
    assert.equal(value('gnatsd_varz_subscriptions'), 1 + SERVER_SUBSCRIPTIONS);
    assert.equal(value('gnatsd_varz_in_msgs'), 1);
    assert.equal(value('gnatsd_varz_out_bytes'), 3);
    assert.equal(value('gnatsd_varz_slow_consumers'), 0);
    assert.ok(value('gnatsd_varz_mem') > 0);
    assert.ok(value('gnatsd_varz_uptime_seconds') >= 0);
    assert.equal(value('gnatsd_accstatz_received_msgs', ',account="\\$G"'), 1);
    // Every sample line is `name{labels} number`.
    for (const line of r.body.split('\n').filter((l) => l && !l.startsWith('#'))) assert.match(line, /^[a-z_]+\{[^}]*\} -?[0-9.e+-]+$/, line);
    assert.equal((await getJson(`${srv.monitorUrl}/varz`)).http_req_stats['/metrics'], 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('the router is extensible: routes can be added and the index replaced', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  try {
    const m = srv.server.monitor;
    m.route('/custom', (req) => monitor.jsonResponse(req, { hello: req.query.get('who') ?? 'world' }));
    m.route('/', () => ({ contentType: 'text/html; charset=utf-8', body: '<p>dash</p>' }));
    assert.deepEqual(await getJson(`${srv.monitorUrl}/custom?who=you`), { hello: 'you' });
    assert.equal((await get(`${srv.monitorUrl}/`)).body, '<p>dash</p>');
    assert.ok(m.paths().includes('/varz'));
  } finally {
    await srv.close();
  }
});

test('the builders are pure functions of the server, usable without HTTP', async () => {
  const srv = await startDialtone();
  const c = await client(srv.port, { name: 'pure' });
  try {
    const connz = monitor.buildConnz(srv.server, { subscriptionsDetail: true });
    assert.equal(connz.connections[0].name, 'pure');
    assert.throws(() => monitor.buildConnz(srv.server, { sort: 'nope' }), (e) => e instanceof monitor.MonitorError && e.message === 'invalid sorting option: nope');
    assert.equal(monitor.buildVarz(srv.server).connections, 1);
    assert.equal(monitor.buildSubsz(srv.server).num_subscriptions, SERVER_SUBSCRIPTIONS);
    assert.deepEqual(monitor.buildHealthz(srv.server), { status: 'ok' });
    assert.ok(monitor.buildAccountz(srv.server).accounts.includes('$G'));
  } finally {
    c.close();
    await srv.close();
  }
});

test('HTTPS monitoring uses the server\'s certificate and does not ask for a client one', async () => {
  const certs = makeCertificates();
  const logs = [];
  const logger = { debugEnabled: false, traceEnabled: false, info: (m) => logs.push(m), warn() {}, error() {}, fatal() {}, debug() {}, trace() {} };
  const srv = await startServer({ port: 0, https: '127.0.0.1:-1', tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify: true }, logger });
  try {
    assert.match(srv.monitorUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(logs.includes(`Starting https monitor on 127.0.0.1:${srv.monitorPort}`), logs.join('\n'));
    const body = await new Promise((resolve, reject) => {
      https
        .get(`${srv.monitorUrl}/varz`, { ca: readFileSync(certs.ca), agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    const v = JSON.parse(body);
    assert.equal(v.https_port, -1);
    assert.equal(v.tls_verify, true);
    assert.equal(v.tls_required, true);
  } finally {
    await srv.close();
  }
});

test('monitoring listener errors read as nats-server\'s and leave nothing open', async () => {
  const busy = net.createServer();
  await new Promise((r) => busy.listen(0, '127.0.0.1', r));
  const port = busy.address().port;
  try {
    await assert.rejects(startServer({ port: 0, http: `127.0.0.1:${port}` }), { message: `Can't start monitoring: can't listen to the monitor port: listen tcp 127.0.0.1:${port}: bind: address already in use` });
  } finally {
    busy.close();
  }
  await assert.rejects(startServer({ port: 0, http_port: -1, https_port: -1 }), { message: "Can't start monitoring: can't specify both HTTP (-1) and HTTPs (-1) ports" });
  await assert.rejects(startServer({ port: 0, https_port: -1 }), { message: "Can't start monitoring: TLS cert and key required for HTTPS" });
});

test('after close() no handle is left open, even with keep-alive HTTP connections and a request in flight', async () => {
  const distIndex = JSON.stringify(new URL('../../dist/index.js', import.meta.url).href);
  const r = await runScript(`
    import http from 'node:http';
    import net from 'node:net';
    import { startServer } from ${distIndex};
    const srv = await startServer({ port: 0, http: '127.0.0.1:-1' });
    const agent = new http.Agent({ keepAlive: true });
    const get = (p) => new Promise((resolve, reject) => http.get(srv.monitorUrl + p, { agent }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); }).on('error', reject));
    await get('/varz');
    await get('/connz');
    // A raw socket holding a half-sent request.
    const raw = net.connect(srv.monitorPort, '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    raw.write('GET /varz HTTP/1.1\\r\\nHost: x\\r\\n');
    raw.on('error', () => {});
    await srv.close();
    console.log('closed');
  `, 20000);
  assert.equal(r.timedOut, false, `the process did not exit on its own; output: ${r.out}`);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /closed/);
});

test('connz pages through many connections', async () => {
  const srv = await startDialtone({ http: '127.0.0.1:-1' });
  const clients = [];
  try {
    for (let i = 0; i < 60; i++) clients.push(await client(srv.port, { name: `n${i}` }));
    // Connection i holds i % 7 subscriptions.
    for (let i = 0; i < 60; i++) clients[i].send(Array.from({ length: i % 7 }, (_, k) => `SUB s.${k} ${k}\r\n`).join(''));
    await Promise.all(clients.map((c) => c.flush()));
    const all = [];
    for (let offset = 0; offset < 60; offset += 25) {
      const page = await getJson(`${srv.monitorUrl}/connz?limit=25&offset=${offset}`);
      assert.equal(page.total, 60);
      assert.equal(page.num_connections, Math.min(25, 60 - offset));
      all.push(...page.connections.map((c) => c.name));
    }
    assert.deepEqual(all, Array.from({ length: 60 }, (_, i) => `n${i}`));
    const bySubs = (await getJson(`${srv.monitorUrl}/connz?sort=subs&limit=60`)).connections.map((c) => c.subscriptions);
    assert.deepEqual(bySubs, [...bySubs].sort((a, b) => b - a));
    assert.equal(bySubs[0], 6);
  } finally {
    for (const c of clients) c.close();
    await srv.close();
  }
});
