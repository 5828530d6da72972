// Messages across a 3-node Dialtone cluster through the official client: pub/sub,
// wildcards, queue groups exactly once cluster-wide, request/reply, headers,
// no-responders, and interest that follows subscriptions as they come and go.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { headers } from '@nats-io/transport-node';
import { closeAll, collect, connectTo, remoteSubs, sleep, startCluster, syncInterest, waitFor, waitForRemoteSubs } from './_helpers.js';
import { monitor } from '../../dist/index.js';

let nodes;
before(async () => {
  nodes = await startCluster(3);
});
after(async () => {
  await closeAll(nodes);
});

const ids = (msgs) => msgs.map((m) => m.string());

test('a message published on one node reaches subscribers on every node, once each', async () => {
  const [a, b, c] = nodes;
  const [na, nb, nc] = await Promise.all([connectTo(a), connectTo(b), connectTo(c)]);
  try {
    const cols = [collect(na, 'greet'), collect(nb, 'greet'), collect(nc, 'greet')];
    await syncInterest(na, nb, nc);
    await syncInterest(nb, na, nc);
    for (let i = 0; i < 50; i++) na.publish('greet', `a${i}`);
    for (let i = 0; i < 50; i++) nb.publish('greet', `b${i}`);
    await waitFor(() => cols.every((col) => col.msgs.length >= 100));
    await sleep(50);
    for (const col of cols) {
      assert.equal(col.msgs.length, 100);
      // Per publisher, order is kept across the route.
      assert.deepEqual(ids(col.msgs).filter((s) => s.startsWith('a')), Array.from({ length: 50 }, (_, i) => `a${i}`));
    }
  } finally {
    await closeAll(na, nb, nc);
  }
});

test('overlapping wildcard subscriptions on one node: each gets the message, one RMSG crosses the route', async () => {
  const [a, b] = nodes;
  const [na, nb] = await Promise.all([connectTo(a), connectTo(b)]);
  try {
    const star = collect(nb, 'w.*.x');
    const full = collect(nb, 'w.>');
    const lit = collect(nb, 'w.y.x');
    await syncInterest(na, nb);
    const route = a.server.cluster.remotes.get(b.server.serverId);
    const before = route.outMsgs;
    for (let i = 0; i < 100; i++) na.publish('w.y.x', `${i}`);
    na.publish('w.z', 'last');
    await waitFor(() => full.msgs.length === 101 && star.msgs.length === 100 && lit.msgs.length === 100);
    assert.equal(ids(full.msgs).at(-1), 'last');
    // 101 RMSGs, not 301 (the system account's own traffic may add a few).
    const sent = route.outMsgs - before;
    assert.ok(sent >= 101 && sent < 120, `one RMSG per message to the node, sent ${sent}`);
  } finally {
    await closeAll(na, nb);
  }
});

test('queue group spread over three nodes: every message delivered exactly once, members everywhere get some', async () => {
  const [a, b, c] = nodes;
  const conns = await Promise.all([a, a, b, b, c, c, b].map((n) => connectTo(n)));
  const pub = conns[0];
  try {
    const members = conns.slice(0, 6).map((nc) => collect(nc, 'work', { queue: 'workers' }));
    const plain = collect(conns[6], 'work');
    await syncInterest(pub, ...conns.slice(1));
    const M = 600;
    for (let i = 0; i < M; i++) pub.publish('work', `m${i}`);
    await waitFor(() => plain.msgs.length === M && members.reduce((n, col) => n + col.msgs.length, 0) >= M);
    await sleep(100);
    const all = members.flatMap((col) => ids(col.msgs));
    assert.equal(all.length, M, 'no duplicates');
    assert.equal(new Set(all).size, M, 'none lost');
    // nats-server picks among every member of the cluster (remote ones by their weight).
    for (const [k, col] of members.entries()) assert.ok(col.msgs.length > 20, `member ${k} got ${col.msgs.length}`);
  } finally {
    await closeAll(conns);
  }
});

test('a queue group only on other nodes gets every message once; a departed group gets none', async () => {
  const [a, b, c] = nodes;
  const [na, nb, nc] = await Promise.all([connectTo(a), connectTo(b), connectTo(c)]);
  try {
    const qb = collect(nb, 'jobs', { queue: 'g' });
    const qc = collect(nc, 'jobs', { queue: 'g' });
    await syncInterest(na, nb, nc);
    for (let i = 0; i < 200; i++) na.publish('jobs', `j${i}`);
    await waitFor(() => qb.msgs.length + qc.msgs.length >= 200);
    await sleep(50);
    assert.equal(qb.msgs.length + qc.msgs.length, 200);
    assert.ok(qb.msgs.length > 0 && qc.msgs.length > 0);
    qb.sub.unsubscribe();
    qc.sub.unsubscribe();
    await nb.flush();
    await nc.flush();
    await waitForRemoteSubs(a, 0, (s) => s.subject === 'jobs');
  } finally {
    await closeAll(na, nb, nc);
  }
});

