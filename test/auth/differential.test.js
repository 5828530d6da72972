// Differential tests: Debian's nats-server 2.9.10 (the reference) and Dialtone read the
// same config file and get the same raw byte scripts; what they send back (after INFO)
// and whether they close must match. Each scenario also checks a few facts about the
// reference's answer, so a broken script cannot pass by failing the same way twice.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcrypt';
import { createUser } from '@nats-io/nkeys';
import net from 'node:net';
import { makeCertificates } from '../support/certs.js';
import { parseInfo, rawConnect } from '../support/raw.js';
import { hasNatsServer } from '../support/servers.js';
import { ERR, diff, rawAuthed, rawTlsConnect, sleep, startBoth } from './_helpers.js';

let certs;
let otherCerts;
before(() => {
  if (!hasNatsServer) return;
  certs = makeCertificates();
  otherCerts = makeCertificates();
});

const afterInfo = (text) => text.slice(text.indexOf('\r\n') + 2);

/** Runs `scenario(port)` on both servers started from `config`; returns {ref, dial} results, asserting they are equal. */
async function compare(config, scenario, message = '') {
  const s = await startBoth(config);
  try {
    const ref = await scenario(s.ref.port, s.ref);
    const dial = await scenario(s.dial.port, s.dial);
    assert.deepEqual(dial, ref, `${message}\nnats-server: ${JSON.stringify(ref)}\ndialtone:    ${JSON.stringify(dial)}`);
    return ref;
  } finally {
    await s.close();
  }
}

/** Sends `input` on a fresh raw connection; resolves with {out, closed} once PONG arrived or the server closed. */
async function session(port, input, { waitMs = 1500 } = {}) {
  const c = await rawConnect(port, null);
  c.send(input);
  await c.waitUntil((t, cl) => cl.closed || /PONG\r\n$/.test(t), waitMs).catch(() => {});
  if (!c.closed) await sleep(30);
  const r = { out: afterInfo(c.text), closed: c.closed };
  c.close();
  return r;
}

const CONNECT = (o) => `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...o })}\r\n`;

// ---- INFO ---------------------------------------------------------------------------------

diff('INFO: auth_required / tls_required / tls_verify / tls_available / nonce match for every kind of auth and TLS config', async () => {
  const nk = createUser().getPublicKey();
  const tlsBase = () => ({ cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca });
  const configs = {
    none: {},
    token: { authorization: { token: 't' } },
    single: { authorization: { user: 'u', password: 'p' } },
    users: { authorization: { users: [{ user: 'u', password: 'p' }] } },
    nkeys: { authorization: { users: [{ nkey: nk }] } },
    mixed: { authorization: { users: [{ nkey: nk }, { user: 'u', password: 'p' }] } },
    no_auth_user: { no_auth_user: 'u', authorization: { users: [{ user: 'u', password: 'p' }] } },
    no_auth_user_nkeys: { no_auth_user: 'u', authorization: { users: [{ user: 'u', password: 'p' }, { nkey: nk }] } },
    tls: { tls: tlsBase() },
    tls_verify: { tls: { ...tlsBase(), verify: true } },
    tls_map: { tls: { ...tlsBase(), verify_and_map: true }, authorization: { users: [{ user: 'alice@example.com' }] } },
    tls_users: { tls: tlsBase(), authorization: { users: [{ user: 'u', password: 'p' }] } },
  };
  const pick = (info) => ({
    auth_required: info.auth_required,
    tls_required: info.tls_required,
    tls_verify: info.tls_verify,
    tls_available: info.tls_available,
    nonce: info.nonce === undefined ? undefined : /^[A-Za-z0-9_-]{15}$/.test(info.nonce) ? 'base64url/15' : info.nonce,
    headers: info.headers,
    proto: info.proto,
    max_payload: info.max_payload,
  });
  const mismatches = [];
  for (const [name, config] of Object.entries(configs)) {
    const ref = await compare(config, async (port) => {
      const c = await rawConnect(port, null);
      c.close();
      return pick(parseInfo(c.text));
    }, name).catch((err) => {
      mismatches.push(`${name}: ${err.message.split('\n').slice(-2).join(' | ')}`);
      return null;
    });
    if (name === 'nkeys' && ref) assert.equal(ref.nonce, 'base64url/15');
    if (name === 'no_auth_user' && ref) assert.equal(ref.auth_required, undefined);
  }
  assert.deepEqual(mismatches, []);
});

