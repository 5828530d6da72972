// The system account's request services through the official client: every
// monitoring service by ping and by server id, the per-account services, the envelope
// and its errors for bad request bodies, request filters and compressed replies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { monitor } from '../../dist/index.js';
import { ask, assertNoReply, assertServerInfo, exchange, login, startEvents } from './_helpers.js';

let srv;
let sys;
let a;

before(async () => {
  srv = await startEvents();
  sys = await login(srv.url, 'sys');
  a = await login(srv.url, 'a');
  a.subscribe('orders.*');
  a.subscribe('orders.new', { queue: 'workers' });
  await a.flush();
});

after(async () => {
  await a.close();
  await sys.close();
  await srv.close();
});

/** What each server service answers with, built without HTTP. */
const BUILDERS = {
  VARZ: (s) => monitor.buildVarz(s),
  CONNZ: (s) => monitor.buildConnz(s, {}),
  SUBSZ: (s) => monitor.buildSubsz(s, {}),
  ROUTEZ: (s) => monitor.buildRoutez(s, {}),
  GATEWAYZ: (s) => monitor.buildGatewayz(s, {}),
  LEAFZ: (s) => monitor.buildLeafz(s, {}),
  ACCOUNTZ: (s) => monitor.buildAccountz(s, {}),
  JSZ: (s) => monitor.buildJsz(s, {}),
  HEALTHZ: (s) => monitor.buildHealthz(s, {}),
};

test('every monitoring service answers by ping and by server id in the {"server","data"} envelope', async () => {
  for (const [name, build] of Object.entries(BUILDERS)) {
    for (const subject of [`$SYS.REQ.SERVER.PING.${name}`, `$SYS.REQ.SERVER.${srv.server.serverId}.${name}`]) {
      const reply = await ask(sys, subject);
      assert.deepEqual(Object.keys(reply), ['server', 'data'], subject);
      assertServerInfo(reply.server, srv.server);
      const fields = Object.keys(JSON.parse(JSON.stringify(build(srv.server))));
      assert.deepEqual(Object.keys(reply.data), fields, `${subject}: the fields of the HTTP endpoint`);
    }
  }
  const varz = (await ask(sys, '$SYS.REQ.SERVER.PING.VARZ')).data;
  assert.deepEqual([varz.server_id, varz.server_name, varz.connections, varz.system_account], [srv.server.serverId, 'ev-1', 2, 'SYS']);
  assert.deepEqual((await ask(sys, '$SYS.REQ.SERVER.PING.HEALTHZ')).data, { status: 'ok' });
  // STATSZ answers with a ServerStatsMsg, by its own name too.
  for (const subject of ['$SYS.REQ.SERVER.PING', '$SYS.REQ.SERVER.PING.STATSZ', `$SYS.REQ.SERVER.${srv.server.serverId}.STATSZ`]) {
    assert.deepEqual(Object.keys(await ask(sys, subject)), ['server', 'statsz'], subject);
  }
  // Another server's id is not ours.
  await assertNoReply(sys, '$SYS.REQ.SERVER.NOTME.VARZ');
});

test('request bodies are the endpoint options: connz sorting and paging, subsz test subjects', async () => {
  const connz = (await ask(sys, '$SYS.REQ.SERVER.PING.CONNZ', JSON.stringify({ sort: 'cid', limit: 1, offset: 1, subscriptions: true }))).data;
  assert.deepEqual([connz.total, connz.num_connections, connz.offset, connz.limit], [2, 1, 1, 1]);
  assert.equal(connz.connections[0].name, 'a');
  assert.deepEqual(connz.connections[0].subscriptions_list.sort(), ['orders.*', 'orders.new']);
  const subsz = (await ask(sys, '$SYS.REQ.SERVER.PING.SUBSZ', JSON.stringify({ subscriptions: true, account: 'A', test: 'orders.new' }))).data;
  assert.deepEqual(subsz.subscriptions_list.map((s) => s.subject).sort(), ['orders.*', 'orders.new']);
  const accountz = (await ask(sys, '$SYS.REQ.SERVER.PING.ACCOUNTZ', '{"account":"A"}')).data;
  assert.equal(accountz.account_detail.account_name, 'A');
});

