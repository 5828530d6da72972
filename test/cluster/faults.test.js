// Faults in a running cluster: a node killed with -9 while a publisher streams through
// it (Dialtone, and Debian's nats-server in a mixed cluster), a node paused with SIGSTOP
// past the ping interval, and a route whose socket is cut (from one side in-process,
// and by a TCP proxy that holds the link down). Each time the other nodes keep serving
// and drop the lost peer's interest; after recovery every pair of nodes has one route
// again, every node holds exactly the interest it should (read through /routez and
// /subsz), and a message published then reaches each subscriber once.
//
// Nodes under fault are processes on fixed loopback ports (so a restarted node comes back
// where it was), each in its own process group, killed in `finally` and on exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { CLI, NATS_SERVER, hasNatsServer } from '../support/servers.js';
import { remoteSubs, sleep, startNatsNode, startNode, waitFor } from './_helpers.js';

const CLUSTER_NAME = 'faults';
/** What every node's clients subscribe to (account $G): the interest each peer must hold for it. */
const LOCAL = { A: ['f.q workers'], B: ['f.data', 'f.q workers', 'f.svc'], C: ['f.data', 'f.q workers'] };

// ---- processes ---------------------------------------------------------------------

/** Child processes still running: killed (with their process groups) whatever happens. */
const live = new Set();
const killGroup = (child, signal = 'SIGKILL') => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
const killAll = () => {
  for (const child of live) killGroup(child);
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig);
  });
}
after(killAll);

/** Distinct free loopback ports. */
async function freePorts(n) {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A cluster node run as a process (`dialtone` from dist/cli/main.js, or `nats` for Debian's nats-server) from a config file. */
class ProcNode {
  constructor(name, kind, [port, clusterPort, httpPort], dir) {
    Object.assign(this, { name, kind, port, clusterPort, httpPort });
    this.conf = path.join(dir, `${name}.conf`);
    this.url = `nats://127.0.0.1:${port}`;
    this.routeUrl = `nats-route://127.0.0.1:${clusterPort}`;
    this.log = '';
    this.child = null;
    this.exited = Promise.resolve();
  }

  /** `nodes`: the nodes whose route URLs this one lists (by default all, its own included: skipped as a route to itself). */
  writeConfig(nodes, extra) {
    writeFileSync(
      this.conf,
      `server_name: ${this.name}\nhost: 127.0.0.1\nport: ${this.port}\nhttp: "127.0.0.1:${this.httpPort}"\n${extra}\n` +
        `cluster {\n  name: ${CLUSTER_NAME}\n  listen: "127.0.0.1:${this.clusterPort}"\n` +
        `  routes: [${nodes.map((n) => `"${n.routeUrl}"`).join(', ')}]\n}\n`,
    );
  }

  /** Starts the process (again, on the same ports) and resolves once all its ports accept. */
  async start() {
    const [cmd, args] = this.kind === 'nats' ? [NATS_SERVER, ['-c', this.conf]] : [process.execPath, [CLI, '-c', this.conf]];
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    this.child = child;
    child.stderr.on('data', (d) => (this.log += d));
    this.exited = new Promise((resolve) => child.once('exit', resolve)).then(() => live.delete(child));
    let gone = false;
    this.exited.then(() => (gone = true));
    const deadline = Date.now() + 10000;
    for (const port of [this.port, this.clusterPort, this.httpPort]) {
      while (!(await canConnect(port))) {
        if (gone || Date.now() > deadline) throw new Error(`${this.name} did not start:\n${this.log}`);
        await sleep(20);
      }
    }
  }

  signal(sig) {
    if (this.child !== null) killGroup(this.child, sig);
  }

  async kill() {
    this.signal('SIGKILL');
    await this.exited;
  }

  json(p) {
    return fetch(`http://127.0.0.1:${this.httpPort}${p}`).then((r) => r.json());
  }
}

/**
 * Nodes of the given kinds (not started); `extra` is more config text for each, `routes`
 * the names of the nodes each one lists (all of them unless given).
 */
async function processCluster(kinds, extra = '', routes = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dialtone-faults-'));
  const names = Object.keys(kinds);
  const ports = await freePorts(3 * names.length);
  const nodes = names.map((name, i) => new ProcNode(name, kinds[name], ports.slice(3 * i, 3 * i + 3), dir));
  for (const n of nodes) n.writeConfig(routes[n.name] ? nodes.filter((p) => routes[n.name].includes(p.name)) : nodes, extra);
  return {
    nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () => nodes.map((n) => `--- ${n.name} (${n.kind})\n${n.log.split('\n').slice(-40).join('\n')}`).join('\n'),
  };
}

/** An in-process Dialtone node with monitoring, seen through the same `json` as a process node. */
async function inProcessNode(name, { routes = [], clusterPort = -1, ...config } = {}) {
  const node = await startNode({ name, http: '127.0.0.1:-1', routes, cluster: { listen: `127.0.0.1:${clusterPort}` }, ...config });
  node.json = (p) => fetch(`${node.server.monitorUrl}${p}`).then((r) => r.json());
  return node;
}

// ---- what the nodes say -------------------------------------------------------------------

/**
 * Each node's routes as /routez?subs=detail lists them: peer name → the test's interest
 * (subjects under `f.`, with queue group) that the route carries. A second route to the
 * same peer shows as "<peer>+".
 */
async function routeViews(nodes) {
  const rz = await Promise.all(nodes.map((n) => n.json('/routez?subs=detail')));
  const names = new Map(rz.map((r, i) => [r.server_id, nodes[i].name]));
  const views = {};
  rz.forEach((r, i) => {
    const view = {};
    for (const route of r.routes) {
      let peer = names.get(route.remote_id) ?? `?${route.remote_id}`;
      while (peer in view) peer += '+';
      view[peer] = (route.subscriptions_list_detail ?? [])
        .filter((s) => s.subject.startsWith('f.'))
        .map((s) => (s.qgroup ? `${s.subject} ${s.qgroup}` : s.subject))
        .sort();
    }
    assert.equal(r.num_routes, r.routes.length);
    views[nodes[i].name] = view;
  });
  return views;
}

/** What routeViews must show when `names` are the nodes up, each with its LOCAL interest. */
function expectedViews(names, local = LOCAL) {
  return Object.fromEntries(names.map((n) => [n, Object.fromEntries(names.filter((p) => p !== n).map((p) => [p, [...local[p]].sort()]))]));
}

async function waitViews(nodes, want, timeoutMs = 8000) {
  let seen;
  try {
    await waitFor(async () => {
      seen = await routeViews(nodes);
      return JSON.stringify(sortKeys(seen)) === JSON.stringify(sortKeys(want));
    }, timeoutMs, 25);
  } catch {
    assert.deepEqual(seen, want, 'routes and the interest they carry');
  }
}

const sortKeys = (o) => (o && typeof o === 'object' && !Array.isArray(o) ? Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])])) : o);