diff('INFO with allow_non_tls: tls_available instead of tls_required', async () => {
  const ref = await compare({ tls: { cert_file: certs.server.cert, key_file: certs.server.key }, allow_non_tls: true }, async (port) => {
    const c = await rawConnect(port, null);
    c.close();
    // Give the server the close before it shuts down (see tls.test.js: a client that
    // disconnects during shutdown leaves a ping timer behind with allow_non_tls).
    await sleep(100);
    const info = parseInfo(c.text);
    return { tls_required: info.tls_required, tls_available: info.tls_available };
  });
  assert.deepEqual(ref, { tls_required: undefined, tls_available: true });
});

// ---- authentication failures ------------------------------------------------------------------

const AUTH_CASES = {
  token: {
    config: { authorization: { token: 'tok' } },
    inputs: [
      CONNECT({ auth_token: 'tok' }) + 'PING\r\n',
      CONNECT({ auth_token: 'bad' }) + 'PING\r\n',
      CONNECT({}) + 'PING\r\n',
      CONNECT({ user: 'tok' }) + 'PING\r\n',
      CONNECT({ auth_token: 'tok', account: 'A' }) + 'PING\r\n',
      'PING\r\n',
      'SUB x 1\r\n',
    ],
  },
  users: {
    config: { authorization: { users: [{ user: 'a', password: 'pa' }, { user: 'b', password: bcrypt.hashSync('bpass', 4).replace(/^\$2b\$/, '$2a$') }] } },
    inputs: [
      CONNECT({ user: 'a', pass: 'pa' }) + 'PING\r\n',
      CONNECT({ user: 'a', pass: 'pb' }) + 'PING\r\n',
      CONNECT({ user: 'b', pass: 'bpass' }) + 'PING\r\n',
      CONNECT({ user: 'b', pass: 'wrong' }) + 'PING\r\n',
      CONNECT({ user: 'c', pass: 'pa' }) + 'PING\r\n',
      CONNECT({ user: 'a' }) + 'PING\r\n',
      CONNECT({ pass: 'pa' }) + 'PING\r\n',
      CONNECT({}) + 'PING\r\n',
      'CONNECT {}\r\nPING\r\n',
      'PUB x 1\r\na\r\n',
      'PONG\r\n',
    ],
  },
  single: {
    config: { authorization: { user: 'u', password: 'p' } },
    inputs: [CONNECT({ user: 'u', pass: 'p' }) + 'PING\r\n', CONNECT({ user: 'u', pass: 'x' }) + 'PING\r\n', CONNECT({ user: 'x', pass: 'p' }) + 'PING\r\n', CONNECT({}) + 'PING\r\n'],
  },
  no_auth_user: {
    config: { no_auth_user: 'g', authorization: { users: [{ user: 'g', password: 'gp', permissions: { publish: ['ok'] } }, { user: 'h', password: 'hp' }] } },
    inputs: [
      CONNECT({}) + 'PUB ok 0\r\n\r\nPUB no 0\r\n\r\nPING\r\n',
      'SUB ok 1\r\nPUB ok 1\r\nx\r\nPUB no 0\r\n\r\nPING\r\n',
      CONNECT({ user: 'h', pass: 'hp' }) + 'PUB no 0\r\n\r\nPING\r\n',
      CONNECT({ user: 'h', pass: 'x' }) + 'PING\r\n',
      CONNECT({ user: 'g', pass: 'x' }) + 'PING\r\n',
      CONNECT({ user: 'z' }) + 'PING\r\n',
      CONNECT({ auth_token: 'x' }) + 'PING\r\n',
    ],
  },
};