test('per-account services answer for the account named in the subject', async () => {
  const connz = (await ask(sys, '$SYS.REQ.ACCOUNT.A.CONNZ')).data;
  assert.deepEqual(
    connz.connections.map((c) => c.name),
    ['a'],
  );
  // SUBSZ lists the account's subscriptions, the system imports' among them.
  const subsz = (await ask(sys, '$SYS.REQ.ACCOUNT.A.SUBSZ')).data;
  assert.deepEqual(subsz.subscriptions_list.map((s) => s.subject).sort(), ['$SYS.REQ.ACCOUNT.PING.CONNZ', '$SYS.REQ.ACCOUNT.PING.STATZ', '$SYS.REQ.SERVER.PING.CONNZ', 'orders.*', 'orders.new']);
  assert.ok(subsz.subscriptions_list.every((s) => s.account === 'A'));
  const info = (await ask(sys, '$SYS.REQ.ACCOUNT.A.INFO')).data;
  assert.deepEqual([info.account_name, info.client_connections, info.subscriptions], ['A', 1, 5]);
  assert.deepEqual(
    info.imports.map((i) => [i.subject, i.to, i.account]),
    [
      ['$SYS.REQ.ACCOUNT.PING.CONNZ', '$SYS.REQ.ACCOUNT.A.CONNZ', 'SYS'],
      ['$SYS.REQ.SERVER.PING.CONNZ', '$SYS.REQ.ACCOUNT.A.CONNZ', 'SYS'],
      ['$SYS.REQ.ACCOUNT.PING.STATZ', '$SYS.REQ.ACCOUNT.A.STATZ', 'SYS'],
    ],
  );
  const statz = (await ask(sys, '$SYS.REQ.ACCOUNT.A.STATZ')).data;
  assert.deepEqual(
    statz.account_statz.map((s) => [s.acc, s.conns]),
    [['A', 1]],
  );
  assert.deepEqual((await ask(sys, '$SYS.REQ.ACCOUNT.A.LEAFZ')).data.leafs, null);
  // An account without connections: STATZ stays quiet unless asked for unused ones.
  await assertNoReply(sys, '$SYS.REQ.ACCOUNT.B.STATZ');
  assert.deepEqual((await ask(sys, '$SYS.REQ.ACCOUNT.B.STATZ', '{"include_unused":true}')).data.account_statz[0].conns, 0);
  // Every account with connections, from the system account.
  const all = (await ask(sys, '$SYS.REQ.ACCOUNT.PING.STATZ')).data;
  assert.deepEqual(all.account_statz.map((s) => s.acc).sort(), ['A', 'SYS']);
});

