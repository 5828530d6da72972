// The monitoring endpoints side by side with Debian's nats-server 2.9.10 under the
// same scripted traffic: the same field names with the same JSON types on every
// endpoint, equal values where they are deterministic (counts, sort orders, pages,
// closed reasons), the same HTTP 400 texts, headers and request statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, hasNatsServer, startDialtone, startNatsServer, tempDir, waitFor, waitForPort } from '../support/servers.js';
import { get, getJson, runWorkload, shapeDiff } from './_helpers.js';

/** Starts both servers with monitoring and max_payload 512; `fn(dialtoneUrl, natsUrl, ports)`. */
async function withBoth(fn) {
  const dir = tempDir('dialtone-monitor-');
  const conf = path.join(dir, 'nats.conf');
  writeFileSync(conf, 'max_payload: 512\n');
  const mport = await freePort();
  const ns = await startNatsServer(['-c', conf, '-m', String(mport)]);
  const dt = await startDialtone({ http: '127.0.0.1:-1', max_payload: 512 });
  try {
    await waitForPort(mport);
    // startNatsServer's readiness probe left a closed connection there: make the same one here.
    await waitForPort(dt.port);
    await fn(dt.monitorUrl, `http://127.0.0.1:${mport}`, { dialtone: dt.port, nats: ns.port });
  } finally {
    await dt.close();
    await ns.stop();
  }
}

/** GETs `p` from both servers; resolves with [dialtone, nats] parsed JSON. */
async function both(d, n, p) {
  return Promise.all([getJson(`${d}${p}`), getJson(`${n}${p}`)]);
}

function assertSameShape(a, b, what, ignore = []) {
  const diff = shapeDiff(a, b, '', new Set(ignore));
  assert.deepEqual(diff, [], `${what}: field names or types differ from nats-server:\n${diff.join('\n')}`);
}

const byName = (conns) => Object.fromEntries(conns.map((c) => [c.name, c]));
const names = (conns) => conns.map((c) => c.name);