for (const [name, { config, inputs }] of Object.entries(AUTH_CASES)) {
  diff(`auth failures (${name}): the same bytes and closes for every CONNECT`, async () => {
    const ref = await compare(config, async (port) => {
      const out = [];
      for (const input of inputs) out.push({ input, ...(await session(port, input)) });
      return out;
    });
    // Sanity: the reference accepted the first input and refused at least one other with the violation.
    assert.equal(ref[0].closed, false);
    assert.ok(ref.some((r) => r.out === ERR.authViolation && r.closed));
  });
}

diff('auth timeout: same -ERR and close for a client that never sends CONNECT', async () => {
  const ref = await compare({ authorization: { user: 'u', password: 'p', timeout: 0.5 } }, async (port) => {
    const c = await rawConnect(port, null);
    const t0 = Date.now();
    await c.waitClosed(3000);
    const took = Date.now() - t0;
    c.close();
    return { out: afterInfo(c.text), closed: c.closed, inWindow: took >= 400 && took < 1500 };
  });
  assert.deepEqual(ref, { out: ERR.authTimeout, closed: true, inWindow: true });
});

diff('nkeys: the same answers for valid, wrong-seed, other-nonce, std-base64 and missing signatures', async () => {
  const alice = createUser();
  const stranger = createUser();
  const sign = (kp, nonce, enc = 'base64url') => Buffer.from(kp.sign(Buffer.from(nonce))).toString(enc);
  const ref = await compare({ authorization: { users: [{ nkey: alice.getPublicKey(), permissions: { publish: ['a.>'] } }] } }, async (port) => {
    const run = async (make) => {
      const other = await rawConnect(port, null);
      const c = await rawConnect(port, null);
      const nonce = parseInfo(c.text).nonce;
      const otherNonce = parseInfo(other.text).nonce;
      other.close();
      c.send(CONNECT(make(nonce, otherNonce)) + 'PUB a.b 0\r\n\r\nPUB x 0\r\n\r\nPING\r\n');
      await c.waitUntil((t, cl) => cl.closed || t.includes('PONG\r\n')).catch(() => {});
      const r = { out: afterInfo(c.text), closed: c.closed };
      c.close();
      return r;
    };
    const pk = alice.getPublicKey();
    return {
      valid: await run((n) => ({ nkey: pk, sig: sign(alice, n) })),
      std: await run((n) => ({ nkey: pk, sig: sign(alice, n, 'base64') })),
      wrongSeed: await run((n) => ({ nkey: pk, sig: sign(stranger, n) })),
      otherNonce: await run((_n, o) => ({ nkey: pk, sig: sign(alice, o) })),
      noSig: await run(() => ({ nkey: pk })),
      unknown: await run((n) => ({ nkey: stranger.getPublicKey(), sig: sign(stranger, n) })),
    };
  });
  assert.equal(ref.valid.out, `${ERR.pub('x')}PONG\r\n`);
  assert.equal(ref.std.out, `${ERR.pub('x')}PONG\r\n`);
  assert.equal(ref.wrongSeed.out, ERR.authViolation);
});

// ---- permissions ----------------------------------------------------------------------------

const PERMS = {
  authorization: {
    default_permissions: { publish: ['dflt.>'], subscribe: ['dflt.>'] },
    users: [
      { user: 'admin', password: 'p', permissions: { publish: '>', subscribe: '>' } },
      {
        user: 'u',
        password: 'p',
        permissions: {
          publish: { allow: ['foo.>', 'weather.*'], deny: ['foo.bar', 'foo.*.x'] },
          subscribe: { allow: ['foo.>', 'weather.*', 'q v1', 'jobs', 'tasks.* g1', 'ok', '>'], deny: ['foo.bar', 'secret.>', 'jobs slow'] },
        },
      },
      { user: 'narrow', password: 'p', permissions: { subscribe: ['weather.*'], publish: ['ok'] } },
      { user: 'd', password: 'p' },
    ],
  },
};

