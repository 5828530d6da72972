// Service latency tracking: a sampled request through a service import yields an
// io.nats.server.metric.v1.service_latency event on the export's latency subject in the
// exporting account — from where a stream export brings it to the system account like
// the server's own events. Compared with nats-server's event from the same config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diff, startBoth, writeConf } from '../auth/_helpers.js';
import { startDialtone, waitFor } from '../support/servers.js';
import { assertSameShape, login } from './_helpers.js';

const CONF = [
  'accounts {',
  '  A {',
  '    users: [{user: a, password: a}]',
  '    exports: [',
  '      {service: "svc.plain", latency: {sampling: 100, subject: "lat.plain"}}',
  '      {service: "svc.shared", latency: {sampling: "100%", subject: "lat.shared"}}',
  '      {stream: "lat.>"}',
  '    ]',
  '  }',
  '  B {',
  '    users: [{user: b, password: b}]',
  '    imports: [',
  '      {service: {account: A, subject: "svc.plain"}}',
  '      {service: {account: A, subject: "svc.shared"}, share: true}',
  '    ]',
  '  }',
  '  SYS { users: [{user: sys, password: sys}], imports: [{stream: {account: A, subject: "lat.>"}}] }',
  '}',
  'system_account: SYS',
];

/** Requests both services from B once; resolves with the latency events the system account user saw, by subject. */
async function measure(url) {
  const sys = await login(url, 'sys');
  const a = await login(url, 'a', { name: 'responder' });
  const b = await login(url, 'b', { name: 'requestor' });
  try {
    const events = {};
    sys.subscribe('lat.>', { callback: (err, m) => err || (events[m.subject] = m.json()) });
    a.subscribe('svc.>', { callback: (err, m) => err || m.respond('done') });
    await Promise.all([sys.flush(), a.flush()]);
    for (const subject of ['svc.plain', 'svc.shared']) assert.equal((await b.request(subject, 'q', { timeout: 2000 })).string(), 'done');
    await waitFor(() => Object.keys(events).length === 2, 3000);
    return events;
  } finally {
    await Promise.all([sys.close(), a.close(), b.close()]);
  }
}

test('a sampled request\'s latency reaches the system account through a stream import', async () => {
  const srv = await startDialtone({ configFile: writeConf(CONF) });
  try {
    const { 'lat.plain': plain, 'lat.shared': shared } = await measure(srv.url);
    assert.deepEqual(Object.keys(plain), ['type', 'id', 'timestamp', 'status', 'requestor', 'responder', 'start', 'service', 'system', 'total']);
    assert.equal(plain.type, 'io.nats.server.metric.v1.service_latency');
    assert.match(plain.id, /^[0-9A-Za-z]{22}$/);
    assert.equal(plain.status, 200);
    // Without `share` only the requestor's account and round trip are told.
    assert.deepEqual(Object.keys(plain.requestor), ['acc', 'rtt']);
    assert.equal(plain.requestor.acc, 'B');
    assert.deepEqual([shared.requestor.acc, shared.requestor.name, shared.requestor.user, shared.requestor.kind], ['B', 'requestor', 'b', 'Client']);
    assert.deepEqual([plain.responder.acc, plain.responder.name], ['A', 'responder']);
    for (const e of [plain, shared]) {
      for (const k of ['service', 'system', 'total']) assert.ok(Number.isInteger(e[k]) && e[k] >= 0, `${k}: integer nanoseconds`);
      assert.ok(e.total >= e.service);
      assert.ok(Date.parse(e.start) <= Date.parse(e.timestamp));
    }
  } finally {
    await srv.close();
  }
});

diff('the latency event has nats-server\'s fields and JSON types', async () => {
  const both = await startBoth(CONF);
  try {
    const dt = await measure(both.dial.url);
    const ns = await measure(both.ref.url);
    for (const subject of ['lat.plain', 'lat.shared']) {
      assertSameShape(dt[subject], ns[subject], subject);
      assert.deepEqual([dt[subject].status, dt[subject].requestor.acc, dt[subject].responder.acc], [ns[subject].status, ns[subject].requestor.acc, ns[subject].responder.acc], subject);
    }
  } finally {
    await both.close();
  }
});
