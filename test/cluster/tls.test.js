// TLS on routes, as nats-server 2.9 does it: the handshake comes first on both sides
// (no INFO in plain text), each server verifies the other's certificate against its
// ca_file, and a server that cannot complete the handshake gets no route while the
// rest of the cluster keeps working. Mixed with Debian's nats-server both ways when
// it is installed. Certificates are made fresh by openssl for each run.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import dns from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { before, test } from 'node:test';
import { buildVarz } from '../../dist/monitor/varz.js';
import { loadConfigObject } from '../../dist/options/config.js';
import { makeRouteCertificates } from '../support/certs.js';
import { closeAll, collect, connectTo, hasNatsServer, sleep, startCluster, startNatsNode, startNode, syncInterest, waitFor, waitForMesh } from './_helpers.js';

let certs;
let foreign;
before(() => {
  certs = makeRouteCertificates();
  foreign = makeRouteCertificates();
});

/** A cluster tls block with the shared CA and `which` certificate of `set`. */
const routeTls = (extra = {}, set = certs, which = 'node') => ({ cert_file: set[which].cert, key_file: set[which].key, ca_file: set.ca, ...extra });

/** A logger that keeps the info, warning and error lines. */
function captureLogger() {
  const lines = [];
  const keep = (level) => (msg) => lines.push(`[${level}] ${msg}`);
  return { lines, logger: { debugEnabled: false, traceEnabled: false, info: keep('INF'), warn: keep('WRN'), error: keep('ERR'), fatal: keep('FTL'), debug() {}, trace() {} } };
}

const routeSockets = (node) => [...node.server.cluster.remotes.values()].map((r) => r.socket);

/** Publishes on `from` and waits for the message at every node in `to`. */
async function carries(from, ...to) {
  const pub = await connectTo(from);
  const subs = await Promise.all(to.map((n) => connectTo(n)));
  try {
    const cols = subs.map((nc) => collect(nc, 'tls.>'));
    await syncInterest(pub, ...subs);
    pub.publish('tls.x', 'over tls');
    await pub.flush();
    await waitFor(() => cols.every((c) => c.msgs.length === 1), 5000);
    assert.deepEqual(cols.map((c) => c.msgs[0].string()), to.map(() => 'over tls'));
  } finally {
    await closeAll(pub, ...subs);
  }
}

/** Everything the route port sends within `ms` to a TLS client presenting `opts`; resolves { text, closed }. */
function tlsProbe(port, opts, ms = 1000) {
  return new Promise((resolve) => {
    let text = '';
    const socket = tls.connect({ host: '127.0.0.1', port, ...opts });
    const done = (closed) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('data', (d) => (text += d));
    socket.on('error', () => {});
    socket.on('close', () => done(true));
  });
}

test('cluster { tls {...} } is parsed with the client tls block\'s keys', () => {
  const { options } = loadConfigObject({ cluster: { listen: '127.0.0.1:-1', tls: { cert_file: 'c.pem', key_file: 'k.pem', ca_file: 'ca.pem', timeout: 0.5, insecure: true, cipher_suites: ['TLS_AES_128_GCM_SHA256'] } } });
  const t = options.cluster.tls;
  assert.deepEqual([t.certFile, t.keyFile, t.caFile, t.timeoutMs, t.insecure, t.cipherSuites], ['c.pem', 'k.pem', 'ca.pem', 500, true, ['TLS_AES_128_GCM_SHA256']]);
  assert.equal(loadConfigObject({ cluster: { listen: '127.0.0.1:-1' } }).options.cluster.tls, null);
  assert.throws(() => loadConfigObject({ cluster: { tls: { bogus: 1 } } }), /error parsing tls config, unknown field \["bogus"\]/);
});

test('a missing certificate file is a startup error naming it', async () => {
  await assert.rejects(startNode({ name: 'bad', cluster: { tls: { ...routeTls(), cert_file: '/nonexistent/route.pem' } } }), /open \/nonexistent\/route\.pem: no such file or directory/);
});

test('three Dialtone nodes with TLS routes mesh from one seed (gossip included) and carry messages', async () => {
  const nodes = await startCluster(3, { cluster: { tls: routeTls() } });
  try {
    for (const n of nodes) assert.ok(routeSockets(n).every((s) => s instanceof tls.TLSSocket && s.authorized), 'every route is TLS with a verified peer');
    await carries(nodes[0], nodes[1], nodes[2]);
    await carries(nodes[2], nodes[0]);
    const varz = buildVarz(nodes[1].server).cluster;
    assert.deepEqual([varz.tls_required, varz.tls_verify, varz.tls_timeout, varz.auth_timeout], [true, true, 2, 3]);
  } finally {
    await closeAll(nodes);
  }
});