diff('permission errors: publish / subscribe / queue texts and quoting are byte-identical', async () => {
  const script =
    CONNECT({ user: 'u', pass: 'p' }) +
    [
      'PUB foo.bar 0\r\n',
      'PUB foo.baz 0\r\n',
      'PUB foo.y.x 0\r\n',
      'PUB other 0\r\n',
      'PUB weather.> 0\r\n',
      'SUB foo.bar 1',
      'SUB secret.x 2',
      'SUB secret.> 3',
      'SUB q 4',
      'SUB q v1 5',
      'SUB q v2 6',
      'SUB jobs 7',
      'SUB jobs slow 8',
      'SUB jobs fast 9',
      'SUB tasks.a g1 10',
      'SUB tasks.a g2 11',
      'SUB a"b 12',
      'SUB a\\b q"x 13',
      'PUB a"b\\c 0\r\n',
      'SUB x\x7fy 14',
      "PUB it's 0\r\n",
      'SUB > 15',
    ].join('\r\n') +
    '\r\nPING\r\n';
  const ref = await compare(PERMS, async (port) => [await session(port, script), await session(port, CONNECT({ user: 'd', pass: 'p' }) + 'PUB dflt.a 0\r\n\r\nPUB x 0\r\n\r\nSUB x 1\r\nPING\r\n')]);
  assert.match(ref[0].out, /Permissions Violation for Subscription to "q" using queue "v2"/);
  assert.match(ref[0].out, /Permissions Violation for Publish to "a\\"b\\\\c"/);
  assert.equal(ref[1].out, `${ERR.pub('x')}${ERR.sub('x')}PONG\r\n`);
});

diff('permission errors: non-ASCII and non-printable subjects are quoted the same (Go %q)', async () => {
  const subjects = ['café', 'nb\u00a0sp', 'ls\u2028', 'bom\ufeff', 'zw\u200b', 'nel\u0085', 'e\u0301', 'han\u4e2d'];
  const ref = await compare(PERMS, async (port) => {
    const c = await rawAuthed(port, { user: 'narrow', pass: 'p' });
    const out = {};
    for (const s of subjects) {
      c.clear();
      c.send(Buffer.from(`PUB ${s} 0\r\n\r\nPING\r\n`, 'utf8'));
      await c.expect('PONG\r\n');
      out[s] = Buffer.from(c.text, 'latin1').toString('utf8');
    }
    c.clear();
    c.send(Buffer.concat([Buffer.from('PUB x'), Buffer.from([0xff, 0xc3]), Buffer.from('y 0\r\n\r\nPING\r\n')]));
    await c.expect('PONG\r\n');
    out.invalidUtf8 = c.data.toString('latin1');
    c.close();
    return out;
  });
  assert.equal(ref['ls\u2028'], `-ERR 'Permissions Violation for Publish to "ls\\u2028"'\r\nPONG\r\n`);
  assert.equal(ref.invalidUtf8, `-ERR 'Permissions Violation for Publish to "x\\xff\\xc3y"'\r\nPONG\r\n`);
});

diff('permission filtering: deliveries to allowed wildcard subscriptions skip denied subjects; weather.* allows SUB weather.>', async () => {
  const ref = await compare(PERMS, async (port) => {
    const u = await rawAuthed(port, { user: 'u', pass: 'p' });
    const n = await rawAuthed(port, { user: 'narrow', pass: 'p' });
    const admin = await rawAuthed(port, { user: 'admin', pass: 'p' });
    u.send('SUB > 1\r\n');
    n.send('SUB weather.> 1\r\nSUB weather.* 2\r\nSUB > 3\r\n');
    await u.flush();
    await n.flush();
    admin.send('PUB secret.a 1\r\ns\r\nPUB foo.bar 1\r\nb\r\nPUB weather.a.b 1\r\nw\r\nPUB open 1\r\no\r\n');
    await admin.flush();
    await u.flush();
    await n.flush();
    const r = { u: u.text, n: n.text };
    for (const c of [u, n, admin]) c.close();
    return r;
  });
  assert.doesNotMatch(ref.u, /secret\.a/);
  assert.match(ref.n, /MSG weather\.a\.b 1 1/);
});

diff('allow_responses: the same replies allowed and denied (once, max 2, expired)', async () => {
  const config = {
    authorization: {
      users: [
        { user: 'req', password: 'p' },
        { user: 'svc', password: 'p', permissions: { subscribe: ['svc.>'], allow_responses: true } },
        { user: 'svc2', password: 'p', permissions: { subscribe: ['svc2.>'], allow_responses: { max: 2, expires: '300ms' } } },
      ],
    },
  };
  const ref = await compare(config, async (port) => {
    const req = await rawAuthed(port, { user: 'req', pass: 'p' });
    const svc = await rawAuthed(port, { user: 'svc', pass: 'p' });
    const svc2 = await rawAuthed(port, { user: 'svc2', pass: 'p' });
    svc.send('SUB svc.a 1\r\nPUB svc.other 1\r\nx\r\n');
    svc2.send('SUB svc2.a 1\r\n');
    await svc.flush();
    await svc2.flush();
    req.send('SUB rep.> 1\r\nPUB svc.a rep.1 1\r\nq\r\nPUB svc2.a rep.2 1\r\nq\r\nPUB svc2.a rep.3 1\r\nq\r\n');
    await req.flush();
    await svc.expect('MSG svc.a 1 rep.1 1\r\n');
    await svc2.expect('rep.3');
    svc.send('PUB rep.1 2\r\nr1\r\nPUB rep.1 2\r\nr2\r\n');
    await svc.flush();
    svc2.send('PUB rep.2 2\r\nr1\r\nPUB rep.2 2\r\nr2\r\nPUB rep.2 2\r\nr3\r\n');
    await svc2.flush();
    await sleep(450);
    svc2.send('PUB rep.3 2\r\nr1\r\n');
    await svc2.flush();
    await req.flush();
    const r = { req: req.text, svc: svc.text, svc2: svc2.text };
    for (const c of [req, svc, svc2]) c.close();
    return r;
  });
  assert.match(ref.svc, /Permissions Violation for Publish to "rep\.1"/);
  assert.match(ref.svc2, /Permissions Violation for Publish to "rep\.3"/);
});

// ---- TLS ----------------------------------------------------------------------------------

diff('TLS: a plain-text client that never starts TLS — same bytes after INFO and close after tls.timeout', async () => {
  const ref = await compare({ tls: { cert_file: certs.server.cert, key_file: certs.server.key, timeout: 0.5 } }, async (port) => {
    const c = await rawConnect(port, null);
    const t0 = Date.now();
    await c.waitClosed(3000);
    const took = Date.now() - t0;
    return { out: afterInfo(c.text), closed: c.closed, inWindow: took >= 400 && took < 1500 };
  });
  // nats-server 2.9.10 writes its error into the unfinished TLS connection: nothing reaches the wire.
  assert.deepEqual(ref, { out: '', closed: true, inWindow: true });
});

diff('TLS: a plain-text CONNECT to a TLS-only server — same (silent) close', async () => {
  const ref = await compare({ tls: { cert_file: certs.server.cert, key_file: certs.server.key } }, (port) => session(port, 'CONNECT {}\r\nPING\r\n'));
  assert.deepEqual(ref, { out: '', closed: true });
});

diff('TLS allow_non_tls: a plain-text client is served the same way', async () => {
  const ref = await compare({ tls: { cert_file: certs.server.cert, key_file: certs.server.key }, allow_non_tls: true }, (port) =>
    session(port, 'CONNECT {"verbose":false}\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nPING\r\n'),
  );
  assert.deepEqual(ref, { out: 'MSG a 1 2\r\nhi\r\nPONG\r\n', closed: false });
});

/** Upgrades to TLS with `cert`, sends CONNECT + probe, returns what came back. */
async function tlsProbe(port, cert, connect = {}, probe = 'PUB alice.x 0\r\n\r\nPUB bob.x 0\r\n\r\nPUB carol.x 0\r\n\r\nPING\r\n') {
  const r = await rawTlsConnect(port, { ca: certs.ca, cert: cert?.cert, key: cert?.key });
  if (r.ok === true) {
    r.client.send(CONNECT(connect) + probe);
    await r.client.waitUntil((t, c) => c.closed || t.includes('PONG\r\n')).catch(() => {});
  }
  const out = { out: r.client.text, closed: r.client.closed };
  r.client.close();
  return out;
}

diff('TLS verify: no certificate, a certificate from another CA, and a serverAuth-only certificate are refused the same way', async () => {
  const ref = await compare({ tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify: true } }, async (port) => ({
    good: await tlsProbe(port, certs.emailClient),
    none: await tlsProbe(port, null),
    foreignCA: await tlsProbe(port, otherCerts.emailClient),
    serverAuthOnly: await tlsProbe(port, certs.server),
  }));
  assert.equal(ref.good.out, 'PONG\r\n');
  assert.deepEqual(ref.none, { out: '', closed: true });
});