test('every endpoint has nats-server 2.9.10\'s field names and JSON types, and its counts after the same traffic', async (t) => {
  if (!hasNatsServer) return t.skip('nats-server not installed');
  await withBoth(async (d, n, ports) => {
    // nats-server's own $SYS and $G service subscriptions are there before any client: compare deltas.
    const [vd0, vn0] = await both(d, n, '/varz');
    const [sd0, sn0] = await both(d, n, '/subsz');
    const workloads = [await runWorkload(ports.dialtone), await runWorkload(ports.nats)];
    try {
      // nats-server records closed connections asynchronously.
      for (const base of [d, n]) await waitFor(async () => (await getJson(`${base}/connz?state=closed`)).total === 4);

      await t.test('/varz', async () => {
        const [vd, vn] = await both(d, n, '/varz');
        assertSameShape(vd, vn, '/varz', ['http_req_stats']);
        for (const k of ['connections', 'total_connections', 'in_msgs', 'out_msgs', 'in_bytes', 'out_bytes', 'slow_consumers', 'max_payload', 'max_connections', 'max_pending', 'max_control_line', 'ping_interval', 'ping_max', 'write_deadline', 'auth_timeout', 'tls_timeout', 'proto', 'version', 'host', 'http_host', 'https_port', 'http_base_path', 'system_account', 'cores', 'routes', 'remotes', 'leafnodes']) {
          assert.deepEqual(vd[k], vn[k], `varz ${k}`);
        }
        assert.equal(vd.connections, 3);
        assert.equal(vd.total_connections, 7);
        assert.equal(vd.in_msgs, 6);
        assert.equal(vd.out_msgs, 6);
        assert.equal(vd.subscriptions - vd0.subscriptions, vn.subscriptions - vn0.subscriptions, 'subscriptions added by the workload');
        assert.equal(vd.port, ports.dialtone);
        assert.equal(vn.port, ports.nats);
        for (const v of [vd, vn]) assert.ok(Date.parse(v.now) >= Date.parse(v.start) && Date.parse(v.config_load_time) > 0);
      });

      await t.test('/connz with subs=detail and auth', async () => {
        const [cd, cn] = await both(d, n, '/connz?subs=detail&auth=1');
        assertSameShape(cd, cn, '/connz');
        assert.equal(cd.num_connections, 3);
        assert.equal(cn.num_connections, 3);
        assert.deepEqual([cd.total, cd.offset, cd.limit], [cn.total, cn.offset, cn.limit]);
        const [a, b] = [byName(cd.connections), byName(cn.connections)];
        for (const name of ['alpha', 'beta', 'delta']) {
          for (const k of ['kind', 'type', 'ip', 'pending_bytes', 'in_msgs', 'out_msgs', 'in_bytes', 'out_bytes', 'subscriptions', 'name', 'lang', 'version', 'authorized_user', 'account']) {
            assert.deepEqual(a[name][k], b[name][k], `${name}.${k}`);
          }
          const subs = (c) => (c.subscriptions_list_detail ?? []).map(({ cid: _cid, ...s }) => s).sort((x, y) => x.sid.localeCompare(y.sid));
          assert.deepEqual(subs(a[name]), subs(b[name]), `${name} subscriptions`);
        }
        assert.equal(a.alpha.authorized_user, 'ua');
        assert.deepEqual(a.alpha.subscriptions_list_detail.find((s) => s.sid === '2'), { subject: 'bar.*', qgroup: 'q', sid: '2', msgs: 1, max: 5, cid: a.alpha.cid });
      });

      await t.test('/connz?subs=1 lists subjects', async () => {
        const [cd, cn] = await both(d, n, '/connz?subs=1');
        assertSameShape(cd, cn, '/connz?subs=1');
        assert.deepEqual(byName(cd.connections).alpha.subscriptions_list.sort(), ['bar.*', 'baz', 'foo']);
        assert.deepEqual(byName(cn.connections).alpha.subscriptions_list.sort(), ['bar.*', 'baz', 'foo']);
      });

      await t.test('/connz sort orders', async () => {
        const expected = {
          cid: ['alpha', 'beta', 'delta'],
          start: ['alpha', 'beta', 'delta'],
          subs: ['alpha', 'delta', 'beta'],
          msgs_to: ['alpha', 'delta', 'beta'],
          msgs_from: ['beta', 'delta', 'alpha'],
          bytes_to: ['alpha', 'delta', 'beta'],
          bytes_from: ['beta', 'delta', 'alpha'],
          uptime: ['delta', 'beta', 'alpha'],
        };
        for (const [sort, order] of Object.entries(expected)) {
          const [cd, cn] = await both(d, n, `/connz?sort=${sort}`);
          assert.deepEqual(names(cn.connections), order, `nats-server sort=${sort}`);
          assert.deepEqual(names(cd.connections), order, `dialtone sort=${sort}`);
        }
        for (const sort of ['pending', 'last', 'idle']) {
          const [cd, cn] = await both(d, n, `/connz?sort=${sort}`);
          assert.equal(cd.connections.length, cn.connections.length, sort);
        }
      });

      await t.test('/connz pagination and cid', async () => {
        let [cd, cn] = await both(d, n, '/connz?offset=1&limit=1');
        assert.deepEqual([names(cd.connections), cd.num_connections, cd.total, cd.offset, cd.limit], [names(cn.connections), cn.num_connections, cn.total, cn.offset, cn.limit]);
        assert.deepEqual(names(cd.connections), ['beta']);
        [cd, cn] = await both(d, n, '/connz?offset=2&limit=5&sort=msgs_from');
        assert.deepEqual(names(cd.connections), names(cn.connections));
        [cd, cn] = await both(d, n, '/connz?offset=10');
        assert.deepEqual([cd.connections, cd.num_connections, cd.total, cd.offset], [cn.connections, cn.num_connections, cn.total, cn.offset]);
        const betaD = byName((await getJson(`${d}/connz`)).connections).beta.cid;
        const betaN = byName((await getJson(`${n}/connz`)).connections).beta.cid;
        const [one, other] = await Promise.all([getJson(`${d}/connz?cid=${betaD}`), getJson(`${n}/connz?cid=${betaN}`)]);
        assert.deepEqual([names(one.connections), one.limit, one.total, one.num_connections], [names(other.connections), other.limit, other.total, other.num_connections]);
        assert.deepEqual(names(one.connections), ['beta']);
        const [none, none2] = await both(d, n, '/connz?cid=999999');
        assert.deepEqual([none.connections, none.limit, none.num_connections], [none2.connections, none2.limit, none2.num_connections]);
      });

      await t.test('/connz filters by user and account', async () => {
        let [cd, cn] = await both(d, n, '/connz?user=ua&auth=1');
        assert.deepEqual(names(cd.connections), names(cn.connections));
        assert.deepEqual(names(cd.connections), ['alpha']);
        assert.equal(cd.total, cn.total);
        [cd, cn] = await both(d, n, '/connz?acc=$G');
        assert.deepEqual([names(cd.connections), cd.total], [names(cn.connections), cn.total]);
        [cd, cn] = await both(d, n, '/connz?acc=nope');
        assert.deepEqual(cd, { ...cn, now: cd.now });
      });

      await t.test('/connz closed connections: reasons, subscriptions, sort by stop and reason', async () => {
        const [cd, cn] = await both(d, n, '/connz?state=closed&subs=1');
        assertSameShape(cd, cn, '/connz?state=closed');
        // The readiness probe (no name) closed as "Client Closed" or "Read Error" depending on timing: left out.
        const reasons = (c) => c.connections.filter((x) => x.name).map((x) => [x.name, x.reason]);
        assert.deepEqual(reasons(cd), reasons(cn));
        assert.deepEqual(reasons(cn), [
          ['gamma', 'Client Closed'],
          ['epsilon', 'Maximum Message Payload Exceeded'],
          ['zeta', 'Protocol Violation'],
        ]);
        assert.deepEqual(byName(cd.connections).gamma.subscriptions_list.sort(), ['yy', 'zz']);
        assert.deepEqual(byName(cn.connections).gamma.subscriptions_list.sort(), ['yy', 'zz']);
        for (const c of [...cd.connections, ...cn.connections]) assert.ok(Date.parse(c.stop) >= Date.parse(c.start), 'stop after start');
        for (const [q, order] of [
          ['sort=stop', ['zeta', 'epsilon', 'gamma']],
          ['sort=reason', ['gamma', 'epsilon', 'zeta']],
          ['sort=cid&offset=2&limit=1', ['epsilon']],
        ]) {
          const [x, y] = await both(d, n, `/connz?state=closed&${q}`);
          const named = (c) => names(c.connections).filter(Boolean);
          assert.deepEqual(named(y), order, `nats-server ${q}`);
          assert.deepEqual(named(x), order, `dialtone ${q}`);
        }
        const [dd, nd] = await both(d, n, '/connz?state=closed&subs=detail&auth=1');
        assertSameShape(dd, nd, '/connz?state=closed&subs=detail');
        const gd = byName(dd.connections).gamma.subscriptions_list_detail.map(({ cid: _c, ...s }) => s);
        const gn = byName(nd.connections).gamma.subscriptions_list_detail.map(({ cid: _c, ...s }) => s);
        assert.deepEqual(gd.sort((a, b) => a.sid.localeCompare(b.sid)), gn.sort((a, b) => a.sid.localeCompare(b.sid)));
        assert.equal(gd[0].account, '$G');
      });

      await t.test('/connz?state=any', async () => {
        for (const q of ['state=any', 'state=all&sort=cid&limit=4', 'state=ALL&offset=2&limit=3']) {
          const [cd, cn] = await both(d, n, `/connz?${q}`);
          assert.deepEqual([names(cd.connections), cd.total, cd.num_connections, cd.limit, cd.offset], [names(cn.connections), cn.total, cn.num_connections, cn.limit, cn.offset], q);
        }
      });

      await t.test('/subsz and /subscriptionsz', async () => {
        const [sd, sn] = await both(d, n, '/subsz');
        assertSameShape(sd, sn, '/subsz');
        for (const k of ['num_subscriptions', 'num_inserts', 'num_removes']) assert.equal(sd[k] - sd0[k], sn[k] - sn0[k], `subsz ${k} added by the workload`);
        const [ad, an] = await both(d, n, '/subscriptionsz');
        assertSameShape(ad, an, '/subscriptionsz');
        for (const [q, subjects] of [
          ['test=foo', ['foo']],
          ['test=bar.x', ['bar.*']],
          ['test=d.e.f', ['d.>']],
        ]) {
          const [x, y] = await both(d, n, `/subsz?subs=1&acc=$G&${q}`);
          assertSameShape(x, y, `/subsz?${q}`);
          assert.deepEqual(x.subscriptions_list.map((s) => s.subject), subjects, q);
          assert.deepEqual(y.subscriptions_list.map((s) => s.subject), subjects, q);
          assert.deepEqual([x.total, x.offset, x.limit], [y.total, y.offset, y.limit]);
          assert.deepEqual(x.subscriptions_list.map(({ cid: _c, ...s }) => s), y.subscriptions_list.map(({ cid: _c, ...s }) => s));
        }
        const [x, y] = await both(d, n, '/subsz?subs=1&acc=$G&test=nothing.here');
        assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort(), 'only statistics when nothing is listed');
        const [p, q] = await both(d, n, '/subsz?subs=1&acc=$G&test=foo&limit=1&offset=1');
        assert.deepEqual(Object.keys(p).sort(), Object.keys(q).sort(), 'a page past the end');
      });

      await t.test('/accountz and /accstatz', async () => {
        let [x, y] = await both(d, n, '/accountz');
        assertSameShape(x, y, '/accountz');
        assert.deepEqual(x.accounts.sort(), y.accounts.sort());
        assert.equal(x.system_account, y.system_account);
        [x, y] = await both(d, n, '/accountz?acc=$SYS');
        // nats-server's $SYS holds its own service exports and subscriptions.
        assertSameShape(x, y, '/accountz?acc=$SYS', ['account_detail.exports', 'account_detail.imports']);
        [x, y] = await both(d, n, '/accstatz');
        assertSameShape(x, y, '/accstatz');
        assert.deepEqual(x.account_statz, y.account_statz);
        assert.deepEqual(x.account_statz[0], { acc: '$G', conns: 3, leafnodes: 0, total_conns: 3, sent: { msgs: 6, bytes: 21 }, received: { msgs: 6, bytes: 21 }, slow_consumers: 0 });
        [x, y] = await both(d, n, '/accstatz?unused=1');
        assertSameShape(x, y, '/accstatz?unused=1');
        assert.deepEqual(x.account_statz.map((s) => s.acc).sort(), y.account_statz.map((s) => s.acc).sort());
      });

      await t.test('/routez, /gatewayz, /leafz, /jsz, /healthz', async () => {
        for (const p of ['/routez', '/routez?subs=1', '/gatewayz', '/gatewayz?accs=1', '/leafz', '/leafz?subs=1', '/jsz', '/jsz?accounts=1']) {
          const [x, y] = await both(d, n, p);
          assertSameShape(x, y, p);
          const { now: _a, server_id: _b, ...restX } = x;
          const { now: _c, server_id: _d, ...restY } = y;
          assert.deepEqual(restX, restY, p);
        }
        const [x, y] = await Promise.all([get(`${d}/healthz`), get(`${n}/healthz`)]);
        assert.deepEqual([x.status, x.body, x.headers.get('content-type')], [y.status, y.body, y.headers.get('content-type')]);
      });
    } finally {
      for (const w of workloads) w.close();
    }
  });
});