async function numRoutes(nodes) {
  return Promise.all(nodes.map((n) => n.json('/routez').then((r) => r.num_routes, () => -1)));
}

async function waitRoutes(nodes, n, timeoutMs = 8000) {
  let seen;
  try {
    await waitFor(async () => (seen = await numRoutes(nodes)).every((c) => c === n), timeoutMs, 10);
  } catch {
    assert.fail(`expected ${n} route(s) on ${nodes.map((x) => x.name)}, saw ${seen}`);
  }
}

/** /subsz num_subscriptions of each node (every account: clients, remote interest, the server's own). */
async function totals(nodes) {
  const all = await Promise.all(nodes.map((n) => n.json('/subsz')));
  return Object.fromEntries(nodes.map((n, i) => [n.name, all[i].num_subscriptions]));
}

/** Totals once they have stopped moving. */
async function settledTotals(nodes) {
  let prev = await totals(nodes);
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    await sleep(150);
    const now = await totals(nodes);
    if (JSON.stringify(now) === JSON.stringify(prev)) return now;
    prev = now;
  }
  assert.fail(`/subsz totals still moving: ${JSON.stringify(prev)}`);
}

async function waitTotals(nodes, want, timeoutMs = 5000) {
  const sub = Object.fromEntries(nodes.map((n) => [n.name, want[n.name]]));
  let seen;
  try {
    await waitFor(async () => JSON.stringify((seen = await totals(nodes))) === JSON.stringify(sub), timeoutMs, 25);
  } catch {
    assert.deepEqual(seen, sub, '/subsz num_subscriptions');
  }
}

// ---- messages ------------------------------------------------------------------------

/** The payloads a subscription receives, in order. */
function record(nc, subject, opts = {}) {
  const got = [];
  nc.subscribe(subject, { ...opts, callback: (err, m) => err || got.push(m.string()) });
  return got;
}

/** The numbers of the payloads "<prefix><n>". */
const numbered = (got, prefix) => got.filter((s) => s.startsWith(prefix)).map((s) => Number(s.slice(prefix.length)));

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** How often each number went to any of the lists. */
function counts(lists, prefix) {
  const m = new Map();
  for (const l of lists) for (const n of numbered(l, prefix)) m.set(n, (m.get(n) ?? 0) + 1);
  return m;
}

function assertIncreasing(list, what) {
  for (let k = 1; k < list.length; k++) assert.ok(list[k] > list[k - 1], `${what}: ${list[k - 1]} then ${list[k]} (a duplicate or out of order)`);
}

/** Streams in progress: stopped in `finally` whatever happened. */
const streams = new Set();

/** Publishes "s1", "s2", ... on each subject, a few every 2 ms, until stopped (or the connection fails: then `error`). */
function startStream(nc, subjects) {
  const s = { seq: 0, error: null };
  const timer = setInterval(() => {
    try {
      for (let k = 0; k < 4; k++) {
        s.seq++;
        for (const subject of subjects) nc.publish(subject, `s${s.seq}`);
      }
    } catch (err) {
      s.error = err;
      clearInterval(timer);
    }
  }, 2);
  streams.add(s);
  s.halt = () => {
    clearInterval(timer);
    streams.delete(s);
  };
  s.stop = async () => {
    s.halt();
    if (s.error) throw s.error;
    await nc.flush();
    return s.seq;
  };
  return s;
}

function haltStreams() {
  for (const s of streams) s.halt();
}

const respond = (nc, subject) => nc.subscribe(subject, { callback: (err, m) => err || m.respond(`re:${m.string()}`) });

/** A request that is retried until answered (interest may still be on its way). */
async function requestUntilAnswered(nc, subject, body) {
  let answer = null;
  await waitFor(async () => {
    answer = await nc.request(subject, body, { timeout: 1000 }).then((m) => m.string(), () => null);
    return answer !== null;
  }, 5000, 10);
  return answer;
}

/**
 * Publishes `n` messages "h1".."hn" on f.data and f.q from `pub` and checks that each
 * f.data subscriber got every one once, in order, and the queue group got each once,
 * with every member getting some.
 */