diff('TLS verify_and_map: e-mail, DNS and DN mapping (DN in either order, partial or different DNs), CONNECT user/pass', async () => {
  const users = (dn) => [
    { user: 'alice@example.com', permissions: { publish: ['alice.>'] } },
    { user: 'bob.example.com', permissions: { publish: ['bob.>'] } },
    { user: dn, permissions: { publish: ['carol.>'] } },
  ];
  for (const dn of ['CN=carol,OU=Testing,O=Dialtone,C=US', 'C=US,O=Dialtone,OU=Testing,CN=carol', 'CN=carol,OU=Testing,O=Dialtone', 'CN=carol,OU=Other,O=Dialtone,C=US']) {
    const config = { tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify_and_map: true }, authorization: { users: users(dn) } };
    const ref = await compare(
      config,
      async (port) => ({
        email: await tlsProbe(port, certs.emailClient),
        dns: await tlsProbe(port, certs.dnsClient),
        dn: await tlsProbe(port, certs.dnClient),
        userInConnect: await tlsProbe(port, certs.emailClient, { user: 'bob.example.com' }),
        passInConnect: await tlsProbe(port, certs.emailClient, { pass: 'x' }),
      }),
      dn,
    );
    assert.equal(ref.email.out, `${ERR.pub('bob.x')}${ERR.pub('carol.x')}PONG\r\n`);
    assert.deepEqual(ref.passInConnect, { out: ERR.authViolation, closed: true });
  }
});

diff('TLS verify_and_map: a certificate from an untrusted CA naming a configured user is refused the same way', async () => {
  const config = {
    tls: { cert_file: certs.server.cert, key_file: certs.server.key, ca_file: certs.ca, verify_and_map: true },
    authorization: { users: [{ user: 'alice@example.com', permissions: { publish: ['alice.>'] } }] },
  };
  const ref = await compare(config, (port) => tlsProbe(port, otherCerts.emailClient));
  assert.deepEqual(ref, { out: '', closed: true });
});

diff('TLS: nats-server 2.9.10 and Dialtone both refuse a TLS client on a plain server the same way', async () => {
  const ref = await compare({}, async (port) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('error', () => {});
    await new Promise((r) => sock.once('data', r));
    // A TLS ClientHello-looking record in plain text is an unknown protocol operation.
    sock.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00, 0x0d, 0x0a]));
    await new Promise((r) => {
      sock.once('close', r);
      setTimeout(r, 1500);
    });
    sock.destroy();
    return { out: afterInfo(got) };
  });
  assert.match(ref.out, /^-ERR 'Unknown Protocol Operation'\r\n$/);
});
