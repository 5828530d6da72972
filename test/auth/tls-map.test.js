// verify_and_map: the client certificate names the user — by e-mail SAN, DNS SAN or
// the subject DN (RFC 2253, attributes in any order) — and that user's permissions apply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates } from '../support/certs.js';
import { waitFor } from '../support/servers.js';
import { ERR, closeAll, collect, connectV2, connectV3, rawTlsConnect, rejection, startDialtoneConf, v3, watchErrors } from './_helpers.js';

let certs;
let otherCerts;
let srv;
before(async () => {
  certs = makeCertificates();
  otherCerts = makeCertificates();
  srv = await startDialtoneConf({
    tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify_and_map: true, timeout: 2 },
    authorization: {
      users: [
        { user: 'alice@example.com', permissions: { publish: ['alice.>'], subscribe: ['>'] } },
        { user: 'bob.example.com', permissions: { publish: ['bob.>'], subscribe: ['>'] } },
        { user: 'CN=carol,OU=Testing,O=Dialtone,C=US', permissions: { publish: ['carol.>'], subscribe: ['>'] } },
      ],
    },
  });
});
after(async () => {
  await srv?.close();
});

const PROBE = 'PUB alice.x 0\r\n\r\nPUB bob.x 0\r\n\r\nPUB carol.x 0\r\n\r\nPING\r\n';

/** Connects with a client certificate, sends CONNECT + the probe, returns the bytes received (PONG or close). */
async function probe(port, cert, connect = {}) {
  const r = await rawTlsConnect(port, { ca: certs.ca, cert: cert?.cert, key: cert?.key });
  try {
    if (r.ok === true) {
      r.client.send(`CONNECT ${JSON.stringify({ verbose: false, ...connect })}\r\n${PROBE}`);
      await r.client.waitUntil((t, c) => c.closed || t.includes('PONG\r\n'));
    }
    return { info: r.info, text: r.client.text, closed: r.client.closed };
  } finally {
    r.client.close();
  }
}

/** What the probe returns for a user allowed to publish only to `<who>.>`. */
const allowedOnly = (who) => ['alice', 'bob', 'carol'].filter((w) => w !== who).map((w) => ERR.pub(`${w}.x`)).join('') + 'PONG\r\n';

test('INFO: auth_required, tls_required and tls_verify', async () => {
  const { info } = await probe(srv.port, certs.emailClient);
  assert.equal(info.auth_required, true);
  assert.equal(info.tls_required, true);
  assert.equal(info.tls_verify, true);
});

test('an e-mail SAN maps to the user of that name, with its permissions', async () => {
  const r = await probe(srv.port, certs.emailClient);
  assert.equal(r.text, allowedOnly('alice'));
  assert.equal(r.closed, false);
});

test('a DNS SAN maps to the user of that name, with its permissions', async () => {
  assert.equal((await probe(srv.port, certs.dnsClient)).text, allowedOnly('bob'));
});

test('the subject DN in RFC 2253 form maps to the user of that name, with its permissions', async () => {
  assert.equal((await probe(srv.port, certs.dnClient)).text, allowedOnly('carol'));
});

test('a configured DN with the attributes in another order still maps', async () => {
  for (const name of ['C=US,O=Dialtone,OU=Testing,CN=carol', 'OU=Testing,CN=carol,C=US,O=Dialtone']) {
    const s = await startDialtoneConf({
      tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify_and_map: true },
      authorization: { users: [{ user: name, permissions: { publish: ['carol.>'] } }] },
    });
    try {
      assert.equal((await probe(s.port, certs.dnClient)).text, allowedOnly('carol'), name);
    } finally {
      await s.close();
    }
  }
});

test('a certificate that names no configured user is refused with Authorization Violation', async () => {
  const s = await startDialtoneConf({
    tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify_and_map: true },
    authorization: {
      users: [
        { user: 'alice@example.com' },
        { user: 'CN=carol,OU=Other,O=Dialtone,C=US' },
        { user: 'CN=carol,OU=Testing,O=Dialtone' },
        { user: 'carol' },
      ],
    },
  });
  try {
    for (const cert of [certs.dnsClient, certs.dnClient]) {
      const r = await probe(s.port, cert);
      assert.equal(r.text, ERR.authViolation);
      assert.equal(r.closed, true);
    }
    assert.equal((await probe(s.port, certs.emailClient)).text, 'PONG\r\n', 'the mapped one still works');
  } finally {
    await s.close();
  }
});

test('the user comes from the certificate: a user name in CONNECT is ignored, a password is checked (and fails)', async () => {
  assert.equal((await probe(srv.port, certs.emailClient, { user: 'bob.example.com' })).text, allowedOnly('alice'));
  const r = await probe(srv.port, certs.emailClient, { pass: 'anything' });
  assert.equal(r.text, ERR.authViolation);
  assert.equal(r.closed, true);
});

test('no client certificate: refused in the handshake, nothing sent', async () => {
  const r = await probe(srv.port, null);
  assert.equal(r.text, '');
  assert.equal(r.closed, true);
});

test('a certificate from an untrusted CA carrying a configured user\'s e-mail is refused', async () => {
  const r = await probe(srv.port, otherCerts.emailClient);
  assert.equal(r.text, '', `got ${JSON.stringify(r.text)}`);
  assert.equal(r.closed, true);
});

test('official clients authenticate by certificate and get the mapped user\'s permissions', async () => {
  const alice = await connectV3(srv.url, { tls: { caFile: certs.ca, certFile: certs.emailClient.cert, keyFile: certs.emailClient.key } });
  const carol = await connectV2(srv.url, { tls: { caFile: certs.ca, certFile: certs.dnClient.cert, keyFile: certs.dnClient.key } });
  try {
    const errors = watchErrors(alice);
    const got = collect(carol, '>');
    await carol.flush();
    alice.publish('alice.hello', 'hi');
    alice.publish('carol.hello', 'not allowed');
    await alice.flush();
    await carol.flush();
    assert.deepEqual(got.msgs.map((m) => `${m.subject}:${m.string()}`), ['alice.hello:hi']);
    await waitFor(() => errors.length > 0, 2000);
    assert.ok(errors[0] instanceof v3.errors.PermissionViolationError);
    assert.equal(errors[0].subject, 'carol.hello');

    const e = await rejection(connectV3(srv.url, { tls: { caFile: certs.ca } }));
    assert.ok(e instanceof Error, 'no certificate, no connection');
  } finally {
    await closeAll(alice, carol);
  }
});
