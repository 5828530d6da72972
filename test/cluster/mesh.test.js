// Forming the cluster: a full mesh from one seed through gossip, one route per pair
// when servers dial each other, routes to oneself skipped, dynamic cluster names,
// the client URLs clients learn (INFO and async INFO), /routez and /varz, the
// command-line flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawConnect } from '../support/raw.js';
import { freePort, startDialtoneProcess, waitFor, runCli } from '../support/servers.js';
import { buildRoutez, buildVarz } from '../../dist/monitor/index.js';
import { closeAll, connectTo, remoteSubs, sleep, startCluster, startNode, waitForMesh } from './_helpers.js';

test('a full mesh forms from one seed: four nodes, each routed to the three others', async () => {
  const nodes = await startCluster(4);
  try {
    const [seed, ...rest] = nodes;
    for (const n of nodes) {
      const z = buildRoutez(n.server);
      assert.equal(z.num_routes, 3);
      assert.deepEqual(new Set(z.routes.map((r) => r.remote_id)), new Set(nodes.filter((o) => o !== n).map((o) => o.server.serverId)));
    }
    // Only the routes to the seed were configured; the others were learned by gossip.
    for (const n of rest) {
      const routes = buildRoutez(n.server).routes;
      const toSeed = routes.find((r) => r.remote_id === seed.server.serverId);
      assert.equal(toSeed.is_configured, true);
      assert.equal(toSeed.did_solicit, true);
      assert.ok(routes.filter((r) => r.remote_id !== seed.server.serverId).every((r) => !r.is_configured));
    }
    // Stable: no route churns once formed.
    const rids = nodes.map((n) => buildRoutez(n.server).routes.map((r) => r.rid).sort());
    await sleep(300);
    assert.deepEqual(nodes.map((n) => buildRoutez(n.server).routes.map((r) => r.rid).sort()), rids);
  } finally {
    await closeAll(nodes);
  }
});

test('two servers that list each other keep exactly one route between them', async () => {
  const [pa, pb] = [await freePort(), await freePort()];
  const routeA = `nats-route://127.0.0.1:${pa}`;
  const routeB = `nats-route://127.0.0.1:${pb}`;
  const [a, b] = await Promise.all([
    startNode({ name: 'a', routes: [routeB], cluster: { listen: `127.0.0.1:${pa}` } }),
    startNode({ name: 'b', routes: [routeA], cluster: { listen: `127.0.0.1:${pb}` } }),
  ]);
  try {
    await waitForMesh([a, b]);
    // Give duplicate resolution (and any retry it causes) time to settle.
    await waitFor(async () => {
      await sleep(1200);
      return a.server.cluster.routes.size === 1 && b.server.cluster.routes.size === 1 && a.server.cluster.remotes.size === 1;
    }, 8000);
    const [ra] = a.server.cluster.remotes.values();
    const [rb] = b.server.cluster.remotes.values();
    // The same TCP connection seen from both ends.
    assert.equal(ra.port, rb.socket.localPort);
  } finally {
    await closeAll(a, b);
  }
});

