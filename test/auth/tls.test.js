// TLS for client connections: INFO in plain text then the upgrade, client
// certificates (verify), handshake_first, allow_non_tls, the handshake timeout and
// certificate file errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeCertificates } from '../support/certs.js';
import { parseInfo, rawConnect } from '../support/raw.js';
import { ROOT, runCli, startDialtone } from '../support/servers.js';
import { ERR, closeAll, collect, connectV2, connectV3, rawTlsConnect, rejection, sleep, startDialtoneConf, writeConf } from './_helpers.js';

let certs;
let otherCerts;
before(() => {
  certs = makeCertificates();
  otherCerts = makeCertificates();
});

const serverTls = (extra = {}) => ({ cert_file: certs.server.cert, key_file: certs.server.key, ...extra });
const afterInfo = (c) => c.text.slice(c.text.indexOf('\r\n') + 2);

/** CONNECT + PING over an upgraded raw client; resolves with what came back (PONG or an -ERR and close). */
async function talk(client, input = 'CONNECT {"verbose":false}\r\nPING\r\n') {
  client.send(input);
  await client.waitUntil((t, c) => c.closed || t.includes('PONG\r\n'));
  return client.text;
}

test('tls {cert_file, key_file}: plain-text INFO with tls_required, then TLS; raw and official clients work', async () => {
  const s = await startDialtoneConf({ tls: serverTls() });
  const conns = [];
  try {
    const { client, info, ok } = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(ok, true);
    assert.equal(info.tls_required, true);
    assert.equal('tls_verify' in info, false);
    assert.equal('tls_available' in info, false);
    assert.equal('auth_required' in info, false);
    assert.equal(await talk(client, 'CONNECT {"verbose":false}\r\nSUB t 1\r\nPUB t 2\r\nhi\r\nPING\r\n'), 'MSG t 1 2\r\nhi\r\nPONG\r\n');
    client.close();

    const a = await connectV3(s.url, { tls: { caFile: certs.ca } });
    const b = await connectV2(s.url, { tls: { caFile: certs.ca } });
    conns.push(a, b);
    assert.equal(a.info.tls_required, true);
    const got = collect(b, 'secure.>');
    await b.flush();
    a.publish('secure.x', 'over tls');
    await a.flush();
    await b.flush();
    assert.deepEqual(got.msgs.map((m) => m.string()), ['over tls']);
  } finally {
    await closeAll(conns);
    await s.close();
  }
});

test('tls: a client that does not trust the server certificate fails to connect', async () => {
  const s = await startDialtoneConf({ tls: serverTls() });
  try {
    const err = await rejection(connectV3(s.url, { tls: { caFile: otherCerts.ca } }));
    assert.match(String(err.message), /certificate/i);
  } finally {
    await s.close();
  }
});

test('tls: a plain-text CONNECT instead of a TLS handshake is dropped without any -ERR', async () => {
  const s = await startDialtoneConf({ tls: serverTls() });
  try {
    const c = await rawConnect(s.port, null);
    c.send('CONNECT {"verbose":false}\r\nPING\r\n');
    await c.waitClosed();
    assert.equal(afterInfo(c), '');
  } finally {
    await s.close();
  }
});

test('tls: a plain-text client that never starts TLS is closed after tls.timeout, with nothing sent after INFO (as nats-server 2.9.10)', async () => {
  // nats-server writes its 'Secure Connection - TLS Required' error into the unfinished
  // TLS connection, so nothing reaches the wire (checked in differential.test.js).
  const s = await startDialtoneConf({ tls: serverTls({ timeout: 0.5 }) });
  try {
    const c = await rawConnect(s.port, null);
    const t0 = Date.now();
    await c.waitClosed(3000);
    const took = Date.now() - t0;
    assert.ok(took >= 400 && took < 1500, `closed after ${took} ms`);
    assert.equal(afterInfo(c), '', 'no bytes after INFO');
  } finally {
    await s.close();
  }
});

