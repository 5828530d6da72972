// The route protocol on raw sockets: a fake server opens a route to the server under
// test and a raw client talks to it, and the exact bytes each side sees are compared
// with what Debian's nats-server sends for the same conversation: INFO, RS+/RS- with
// queue weights, RMSG/HMSG with replies and queue lists, delivery of routed messages,
// cluster name conflicts, route authorization, clients on the route port.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { RawClient, rawConnect } from '../support/raw.js';
import { closeAll, hasNatsServer, startNatsNode, startNode, waitFor } from './_helpers.js';

const FAKE_ID = 'NFAKEROUTEFAKEROUTEFAKEROUTEFAKEROUTEFAKEROUTEFAKEROUTE1';

function routeConnect(fields = {}) {
  return `CONNECT ${JSON.stringify({ echo: true, verbose: false, pedantic: false, tls_required: false, headers: true, name: FAKE_ID, cluster: 'abc', ...fields })}\r\n`;
}

function routeInfo(fields = {}) {
  return `INFO ${JSON.stringify({ server_id: FAKE_ID, server_name: 'fake', version: '2.9.10', proto: 2, go: 'go1.19', host: '127.0.0.1', port: 1, headers: true, max_payload: 1048576, cluster: 'abc', ...fields })}\r\n`;
}