test('the route port speaks TLS first: no INFO in plain text, INFO with tls_required/tls_verify over TLS, a client certificate required, the handshake timeout', async () => {
  const { lines, logger } = captureLogger();
  const node = await startNode({ name: 'probe', logger, cluster: { tls: routeTls({ timeout: 0.5 }) } });
  try {
    // Plain TCP: the server waits for a ClientHello, says nothing, and gives up after the timeout.
    const started = Date.now();
    const plain = await new Promise((resolve) => {
      let text = '';
      const s = net.connect(node.clusterPort, '127.0.0.1');
      s.on('data', (d) => (text += d));
      s.on('error', () => {});
      s.on('close', () => resolve({ text, ms: Date.now() - started }));
      setTimeout(() => s.destroy(), 3000);
    });
    assert.equal(plain.text, '');
    assert.ok(plain.ms >= 400 && plain.ms < 2500, `closed after ${plain.ms} ms`);
    await waitFor(() => lines.some((l) => /\[ERR\] .* - TLS route handshake error: .*timeout/i.test(l)));

    const ok = await tlsProbe(node.clusterPort, { ca: readFileSync(certs.ca), cert: readFileSync(certs.node.cert), key: readFileSync(certs.node.key) }, 500);
    const info = JSON.parse(ok.text.slice(5, ok.text.indexOf('\r\n')));
    assert.equal(ok.text.slice(0, 5), 'INFO ');
    assert.deepEqual([info.tls_required, info.tls_verify, 'auth_required' in info], [true, true, false]);

    const noCert = await tlsProbe(node.clusterPort, { ca: readFileSync(certs.ca) });
    assert.deepEqual(noCert, { text: '', closed: true });
  } finally {
    await closeAll(node);
  }
});

test('a node whose certificate comes from a foreign CA gets no route, either way; the others keep working', async () => {
  const a = await startNode({ name: 'a', cluster: { tls: routeTls() } });
  const { lines, logger } = captureLogger();
  // x dials a (a refuses x's certificate, x refuses a's); b dials a and x.
  const x = await startNode({ name: 'x', logger, routes: [a.routeUrl], cluster: { tls: routeTls({}, foreign) } });
  const b = await startNode({ name: 'b', routes: [a.routeUrl, x.routeUrl], cluster: { tls: routeTls() } });
  try {
    await waitForMesh([a, b]);
    // Long enough for the configured routes to be retried (every second).
    await sleep(1500);
    assert.deepEqual(await Promise.all([a, b, x].map((n) => n.numRoutes())), [1, 1, 0]);
    assert.ok(lines.some((l) => /TLS route handshake error/.test(l)), lines.join('\n'));
    await carries(a, b);
    await carries(b, a);
  } finally {
    await closeAll(a, b, x);
  }
});

test('a node without TLS gets no route to a TLS cluster, either way; the others keep working', async () => {
  const { lines, logger } = captureLogger();
  const a = await startNode({ name: 'a', logger, cluster: { tls: routeTls() } });
  const p = await startNode({ name: 'plain', routes: [a.routeUrl] });
  const b = await startNode({ name: 'b', routes: [a.routeUrl, p.routeUrl], cluster: { tls: routeTls() } });
  try {
    await waitForMesh([a, b]);
    await sleep(1500);
    assert.deepEqual(await Promise.all([a, b, p].map((n) => n.numRoutes())), [1, 1, 0]);
    assert.ok(lines.some((l) => /\[ERR\] 127\.0\.0\.1:\d+ - rid:\d+ - TLS route handshake error: /.test(l)), lines.join('\n'));
    await carries(b, a);
  } finally {
    await closeAll(a, b, p);
  }
});

test('insecure: a soliciting node skips checking the peer\'s certificate, and is still checked by it', async () => {
  const { lines, logger } = captureLogger();
  const a = await startNode({ name: 'a', cluster: { tls: routeTls() } });
  // b trusts only the foreign CA, so only `insecure` lets it accept a's certificate; a verifies b's as always.
  const b = await startNode({ name: 'b', logger, routes: [a.routeUrl], cluster: { tls: { ...routeTls({ insecure: true }), ca_file: foreign.ca } } });
  try {
    await waitForMesh([a, b]);
    assert.ok(lines.some((l) => l.startsWith('[WRN] TLS certificate chain and hostname of solicited routes will not be verified')), lines.join('\n'));
    await carries(a, b);
  } finally {
    await closeAll(a, b);
  }
});