test('bad query parameters get nats-server\'s HTTP 400 texts', async (t) => {
  if (!hasNatsServer) return t.skip('nats-server not installed');
  await withBoth(async (d, n) => {
    const cases = [
      '/connz?sort=foo',
      '/connz?sort=stop',
      '/connz?sort=reason&state=any',
      '/connz?state=bad',
      '/connz?limit=x',
      '/connz?offset=-1x',
      '/connz?offset=99999999999999999999',
      '/connz?cid=-1',
      '/connz?cid=+1',
      '/connz?cid=%2B1',
      '/connz?auth=maybe',
      '/connz?subs=2',
      '/connz?auth=yes&limit=x',
      '/subsz?test=foo.*',
      '/subsz?test=foo..bar',
      '/subsz?subs=x',
      '/subsz?limit=1.5',
      '/accountz?acc=nope',
      '/accstatz?unused=x',
      '/leafz?subs=x',
      '/gatewayz?accs=x',
      '/routez?subs=x',
      '/healthz?js-enabled-only=x',
      '/jsz?accounts=x',
      '/jsz?leader-only=1',
      '/varzz',
      '/varz/',
      '/stacksz/x',
    ];
    for (const p of cases) {
      const [x, y] = await Promise.all([get(`${d}${p}`), get(`${n}${p}`)]);
      assert.deepEqual([x.status, x.body], [y.status, y.body], p);
      assert.equal(x.headers.get('content-type'), y.headers.get('content-type'), `${p} content type`);
    }
  });
});