/** Splits route output into ops, an RMSG/HMSG with its payload. */
function frames(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf('\r\n', i);
    if (eol < 0) break;
    const line = text.slice(i, eol);
    let end = eol + 2;
    if (/^(RMSG|HMSG|LMSG) /.test(line)) end += Number(line.split(' ').at(-1)) + 2;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/** What the test compares: no liveness, nothing of the system account (servers differ there). */
const relevant = (f) => !/^(PING|PONG)\r\n$/.test(f) && !f.includes('$SYS') && !f.startsWith('INFO ');

async function openRoute(port, { connect = routeConnect(), info = routeInfo() } = {}) {
  const route = new RawClient(net.connect(port, '127.0.0.1'));
  await route.expect(/^INFO \{.*\} \r\n/);
  const first = JSON.parse(/^INFO (\{.*\}) \r\n/.exec(route.text)[1]);
  route.send(connect + info);
  return { route, info: first };
}

/** PING on the route and wait for its PONG: everything the server sent before is in. */
async function syncRoute(route) {
  const n = (route.text.match(/PONG\r\n/g) ?? []).length;
  route.send('PING\r\n');
  await route.waitUntil((t) => (t.match(/PONG\r\n/g) ?? []).length > n, 3000, 'route PONG');
}

/**
 * The scripted conversation: each step acts on the client or the route side, then
 * both are synced and what each received is recorded.
 */
async function conversation(node) {
  const { route, info } = await openRoute(node.clusterPort);
  const client = await rawConnect(node.port, { verbose: false, pedantic: false, headers: true, protocol: 1 });
  await client.flush();
  await syncRoute(route);
  const steps = [
    ['client', 'SUB foo 1\r\nSUB foo 2\r\n'],
    ['client', 'SUB q g 3\r\nSUB q g 4\r\n'],
    ['client', 'UNSUB 1\r\n'],
    ['client', 'UNSUB 2\r\n'],
    ['client', 'UNSUB 3\r\n'],
    ['client', 'UNSUB 4\r\n'],
    ['route', 'RS+ $G bar\r\nRS+ $G qq g1 1\r\nRS+ $G qq\r\n'],
    ['client', 'PUB bar 5\r\nhello\r\nPUB bar rep 2\r\nhi\r\nHPUB bar rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'],
    ['client', 'PUB qq rep 1\r\nx\r\nPUB qq 1\r\ny\r\n'],
    ['route', 'RS+ $G qq g1 5\r\nRS- $G bar\r\n'],
    ['client', 'PUB bar 1\r\nz\r\nPUB qq 1\r\nw\r\n'],
    ['client', 'SUB in 5\r\nSUB inq gq 6\r\nSUB inq gq 7\r\nSUB in.* 8\r\n'],
    ['route', 'RMSG $G in 3\r\nabc\r\nRMSG $G in rep 3\r\ndef\r\nHMSG $G in 12 15\r\nNATS/1.0\r\n\r\nghi\r\n'],
    ['route', 'RMSG $G inq | gq 1\r\nz\r\nRMSG $G inq 1\r\nn\r\nRMSG $G inq + r2 gq 1\r\nq\r\nRMSG $G in.x 1\r\nw\r\n'],
  ];
  const log = [];
  let routeMark = route.text.length;
  let clientMark = client.text.length;
  for (const [side, bytes] of steps) {
    (side === 'client' ? client : route).send(bytes);
    await client.flush();
    await syncRoute(route);
    await client.flush();
    const routeOut = frames(route.text.slice(routeMark)).filter(relevant);
    // Which member of a queue group gets a message is random: sids 6 and 7 read alike.
    const clientOut = client.text.slice(clientMark).replace(/PONG\r\n/g, '').replace(/ (6|7) /g, ' <gq> ');
    log.push({ side, bytes, routeOut, clientOut });
    routeMark = route.text.length;
    clientMark = client.text.length;
  }
  route.close();
  client.close();
  return { info, log };
}

test('the route conversation, byte for byte as nats-server has it', { skip: !hasNatsServer && 'nats-server is not installed' }, async () => {
  const dial = await startNode({ cluster: { name: 'abc' } });
  const ref = await startNatsNode({ clusterName: 'abc' });
  try {
    const ours = await conversation(dial);
    const theirs = await conversation(ref);
    // INFO: the same fields, but no "lnoc" (leaf-origin messages are not sent to us then).
    assert.deepEqual(Object.keys(ours.info), Object.keys(theirs.info).filter((k) => k !== 'lnoc'));
    assert.equal(ours.info.proto, 2);
    assert.equal(ours.info.cluster, 'abc');
    assert.deepEqual(ours.info.connect_urls, [`127.0.0.1:${dial.port}`]);
    assert.equal(ours.info.nonce.length, 15);
    assert.deepEqual(ours.log, theirs.log);
    // And what that is, spelled out.
    const routeSide = ours.log.map((s) => s.routeOut.join(''));
    assert.deepEqual(routeSide.slice(0, 6), ['RS+ $G foo\r\n', 'RS+ $G q g 1\r\nRS+ $G q g 2\r\n', '', 'RS- $G foo\r\n', 'RS+ $G q g 1\r\n', 'RS- $G q g\r\n']);
    assert.equal(routeSide[7], 'RMSG $G bar 5\r\nhello\r\nRMSG $G bar rep 2\r\nhi\r\nHMSG $G bar rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n');
    assert.equal(routeSide[8], 'RMSG $G qq + rep g1 1\r\nx\r\nRMSG $G qq | g1 1\r\ny\r\n');
    assert.equal(routeSide[10], 'RMSG $G qq | g1 1\r\nw\r\n');
    assert.equal(ours.log[12].clientOut, 'MSG in 5 3\r\nabc\r\nMSG in 5 rep 3\r\ndef\r\nHMSG in 5 12 15\r\nNATS/1.0\r\n\r\nghi\r\n');
    assert.equal(ours.log[13].clientOut, 'MSG inq <gq> 1\r\nz\r\nMSG inq <gq> r2 1\r\nq\r\nMSG in.x 8 1\r\nw\r\n');
  } finally {
    await closeAll(dial, ref);
  }
});

/** Opens a route with `connect`/`info` and reports what came back and whether it closed. */
async function refusal(port, opts) {
  const { route } = await openRoute(port, opts);
  await Promise.race([route.waitClosed(2000).catch(() => {}), new Promise((r) => setTimeout(r, 1500))]);
  const out = route.text.replace(/^INFO .*\r\n/, '');
  route.close();
  return { out: frames(out).filter(relevant).join(''), closed: route.closed };
}

const REFUSALS = [
  ['a CONNECT naming another cluster', { connect: routeConnect({ cluster: 'other' }) }, { out: `-ERR 'Rejecting connection, cluster name "other" does not match "abc"'\r\n`, closed: true }],
  ['an INFO naming another cluster', { info: routeInfo({ cluster: 'other' }) }, { out: '', closed: true }],
  ['a client on the route port', { connect: 'CONNECT {"verbose":false,"lang":"node","version":"1.0"}\r\n', info: '' }, { out: "-ERR 'attempted to connect to route port'\r\n", closed: true }],
];

for (const [what, opts, expected] of REFUSALS) {
  test(`refused: ${what}, as nats-server refuses it`, { skip: !hasNatsServer && 'nats-server is not installed' }, async () => {
    const dial = await startNode({ cluster: { name: 'abc' } });
    const ref = await startNatsNode({ clusterName: 'abc' });
    try {
      const theirs = await refusal(ref.clusterPort, opts);
      const ours = await refusal(dial.clusterPort, opts);
      assert.deepEqual(theirs, expected);
      assert.deepEqual(ours, expected);
    } finally {
      await closeAll(dial, ref);
    }
  });
}

test('route authorization: wrong or missing credentials are refused, right ones admitted', async () => {
  const dial = await startNode({ cluster: { name: 'abc', authorization: { user: 'ruser', password: 'rpass' } } });
  const ref = hasNatsServer ? await startNatsNode({ clusterName: 'abc', clusterExtra: '  authorization { user: ruser, password: rpass }\n' }) : null;
  try {
    for (const node of [dial, ref].filter(Boolean)) {
      const port = node.clusterPort;
      const { info } = await openRoute(port, { connect: '', info: '' });
      assert.equal(info.auth_required, true);
      const violation = { out: "-ERR 'Authorization Violation'\r\n", closed: true };
      assert.deepEqual(await refusal(port, { connect: routeConnect({ user: 'ruser', pass: 'nope' }) }), violation, node.kind);
      assert.deepEqual(await refusal(port, {}), violation, node.kind);
      // With credentials required, the first op must be CONNECT.
      assert.deepEqual(await refusal(port, { connect: '' }), violation, node.kind);
      const { route } = await openRoute(port, { connect: routeConnect({ user: 'ruser', pass: 'rpass' }) });
      await syncRoute(route);
      assert.equal(route.closed, false);
      route.close();
    }
  } finally {
    await closeAll(dial, ref);
  }
});

test('an INFO carrying the server\'s own id closes the route (a route to itself)', async () => {
  const dial = await startNode({ cluster: { name: 'abc' } });
  try {
    const { route, info } = await openRoute(dial.clusterPort, { connect: routeConnect(), info: '' });
    route.send(routeInfo({ server_id: info.server_id }));
    await route.waitClosed();
    assert.equal(dial.server.cluster.remotes.size, 0);
  } finally {
    await closeAll(dial);
  }
});

test('two fake routes: a client message goes to both, a routed one to neither', async () => {
  const dial = await startNode({ cluster: { name: 'abc' } });
  try {
    const r1 = (await openRoute(dial.clusterPort)).route;
    const r2 = (await openRoute(dial.clusterPort, { connect: routeConnect({ name: `${FAKE_ID}2` }), info: routeInfo({ server_id: `${FAKE_ID}2` }) })).route;
    r1.send('RS+ $G both\r\n');
    r2.send('RS+ $G both\r\n');
    await syncRoute(r1);
    await syncRoute(r2);
    const client = await rawConnect(dial.port);
    client.send('PUB both 2\r\nhi\r\n');
    await client.flush();
    r1.send('RMSG $G both 4\r\nfrom\r\n');
    await syncRoute(r1);
    await syncRoute(r2);
    for (const r of [r1, r2]) assert.deepEqual(frames(r.text).filter((f) => f.startsWith('RMSG $G both')), ['RMSG $G both 2\r\nhi\r\n']);
    client.close();
    r1.close();
    r2.close();
  } finally {
    await closeAll(dial);
  }
});

test('a closed route takes its interest with it', async () => {
  const dial = await startNode({ cluster: { name: 'abc' } });
  try {
    const { route } = await openRoute(dial.clusterPort);
    route.send('RS+ $G gone.* \r\nRS+ $G gone.q g 3\r\n');
    await syncRoute(route);
    const sl = dial.server.globalAccount.sublist;
    assert.equal(sl.match('gone.q').qsubs[0].length, 3, 'a weight of 3 counts as three members');
    route.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sl.hasInterest('gone.q'), false);
  } finally {
    await closeAll(dial);
  }
});

test('a solicited route presents its URL\'s credentials; a bcrypt-hashed route password is checked too', async () => {
  const bcrypt = (await import('bcryptjs')).default;
  const hash = bcrypt.hashSync('s3cret', 4);
  const a = await startNode({ cluster: { name: 'abc', authorization: { user: 'ruser', password: hash } } });
  const good = await startNode({ routes: [`nats-route://ruser:s3cret@127.0.0.1:${a.clusterPort}`], cluster: { name: 'abc', authorization: { user: 'ruser', password: hash } } });
  const bad = await startNode({ routes: [`nats-route://ruser:wrong@127.0.0.1:${a.clusterPort}`], cluster: { name: 'abc' } });
  try {
    await waitFor(() => a.server.cluster.remotes.has(good.server.serverId) && good.server.cluster.remotes.size === 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bad.server.cluster.remotes.size, 0);
    assert.ok(!a.server.cluster.remotes.has(bad.server.serverId));
    // The accepting side announced auth_required, so gossip would hand out the same credentials.
    const { info } = await openRoute(a.clusterPort, { connect: '', info: '' });
    assert.equal(info.auth_required, true);
  } finally {
    await closeAll(a, good, bad);
  }
});