async function healedDelivery(pub, dataSubs, queueMembers, n = 300) {
  for (let k = 1; k <= n; k++) {
    pub.publish('f.data', `h${k}`);
    pub.publish('f.q', `h${k}`);
  }
  await pub.flush();
  const q = () => [...counts(queueMembers, 'h').values()].reduce((a, b) => a + b, 0);
  await waitFor(() => dataSubs.every((l) => numbered(l, 'h').length >= n) && q() >= n, 5000);
  await sleep(100);
  for (const l of dataSubs) assert.deepEqual(numbered(l, 'h'), range(1, n), 'each f.data subscriber gets every message once');
  const c = counts(queueMembers, 'h');
  assert.equal(c.size, n);
  assert.ok([...c.values()].every((v) => v === 1), 'each queue message delivered exactly once');
  for (const [k, l] of queueMembers.entries()) assert.ok(numbered(l, 'h').length > 0, `queue member ${k} got none of ${n}`);
}

// ---- scenarios -----------------------------------------------------------------------------

/**
 * A and B up with their clients; then C joins with its own. Returns the clients, what
 * they record, and /subsz totals without C and with it.
 */
async function setUp(A, B, C, conns, ccOpts = {}) {
  await Promise.all([A.start(), B.start()]);
  await waitRoutes([A, B], 1);
  const pa = await connect({ servers: A.url });
  const cb = await connect({ servers: B.url });
  conns.push(pa, cb);
  const rec = { aQ: record(pa, 'f.q', { queue: 'workers' }), bData: record(cb, 'f.data'), bQ: record(cb, 'f.q', { queue: 'workers' }) };
  respond(cb, 'f.svc');
  // The first request also makes pa's reply subscription, which then stays.
  assert.equal(await requestUntilAnswered(pa, 'f.svc', 'warm'), 're:warm');
  await waitViews([A, B], expectedViews(['A', 'B']));
  const withoutC = await settledTotals([A, B]);

  await C.start();
  await waitRoutes([A, B, C], 2);
  const cc = await connect({ servers: C.url, ...ccOpts });
  conns.push(cc);
  rec.cData = record(cc, 'f.data');
  rec.cQ = record(cc, 'f.q', { queue: 'workers' });
  await waitViews([A, B, C], expectedViews(['A', 'B', 'C']));
  await waitConnectUrls([A, B, C], [A, B, C]);
  const full = await settledTotals([A, B, C]);
  return { pa, cb, cc, rec, withoutC, full };
}

/** The client URLs each node offers its clients (/varz connect_urls: its own and the other servers'), sorted. */
async function connectUrls(nodes) {
  const all = await Promise.all(nodes.map((n) => n.json('/varz')));
  return Object.fromEntries(nodes.map((n, i) => [n.name, [...(all[i].connect_urls ?? [])].sort()]));
}

async function waitConnectUrls(nodes, up) {
  const want = [...up.map((n) => `127.0.0.1:${n.port}`)].sort();
  const expected = Object.fromEntries(nodes.map((n) => [n.name, want]));
  let seen;
  try {
    await waitFor(async () => JSON.stringify((seen = await connectUrls(nodes))) === JSON.stringify(expected), 3000, 25);
  } catch {
    assert.deepEqual(seen, expected, 'connect_urls offered to clients');
  }
}

/** While C is away: A and B hold none of its interest, pa's requests reach B's responder, B keeps receiving the stream. */
async function survivorsServe(A, B, s, stream) {
  assert.deepEqual(await routeViews([A, B]), expectedViews(['A', 'B']), 'survivors hold no interest of the lost node');
  await waitTotals([A, B], s.withoutC);
  await waitConnectUrls([A, B], [A, B]);
  assert.equal(await s.pa.request('f.svc', 'while-away', { timeout: 2000 }).then((m) => m.string()), 're:while-away');
  const mark = stream.seq;
  await waitFor(() => numbered(s.rec.bData, 's').at(-1) > mark + 40, 3000);
}

/**
 * After C is back: one route per pair, each node's interest and totals as before the
 * fault (nothing left over, nothing missing), still so a moment later.
 */
async function healed(A, B, C, s) {
  await waitRoutes([A, B, C], 2, 10000);
  await waitViews([A, B, C], expectedViews(['A', 'B', 'C']));
  await waitTotals([A, B, C], s.full);
  await waitConnectUrls([A, B, C], [A, B, C]);
  await sleep(300);
  assert.deepEqual(await routeViews([A, B, C]), expectedViews(['A', 'B', 'C']));
  assert.deepEqual(await totals([A, B, C]), s.full);
}

/** The stream's deliveries: B got every message in order; nothing twice anywhere; every queue message after `cut` exactly once. */
async function checkStream(s, last, cut) {
  const { rec } = s;
  await waitFor(() => numbered(rec.bData, 's').length >= last, 5000);
  assert.deepEqual(numbered(rec.bData, 's'), range(1, last), 'the subscriber on the surviving node lost nothing');
  assertIncreasing(numbered(rec.cData, 's'), 'f.data on C');
  assert.ok(numbered(rec.cData, 's').some((n) => n > cut), 'C gets the stream again after it is back');
  const members = [rec.aQ, rec.bQ, rec.cQ];
  await waitFor(() => {
    const c = counts(members, 's');
    return range(cut + 1, last).every((n) => c.has(n));
  }, 5000);
  const c = counts(members, 's');
  for (const [n, k] of c) assert.equal(k, 1, `queue message ${n} delivered ${k} times`);
  for (const n of range(cut + 1, last)) assert.equal(c.get(n), 1, `queue message ${n} (after the fault was seen) delivered once`);
}

