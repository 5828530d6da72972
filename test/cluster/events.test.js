// System account events across a cluster: $SYS requests reach every server, events
// from one server are seen on another, and STATSZ lists the routes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, connectTo, remoteSubs, sleep, startCluster, waitFor } from './_helpers.js';

const ACCOUNTS = {
  SYS: { users: [{ user: 'sys', password: 'sys' }] },
  A: { users: [{ user: 'a', password: 'a' }] },
};

let nodes;
before(async () => {
  nodes = await startCluster(2, { accounts: ACCOUNTS, system_account: 'SYS' });
});
after(async () => {
  await closeAll(nodes);
});

test('$SYS.REQ.SERVER.PING is answered by every server, each STATSZ naming its route to the other', async () => {
  const sys = await connectTo(nodes[0], { user: 'sys', pass: 'sys' });
  try {
    const answers = [];
    sys.subscribe('ping.answers', { callback: (_err, m) => answers.push(m.json()) });
    await sys.flush();
    sys.publish('$SYS.REQ.SERVER.PING', '', { reply: 'ping.answers' });
    await waitFor(() => answers.length === 2);
    await sleep(100);
    assert.equal(answers.length, 2);
    const names = answers.map((a) => a.server.name).sort();
    assert.deepEqual(names, [nodes[0].server.name, nodes[1].server.name].sort());
    for (const a of answers) {
      assert.equal(a.server.cluster, 'test');
      assert.equal(a.statsz.active_servers, 2);
      assert.equal(a.statsz.routes.length, 1);
      const other = names.find((n) => n !== a.server.name);
      assert.equal(a.statsz.routes[0].name, other);
      assert.equal(typeof a.statsz.routes[0].rid, 'number');
      assert.deepEqual(Object.keys(a.statsz.routes[0]), ['rid', 'name', 'sent', 'received', 'pending']);
    }
  } finally {
    await sys.close();
  }
});

test('a connect event on one server reaches a system subscriber on another', async () => {
  const sys = await connectTo(nodes[0], { user: 'sys', pass: 'sys' });
  try {
    const events = [];
    sys.subscribe('$SYS.ACCOUNT.A.CONNECT', { callback: (_err, m) => events.push(m.json()) });
    await sys.flush();
    await waitFor(() => remoteSubs(nodes[1], 'SYS').some((s) => s.subject === '$SYS.ACCOUNT.A.CONNECT'));
    const a = await connectTo(nodes[1], { user: 'a', pass: 'a', name: 'remote-a' });
    await waitFor(() => events.length === 1);
    assert.equal(events[0].server.name, nodes[1].server.name);
    assert.equal(events[0].client.acc, 'A');
    assert.equal(events[0].client.name, 'remote-a');
    await a.close();
  } finally {
    await sys.close();
  }
});
