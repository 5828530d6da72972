// Self-healing: when a node goes (closed in-process, or its process killed with -9) the
// others keep serving and forget its interest; configured routes are retried and the
// mesh re-forms when it returns, with the same interest as before; clients fail over
// to the servers they learned of through INFO.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDialtoneProcess } from '../support/servers.js';
import { closeAll, collect, connectTo, remoteSubs, startNode, syncInterest, waitFor, waitForMesh } from './_helpers.js';

/** Restarts a node on the client and route ports it had. */
function restart(node, routes) {
  return startNode({ name: node.name, port: node.port, routes, cluster: { listen: `127.0.0.1:${node.clusterPort}` } });
}

test('a node leaves and returns: the others keep serving, its interest goes and comes back', async () => {
  const seed = await startNode({ name: 'n0' });
  const n1 = await startNode({ name: 'n1', routes: [seed.routeUrl] });
  let n2 = await startNode({ name: 'n2', routes: [seed.routeUrl] });
  const conns = [];
  try {
    await waitForMesh([seed, n1, n2]);
    const [c0, c1] = [await connectTo(seed), await connectTo(n1)];
    conns.push(c0, c1);
    const got = collect(c1, 'still.*');
    let c2 = await connectTo(n2);
    for (let i = 0; i < 20; i++) c2.subscribe(`n2.sub.${i}`);
    await syncInterest(c0, c1, c2);
    const fromN2 = (node) => remoteSubs(node).filter((s) => s.subject.startsWith('n2.sub.')).length;
    assert.equal(fromN2(seed), 20);
    const baseline = remoteSubs(seed).length;
    await c2.close();
    await n2.close();
    await waitFor(() => seed.server.cluster.remotes.size === 1 && n1.server.cluster.remotes.size === 1);
    assert.equal(fromN2(seed), 0);
    assert.equal(fromN2(n1), 0);
    c0.publish('still.here', 'x');
    await waitFor(() => got.msgs.length === 1);

    n2 = await restart(n2, [seed.routeUrl]);
    await waitForMesh([seed, n1, n2]);
    c2 = await connectTo(n2);
    conns.push(c2);
    for (let i = 0; i < 20; i++) c2.subscribe(`n2.sub.${i}`);
    await syncInterest(c0, c2);
    await waitFor(() => remoteSubs(seed).length === baseline);
    assert.equal(fromN2(n1), 20);
  } finally {
    await closeAll(conns);
    await closeAll(seed, n1, n2);
  }
});

test('the seed goes away: the others stay meshed, retry it, and take it back', async () => {
  let seed = await startNode({ name: 's' });
  const a = await startNode({ name: 'a', routes: [seed.routeUrl] });
  const b = await startNode({ name: 'b', routes: [seed.routeUrl] });
  const conns = [];
  try {
    await waitForMesh([seed, a, b]);
    await seed.close();
    await waitFor(() => a.server.cluster.remotes.size === 1 && b.server.cluster.remotes.size === 1);
    const [ca, cb] = [await connectTo(a), await connectTo(b)];
    conns.push(ca, cb);
    const got = collect(cb, 'between');
    await syncInterest(ca, cb);
    ca.publish('between', '1');
    await waitFor(() => got.msgs.length === 1);
    seed = await restart(seed, []);
    // Configured routes are retried about every second.
    await waitForMesh([seed, a, b], 6000);
    const cs = await connectTo(seed);
    conns.push(cs);
    await syncInterest(cs, cb);
    cs.publish('between', '2');
    await waitFor(() => got.msgs.length === 2);
  } finally {
    await closeAll(conns);
    await closeAll(seed, a, b);
  }
});

test('a node process killed with -9: routes drop at once, no interest dangles, it rejoins when restarted', async () => {
  const seed = await startNode({ name: 'seed', http_port: -1 });
  const http = () => fetch(`${seed.server.monitorUrl}/routez`).then((r) => r.json());
  const args = ['--routes', seed.routeUrl, '--cluster_name', 'test'];
  let proc = await startDialtoneProcess(['--cluster', 'nats://127.0.0.1:-1', ...args]);
  const conns = [];
  try {
    await waitFor(async () => (await http()).num_routes === 1, 8000);
    const before = remoteSubs(seed).length;
    const cp = await connectTo({ url: proc.url });
    for (let i = 0; i < 30; i++) cp.subscribe(`proc.${i}`);
    await cp.flush();
    await waitFor(() => remoteSubs(seed).length === before + 30);
    const routeTo = (await http()).routes[0].remote_id;
    await proc.stop('SIGKILL');
    await cp.close().catch(() => {});
    await waitFor(async () => (await http()).num_routes === 0);
    assert.equal(remoteSubs(seed).length, 0, 'nothing left of its interest');
    assert.ok(!seed.server.cluster.remotes.has(routeTo));
    proc = await startDialtoneProcess(['--cluster', 'nats://127.0.0.1:-1', ...args]);
    await waitFor(async () => (await http()).num_routes === 1, 8000);
    const cs = await connectTo(seed);
    const c2 = await connectTo({ url: proc.url });
    conns.push(cs, c2);
    const got = collect(c2, 'back');
    await syncInterest(cs, c2);
    cs.publish('back', 'hi');
    await waitFor(() => got.msgs.length === 1);
  } finally {
    await closeAll(conns);
    await proc.stop('SIGKILL');
    await closeAll(seed);
  }
});

test('a client fails over to a server it learned of through async INFO, and its subscription follows', async () => {
  const a = await startNode({ name: 'a' });
  const nc = await connectTo(a, { reconnectTimeWait: 50, maxReconnectAttempts: -1, reconnectJitter: 0 });
  const statuses = [];
  (async () => {
    for await (const s of nc.status()) statuses.push(s.type);
  })().catch(() => {});
  const b = await startNode({ name: 'b', routes: [a.routeUrl] });
  const c = await startNode({ name: 'c', routes: [a.routeUrl] });
  const conns = [];
  try {
    await waitForMesh([a, b, c]);
    const got = collect(nc, 'fo.*');
    await nc.flush();
    // The client was told of b and c after it connected.
    await waitFor(() => statuses.includes('update'));
    await a.close();
    await waitFor(() => statuses.includes('reconnect'), 8000);
    assert.notEqual(nc.getServer(), `127.0.0.1:${a.port}`);
    const pub = await connectTo(c);
    conns.push(pub);
    await syncInterest(pub, nc);
    pub.publish('fo.x', 'after');
    await waitFor(() => got.msgs.some((m) => m.string() === 'after'));
  } finally {
    await closeAll(conns, nc);
    await closeAll(a, b, c);
  }
});