async function killUnderLoad(kinds) {
  const cluster = await processCluster(kinds);
  const { A, B, C } = cluster.nodes;
  const conns = [];
  try {
    // C's client reconnects to C only, so that its interest comes back with C.
    const s = await setUp(A, B, C, conns, { ignoreClusterUpdates: true, maxReconnectAttempts: -1, reconnectTimeWait: 100, reconnectJitter: 0 });
    const stream = startStream(s.pa, ['f.data', 'f.q']);
    await waitFor(() => numbered(s.rec.cData, 's').length > 100 && [s.rec.aQ, s.rec.bQ, s.rec.cQ].every((l) => l.length > 20), 5000);

    await C.kill();
    await waitRoutes([A, B], 1, 3000);
    const cut = stream.seq;
    await survivorsServe(A, B, s, stream);

    await C.start();
    await healed(A, B, C, s);
    const last = await stream.stop();
    await checkStream(s, last, cut);
    await healedDelivery(s.pa, [s.rec.bData, s.rec.cData], [s.rec.aQ, s.rec.bQ, s.rec.cQ]);
    assert.equal(await s.cc.request('f.svc', 'from-c', { timeout: 2000 }).then((m) => m.string()), 're:from-c');
  } catch (err) {
    err.message += `\n${cluster.logs()}`;
    throw err;
  } finally {
    haltStreams();
    await Promise.all(conns.map((nc) => nc.close().catch(() => {})));
    await cluster.stop();
  }
}

// ---- tests -----------------------------------------------------------------------------

test('kill -9 a node while A streams to B and C and a queue group spans all three: the others keep serving, it rejoins on the same ports with its interest and no other', { timeout: 30000 }, async () => {
  await killUnderLoad({ A: 'dialtone', B: 'dialtone', C: 'dialtone' });
});

test('mixed: kill -9 the nats-server node of a Dialtone+Dialtone+nats-server cluster under load, and restart it', { timeout: 30000, skip: !hasNatsServer && 'nats-server is not installed' }, async () => {
  await killUnderLoad({ A: 'dialtone', B: 'dialtone', C: 'nats' });
});

// ---- route liveness ---------------------------------------------------------------------

const FAKE_ID = 'NFAKEPEERFAKEPEERFAKEPEERFAKEPEERFAKEPEERFAKEPEERFAKEPE1';

/**
 * Opens a route to `port` as a fake server that announces f.silent and then never sends
 * another byte. Resolves when the server closes the route (or, with `untilFirstPing`, at
 * its first PING) with the times of its PINGs (ms after its INFO arrived), whether an
 * -ERR 'Stale Connection' came, and when the route closed.
 */
function silentPeer(port, { untilFirstPing = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const pings = [];
    let text = '';
    let scanned = 0;
    let t0 = 0;
    const timer = setTimeout(() => finish(new Error(`route to ${port} still open after 6 s: ${JSON.stringify(text.slice(-200))}`)), 6000);
    const finish = (err, closedAt = null) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve({ pings, stale: text.includes("-ERR 'Stale Connection'\r\n"), closedAt });
    };
    sock.on('data', (d) => {
      if (t0 === 0) {
        t0 = performance.now();
        const fields = { server_id: FAKE_ID, server_name: 'fake', version: '2.9.10', proto: 2, host: '127.0.0.1', port: 1, headers: true, cluster: 'liveness' };
        sock.write(`CONNECT ${JSON.stringify({ echo: true, verbose: false, pedantic: false, tls_required: false, headers: true, name: FAKE_ID, cluster: 'liveness' })}\r\nINFO ${JSON.stringify(fields)}\r\nRS+ $G f.silent\r\n`);
      }
      text += d.toString('latin1');
      for (let eol; (eol = text.indexOf('\r\n', scanned)) >= 0; scanned = eol + 2) {
        if (text.slice(scanned, eol) !== 'PING') continue;
        pings.push(performance.now() - t0);
        if (untilFirstPing) return finish(null);
      }
    });
    sock.on('close', () => finish(null, performance.now() - t0));
    sock.on('error', () => {});
  });
}