test('responses carry nats-server\'s content types, JSONP callbacks and pretty-printing', async (t) => {
  if (!hasNatsServer) return t.skip('nats-server not installed');
  await withBoth(async (d, n) => {
    for (const p of ['/varz', '/connz', '/subsz', '/accountz', '/routez', '/healthz', '/leafz']) {
      const [x, y] = await Promise.all([get(`${d}${p}`), get(`${n}${p}`)]);
      assert.equal(x.headers.get('content-type'), y.headers.get('content-type'), p);
      assert.equal(x.headers.get('access-control-allow-origin'), '*');
      // Same indentation: identical lines once the values are masked.
      const mask = (body) => body.replace(/: .*?(,?)$/gm, ': X$1');
      // /varz field order and /accountz's account list (a Go map walk) are not fixed: compare the lines as sets.
      const lines = (body) => new Set(mask(body).split('\n').map((l) => l.replace(/,$/, '')));
      if (p === '/varz' || p === '/accountz') assert.deepEqual(lines(x.body), lines(y.body), p);
      else assert.equal(mask(x.body), mask(y.body), p);
      const [cx, cy] = await Promise.all([get(`${d}${p}?callback=cb`), get(`${n}${p}?callback=cb`)]);
      assert.equal(cx.headers.get('content-type'), 'application/javascript');
      assert.equal(cy.headers.get('content-type'), 'application/javascript');
      assert.match(cx.body, /^cb\([\s\S]*\)$/);
      assert.match(cy.body, /^cb\([\s\S]*\)$/);
    }
    const [x, y] = await Promise.all([get(`${d}/`), get(`${n}/`)]);
    assert.equal(x.status, y.status);
    assert.equal(x.headers.get('content-type'), y.headers.get('content-type'));
    for (const link of ['varz', 'connz', 'subsz', 'accountz', 'accstatz', 'routez', 'leafz', 'gatewayz', 'healthz', 'jsz']) {
      assert.ok(x.body.includes(`href=./${link}`), `index links ${link}`);
    }
  });
});

