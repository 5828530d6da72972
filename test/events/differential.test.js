// The system account side by side with Debian's nats-server 2.9.10, from the same
// config and the same client actions through the official client: every event and
// every $SYS reply has nats-server's field names and JSON types, and equal values where
// they are deterministic (accounts, counts, reasons, error texts, which requests get
// no reply).
import assert from 'node:assert/strict';
import { diff } from '../auth/_helpers.js';
import { waitFor } from '../support/servers.js';
import { ACCOUNT_SENTINEL, assertSameShape, exchange, login, record, startBothEvents } from './_helpers.js';

/** Runs `fn(server, url)` against Dialtone and nats-server (same config); resolves with [dialtone, nats-server] results. */
async function onBoth(fn) {
  const both = await startBothEvents();
  try {
    return [await fn(both.dial, both.dial.url), await fn(both.ref, both.ref.url)];
  } finally {
    await both.close();
  }
}

/** Per request: [user, subject, body, headers]; `<id>` stands for the server's id. */
const REQUESTS = [
  ['sys', '$SYS.REQ.SERVER.PING'],
  ['sys', '$SYS.REQ.SERVER.PING.STATSZ'],
  ...['VARZ', 'CONNZ', 'SUBSZ', 'ROUTEZ', 'GATEWAYZ', 'LEAFZ', 'ACCOUNTZ', 'JSZ', 'HEALTHZ'].flatMap((x) => [
    ['sys', `$SYS.REQ.SERVER.PING.${x}`],
    ['sys', `$SYS.REQ.SERVER.<id>.${x}`],
  ]),
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"subscriptions_detail":true,"sort":"cid","auth":true}'],
  ['sys', '$SYS.REQ.SERVER.PING.SUBSZ', '{"subscriptions":true,"test":"work.x","account":"A"}'],
  ['sys', '$SYS.REQ.SERVER.PING.ACCOUNTZ', '{"account":"A"}'],
  ['sys', '$SYS.REQ.SERVER.PING.JSZ', '{"accounts":true}'],
  ...['SUBSZ', 'CONNZ', 'LEAFZ', 'JSZ', 'INFO', 'STATZ', 'CONNS'].map((x) => ['sys', `$SYS.REQ.ACCOUNT.A.${x}`]),
  ['sys', '$SYS.REQ.ACCOUNT.B.STATZ'],
  ['sys', '$SYS.REQ.ACCOUNT.B.STATZ', '{"include_unused":true}'],
  ['sys', '$SYS.REQ.ACCOUNT.B.CONNS'],
  ['sys', '$SYS.REQ.ACCOUNT.NOPE.INFO'],
  ['sys', '$SYS.REQ.ACCOUNT.NOPE.CONNZ'],
  ['sys', '$SYS.REQ.ACCOUNT.PING.STATZ'],
  ['sys', '$SYS.REQ.ACCOUNT.PING.STATZ', '{"accounts":["B"],"include_unused":true}'],
  ['sys', '$SYS.REQ.ACCOUNT.PING.CONNZ'],
  ['sys', '$SYS.DEBUG.SUBSCRIBERS', 'work.x'],
  // Filters.
  ['sys', '$SYS.REQ.SERVER.PING.VARZ', '{"server_name":"ev"}'],
  ['sys', '$SYS.REQ.SERVER.PING.VARZ', '{"server_name":"other"}'],
  ['sys', '$SYS.REQ.SERVER.PING', '{"host":"10.1.1.1"}'],
  ['sys', '$SYS.REQ.SERVER.PING.HEALTHZ', '{"cluster":"c"}'],
  // Bad bodies and failing services.
  ['sys', '$SYS.REQ.SERVER.PING', '{bad'],
  ['sys', '$SYS.REQ.SERVER.PING.VARZ', 'not json'],
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"sort":5}'],
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"sort":"bogus"}'],
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"limit":"10"}'],
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"cid":-1}'],
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"cid":-0}'],
  ['sys', '$SYS.REQ.SERVER.PING.CONNZ', '{"state":1.5}'],
  ['sys', '$SYS.REQ.SERVER.PING.SUBSZ', '[]'],
  ['sys', '$SYS.REQ.SERVER.PING.SUBSZ', '{"offset":1e2}'],
  ['sys', '$SYS.REQ.SERVER.PING.ACCOUNTZ', '{"account":7}'],
  ['sys', '$SYS.REQ.SERVER.PING.HEALTHZ', '{"js-enabled-only":"x"}'],
  ['sys', '$SYS.REQ.SERVER.PING.HEALTHZ', '{"tags":"x"}'],
  ['sys', '$SYS.REQ.SERVER.PING.STATSZ', '{"server_name":5}'],
  ['sys', '$SYS.REQ.ACCOUNT.A.CONNZ', '{"acc":'],
  ['sys', '$SYS.REQ.ACCOUNT.A.STATZ', '{"accounts":[1]}'],
  ['sys', '$SYS.REQ.ACCOUNT.A.INFO', 'tru'],
  ['sys', '$SYS.REQ.ACCOUNT.PING.STATZ', '"x"'],
  ['sys', '$SYS.REQ.ACCOUNT.A.CONNS', '{bad'],
  // Compressed replies: the header says which.
  ['sys', '$SYS.REQ.SERVER.PING.HEALTHZ', '', { 'Accept-Encoding': 'br' }],
  // The usage service, from inside account A.
  ['a', '$SYS.REQ.ACCOUNT.PING.STATZ'],
  ['a', '$SYS.REQ.ACCOUNT.PING.STATZ', '{"accounts":["B","SYS"],"include_unused":true}'],
  ['a', '$SYS.REQ.ACCOUNT.PING.CONNZ'],
  ['a', '$SYS.REQ.ACCOUNT.PING.CONNZ', '{"acc":"B","subscriptions":true}'],
  ['a', '$SYS.REQ.SERVER.PING.CONNZ'],
  ['a', '$SYS.REQ.ACCOUNT.PING.CONNZ', '{bad'],
  ['a', '$SYS.REQ.SERVER.PING.VARZ'],
  ['a', '$SYS.REQ.ACCOUNT.B.CONNZ'],
];