test('verify_and_map: the peer\'s certificate must name the cluster user; pinned_certs', async () => {
  const spki = (file) => createHash('sha256').update(new X509Certificate(readFileSync(file)).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  const mapped = { tls: routeTls({ verify_and_map: true, pinned_certs: [spki(certs.node.cert), spki(certs.other.cert)] }), authorization: { user: 'localhost', password: 'unused' } };
  const seen = captureLogger();
  const a = await startNode({ name: 'a', logger: seen.logger, cluster: mapped });
  // No credentials in the route URL: the certificate (DNS:localhost) is the identity.
  const b = await startNode({ name: 'b', routes: [a.routeUrl], cluster: mapped });
  // Same CA and pinned, but its certificate names other.example.
  const o = await startNode({ name: 'o', routes: [a.routeUrl], cluster: { ...mapped, tls: { ...mapped.tls, cert_file: certs.other.cert, key_file: certs.other.key } } });
  // Its certificate is one a accepts, but it pins only other's, so it refuses a's.
  const { lines, logger } = captureLogger();
  const u = await startNode({ name: 'u', logger, routes: [a.routeUrl], cluster: { ...mapped, tls: { ...mapped.tls, pinned_certs: [spki(certs.other.cert)] } } });
  try {
    await waitForMesh([a, b]);
    await sleep(1500);
    assert.deepEqual(await Promise.all([a, b, o, u].map((n) => n.numRoutes())), [1, 1, 0, 0]);
    assert.ok(seen.lines.some((l) => /\[ERR\] .* - authentication error/.test(l)), seen.lines.join('\n'));
    assert.ok(lines.some((l) => /TLS route handshake error: certificate not pinned/.test(l)), lines.join('\n'));
    await carries(a, b);
  } finally {
    await closeAll(a, b, o, u);
  }
});

const localhostIsOnlyIPv4 = (await dns.lookup('localhost', { all: true })).every((a) => a.address === '127.0.0.1');

test('a route dialled by IP address (gossip) checks the certificate for the host name of the configured routes', { skip: !localhostIsOnlyIPv4 && 'localhost resolves to more than 127.0.0.1 here' }, async () => {
  // The certificates name localhost and no address: c reaches b only through the name it dialled a by.
  const cluster = { tls: routeTls({}, certs, 'named') };
  const a = await startNode({ name: 'a', cluster });
  const seed = `nats-route://localhost:${a.clusterPort}`;
  const b = await startNode({ name: 'b', routes: [seed], cluster });
  const c = await startNode({ name: 'c', routes: [seed], cluster });
  try {
    await waitForMesh([a, b, c]);
    await carries(b, c);
  } finally {
    await closeAll(a, b, c);
  }
});

test('mixed: Dialtone and nats-server with TLS routes both ways carry pub/sub', { skip: !hasNatsServer && 'nats-server is not installed' }, async () => {
  const tlsText = `  tls {\n    cert_file: "${certs.node.cert}"\n    key_file: "${certs.node.key}"\n    ca_file: "${certs.ca}"\n    timeout: 2\n  }\n`;
  // nats-server dials Dialtone's d0; d1 dials nats-server; gossip makes d1 dial d0.
  const d0 = await startNode({ name: 'd0', cluster: { tls: routeTls() } });
  const n = await startNatsNode({ name: 'n1', routes: [d0.routeUrl], clusterExtra: tlsText });
  const d1 = await startNode({ name: 'd1', routes: [n.routeUrl], cluster: { tls: routeTls() } });
  try {
    await waitForMesh([d0, n, d1], 10000);
    for (const d of [d0, d1]) assert.ok(routeSockets(d).every((s) => s instanceof tls.TLSSocket && s.authorized));
    await carries(n, d0, d1);
    await carries(d0, n, d1);
    await carries(d1, n, d0);
  } finally {
    await closeAll(d0, n, d1);
  }
});

test('mixed: nats-server refuses a Dialtone node with a foreign certificate, and Dialtone refuses such a nats-server', { skip: !hasNatsServer && 'nats-server is not installed' }, async () => {
  const tlsText = (set) => `  tls {\n    cert_file: "${set.node.cert}"\n    key_file: "${set.node.key}"\n    ca_file: "${set.ca}"\n  }\n`;
  const d0 = await startNode({ name: 'd0', cluster: { tls: routeTls() } });
  const n = await startNatsNode({ name: 'n1', routes: [d0.routeUrl], clusterExtra: tlsText(certs) });
  const dx = await startNode({ name: 'dx', routes: [n.routeUrl], cluster: { tls: routeTls({}, foreign) } });
  const nx = await startNatsNode({ name: 'nx', routes: [d0.routeUrl], clusterExtra: tlsText(foreign) });
  try {
    await waitForMesh([d0, n]);
    await sleep(1500);
    assert.deepEqual(await Promise.all([d0, n, dx, nx].map((x) => x.numRoutes())), [1, 1, 0, 0]);
    assert.match(n.log(), /TLS route handshake error/);
    await carries(d0, n);
  } finally {
    await closeAll(d0, n, dx, nx);
  }
});