test('tls with auth: the default auth timeout is tls.timeout + 1 s; credentials are checked over TLS', async () => {
  const s = await startDialtoneConf({ tls: serverTls({ timeout: 0.5 }), authorization: { user: 'u', password: 'p' } });
  try {
    const idle = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(idle.ok, true);
    assert.equal(idle.info.auth_required, true);
    assert.equal(idle.info.tls_required, true);
    const t0 = Date.now();
    await idle.client.waitClosed(4000);
    const took = Date.now() - t0;
    assert.equal(idle.client.text, ERR.authTimeout);
    assert.ok(took >= 1100 && took < 2500, `Authentication Timeout after ${took} ms (expected ≈1.5 s)`);

    const bad = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(await talk(bad.client, 'CONNECT {"verbose":false,"user":"u","pass":"x"}\r\nPING\r\n'), ERR.authViolation);
    await bad.client.waitClosed();
    const good = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(await talk(good.client, 'CONNECT {"verbose":false,"user":"u","pass":"p"}\r\nPING\r\n'), 'PONG\r\n');
    good.client.close();
    const nc = await connectV3(s.url, { user: 'u', pass: 'p', tls: { caFile: certs.ca } });
    await nc.flush();
    await nc.close();
  } finally {
    await s.close();
  }
});

test('verify: true — INFO has tls_verify; a client certificate from the CA is required', async () => {
  const s = await startDialtoneConf({ tls: serverTls({ ca_file: certs.ca, verify: true }) });
  try {
    const none = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(none.info.tls_verify, true);
    assert.equal(none.info.tls_required, true);
    if (none.ok === true) {
      // TLS 1.3: the server refuses the missing certificate after the client finished.
      none.client.send('CONNECT {"verbose":false}\r\nPING\r\n');
      await none.client.waitClosed();
    }
    assert.equal(none.client.text, '', 'no NATS bytes without a certificate');

    const good = await rawTlsConnect(s.port, { ca: certs.ca, cert: certs.dnClient.cert, key: certs.dnClient.key });
    assert.equal(good.ok, true);
    assert.equal(await talk(good.client), 'PONG\r\n');
    good.client.close();

    const e = await rejection(connectV3(s.url, { tls: { caFile: certs.ca } }));
    assert.ok(e instanceof Error);
    const nc3 = await connectV3(s.url, { tls: { caFile: certs.ca, certFile: certs.emailClient.cert, keyFile: certs.emailClient.key } });
    const nc2 = await connectV2(s.url, { tls: { caFile: certs.ca, certFile: certs.dnsClient.cert, keyFile: certs.dnsClient.key } });
    try {
      assert.equal(nc3.info.tls_verify, true);
      const got = collect(nc2, 'v');
      await nc2.flush();
      nc3.publish('v', 'verified');
      await nc3.flush();
      await nc2.flush();
      assert.deepEqual(got.msgs.map((m) => m.string()), ['verified']);
    } finally {
      await closeAll(nc3, nc2);
    }
  } finally {
    await s.close();
  }
});

test('verify: true — a client certificate issued by another CA is refused in the handshake', async () => {
  const s = await startDialtoneConf({ tls: serverTls({ ca_file: certs.ca, verify: true }) });
  try {
    const foreign = await rawTlsConnect(s.port, { ca: certs.ca, cert: otherCerts.emailClient.cert, key: otherCerts.emailClient.key });
    if (foreign.ok === true) {
      foreign.client.send('CONNECT {"verbose":false}\r\nPING\r\n');
      await foreign.client.waitUntil((t, c) => c.closed || t.includes('PONG'));
    }
    assert.equal(foreign.client.text, '', `a certificate from another CA is refused; got ${JSON.stringify(foreign.client.text)}`);
    foreign.client.close();
    const e = await rejection(connectV3(s.url, { tls: { caFile: certs.ca, certFile: otherCerts.dnClient.cert, keyFile: otherCerts.dnClient.key }, timeout: 2000 }));
    assert.ok(e instanceof Error);
  } finally {
    await s.close();
  }
});

