// The `cluster {}` block: what it accepts, what it refuses (features of later
// nats-server releases) with the key named, and reload. Route TLS: tls.test.js.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfigObject } from '../../dist/options/config.js';
import { runCli, tempDir } from '../support/servers.js';
import { closeAll, startNode } from './_helpers.js';

const load = (cluster) => loadConfigObject({ cluster });

test('a cluster block as nats-server documents it', () => {
  const { options, warnings } = load({
    name: 'c1',
    listen: '127.0.0.1:7244',
    routes: ['nats-route://ruser:T0p%40ss@127.0.0.1:7245', 'nats://127.0.0.1:7246', 'nats://127.0.0.1:7246'],
    authorization: { user: 'ruser', password: 'T0p@ss', timeout: 0.5 },
    no_advertise: true,
    connect_retries: 3,
    cluster_advertise: '10.0.0.1:7244',
  });
  const c = options.cluster;
  assert.equal(c.name, 'c1');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 7244);
  assert.deepEqual(c.routes.map((r) => [r.host, r.port, r.user, r.password]), [['127.0.0.1', 7245, 'ruser', 'T0p@ss'], ['127.0.0.1', 7246, undefined, undefined]]);
  assert.deepEqual(warnings, ['nats://127.0.0.1:7246: Duplicate route entry detected']);
  assert.equal(c.username, 'ruser');
  assert.equal(c.authTimeout, 500);
  assert.equal(c.noAdvertise, true);
  assert.equal(c.connectRetries, 3);
  assert.equal(c.advertise, '10.0.0.1:7244');
});

test('keys of later nats-server releases are refused by name', () => {
  for (const [key, value] of [['pool_size', 3], ['compression', 'accept'], ['accounts', ['A']]]) {
    assert.throws(() => load({ listen: '127.0.0.1:-1', [key]: value }), (e) => e.message.includes(`"${key}"`) && /not supported yet/.test(e.message), key);
  }
  assert.throws(() => load({ authorization: { users: [{ user: 'a', password: 'b' }] } }), /Cluster authorization does not allow multiple users/);
  assert.throws(() => load({ routes: ['nats-route://:::'] }), /error parsing route url/);
  assert.throws(() => load({ name: 'has space' }), /cluster name cannot contain spaces/);
});

test('-t accepts a config with a cluster block', () => {
  const dir = tempDir();
  const conf = path.join(dir, 'c.conf');
  writeFileSync(conf, 'port: -1\ncluster {\n  name: c1\n  listen: 127.0.0.1:-1\n  routes: [nats-route://127.0.0.1:4248]\n}\n');
  const r = runCli(['-t', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /is valid/);
});

test('a reload that changes the cluster block is refused', async () => {
  const node = await startNode({ name: 'r' });
  try {
    const next = { ...node.server.options, cluster: { ...node.server.options.cluster, name: 'other' } };
    await assert.rejects(node.server.reload(next), /config reload not supported for Cluster/);
    assert.equal(node.server.cluster.name, 'test');
  } finally {
    await closeAll(node);
  }
});