/** Values that must be equal on both servers, picked from a reply. */
/** Imports by subject: nats-server lists them in map order. */
const bySubject = (list) => list?.slice().sort((x, y) => (x.subject < y.subject ? -1 : 1));

function deterministic(reply) {
  if (reply === null || typeof reply !== 'object') return reply;
  const { server, data, error, statsz, ...rest } = reply;
  const picked = { error, keys: Object.keys(reply) };
  if (statsz) picked.statsz = { connections: statsz.connections, active_accounts: statsz.active_accounts, subscriptions: statsz.subscriptions, slow_consumers: statsz.slow_consumers, active_servers: statsz.active_servers };
  if (rest.acc) picked.conns = [rest.acc, rest.conns, rest.total_conns];
  if (data) {
    if (data.account_statz) picked.statz = data.account_statz.map((s) => [s.acc, s.conns, s.total_conns, s.leafnodes, s.slow_consumers]).sort();
    if ('num_connections' in data) picked.connz = [data.num_connections, data.total, (data.connections ?? []).map((c) => [c.name, c.subscriptions, c.subscriptions_list?.map((x) => x.replace(/^_INBOX\.\w+/, '_INBOX')).sort(), c.authorized_user, c.account])];
    if ('num_subscriptions' in data) picked.subsz = [data.num_subscriptions, data.total, data.subscriptions_list?.map((s) => [s.account, s.subject]).sort()];
    if (data.account_name) picked.info = [data.account_name, data.client_connections, data.subscriptions, bySubject(data.imports), data.exports];
    if (data.account_detail) picked.detail = [data.account_detail.account_name, bySubject(data.account_detail.imports)];
    // nats-server lists accounts in map order.
    if (Array.isArray(data.accounts)) picked.accounts = data.accounts.slice().sort();
    if (data.status) picked.status = data;
  }
  return picked;
}