test('verify: true — a client certificate without the clientAuth extended key usage is refused in the handshake', async () => {
  // The server certificate (extendedKeyUsage=serverAuth only) is signed by the trusted CA;
  // Go's crypto/tls, and so nats-server, refuses it as a client certificate.
  const s = await startDialtoneConf({ tls: serverTls({ ca_file: certs.ca, verify: true }) });
  try {
    const r = await rawTlsConnect(s.port, { ca: certs.ca, cert: certs.server.cert, key: certs.server.key });
    if (r.ok === true) {
      r.client.send('CONNECT {"verbose":false}\r\nPING\r\n');
      await r.client.waitUntil((t, c) => c.closed || t.includes('PONG'));
    }
    assert.equal(r.client.text, '', `got ${JSON.stringify(r.client.text)}`);
    r.client.close();
  } finally {
    await s.close();
  }
});

test('handshake_first: TLS before INFO; the v3 client with handshakeFirst connects, others do not', async () => {
  const s = await startDialtoneConf({ tls: serverTls({ handshake_first: true, timeout: 1 }) });
  try {
    // A plain-text client gets no INFO: the server waits for a ClientHello.
    const plain = await import('node:net').then(({ default: net }) => net.connect(s.port, '127.0.0.1'));
    let plainBytes = '';
    plain.on('data', (d) => (plainBytes += d.toString('latin1')));
    plain.on('error', () => {});
    await sleep(300);
    assert.equal(plainBytes, '', 'no plain-text INFO with handshake_first');
    plain.destroy();

    const first = await rawTlsConnect(s.port, { ca: certs.ca, handshakeFirst: true });
    assert.equal(first.ok, true);
    await first.client.expect(/^INFO \{.*\} ?\r\n/);
    const info = parseInfo(first.client.text);
    assert.equal(info.tls_required, true);
    first.client.clear();
    assert.equal(await talk(first.client), 'PONG\r\n');
    first.client.close();

    const nc = await connectV3(s.url, { tls: { caFile: certs.ca, handshakeFirst: true } });
    const got = collect(nc, 'hf');
    nc.publish('hf', 'first');
    await nc.flush();
    assert.deepEqual(got.msgs.map((m) => m.string()), ['first']);
    await nc.close();

    const e = await rejection(connectV3(s.url, { tls: { caFile: certs.ca }, timeout: 2000 }));
    assert.ok(e instanceof Error);
  } finally {
    await s.close();
  }
});

test('allow_non_tls: INFO has tls_available (no tls_required); TLS clients (raw and official) connect', async () => {
  const s = await startDialtoneConf({ tls: serverTls(), allow_non_tls: true });
  try {
    const secure = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(secure.ok, true);
    assert.equal(secure.info.tls_available, true);
    assert.equal('tls_required' in secure.info, false);
    assert.equal(await talk(secure.client, 'CONNECT {"verbose":false}\r\nSUB mix 1\r\nPUB mix 6\r\nsecure\r\nPING\r\n'), 'MSG mix 1 6\r\nsecure\r\nPONG\r\n');
    secure.client.close();
    const nc = await connectV3(s.url, { tls: { caFile: certs.ca } });
    assert.equal(nc.info.tls_available, true);
    await nc.flush();
    await nc.close();
  } finally {
    await s.close();
  }
});

test('allow_non_tls: plain-text clients (raw, v3 with tls: null, v2) are served and talk with TLS clients', async () => {
  const s = await startDialtoneConf({ tls: serverTls(), allow_non_tls: true });
  const conns = [];
  const plain = await rawConnect(s.port, null);
  try {
    plain.send('CONNECT {"verbose":false}\r\nSUB mix 1\r\nPING\r\n');
    await plain.waitUntil((t, c) => c.closed || t.includes('PONG\r\n'));
    assert.equal(afterInfo(plain), 'PONG\r\n');
    const secure = await rawTlsConnect(s.port, { ca: certs.ca });
    assert.equal(await talk(secure.client, 'CONNECT {"verbose":false}\r\nPUB mix 6\r\nsecure\r\nPING\r\n'), 'PONG\r\n');
    secure.client.close();
    await plain.expect('MSG mix 1 6\r\nsecure\r\n');
    plain.close();

    const tlsClient = await connectV3(s.url, { tls: { caFile: certs.ca } });
    conns.push(tlsClient);
    const plainClient = await connectV3(s.url, { tls: null });
    conns.push(plainClient);
    const plainV2 = await connectV2(s.url, { tls: null });
    conns.push(plainV2);
    const got = collect(tlsClient, 'mix');
    await tlsClient.flush();
    plainClient.publish('mix', 'plain v3');
    plainV2.publish('mix', 'plain v2');
    await plainClient.flush();
    await plainV2.flush();
    await tlsClient.flush();
    assert.deepEqual(got.msgs.map((m) => m.string()).sort(), ['plain v2', 'plain v3']);
  } finally {
    plain.close();
    await closeAll(conns);
    // Let the server see the close before shutting down (see the last test of this file).
    await sleep(100);
    await s.close();
  }
});