test('queue weights follow the member count of each node', async () => {
  const [a, b] = nodes;
  const conns = await Promise.all([connectTo(b), connectTo(b), connectTo(b)]);
  try {
    const subs = conns.map((nc) => nc.subscribe('weighted', { queue: 'wq' }));
    await Promise.all(conns.map((nc) => nc.flush()));
    await waitFor(() => remoteSubs(a).some((s) => s.subject === 'weighted' && s.weight === 3));
    subs[0].unsubscribe();
    await conns[0].flush();
    await waitFor(() => remoteSubs(a).some((s) => s.subject === 'weighted' && s.weight === 2));
    await conns[1].close();
    await waitFor(() => remoteSubs(a).some((s) => s.subject === 'weighted' && s.weight === 1));
    await conns[2].close();
    await waitForRemoteSubs(a, 0, (s) => s.subject === 'weighted');
  } finally {
    await closeAll(conns);
  }
});

test('request/reply across nodes, with headers both ways', async () => {
  const [a, , c] = nodes;
  const [na, nc] = await Promise.all([connectTo(a), connectTo(c)]);
  try {
    nc.subscribe('svc.echo', {
      callback: (_e, m) => {
        const h = headers();
        h.set('Seen-By', 'c');
        m.respond(`echo:${m.string()}:${m.headers?.get('Req-Id') ?? ''}`, { headers: h });
      },
    });
    await syncInterest(na, nc);
    const h = headers();
    h.set('Req-Id', '42');
    const r = await na.request('svc.echo', 'hi', { timeout: 2000, headers: h });
    assert.equal(r.string(), 'echo:hi:42');
    assert.equal(r.headers.get('Seen-By'), 'c');
    // Many in flight at once.
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => na.request('svc.echo', `${i}`, { timeout: 3000 })));
    assert.deepEqual(replies.map((m) => m.string()), Array.from({ length: 50 }, (_, i) => `echo:${i}:`));
  } finally {
    await closeAll(na, nc);
  }
});

test('no responders anywhere in the cluster: the requester gets a 503 at once', async () => {
  const [a] = nodes;
  const na = await connectTo(a);
  try {
    await assert.rejects(na.request('nobody.home', '', { timeout: 2000 }), (e) => /no responders/i.test(String(e?.message ?? e)) || e?.isNoResponders?.());
  } finally {
    await closeAll(na);
  }
});

test('interest follows subscriptions: announced once per subject, withdrawn with the last one', async () => {
  const [a, b] = nodes;
  const [n1, n2] = await Promise.all([connectTo(b), connectTo(b)]);
  try {
    const s1 = n1.subscribe('follow.me');
    const s2 = n2.subscribe('follow.me');
    await n1.flush();
    await n2.flush();
    await waitForRemoteSubs(a, 1, (s) => s.subject === 'follow.me');
    s1.unsubscribe();
    await n1.flush();
    await sleep(50);
    assert.equal(remoteSubs(a).filter((s) => s.subject === 'follow.me').length, 1, 'still one subscriber on b');
    s2.unsubscribe();
    await n2.flush();
    await waitForRemoteSubs(a, 0, (s) => s.subject === 'follow.me');
  } finally {
    await closeAll(n1, n2);
  }
});

test('a message from a route is never sent on to another route (one hop)', async () => {
  const [a, b, c] = nodes;
  const [na, nc] = await Promise.all([connectTo(a), connectTo(c)]);
  try {
    const col = collect(nc, 'hop');
    await syncInterest(na, nc);
    // Watch what b writes to c: $SYS traffic may cross that route meanwhile, 'hop' must not.
    const bToC = b.server.cluster.remotes.get(c.server.serverId);
    const forwarded = [];
    const writeMsg = bToC.writeMsg;
    bToC.writeMsg = function (sub, msg) {
      forwarded.push(sub.subject);
      return writeMsg.call(this, sub, msg);
    };
    try {
      for (let i = 0; i < 20; i++) na.publish('hop', `${i}`);
      await waitFor(() => col.msgs.length === 20);
      await sleep(50);
      assert.equal(col.msgs.length, 20);
      assert.deepEqual(forwarded.filter((s) => s === 'hop'), [], 'b forwarded nothing on hop to c');
    } finally {
      delete bToC.writeMsg;
    }
  } finally {
    await closeAll(na, nc);
  }
});

test('/subsz?subs=1 lists a server\'s own subscriptions, not the interest its routes announced', async () => {
  const [a, b] = nodes;
  const nb = await connectTo(b);
  try {
    nb.subscribe('listed.only.on.b');
    await nb.flush();
    await waitFor(() => remoteSubs(a).some((s) => s.subject === 'listed.only.on.b'));
    const onA = monitor.buildSubsz(a.server, { subscriptions: true, test: 'listed.only.on.b' });
    const onB = monitor.buildSubsz(b.server, { subscriptions: true, test: 'listed.only.on.b' });
    assert.deepEqual(onA.subscriptions_list.map((s) => s.subject), []);
    assert.deepEqual(onB.subscriptions_list.map((s) => s.subject), ['listed.only.on.b']);
  } finally {
    await closeAll(nb);
  }
});
