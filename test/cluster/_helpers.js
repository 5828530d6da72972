// Shared helpers for the cluster tests: Dialtone nodes in-process, Debian's nats-server
// nodes as processes (same config text), mesh and interest waits, message collectors.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { NATS_SERVER, freePort, startDialtone, tempDir, waitFor, waitForPort } from '../support/servers.js';

export { hasNatsServer } from '../support/servers.js';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const CLUSTER = 'test';

/**
 * Starts a Dialtone node in this process: client port, route port and (with `http`)
 * monitoring port free unless given. `cluster` keys override the defaults.
 */
export async function startNode({ name, routes = [], cluster = {}, ...config } = {}) {
  const s = await startDialtone({ ...(name ? { server_name: name } : {}), ...config, cluster: { name: CLUSTER, listen: '127.0.0.1:-1', routes, ...cluster } });
  return dialtoneNode(s, name);
}

function dialtoneNode(s, name) {
  return {
    kind: 'dialtone',
    name,
    server: s.server,
    url: s.url,
    port: s.port,
    clusterPort: s.server.cluster.port,
    routeUrl: `nats-route://127.0.0.1:${s.server.cluster.port}`,
    numRoutes: async () => s.server.cluster.remotes.size,
    close: () => s.close(),
  };
}

/** Starts a Dialtone node from a config file (text), for settings shared with nats-server nodes. */
export async function startNodeFromConfig(text) {
  const dir = tempDir('dialtone-cluster-');
  const file = path.join(dir, 'node.conf');
  writeFileSync(file, text);
  const s = await startDialtone({ configFile: file });
  const node = dialtoneNode(s);
  const close = node.close;
  node.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return node;
}

/**
 * Runs Debian's nats-server as a cluster node on free ports (`clusterPort` may be
 * fixed): `extra` is more config text (accounts, ...), `clusterExtra` more of the
 * cluster block. Its routes are counted through /routez.
 */
export async function startNatsNode({ name, routes = [], clusterName = CLUSTER, extra = '', clusterExtra = '', clusterPort, args = [] } = {}) {
  const port = await freePort();
  const cport = clusterPort ?? (await freePort());
  const http = await freePort();
  const dir = tempDir('nats-cluster-');
  const conf = path.join(dir, 'node.conf');
  writeFileSync(
    conf,
    `host: 127.0.0.1\nport: ${port}\nhttp_port: ${http}\n${name ? `server_name: ${name}\n` : ''}` +
      `cluster {\n  name: ${clusterName}\n  listen: "127.0.0.1:${cport}"\n  routes: [${routes.map((r) => JSON.stringify(r)).join(', ')}]\n${clusterExtra}}\n${extra}`,
  );
  const child = spawn(NATS_SERVER, ['-c', conf, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForPort(port);
  await waitForPort(cport);
  return {
    kind: 'nats-server',
    name,
    url: `nats://127.0.0.1:${port}`,
    port,
    clusterPort: cport,
    routeUrl: `nats-route://127.0.0.1:${cport}`,
    monitorUrl: `http://127.0.0.1:${http}`,
    log: () => log,
    numRoutes: () => fetch(`http://127.0.0.1:${http}/routez`).then((r) => r.json()).then((j) => j.num_routes, () => -1),
    async close(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until every node has a route to every other one. */
export async function waitForMesh(nodes, timeoutMs = 8000) {
  const want = nodes.length - 1;
  await waitFor(async () => (await Promise.all(nodes.map((n) => n.numRoutes()))).every((c) => c === want), timeoutMs, 25);
}

/** A seed node and `n - 1` nodes that list only the seed: gossip must complete the mesh. */
export async function startCluster(n, config = {}) {
  const seed = await startNode({ name: 'n0', ...config });
  const nodes = [seed];
  for (let i = 1; i < n; i++) nodes.push(await startNode({ name: `n${i}`, routes: [seed.routeUrl], ...config }));
  await waitForMesh(nodes);
  return nodes;
}

export async function closeAll(...things) {
  await Promise.all(things.flat().map((t) => t?.close().catch(() => {})));
}

export function connectTo(node, opts = {}) {
  return connect({ servers: node.url, ...opts });
}

/** Collects the messages a subscription receives: { msgs, sub }. */
export function collect(nc, subject, opts = {}) {
  const msgs = [];
  const sub = nc.subscribe(subject, { ...opts, callback: (_err, m) => msgs.push(m) });
  return { msgs, sub };
}

/**
 * Waits until the server `pub` is connected to knows every subscription that `subs`
 * made so far: each subscriber's server announces its interest in order on its
 * route, so once a fresh probe subject of theirs reaches `pub`, the earlier ones have too.
 */
export async function syncInterest(pub, ...subs) {
  for (const nc of subs) {
    await nc.flush();
    const subject = `_probe.${Math.random().toString(36).slice(2)}`;
    let got = false;
    const sub = nc.subscribe(subject, { callback: () => (got = true) });
    await nc.flush();
    await waitFor(
      async () => {
        pub.publish(subject);
        await pub.flush();
        await sleep(5);
        return got;
      },
      5000,
      15,
    );
    sub.unsubscribe();
    await nc.flush();
  }
}

/** Subscriptions in `account` on a Dialtone node that stand for other servers' interest. */
export function remoteSubs(node, account = '$G') {
  return node.server.accounts.get(account).sublist.all().filter((s) => s.constructor.name === 'RouteSubscription');
}

/** Waits until the node's index holds `n` remote subscriptions matching `pred`. */
export async function waitForRemoteSubs(node, n, pred = () => true, account = '$G', timeoutMs = 5000) {
  await waitFor(() => remoteSubs(node, account).filter(pred).length === n, timeoutMs);
}

export { waitFor };
