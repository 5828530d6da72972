// Accounts across a 3-node cluster (the same accounts on every node): interest and
// messages stay within their account, stream and service imports work when exporter
// and importer sit on different nodes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, collect, connectTo, remoteSubs, sleep, startCluster, syncInterest, waitFor } from './_helpers.js';

export const ACCOUNTS = {
  A: { users: [{ user: 'a', password: 'a' }], exports: [{ stream: 'feed.>' }, { service: 'svc.>' }] },
  B: { users: [{ user: 'b', password: 'b' }], imports: [{ stream: { account: 'A', subject: 'feed.>' } }, { service: { account: 'A', subject: 'svc.>' } }] },
  C: { users: [{ user: 'c', password: 'c' }] },
};

let nodes;
before(async () => {
  nodes = await startCluster(3, { accounts: ACCOUNTS });
});
after(async () => {
  await closeAll(nodes);
});

const as = (node, user) => connectTo(node, { user, pass: user });

test('a subject is per account across the cluster: other accounts neither see nor receive it', async () => {
  const [n0, n1, n2] = nodes;
  const [a0, b1, c2, a2] = await Promise.all([as(n0, 'a'), as(n1, 'b'), as(n2, 'c'), as(n2, 'a')]);
  try {
    const ga = collect(a0, 'iso');
    const gb = collect(b1, 'iso');
    await syncInterest(a2, a0);
    // n2 knows n0's interest under A and n1's under B, each in its own account.
    await waitFor(() => remoteSubs(n2, 'B').some((s) => s.subject === 'iso'));
    assert.ok(remoteSubs(n2, 'A').some((s) => s.subject === 'iso'));
    assert.ok(!remoteSubs(n2, 'C').some((s) => s.subject === 'iso'));
    c2.publish('iso', 'from-c');
    a2.publish('iso', 'from-a');
    await waitFor(() => ga.msgs.length === 1);
    await sleep(100);
    assert.deepEqual(ga.msgs.map((m) => m.string()), ['from-a']);
    assert.equal(gb.msgs.length, 0);
  } finally {
    await closeAll(a0, b1, c2, a2);
  }
});

test('stream import: the exporter publishes on one node, the importer receives on another', async () => {
  const [n0, n1, n2] = nodes;
  const [a0, b1, b2] = await Promise.all([as(n0, 'a'), as(n1, 'b'), as(n2, 'b')]);
  try {
    const g1 = collect(b1, 'feed.*');
    const g2 = collect(b2, 'feed.news', { queue: 'readers' });
    // The importers' interest reaches the exporter's node under the exporter's account.
    await waitFor(() => remoteSubs(n0, 'A').filter((s) => s.subject.startsWith('feed.')).length === 2);
    for (let i = 0; i < 10; i++) a0.publish('feed.news', `n${i}`);
    await waitFor(() => g1.msgs.length === 10 && g2.msgs.length === 10);
    assert.deepEqual(g1.msgs.map((m) => m.string()), Array.from({ length: 10 }, (_, i) => `n${i}`));
    assert.equal(g1.msgs[0].subject, 'feed.news');
  } finally {
    await closeAll(a0, b1, b2);
  }
});

test('service import: requests cross nodes into the exporter, responses come back across them', async () => {
  const [n0, n1, n2] = nodes;
  const [a0, b1, b2] = await Promise.all([as(n0, 'a'), as(n1, 'b'), as(n2, 'b')]);
  try {
    a0.subscribe('svc.echo', { callback: (_e, m) => m.respond(`echo:${m.string()}`) });
    await a0.flush();
    await waitFor(() => remoteSubs(n1, 'A').some((s) => s.subject === 'svc.echo') && remoteSubs(n2, 'A').some((s) => s.subject === 'svc.echo'));
    const r1 = await b1.request('svc.echo', 'one', { timeout: 3000 });
    assert.equal(r1.string(), 'echo:one');
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => b2.request('svc.echo', `${i}`, { timeout: 3000 })));
    assert.deepEqual(many.map((m) => m.string()), Array.from({ length: 20 }, (_, i) => `echo:${i}`));
    // The importer may not reach the exporter's subjects directly.
    await assert.rejects(b1.request('svc.other', '', { timeout: 1000 }));
  } finally {
    await closeAll(a0, b1, b2);
  }
});