test('a route peer that goes silent gets a PING each ping_interval and -ERR \'Stale Connection\' after ping_max of them, and its interest goes, as with nats-server; disable_short_first_ping holds the first route PING to ping_interval', { timeout: 20000 }, async () => {
  const fast = await startNode({ ping_interval: '300ms', ping_max: 2, cluster: { name: 'liveness' } });
  const slow = await startNode({ ping_interval: '1500ms', cluster: { name: 'liveness' } });
  const held = await startNode({ ping_interval: '1500ms', disable_short_first_ping: true, cluster: { name: 'liveness' } });
  const ref = hasNatsServer ? await startNatsNode({ clusterName: 'liveness', extra: 'ping_interval: "300ms"\nping_max: 2\n' }) : null;
  try {
    const silent = () => remoteSubs(fast).filter((sub) => sub.subject === 'f.silent').length;
    const [ours, first, heldFirst, theirs] = await Promise.all([
      silentPeer(fast.clusterPort),
      silentPeer(slow.clusterPort, { untilFirstPing: true }),
      silentPeer(held.clusterPort, { untilFirstPing: true }),
      ref && silentPeer(ref.clusterPort),
      waitFor(() => silent() === 1, 3000),
    ]);
    // The first PING within min(ping_interval, 1 s) + up to 20%, then one per ping_interval; closed at the next tick.
    assert.equal(ours.pings.length, 2, `PINGs at ${ours.pings.map(Math.round)} ms`);
    assert.ok(ours.pings[0] >= 280 && ours.pings[0] < 700, `first PING at ${ours.pings[0]} ms`);
    assert.ok(ours.pings[1] - ours.pings[0] >= 280, `PINGs at ${ours.pings.map(Math.round)} ms`);
    assert.ok(ours.stale, '-ERR \'Stale Connection\'');
    assert.ok(ours.closedAt - ours.pings[1] >= 280 && ours.closedAt < 2500, `closed at ${ours.closedAt} ms`);
    assert.equal(silent(), 0, 'the silent peer\'s interest is gone');
    assert.equal(fast.server.cluster.routes.size, 0);
    if (theirs !== null) {
      assert.equal(theirs.pings.length, ours.pings.length, `nats-server's PINGs at ${theirs.pings.map(Math.round)} ms`);
      assert.ok(theirs.stale);
    }
    assert.ok(first.pings[0] >= 950 && first.pings[0] < 1450, `first route PING at ${first.pings[0]} ms with ping_interval 1.5 s`);
    assert.ok(heldFirst.pings[0] >= 1450, `first route PING at ${heldFirst.pings[0]} ms with disable_short_first_ping`);
  } finally {
    await Promise.all([fast, slow, held, ref].map((n) => n?.close()));
  }
});

/** Route pings as nats-server 2.9 sends them: at the server's ping_interval, a route closed after ping_max unanswered. */
const FAST_PINGS = 'ping_interval: "300ms"\nping_max: 3';

/**
 * C is stopped (SIGSTOP) while A streams to B and C: A and B must find its routes stale
 * and drop its interest, keep serving, and take C back after SIGCONT.
 */
async function pauseUnderLoad(kinds, { routes = {}, holdMs = 600 } = {}) {
  const cluster = await processCluster(kinds, FAST_PINGS, routes);
  const { A, B, C } = cluster.nodes;
  const conns = [];
  try {
    const s = await setUp(A, B, C, conns);
    const stream = startStream(s.pa, ['f.data', 'f.q']);
    await waitFor(() => numbered(s.rec.cData, 's').length > 100 && [s.rec.aQ, s.rec.bQ, s.rec.cQ].every((l) => l.length > 20), 5000);

    C.signal('SIGSTOP');
    const stoppedAt = Date.now();
    await waitRoutes([A, B], 1, 5000);
    const cut = stream.seq;
    const took = Date.now() - stoppedAt;
    assert.ok(took >= 500, `routes to the stopped node closed after ${took} ms, before ping_max PINGs could go unanswered`);
    for (const n of [A, B]) assert.match(n.log, /Router connection closed: Stale Connection/, `${n.name} closed its route as stale`);
    await survivorsServe(A, B, s, stream);
    // Still stopped, still out: redials reach only its listen backlog.
    await sleep(holdMs);
    assert.deepEqual(await numRoutes([A, B]), [1, 1]);
    assert.deepEqual(await routeViews([A, B]), expectedViews(['A', 'B']));
    assert.equal(C.child.exitCode, null);

    C.signal('SIGCONT');
    await healed(A, B, C, s);
    const last = await stream.stop();
    await checkStream(s, last, cut);
    await healedDelivery(s.pa, [s.rec.bData, s.rec.cData], [s.rec.aQ, s.rec.bQ, s.rec.cQ]);
    assert.equal(await s.cc.request('f.svc', 'from-c', { timeout: 2000 }).then((m) => m.string()), 're:from-c');
  } catch (err) {
    err.message += `\n${cluster.logs()}`;
    throw err;
  } finally {
    haltStreams();
    C.signal('SIGCONT');
    await Promise.all(conns.map((nc) => nc.close().catch(() => {})));
    await cluster.stop();
  }
}

test('SIGSTOP a node past ping_interval × ping_max: its routes close as stale, the others keep serving without its interest; after SIGCONT it rejoins', { timeout: 30000 }, async () => {
  await pauseUnderLoad({ A: 'dialtone', B: 'dialtone', C: 'dialtone' });
});

// ---- cut routes -------------------------------------------------------------------------

/**
 * A TCP relay to `targetPort` that can cut every connection it carries (and refuse new
 * ones until it listens again), or hold everything as a partition does: nothing gets
 * through either way and no side is told (no FIN, no RST), connections made meanwhile
 * go nowhere, and what was held is delivered when the link heals, as TCP retransmits it.
 */