test('a route list that names the server itself (the same list on every node) is fine', async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p}`);
  const nodes = await Promise.all(ports.map((p, i) => startNode({ name: `s${i}`, routes, cluster: { listen: `127.0.0.1:${p}` } })));
  try {
    await waitForMesh(nodes);
    await sleep(1500);
    for (const n of nodes) {
      assert.equal(n.server.cluster.remotes.size, 2);
      assert.ok(![...n.server.cluster.remotes.keys()].includes(n.server.serverId));
    }
  } finally {
    await closeAll(nodes);
  }
});

test('without a configured name, servers agree on one: a configured name wins', async () => {
  const a = await startNode({ cluster: { name: '' } });
  const b = await startNode({ routes: [a.routeUrl], cluster: { name: '' } });
  try {
    assert.equal(a.server.cluster.dynamic, true);
    await waitForMesh([a, b]);
    await waitFor(() => a.server.cluster.name === b.server.cluster.name);
    assert.equal(a.server.cluster.name.length, 22);
    const c = await startNode({ routes: [a.routeUrl], cluster: { name: 'fixed' } });
    try {
      await waitForMesh([a, b, c], 10000);
      await waitFor(() => a.server.cluster.name === 'fixed' && b.server.cluster.name === 'fixed');
    } finally {
      await closeAll(c);
    }
  } finally {
    await closeAll(a, b);
  }
});

test('clients learn every server\'s URL: in INFO, and by async INFO when servers join and leave', async () => {
  const a = await startNode({ name: 'a' });
  const client = await rawConnect(a.port, { verbose: false, pedantic: false, protocol: 1 });
  const old = await rawConnect(a.port, { verbose: false, pedantic: false, protocol: 0 });
  try {
    const first = JSON.parse(/^INFO (\{.*\}) \r\n/.exec(client.text)[1]);
    assert.equal(first.cluster, 'test');
    assert.equal(first.connect_urls, undefined, 'no peers yet');
    await client.flush();
    await old.flush();
    client.clear();
    old.clear();
    const b = await startNode({ name: 'b', routes: [a.routeUrl] });
    try {
      await client.expect(/INFO \{.*\} \r\n/);
      const info = JSON.parse(/INFO (\{.*\}) \r\n/.exec(client.text)[1]);
      assert.deepEqual(info.connect_urls, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
      assert.equal(info.nonce, undefined);
      // A fresh client gets the list in its first INFO.
      const late = await rawConnect(b.port, null);
      assert.deepEqual(JSON.parse(/^INFO (\{.*\}) \r\n/.exec(late.text)[1]).connect_urls, [`127.0.0.1:${b.port}`, `127.0.0.1:${a.port}`]);
      late.close();
      client.clear();
    } finally {
      await closeAll(b);
    }
    await client.expect(/INFO \{.*\} \r\n/);
    assert.deepEqual(JSON.parse(/INFO (\{.*\}) \r\n/.exec(client.text)[1]).connect_urls, [`127.0.0.1:${a.port}`]);
    await old.flush();
    assert.equal(old.text, 'PONG\r\n', 'protocol 0 clients get no async INFO');
  } finally {
    client.close();
    old.close();
    await closeAll(a);
  }
});

test('no_advertise keeps the other servers\' URLs from clients', async () => {
  const a = await startNode({ cluster: { no_advertise: true } });
  const b = await startNode({ routes: [a.routeUrl], cluster: { no_advertise: true } });
  try {
    await waitForMesh([a, b]);
    const c = await rawConnect(a.port, null);
    assert.equal(JSON.parse(/^INFO (\{.*\}) \r\n/.exec(c.text)[1]).connect_urls, undefined);
    c.close();
  } finally {
    await closeAll(a, b);
  }
});

test('/varz and /routez describe the cluster with nats-server\'s fields', async () => {
  const nodes = await startCluster(2);
  try {
    const [a, b] = nodes;
    const v = buildVarz(b.server);
    assert.deepEqual(v.cluster, { name: 'test', addr: '127.0.0.1', cluster_port: b.clusterPort, auth_timeout: 2, urls: [`127.0.0.1:${a.clusterPort}`], tls_timeout: 2 });
    assert.equal(v.routes, 1);
    assert.equal(v.remotes, 1);
    assert.deepEqual(v.connect_urls, [`127.0.0.1:${b.port}`, `127.0.0.1:${a.port}`]);
    const nc = await connectTo(a);
    nc.subscribe('rz.one');
    await nc.flush();
    await waitFor(() => remoteSubs(b).some((s) => s.subject === 'rz.one'));
    await nc.close();
    const z = buildRoutez(b.server, { subscriptions: true });
    assert.equal(z.num_routes, 1);
    const r = z.routes[0];
    assert.deepEqual(Object.keys(r).filter((k) => r[k] !== undefined), [
      'rid', 'remote_id', 'did_solicit', 'is_configured', 'ip', 'port', 'start', 'last_activity', 'rtt', 'uptime', 'idle',
      'pending_size', 'in_msgs', 'out_msgs', 'in_bytes', 'out_bytes', 'subscriptions', 'subscriptions_list',
    ]);
    assert.equal(r.remote_id, a.server.serverId);
    assert.equal(r.ip, '127.0.0.1');
    assert.equal(r.port, a.clusterPort);
    assert.equal(r.subscriptions, r.subscriptions_list.length);
    const detail = buildRoutez(b.server, { subscriptionsDetail: true }).routes[0];
    assert.equal(detail.subscriptions_list, undefined);
    assert.ok(detail.subscriptions_list_detail.every((d) => d.cid === r.rid && typeof d.sid === 'string'));
  } finally {
    await closeAll(nodes);
  }
});

test('the command line: --cluster, --routes, --cluster_name form a cluster of processes', async () => {
  const cport = await freePort();
  const http = await freePort();
  const a = await startDialtoneProcess(['--cluster', `nats://127.0.0.1:${cport}`, '--cluster_name', 'cli', '-m', String(http)]);
  const b = await startDialtoneProcess(['--cluster', 'nats://127.0.0.1:-1', '--routes', `nats-route://127.0.0.1:${cport}`, '--cluster_name', 'cli']);
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${http}/routez`).then((r) => r.json())).num_routes === 1, 8000);
    const varz = await fetch(`http://127.0.0.1:${http}/varz`).then((r) => r.json());
    assert.equal(varz.cluster.name, 'cli');
    assert.equal(varz.cluster.cluster_port, cport);
    assert.match(a.output(), /Cluster name is cli/);
    assert.match(a.output(), new RegExp(`Listening for route connections on 127\\.0\\.0\\.1:${cport}`));
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('--routes without --cluster is refused', () => {
  const r = runCli(['-a', '127.0.0.1', '-p', '-1', '--routes', 'nats-route://127.0.0.1:4248']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /solicited routes require cluster capabilities, e.g. --cluster/);
});
