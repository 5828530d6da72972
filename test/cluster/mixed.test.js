// Mixed clusters of Dialtone and Debian's nats-server (same accounts on every node):
// one Dialtone seed with two nats-server nodes, and a nats-server seed with two
// Dialtone nodes (so nats-server's gossip has to mesh the Dialtone nodes). Each passes
// the same scenarios: pub/sub between every pair of nodes, queue groups exactly once,
// request/reply, account isolation. Skipped when nats-server is not installed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLUSTER, closeAll, collect, connectTo, hasNatsServer, sleep, startNatsNode, startNodeFromConfig, syncInterest, waitFor, waitForMesh } from './_helpers.js';

const ACCOUNTS = `accounts {
  A: { users: [{ user: a, password: a }] }
  B: { users: [{ user: b, password: b }] }
}
`;

function dialtoneNode(name, routes) {
  return startNodeFromConfig(
    `host: 127.0.0.1\nport: -1\nserver_name: ${name}\ncluster {\n  name: ${CLUSTER}\n  listen: "127.0.0.1:-1"\n  routes: [${routes.map((r) => JSON.stringify(r)).join(', ')}]\n}\n${ACCOUNTS}`,
  );
}

const natsNode = (name, routes) => startNatsNode({ name, routes, extra: ACCOUNTS });

const TOPOLOGIES = [
  ['a Dialtone seed with two nats-server nodes', async () => {
    const seed = await dialtoneNode('d0', []);
    return [seed, await natsNode('n1', [seed.routeUrl]), await natsNode('n2', [seed.routeUrl])];
  }],
  ['a nats-server seed with two Dialtone nodes', async () => {
    const seed = await natsNode('n0', []);
    return [seed, await dialtoneNode('d1', [seed.routeUrl]), await dialtoneNode('d2', [seed.routeUrl])];
  }],
];

for (const [name, start] of TOPOLOGIES) {
  describe(name, { skip: !hasNatsServer && 'nats-server is not installed' }, () => {
    let nodes = [];
    let conns = [];
    before(async () => {
      nodes = await start();
      await waitForMesh(nodes, 10000);
    });
    after(async () => {
      await closeAll(conns);
      await closeAll(nodes);
    });
    const as = async (node, user) => {
      const nc = await connectTo(node, { user, pass: user });
      conns.push(nc);
      return nc;
    };

    test('pub/sub between every pair of nodes', async () => {
      const cs = await Promise.all(nodes.map((n) => as(n, 'a')));
      const cols = cs.map((nc) => collect(nc, 'mix.>'));
      for (const pub of cs) await syncInterest(pub, ...cs.filter((c) => c !== pub));
      cs.forEach((pub, i) => {
        for (let k = 0; k < 20; k++) pub.publish(`mix.${i}`, `${i}-${k}`);
      });
      await waitFor(() => cols.every((col) => col.msgs.length >= 60));
      await sleep(100);
      for (const col of cols) {
        assert.equal(col.msgs.length, 60, 'each message once on each node');
        for (let i = 0; i < 3; i++) assert.deepEqual(col.msgs.filter((m) => m.subject === `mix.${i}`).map((m) => m.string()), Array.from({ length: 20 }, (_, k) => `${i}-${k}`));
      }
    });

    test('a queue group with members on every node: each message delivered exactly once', async () => {
      const members = await Promise.all([...nodes, ...nodes].map((n) => as(n, 'a')));
      const cols = members.map((nc) => collect(nc, 'mixq', { queue: 'workers' }));
      const pubs = await Promise.all(nodes.map((n) => as(n, 'a')));
      for (const pub of pubs) await syncInterest(pub, ...members);
      const M = 200;
      pubs.forEach((pub, i) => {
        for (let k = 0; k < M; k++) pub.publish('mixq', `${i}-${k}`);
      });
      await waitFor(() => cols.reduce((n, col) => n + col.msgs.length, 0) >= 3 * M);
      await sleep(150);
      const all = cols.flatMap((col) => col.msgs.map((m) => m.string()));
      assert.equal(all.length, 3 * M);
      assert.equal(new Set(all).size, 3 * M);
      assert.ok(cols.every((col) => col.msgs.length > 0), `every member got a share: ${cols.map((c) => c.msgs.length)}`);
    });

    test('request/reply from every node to a responder on every other node', async () => {
      const cs = await Promise.all(nodes.map((n) => as(n, 'a')));
      cs.forEach((nc, i) => nc.subscribe(`mixsvc.${i}`, { callback: (_e, m) => m.respond(`${i}:${m.string()}`) }));
      for (const c of cs) await syncInterest(c, ...cs.filter((o) => o !== c));
      for (const [i, requester] of cs.entries()) {
        for (let j = 0; j < cs.length; j++) {
          if (i === j) continue;
          const r = await requester.request(`mixsvc.${j}`, `from${i}`, { timeout: 3000 });
          assert.equal(r.string(), `${j}:from${i}`);
        }
      }
    });

    test('accounts stay apart across the cluster', async () => {
      const [a0, b1, b2, a2] = [await as(nodes[0], 'a'), await as(nodes[1], 'b'), await as(nodes[2], 'b'), await as(nodes[2], 'a')];
      const ga = collect(a0, 'mixiso');
      const gb = collect(b1, 'mixiso');
      await syncInterest(a2, a0);
      await syncInterest(b2, b1);
      b2.publish('mixiso', 'for-b');
      a2.publish('mixiso', 'for-a');
      await waitFor(() => ga.msgs.length === 1 && gb.msgs.length === 1);
      await sleep(100);
      assert.deepEqual(ga.msgs.map((m) => m.string()), ['for-a']);
      assert.deepEqual(gb.msgs.map((m) => m.string()), ['for-b']);
    });
  });
}