async function tcpProxy(targetPort) {
  const pairs = new Set();
  const waiting = [];
  let listener = null;
  let port = 0;
  let holding = false;
  const relay = (from, to) =>
    from.on('data', (chunk) => {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => holding || from.resume());
      }
    });
  const join = (down) => {
    const up = net.connect(targetPort, '127.0.0.1');
    const pair = [down, up];
    pairs.add(pair);
    const gone = () => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    for (const s of pair) s.on('error', gone).on('close', gone).on('end', gone);
    relay(down, up);
    relay(up, down);
    down.resume();
  };
  const proxy = {
    accepted: 0,
    get port() {
      return port;
    },
    get open() {
      return pairs.size;
    },
    async listen() {
      listener = net.createServer({ pauseOnConnect: true }, (down) => {
        proxy.accepted++;
        if (holding) {
          down.on('error', () => {});
          waiting.push(down);
        } else join(down);
      });
      await new Promise((resolve) => listener.listen(port, '127.0.0.1', resolve));
      port = listener.address().port;
    },
    /** Stops accepting (dials get "connection refused") and destroys every relayed connection. */
    async cut() {
      const l = listener;
      listener = null;
      const closed = new Promise((r) => l.close(r));
      for (const [down, up] of [...pairs]) {
        down.destroy();
        up.destroy();
      }
      pairs.clear();
      await closed;
    },
    /** Nothing gets through until `heal`. */
    hold() {
      holding = true;
      for (const pair of pairs) for (const s of pair) s.pause();
    },
    heal() {
      holding = false;
      for (const pair of pairs) for (const s of pair) s.resume();
      for (const down of waiting.splice(0)) join(down);
    },
    async close() {
      for (const down of waiting.splice(0)) down.destroy();
      if (listener !== null) await proxy.cut();
    },
  };
  await proxy.listen();
  return proxy;
}

/** Each node's test interest held by its routes, per peer, from in-process nodes' indexes (RouteSubscriptions by route). */
function inProcessViews(nodes) {
  const names = new Map(nodes.map((n) => [n.server.serverId, n.name]));
  return Object.fromEntries(
    nodes.map((n) => {
      const view = {};
      for (const route of n.server.cluster.routes) {
        if (!route.registered) continue;
        let peer = names.get(route.remoteId) ?? `?${route.remoteId}`;
        while (peer in view) peer += '+';
        view[peer] = [...route.subs.values()].filter((s) => s.subject.startsWith('f.')).map((s) => (s.queue ? `${s.subject} ${s.queue}` : s.subject)).sort();
      }
      return [n.name, view];
    }),
  );
}

/** Every remote subscription in each node's $G index belongs to a live registered route (nothing dangles). */
function assertNoOrphans(nodes) {
  for (const n of nodes) {
    const all = n.server.accounts.get('$G').sublist.all().filter((s) => s.constructor.name === 'RouteSubscription');
    for (const s of all) assert.ok(!s.client.closed && s.client.registered && n.server.cluster.remotes.get(s.client.remoteId) === s.client, `${n.name}: ${s.subject} held for a route that is gone`);
    const held = [...n.server.cluster.remotes.values()].reduce((k, r) => k + [...r.subs.values()].filter((s) => s.account.name === '$G').length, 0);
    assert.equal(all.length, held, `${n.name}: remote subscriptions in $G`);
  }
}

const CUT_LOCAL = { A: ['f.all', 'f.only.A'], B: ['f.all', 'f.only.B'], C: ['f.all', 'f.only.C'] };

test('cut a route from one side: both sides drop the peer\'s interest, the soliciting side reconnects, one route per pair again, messages flow once', { timeout: 30000 }, async () => {
  // A is the seed; B and C list it (configured, retried after a second); B–C forms by gossip.
  const A = await inProcessNode('A');
  const B = await inProcessNode('B', { routes: [A.routeUrl] });
  const C = await inProcessNode('C', { routes: [A.routeUrl] });
  const nodes = [A, B, C];
  const conns = [];
  try {
    await waitFor(() => nodes.every((n) => n.server.cluster.remotes.size === 2), 8000);
    const rec = {};
    for (const n of nodes) {
      const nc = await connect({ servers: n.url });
      conns.push(nc);
      rec[n.name] = { all: record(nc, 'f.all'), only: record(nc, `f.only.${n.name}`), nc };
    }
    await waitFor(() => JSON.stringify(sortKeys(inProcessViews(nodes))) === JSON.stringify(sortKeys(expectedViews(['A', 'B', 'C'], CUT_LOCAL))), 5000);
    const full = await settledTotals(nodes);
    const idOf = (n) => n.server.serverId;

    // 1. A cuts its (accepted) route to B: B, which dialled it, must notice and redial.
    const before = A.server.cluster.remotes.get(idOf(B));
    assert.equal(before.didSolicit, false);
    const cutAt = Date.now();
    before.socket.destroy();
    await waitFor(() => !A.server.cluster.remotes.has(idOf(B)) && !B.server.cluster.remotes.has(idOf(A)), 2000, 2);
    const seenIn = Date.now() - cutAt;
    // Both sides dropped the other's interest; the routes to C are untouched.
    assert.deepEqual(inProcessViews(nodes), {
      A: { C: [...CUT_LOCAL.C] },
      B: { C: [...CUT_LOCAL.C] },
      C: { A: [...CUT_LOCAL.A], B: [...CUT_LOCAL.B] },
    }, `views ${seenIn} ms after the cut`);
    assertNoOrphans(nodes);
    // The rest keep serving; what A publishes for B now has no route to take and is dropped, not queued.
    rec.A.nc.publish('f.only.C', 'during');
    rec.A.nc.publish('f.only.B', 'during');
    rec.C.nc.publish('f.all', 'c-during');
    await rec.A.nc.flush();
    await waitFor(() => rec.C.only.includes('during') && rec.A.all.includes('c-during') && rec.B.all.includes('c-during'), 2000);

    await waitFor(() => nodes.every((n) => n.server.cluster.remotes.size === 2), 5000);
    const after1 = B.server.cluster.remotes.get(idOf(A));
    assert.notEqual(after1, undefined);
    assert.equal(after1.didSolicit, true, 'B redialled A');
    assert.notEqual(A.server.cluster.remotes.get(idOf(B)), before);

    // 2. B cuts its own (gossiped, solicited) route to C: it redials at once.
    const bc = B.server.cluster.remotes.get(idOf(C));
    const cb = C.server.cluster.remotes.get(idOf(B));
    const solicitor = bc.didSolicit ? B : C;
    (bc.didSolicit ? bc : cb).socket.destroy();
    await waitFor(() => B.server.cluster.remotes.get(idOf(C)) !== bc && C.server.cluster.remotes.get(idOf(B)) !== cb && nodes.every((n) => n.server.cluster.remotes.size === 2), 5000);
    assert.equal(solicitor.server.cluster.remotes.get(idOf(solicitor === B ? C : B)).didSolicit, true);

    // Healed: one connection per pair (no duplicates still open), exact interest, nothing left over.
    await waitFor(() => nodes.every((n) => n.server.cluster.routes.size === 2), 3000);
    await waitFor(() => JSON.stringify(sortKeys(inProcessViews(nodes))) === JSON.stringify(sortKeys(expectedViews(['A', 'B', 'C'], CUT_LOCAL))), 5000);
    assert.deepEqual(inProcessViews(nodes), expectedViews(['A', 'B', 'C'], CUT_LOCAL));
    assertNoOrphans(nodes);
    await waitTotals(nodes, full);
    for (const n of nodes) {
      rec[n.name].nc.publish('f.all', `after-${n.name}`);
      for (const p of nodes) if (p !== n) rec[n.name].nc.publish(`f.only.${p.name}`, `after-${n.name}`);
    }
    await Promise.all(conns.map((nc) => nc.flush()));
    await waitFor(() => nodes.every((n) => rec[n.name].all.filter((m) => m.startsWith('after-')).length === 3 && rec[n.name].only.filter((m) => m.startsWith('after-')).length === 2), 3000);
    await sleep(100);
    for (const n of nodes) {
      assert.deepEqual(rec[n.name].all.filter((m) => m.startsWith('after-')).sort(), ['after-A', 'after-B', 'after-C']);
      assert.deepEqual(rec[n.name].only.filter((m) => m.startsWith('after-')).sort(), nodes.filter((p) => p !== n).map((p) => `after-${p.name}`));
    }
    assert.deepEqual(rec.B.only, ['after-A', 'after-C'], 'what A published for B during the cut was dropped, not delivered later');
  } finally {
    await Promise.all(conns.map((nc) => nc.close().catch(() => {})));
    await Promise.all(nodes.map((n) => n.close()));
  }
});