test('errors: a body that does not decode is a 400 with Go\'s text, a failing service a 500 beside "data":null', async () => {
  const cases = [
    ['$SYS.REQ.SERVER.PING.VARZ', '{bad', "invalid character 'b' looking for beginning of object key string"],
    ['$SYS.REQ.SERVER.PING.CONNZ', '{"sort":5}', 'json: cannot unmarshal number into Go struct field ConnzEventOptions.sort of type server.SortOpt'],
    ['$SYS.REQ.SERVER.PING.CONNZ', '[1]', 'json: cannot unmarshal array into Go value of type server.ConnzEventOptions'],
    ['$SYS.REQ.SERVER.PING.CONNZ', '{"limit":1.5}', 'json: cannot unmarshal number 1.5 into Go struct field ConnzEventOptions.limit of type int'],
    ['$SYS.REQ.SERVER.PING.SUBSZ', '{"subscriptions":"yes"}', 'json: cannot unmarshal string into Go struct field SubszEventOptions.subscriptions of type bool'],
    ['$SYS.REQ.SERVER.PING.HEALTHZ', '{', 'unexpected end of JSON input'],
    ['$SYS.REQ.ACCOUNT.A.CONNZ', 'tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['$SYS.REQ.ACCOUNT.A.STATZ', '{"accounts":"A"}', 'json: cannot unmarshal string into Go struct field AccountStatzEventOptions.accounts of type []string'],
    // STATSZ answers errors in the same envelope.
    ['$SYS.REQ.SERVER.PING', 'nope', "invalid character 'o' in literal null (expecting 'u')"],
  ];
  for (const [subject, body, description] of cases) {
    const reply = await ask(sys, subject, body);
    assert.deepEqual(Object.keys(reply), ['server', 'error'], `${subject} ${body}`);
    assert.deepEqual(reply.error, { code: 400, description }, `${subject} ${body}`);
    assertServerInfo(reply.server, srv.server);
  }
  for (const [subject, body, description] of [
    ['$SYS.REQ.SERVER.PING.CONNZ', '{"sort":"nope"}', 'invalid sorting option: nope'],
    ['$SYS.REQ.ACCOUNT.NOPE.INFO', '', 'Account NOPE does not exist'],
    ['$SYS.REQ.ACCOUNT.A.JSZ', '', 'jetstream not enabled'],
  ]) {
    const reply = await ask(sys, subject, body);
    assert.deepEqual(reply.data, null, subject);
    assert.deepEqual(reply.error, { code: 500, description }, subject);
  }
});

test('filters: a request for other servers gets no reply from this one', async () => {
  for (const body of ['{"server_name":"other"}', '{"host":"10.9.9.9"}', '{"cluster":"c1"}', '{"tags":["edge"]}', '{"domain":"hub"}']) {
    await assertNoReply(sys, '$SYS.REQ.SERVER.PING.VARZ', body);
    await assertNoReply(sys, '$SYS.REQ.SERVER.PING', body);
  }
  // Names and hosts match by substring, as nats-server's do.
  assert.equal((await ask(sys, '$SYS.REQ.SERVER.PING.VARZ', '{"server_name":"ev"}')).data.server_name, 'ev-1');
  assert.equal((await ask(sys, '$SYS.REQ.SERVER.PING.CONNZ', '{"host":"127.0"}')).data.total, 2);
});

test('Accept-Encoding: gzip and snappy replies say so in Content-Encoding; other encodings are "identity"', async () => {
  const plain = (await exchange(sys, '$SYS.REQ.SERVER.PING.HEALTHZ'))[0];
  assert.equal(plain.headers, undefined);

  const [gz] = await exchange(sys, '$SYS.REQ.SERVER.PING.HEALTHZ', '', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.headers.get('Content-Encoding'), 'gzip');
  assert.deepEqual(JSON.parse(gunzipSync(gz.data).toString()).data, { status: 'ok' });

  const [sn] = await exchange(sys, '$SYS.REQ.SERVER.PING.HEALTHZ', '', { headers: { 'Accept-Encoding': 'snappy' } });
  assert.equal(sn.headers.get('Content-Encoding'), 'snappy');
  assert.deepEqual(JSON.parse(unframeSnappy(Buffer.from(sn.data))).data, { status: 'ok' });

  const [other] = await exchange(sys, '$SYS.REQ.SERVER.PING.HEALTHZ', '', { headers: { 'Accept-Encoding': 'br' } });
  assert.equal(other.headers.get('Content-Encoding'), 'identity');
  assert.deepEqual(other.json().data, { status: 'ok' });
  // Errors are never compressed.
  const [bad] = await exchange(sys, '$SYS.REQ.SERVER.PING.VARZ', '{bad', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(bad.headers, undefined);
  assert.equal(bad.json().error.code, 400);
});

test('$SYS.DEBUG.SUBSCRIBERS counts the subscribers of a subject (and queue) in the caller\'s account', async () => {
  const count = async (body) => (await exchange(sys, '$SYS.DEBUG.SUBSCRIBERS', body)).map((m) => m.string());
  sys.subscribe('dbg.one');
  sys.subscribe('dbg.*', { queue: 'q' });
  await sys.flush();
  assert.deepEqual(await count('dbg.one'), ['2']);
  assert.deepEqual(await count('dbg.one q'), ['1']);
  assert.deepEqual(await count('dbg.>'), ['2']);
  assert.deepEqual(await count('orders.new'), ['0'], 'A\'s subscriptions are not in SYS');
});

/** The data of a snappy framing-format stream made of uncompressed chunks (type 0x01), CRCs unchecked. */
function unframeSnappy(buf) {
  assert.deepEqual([...buf.subarray(0, 10)], [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59], 'stream identifier');
  const parts = [];
  for (let i = 10; i < buf.length; ) {
    const type = buf[i];
    const len = buf.readUIntLE(i + 1, 3);
    assert.equal(type, 0x01, 'an uncompressed data chunk');
    parts.push(buf.subarray(i + 8, i + 4 + len));
    i += 4 + len;
  }
  return Buffer.concat(parts).toString();
}