test('a missing certificate file is a start-up error naming the file', async () => {
  const missing = '/nonexistent/dialtone-test/cert.pem';
  const err = await rejection(startDialtone({ tls: { cert_file: missing, key_file: certs.server.key } }));
  assert.match(err.message, /error parsing X509 certificate\/key pair: open \/nonexistent\/dialtone-test\/cert\.pem: no such file or directory/);

  const missingKey = '/nonexistent/dialtone-test/key.pem';
  const err2 = await rejection(startDialtone({ tls: { cert_file: certs.server.cert, key_file: missingKey } }));
  assert.match(err2.message, /key\.pem/);

  const err3 = await rejection(startDialtone({ tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: '/nonexistent/dialtone-test/ca.pem', verify: true } }));
  assert.match(err3.message, /\/nonexistent\/dialtone-test\/ca\.pem/);
});

test('CLI: a missing certificate file exits 1 with nats-server\'s message, including the position of the tls block', async () => {
  const conf = writeConf(['port: -1', '', 'tls {', '  cert_file: "/nonexistent/dialtone-test/c.pem"', '  key_file: "/nonexistent/dialtone-test/k.pem"', '}']);
  const r = runCli(['-c', conf]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(
    r.stderr.includes(`${conf}:3:1: error parsing X509 certificate/key pair: open /nonexistent/dialtone-test/c.pem: no such file or directory`),
    `stderr: ${r.stderr}`,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /Server is ready/);
});

test('CLI: --tls --tlscert/--tlskey with a missing file exits 1 naming it', async () => {
  const r = runCli(['-p', '-1', '--tls', '--tlscert', '/nonexistent/dialtone-test/c.pem', '--tlskey', certs.server.key]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error parsing X509 certificate\/key pair: open \/nonexistent\/dialtone-test\/c\.pem: no such file or directory/);
});

/**
 * Runs an embedding process that starts a server with `config`, lets one raw client
 * connect and vanish, closes the server, and reports how long the process then takes
 * to exit (null when it had to be killed after `limitMs`).
 */
async function exitLagAfterClose(config, limitMs = 5000) {
  const index = pathToFileURL(path.join(ROOT, 'dist/index.js')).href;
  const script = `
    import net from 'node:net';
    import { startServer } from ${JSON.stringify(index)};
    const s = await startServer(${JSON.stringify(config)});
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    await new Promise((r) => sock.once('data', r));
    sock.destroy();
    await s.close();
    process.stdout.write('closed\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let closedAt = 0;
  let stderr = '';
  child.stdout.on('data', (d) => {
    if (String(d).includes('closed')) closedAt = Date.now();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const { signal } = await new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  clearTimeout(killer);
  assert.ok(closedAt > 0, `the script reached close(): ${stderr}`);
  return signal === 'SIGKILL' ? null : Date.now() - closedAt;
}

test('server.close() clears every timer: an embedding process exits at once after a client came and went (plain, TLS, allow_non_tls)', async () => {
  const tlsConf = { cert_file: certs.server.cert, key_file: certs.server.key };
  const [plain, secure, mixed] = await Promise.all([
    exitLagAfterClose({}),
    exitLagAfterClose({ tls: tlsConf }),
    exitLagAfterClose({ tls: tlsConf, allow_non_tls: true }),
  ]);
  assert.ok(plain !== null && plain < 1000, `no TLS: exited ${plain} ms after close()`);
  assert.deepEqual(
    { secure: secure !== null && secure < 1000, mixed: mixed !== null && mixed < 1000 },
    { secure: true, mixed: true },
    `exit after close(): tls ${secure ?? 'killed after 5 s'} ms, allow_non_tls ${mixed ?? 'killed after 5 s'} ms`,
  );
});