/** Two in-process nodes, A dialling B through a proxy; one client on each, recording f.all and f.only.<name>. */
async function proxiedPair(config = {}) {
  const [clusterPortB] = await freePorts(1);
  const B = await inProcessNode('B', { clusterPort: clusterPortB, ...config });
  const proxy = await tcpProxy(clusterPortB);
  const A = await inProcessNode('A', { routes: [`nats-route://127.0.0.1:${proxy.port}`], ...config });
  const nodes = [A, B];
  const rec = {};
  const conns = [];
  const close = async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => {})));
    await proxy.close();
    await Promise.all(nodes.map((n) => n.close()));
  };
  try {
    await waitFor(() => nodes.every((n) => n.server.cluster.remotes.size === 1), 8000);
    for (const n of nodes) {
      const nc = await connect({ servers: n.url });
      conns.push(nc);
      rec[n.name] = { all: record(nc, 'f.all'), only: record(nc, `f.only.${n.name}`), nc };
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { A, B, nodes, proxy, rec, conns, close };
}

const PAIR_LOCAL = { A: ['f.all', 'f.only.A'], B: ['f.all', 'f.only.B'] };

/** Each side publishes f.all and the other's f.only.<name> with `tag`: afterwards each must hold exactly those. */
async function exchange({ nodes, rec, conns }, tag) {
  for (const n of nodes) {
    rec[n.name].nc.publish('f.all', `${tag}-${n.name}`);
    rec[n.name].nc.publish(`f.only.${n.name === 'A' ? 'B' : 'A'}`, `${tag}-${n.name}`);
  }
  await Promise.all(conns.map((nc) => nc.flush()));
  const mine = (l) => l.filter((m) => m.startsWith(`${tag}-`));
  await waitFor(() => nodes.every((n) => mine(rec[n.name].all).length === 2 && mine(rec[n.name].only).length === 1), 3000);
  await sleep(100);
  for (const n of nodes) {
    assert.deepEqual(mine(rec[n.name].all).sort(), [`${tag}-A`, `${tag}-B`]);
    assert.deepEqual(mine(rec[n.name].only), [`${tag}-${n.name === 'A' ? 'B' : 'A'}`]);
  }
}

test('a route cut in the network and held down: both sides drop the interest and keep serving, redials fail until the link is back, interest changed meanwhile arrives as it is now', { timeout: 30000 }, async () => {
  const pair = await proxiedPair();
  const { A, B, nodes, proxy, rec } = pair;
  try {
    await waitFor(() => JSON.stringify(sortKeys(inProcessViews(nodes))) === JSON.stringify(sortKeys(expectedViews(['A', 'B'], PAIR_LOCAL))), 5000);
    await exchange(pair, 'before');
    assert.equal(proxy.accepted, 1);

    await proxy.cut();
    await waitFor(() => nodes.every((n) => n.server.cluster.remotes.size === 0), 3000, 5);
    assert.deepEqual(inProcessViews(nodes), { A: {}, B: {} });
    assertNoOrphans(nodes);
    // While the link is down B's interest changes: one subject goes, one comes, its queue group grows to two.
    const nb = rec.B.nc;
    const gone = nb.subscribe('f.gone');
    await nb.flush();
    gone.unsubscribe();
    const fresh = record(nb, 'f.fresh');
    const w1 = record(nb, 'f.work', { queue: 'g' });
    const nb2 = await connect({ servers: B.url });
    pair.conns.push(nb2);
    const w2 = record(nb2, 'f.work', { queue: 'g' });
    await nb2.flush();
    await nb.flush();
    // Held down past a redial: each side serves its own clients, nothing crosses.
    await sleep(1300);
    assert.deepEqual(nodes.map((n) => n.server.cluster.routes.size), [0, 0], 'no route, not even half-open');
    assert.equal(proxy.accepted, 1);
    for (const n of nodes) rec[n.name].nc.publish('f.all', `cut-${n.name}`);
    await Promise.all(pair.conns.map((nc) => nc.flush()));
    await waitFor(() => rec.A.all.includes('cut-A') && rec.B.all.includes('cut-B'), 2000);

    await proxy.listen();
    const local = { A: PAIR_LOCAL.A, B: [...PAIR_LOCAL.B, 'f.fresh', 'f.work g'] };
    await waitFor(() => nodes.every((n) => n.server.cluster.remotes.size === 1), 5000);
    await waitFor(() => JSON.stringify(sortKeys(inProcessViews(nodes))) === JSON.stringify(sortKeys(expectedViews(['A', 'B'], local))), 5000);
    await sleep(200);
    assert.deepEqual(inProcessViews(nodes), expectedViews(['A', 'B'], local));
    const work = [...A.server.cluster.remotes.values()][0].subs.get('$G f.work g');
    assert.equal(work.weight, 2, 'the queue group arrives with its current member count');
    assert.equal(proxy.open, 1, 'one relayed connection: one route');
    assert.deepEqual(nodes.map((n) => n.server.cluster.routes.size), [1, 1]);
    assertNoOrphans(nodes);
    await exchange(pair, 'back');
    for (const n of nodes) assert.deepEqual(rec[n.name].all.filter((m) => m.startsWith('cut-')), [`cut-${n.name}`], 'nothing crossed the cut');
    for (let k = 0; k < 100; k++) rec.A.nc.publish('f.work', `w${k}`);
    rec.A.nc.publish('f.fresh', 'fresh');
    rec.A.nc.publish('f.gone', 'gone');
    await rec.A.nc.flush();
    await waitFor(() => w1.length + w2.length === 100 && fresh.length === 1, 3000);
    assert.ok(w1.length > 0 && w2.length > 0, `both members of B's queue group get some (${w1.length}, ${w2.length})`);
    assert.equal(new Set([...w1, ...w2]).size, 100);
  } finally {
    await pair.close();
  }
});

test('a partition (nothing gets through, no FIN, no RST): both sides close the route as stale after ping_max PINGs, drop the interest, and re-form it when the link heals', { timeout: 30000 }, async () => {
  const pair = await proxiedPair({ ping_interval: '300ms', ping_max: 3 });
  const { A, B, nodes, proxy } = pair;
  try {
    await waitFor(() => JSON.stringify(sortKeys(inProcessViews(nodes))) === JSON.stringify(sortKeys(expectedViews(['A', 'B'], PAIR_LOCAL))), 5000);
    const full = await settledTotals(nodes);
    const [ab, ba] = [A, B].map((n) => [...n.server.cluster.remotes.values()][0]);
    proxy.hold();
    const at = Date.now();
    await waitFor(() => ab.closed && ba.closed, 5000, 10);
    const took = Date.now() - at;
    assert.equal(ab.closeReason, 'Stale Connection');
    assert.equal(ba.closeReason, 'Stale Connection');
    assert.ok(took >= 500, `closed after ${took} ms`);
    assert.deepEqual(nodes.map((n) => n.server.cluster.remotes.size), [0, 0]);
    assert.deepEqual(inProcessViews(nodes), { A: {}, B: {} });
    assertNoOrphans(nodes);
    // Redials get no further than the proxy: they never register, and go stale too.
    await sleep(1500);
    assert.deepEqual(nodes.map((n) => n.server.cluster.remotes.size), [0, 0]);
    assert.ok(proxy.accepted >= 2, 'A kept redialling');
    // Each side serves its own clients; nothing crosses.
    const { rec } = pair;
    for (const n of nodes) rec[n.name].nc.publish('f.all', `apart-${n.name}`);
    await Promise.all(pair.conns.map((nc) => nc.flush()));
    await waitFor(() => rec.A.all.includes('apart-A') && rec.B.all.includes('apart-B'), 2000);

    proxy.heal();
    await waitFor(() => nodes.every((n) => n.server.cluster.remotes.size === 1), 6000);
    await waitFor(() => JSON.stringify(sortKeys(inProcessViews(nodes))) === JSON.stringify(sortKeys(expectedViews(['A', 'B'], PAIR_LOCAL))), 5000);
    await waitTotals(nodes, full);
    await waitFor(() => nodes.every((n) => n.server.cluster.routes.size === 1), 3000);
    assertNoOrphans(nodes);
    await exchange(pair, 'healed');
    for (const n of nodes) assert.deepEqual(rec[n.name].all.filter((m) => m.startsWith('apart-')), [`apart-${n.name}`], 'nothing crossed the partition, nor came late');
  } finally {
    await pair.close();
  }
});