test('http_req_stats counts the same requests as nats-server', async (t) => {
  if (!hasNatsServer) return t.skip('nats-server not installed');
  await withBoth(async (d, n) => {
    const sequence = ['/', '/varz', '/connz', '/connz?sort=bad', '/connz?limit=x', '/subsz', '/subscriptionsz', '/subsz?subs=x', '/healthz', '/accountz', '/accountz?acc=x', '/accstatz', '/routez', '/routez?subs=x', '/gatewayz', '/leafz', '/jsz', '/nothing', '/varz'];
    for (const p of sequence) await Promise.all([get(`${d}${p}`), get(`${n}${p}`)]);
    const [x, y] = await both(d, n, '/varz');
    assert.deepEqual(x.http_req_stats, y.http_req_stats);
    assert.equal(x.http_req_stats['/varz'], 3);
  });
});

test('accounts: /accountz detail, /accstatz and /connz?auth=1 match nats-server for configured accounts', async (t) => {
  if (!hasNatsServer) return t.skip('nats-server not installed');
  const dir = tempDir('dialtone-monitor-acc-');
  const conf = path.join(dir, 'accounts.conf');
  writeFileSync(
    conf,
    `accounts {
  A: {
    users: [{user: a, password: pa}]
    exports: [
      {stream: "events.>"}
      {service: "svc.req", response: stream, accounts: [B]}
      {service: "lat.req", latency: {sampling: 50, subject: "lat.results"}}
    ]
    mappings: { "old.>": "new.>", "w": [{destination: "w1", weight: 40}, {destination: "w2", weight: 60}] }
  }
  B: {
    users: [{user: b, password: pb}]
    imports: [
      {stream: {account: A, subject: "events.>"}, prefix: "fromA"}
      {stream: {account: A, subject: "events.x"}}
      {service: {account: A, subject: "svc.req"}, to: "svc"}
      {service: {account: A, subject: "lat.req"}}
    ]
  }
}
`,
  );
  const mport = await freePort();
  const ns = await startNatsServer(['-c', conf, '-m', String(mport)]);
  const dt = await startDialtone({ configFile: conf, http: '127.0.0.1:-1' });
  const d = dt.monitorUrl;
  const n = `http://127.0.0.1:${mport}`;
  const open = [];
  try {
    await waitForPort(mport);
    for (const port of [dt.port, ns.port]) {
      const a = await rawConnectAs(port, { user: 'a', pass: 'pa', name: 'ca' });
      const b = await rawConnectAs(port, { user: 'b', pass: 'pb', name: 'cb' });
      a.send('SUB events.> 1\r\nSUB svc.req 2\r\n');
      await a.flush();
      b.send('SUB fromA.events.> 1\r\nPUB svc 2\r\nhi\r\n');
      await b.flush();
      a.send('PUB events.x 3\r\nabc\r\n');
      await a.flush();
      await b.expect('MSG fromA.events.x 1 3\r\nabc\r\n');
      open.push(a, b);
    }

    let [x, y] = await both(d, n, '/accountz');
    assert.deepEqual(x.accounts.sort(), y.accounts.sort());
    for (const acc of ['A', 'B']) {
      [x, y] = await both(d, n, `/accountz?acc=${acc}`);
      // nats-server also imports its own $SYS request services into every account.
      const own = (info) => {
        const imports = (info.imports ?? []).filter((i) => !i.subject.startsWith('$SYS.'));
        const { imports: _all, ...rest } = info;
        return imports.length > 0 ? { ...rest, imports } : rest;
      };
      const [dx, nx] = [own(x.account_detail), own(y.account_detail)];
      assertSameShape(dx, nx, `/accountz?acc=${acc}`);
      const sorted = (list) => [...(list ?? [])].sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
      assert.deepEqual(sorted(dx.exports), sorted(nx.exports), `${acc} exports`);
      assert.deepEqual(sorted(dx.imports), sorted(nx.imports), `${acc} imports`);
      assert.deepEqual(dx.mappings, nx.mappings, `${acc} mappings`);
      assert.deepEqual([dx.client_connections, dx.is_system, dx.expired, dx.complete], [nx.client_connections, nx.is_system, nx.expired, nx.complete]);
    }
    [x, y] = await both(d, n, '/accstatz');
    // nats-server counts `sent` in the account a message was routed in (the exporter's, across
    // imports); Dialtone counts what was delivered to the account's own clients. `received`
    // (published by the account's clients) and the connection counts agree.
    const stat = (s) => Object.fromEntries(s.account_statz.map(({ sent: _s, ...a }) => [a.acc, a]));
    assert.deepEqual(stat(x), stat(y));
    assert.deepEqual(Object.fromEntries(x.account_statz.map((a) => [a.acc, a.sent])), { A: { msgs: 2, bytes: 5 }, B: { msgs: 1, bytes: 3 } });

    [x, y] = await both(d, n, '/connz?auth=1&sort=cid');
    assertSameShape(x, y, '/connz?auth=1');
    const who = (c) => c.connections.map((k) => [k.name, k.authorized_user, k.account, k.issuer_key]);
    assert.deepEqual(who(x), who(y));
    assert.deepEqual(who(x), [
      ['ca', 'a', 'A', undefined],
      ['cb', 'b', 'B', undefined],
    ]);
    for (const q of ['acc=A', 'acc=B&auth=1', 'user=b&auth=1', 'acc=A&user=b']) {
      [x, y] = await both(d, n, `/connz?${q}`);
      assert.deepEqual([names(x.connections), x.total], [names(y.connections), y.total], q);
    }
    for (const c of open) c.close();
    for (const base of [d, n]) await waitFor(async () => (await getJson(`${base}/connz?state=closed`)).connections.filter((c) => c.name).length === 2);
    for (const q of ['state=closed&acc=A&auth=1', 'state=closed&user=a&auth=1', 'state=any&acc=B&auth=1']) {
      [x, y] = await both(d, n, `/connz?${q}`);
      const named = (c) => c.connections.filter((k) => k.name).map((k) => [k.name, k.authorized_user, k.account, k.reason]);
      assert.deepEqual(named(x), named(y), q);
    }
  } finally {
    for (const c of open) c.close();
    await dt.close();
    await ns.stop();
  }
});

async function rawConnectAs(port, opts) {
  const { rawConnect } = await import('../support/raw.js');
  const c = await rawConnect(port, { verbose: false, pedantic: false, ...opts });
  await c.flush();
  return c;
}