diff('every $SYS request gets nats-server\'s reply: the same fields and JSON types, the same errors, no reply where it gives none', async () => {
  const [dt, ns] = await onBoth(async (_srv, url) => {
    const sys = await login(url, 'sys');
    const a = await login(url, 'a');
    const b = await login(url, 'b');
    try {
      a.subscribe('work.*');
      a.subscribe('work.x', { queue: 'q' });
      await a.flush();
      b.publish('work.x', 'ignored in B');
      await b.flush();
      const id = sys.info.server_id;
      const out = [];
      for (const [user, subject, body = '', headers] of REQUESTS) {
        const nc = user === 'sys' ? sys : a;
        const replies = await exchange(nc, subject.replace('<id>', id), body, { headers, until: user === 'sys' ? undefined : ACCOUNT_SENTINEL });
        out.push(
          replies.map((m) => ({
            encoding: m.headers?.get('Content-Encoding') ?? null,
            body: m.string().startsWith('{') ? m.json() : m.string(),
          })),
        );
      }
      return out;
    } finally {
      await Promise.all([sys.close(), a.close(), b.close()]);
    }
  });
  REQUESTS.forEach(([user, subject, body = ''], i) => {
    const what = `${user}: ${subject} ${body}`;
    assert.equal(dt[i].length, ns[i].length, `${what}: number of replies`);
    if (dt[i].length === 0) return;
    const [d] = dt[i];
    const [n] = ns[i];
    assert.equal(d.encoding, n.encoding, `${what}: Content-Encoding`);
    assertSameShape(d.body, n.body, what);
    assert.deepEqual(deterministic(d.body), deterministic(n.body), `${what}: values`);
  });
});

/** The events a system account user sees while a client of A connects, publishes and leaves, a login fails, and the server stops. */
async function watchEvents(srv, url) {
  const sys = await login(url, 'sys');
  const rec = record(sys, '$SYS.>');
  await sys.flush();
  const a = await login(url, 'a', { name: 'watched' });
  a.subscribe('work.>');
  a.publish('work.1', 'hello');
  await a.flush();
  await a.close();
  // nats-server handles a close apart from the next connection: one step at a time.
  const id = sys.info.server_id;
  await waitFor(() => rec.subjects().includes('$SYS.ACCOUNT.A.DISCONNECT'), 3000);
  await login(url, 'a', { pass: 'wrong', name: 'intruder' }).catch(() => {});
  await waitFor(() => rec.subjects().includes(`$SYS.SERVER.${id}.CLIENT.AUTH.ERR`), 3000);
  const g = await login(url, 'g');
  await g.close();
  // The next heartbeat, then the shutdown notice.
  await waitFor(() => rec.subjects().includes(`$SYS.SERVER.${id}.STATSZ`), 3000);
  await srv.close();
  await sys.closed();
  await waitFor(() => rec.subjects().includes(`$SYS.SERVER.${id}.SHUTDOWN`), 3000);
  return rec.events.map(([subject, event]) => [subject.replace(id, '<id>'), event]);
}

diff('events: connect, disconnect, account connections, auth errors, STATSZ and SHUTDOWN as nats-server sends them', async () => {
  const [dt, ns] = await onBoth(watchEvents);
  // Heartbeats come at times of their own: compare them apart.
  const beats = (events) => events.filter(([s]) => s === '$SYS.SERVER.<id>.STATSZ');
  const others = (events) => events.filter(([s]) => s !== '$SYS.SERVER.<id>.STATSZ');
  assert.deepEqual(
    others(dt).map(([s]) => s),
    others(ns).map(([s]) => s),
    'the same events in the same order',
  );
  assertSameShape(beats(dt)[0][1], beats(ns)[0][1], 'STATSZ');
  others(dt).forEach(([subject, d], i) => {
    const [, n] = others(ns)[i];
    assertSameShape(d, n, subject);
    if (d.type) assert.equal(d.type, n.type, subject);
    for (const k of ['acc', 'conns', 'leafnodes', 'total_conns', 'sent', 'received', 'slow_consumers', 'reason']) assert.deepEqual(d[k], n[k], `${subject} ${k}`);
    if (d.client) {
      const pick = ({ acc, user, name, lang, ver, kind, client_type, host }) => ({ acc, user, name, lang, ver, kind, client_type, host });
      assert.deepEqual(pick(d.client), pick(n.client), `${subject} client`);
    }
  });
});
