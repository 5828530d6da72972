// Service exports and imports: requests cross from the importer to the exporter with a
// server-made `_R_.` reply subject, responses come back to the requester's own reply
// subject according to the export's response type and threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v3 from '@nats-io/transport-node';
import * as v2 from 'nats';
import { checkBoth, closeAll, errLines, flushAll, login, parseMsgs, pub, sleep, withServer } from './_helpers.js';

const R_SUBJECT = /^_R_\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/;

/** Logs in every user (password = user name). Responders default to no headers. */
const loginAll = (port, users, extra) => Promise.all(users.map((u) => login(port, u, u, extra)));
async function settle(clients) {
  await flushAll(clients);
  await flushAll(clients);
}
/** The reply subject of the `n`th (0-based) message `c` received on `subject`. */
function replyOf(c, subject, n = 0) {
  const m = parseMsgs(c.text).filter((x) => x.subject === subject)[n];
  assert.ok(m, `no message #${n} on ${subject} in ${JSON.stringify(c.text)}`);
  return m.reply;
}
const is503 = (m) => m.headers.startsWith('NATS/1.0 503');
/** Payloads `c` received (on `subject`), no-responders statuses left out. */
const payloads = (c, subject) =>
  parseMsgs(c.text)
    .filter((m) => !is503(m) && (subject === undefined || m.subject === subject))
    .map((m) => m.payload);

const SERVICES = {
  accounts: {
    A: {
      users: [{ user: 'a', password: 'a' }, { user: 'a2', password: 'a2' }],
      exports: [
        { service: 'svc.echo' },
        { service: 'svc.wild.*' },
        { service: 'one', response_type: 'singleton' },
        { service: 'many', response_type: 'stream' },
        { service: 'chunks', response_type: 'chunked' },
        { service: 'nobody' },
      ],
    },
    B: {
      users: [{ user: 'b', password: 'b' }, { user: 'b2', password: 'b2' }],
      imports: [
        { service: { account: 'A', subject: 'svc.echo' } },
        { service: { account: 'A', subject: 'svc.echo' }, to: 'echo.local' },
        { service: { account: 'A', subject: 'svc.wild.*' } },
        { service: { account: 'A', subject: 'one' } },
        { service: { account: 'A', subject: 'many' } },
        { service: { account: 'A', subject: 'chunks' } },
        { service: { account: 'A', subject: 'nobody' } },
      ],
    },
    C: { users: [{ user: 'c', password: 'c' }] },
  },
};

test('request through an import without `to`: the responder sees an _R_ reply, its answer reaches the requester', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB svc.echo 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('svc.echo', 'ping', 'inbox.1'));
      await settle([a, b]);
      const [req] = parseMsgs(a.text);
      assert.equal(req.subject, 'svc.echo');
      assert.equal(req.payload, 'ping');
      assert.match(req.reply, R_SUBJECT, 'the requester’s inbox is hidden behind a _R_ subject');
      a.send(pub(req.reply, 'pong'));
      await settle([a, b]);
      assert.deepEqual(
        parseMsgs(b.text).map((m) => [m.subject, m.sid, m.reply, m.payload]),
        [['inbox.1', '7', '', 'pong']],
      );
    } finally {
      closeAll([a, b]);
    }
  });
});

test('request through an import with `to`: B uses its local name, A sees the exported subject', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB svc.> 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('echo.local', 'hi', 'inbox.2'));
      await settle([a, b]);
      const reqs = parseMsgs(a.text);
      assert.deepEqual(reqs.map((m) => [m.subject, m.payload]), [['svc.echo', 'hi']]);
      assert.match(reqs[0].reply, R_SUBJECT);
      a.send(pub(reqs[0].reply, 'there'));
      await settle([a, b]);
      assert.deepEqual(payloads(b, 'inbox.2'), ['there']);
    } finally {
      closeAll([a, b]);
    }
  });
});

test('wildcard service export imported with the wildcard: the literal request subject reaches the responder', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB svc.wild.* 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('svc.wild.x', 'X', 'inbox.x') + pub('svc.wild.y', 'Y', 'inbox.y') + pub('svc.wild.y.z', 'no', 'inbox.z'));
      await settle([a, b]);
      const reqs = parseMsgs(a.text);
      assert.deepEqual(reqs.map((m) => `${m.subject}:${m.payload}`), ['svc.wild.x:X', 'svc.wild.y:Y']);
      a.send(pub(reqs[1].reply, 'rY') + pub(reqs[0].reply, 'rX'));
      await settle([a, b]);
      const got = parseMsgs(b.text);
      assert.deepEqual(got.filter((m) => !is503(m)).map((m) => `${m.subject}:${m.payload}`), ['inbox.y:rY', 'inbox.x:rX']);
      assert.deepEqual(got.filter(is503).map((m) => m.subject), ['inbox.z'], 'svc.wild.y.z matches no import: no responders');
    } finally {
      closeAll([a, b]);
    }
  });
});

test('a request without a reply crosses the import with no reply subject', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB svc.echo 1\r\n');
      await a.flush();
      b.send(pub('svc.echo', 'fire-and-forget'));
      await settle([a, b]);
      assert.deepEqual(parseMsgs(a.text).map((m) => [m.subject, m.reply, m.payload]), [['svc.echo', '', 'fire-and-forget']]);
    } finally {
      closeAll([a, b]);
    }
  });
});

test('singleton response type: the first response is delivered, a second one is dropped', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB one 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('one', 'q', 'inbox.1'));
      await settle([a, b]);
      const reply = replyOf(a, 'one');
      a.send(pub(reply, 'first') + pub(reply, 'second'));
      await settle([a, b]);
      await sleep(50);
      await settle([a, b]);
      assert.deepEqual(payloads(b), ['first']);
    } finally {
      closeAll([a, b]);
    }
  });
});

for (const [subject, type] of [
  ['many', 'stream'],
  ['chunks', 'chunked'],
]) {
  test(`${type} response type: every response reaches the requester, in order`, async () => {
    await withServer(SERVICES, async (srv) => {
      const [a] = await loginAll(srv.port, ['a'], { headers: false });
      const [b] = await loginAll(srv.port, ['b']);
      try {
        a.send(`SUB ${subject} 1\r\n`);
        b.send('SUB inbox.> 7\r\n');
        await flushAll([a, b]);
        b.send(pub(subject, 'q', 'inbox.s'));
        await settle([a, b]);
        const reply = replyOf(a, subject);
        let text = '';
        for (let i = 0; i < 20; i++) text += pub(reply, `part-${i}`);
        a.send(text);
        await settle([a, b]);
        assert.deepEqual(payloads(b), Array.from({ length: 20 }, (_, i) => `part-${i}`));
      } finally {
        closeAll([a, b]);
      }
    });
  });

  // nats-server (client.go processServiceImport) removes a stream/chunked response
  // route after an empty message: `len(msg) == LEN_CR_LF` is the end-of-stream marker.
  test(`${type} response type: an empty response ends the stream, later responses are dropped (as nats-server)`, async () => {
    await withServer(SERVICES, async (srv) => {
      const [a] = await loginAll(srv.port, ['a'], { headers: false });
      const [b] = await loginAll(srv.port, ['b']);
      try {
        a.send(`SUB ${subject} 1\r\n`);
        b.send('SUB inbox.> 7\r\n');
        await flushAll([a, b]);
        b.send(pub(subject, 'q', 'inbox.s'));
        await settle([a, b]);
        const reply = replyOf(a, subject);
        a.send(pub(reply, 'c1') + pub(reply, 'c2') + pub(reply, ''));
        await settle([a, b]);
        a.send(pub(reply, 'after-eof'));
        await settle([a, b]);
        assert.deepEqual(payloads(b), ['c1', 'c2', ''], 'the empty terminator is delivered, nothing after it');
      } finally {
        closeAll([a, b]);
      }
    });
  });
}

const THRESHOLD = {
  accounts: {
    A: {
      users: [{ user: 'a', password: 'a' }],
      exports: [
        { service: 'quick', response_threshold: '200ms' },
        { service: 'feed', response_type: 'stream', response_threshold: '500ms' },
      ],
    },
    B: {
      users: [{ user: 'b', password: 'b' }],
      imports: [{ service: { account: 'A', subject: 'quick' } }, { service: { account: 'A', subject: 'feed' } }],
    },
  },
};

test('response_threshold: a response within the threshold arrives, one well after it is dropped', async () => {
  await withServer(THRESHOLD, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB quick 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('quick', 'q1', 'inbox.fast') + pub('quick', 'q2', 'inbox.slow'));
      await settle([a, b]);
      a.send(pub(replyOf(a, 'quick', 0), 'in-time'));
      await settle([a, b]);
      // nats-server sweeps expired routes every threshold, so "well after" is > 2x.
      await sleep(700);
      a.send(pub(replyOf(a, 'quick', 1), 'too-late'));
      await settle([a, b]);
      assert.deepEqual(parseMsgs(b.text).map((m) => `${m.subject}:${m.payload}`), ['inbox.fast:in-time']);
    } finally {
      closeAll([a, b]);
    }
  });
});

// nats-server refreshes a stream/chunked route's timestamp on every delivered response
// (client.go processServiceImport: `si.ts = time.Now()`), so the threshold bounds the
// silence between responses, not the life of the stream.
test('response_threshold on a stream: responses keep the route alive; silence longer than the threshold ends it (as nats-server)', async () => {
  await withServer(THRESHOLD, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB feed 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      await flushAll([a, b]);
      b.send(pub('feed', 'q', 'inbox.feed'));
      await settle([a, b]);
      const reply = replyOf(a, 'feed');
      const want = [];
      for (let i = 0; i < 7; i++) {
        a.send(pub(reply, `tick-${i}`));
        want.push(`tick-${i}`);
        await settle([a, b]);
        await sleep(150);
      }
      // 7 x 150 ms: well past 500 ms since the request, never 500 ms of silence.
      assert.deepEqual(payloads(b), want, 'responses spaced under the threshold all arrive');
      await sleep(1300);
      a.send(pub(reply, 'after-silence'));
      await settle([a, b]);
      assert.deepEqual(payloads(b), want, 'after a silence longer than 2x the threshold the route is gone');
    } finally {
      closeAll([a, b]);
    }
  });
});

const TOKEN_POSITION = (importSubject) => [
  'accounts {',
  '  A: { users: [{user: a, password: a}], exports: [{service: "ngs.usage.*", account_token_position: 3}] }',
  `  B: { users: [{user: b, password: b}], imports: [{service: {account: A, subject: "${importSubject}"}}] }`,
  '  C: { users: [{user: c, password: c}] }',
  '}',
  '',
].join('\n');

test('account_token_position: B may import ngs.usage.B and its requests reach the exporter', async () => {
  await withServer(TOKEN_POSITION('ngs.usage.B'), async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b, c] = await loginAll(srv.port, ['b', 'c']);
    try {
      a.send('SUB ngs.usage.* 1\r\n');
      b.send('SUB inbox.> 7\r\n');
      c.send('SUB inbox.> 7\r\n');
      await flushAll([a, b, c]);
      b.send(pub('ngs.usage.B', 'usage?', 'inbox.u'));
      c.send(pub('ngs.usage.C', 'usage?', 'inbox.u'));
      await settle([a, b, c]);
      const reqs = parseMsgs(a.text);
      assert.deepEqual(reqs.map((m) => m.subject), ['ngs.usage.B'], 'C has no import: its request stays in C');
      a.send(pub(reqs[0].reply, '42'));
      await settle([a, b, c]);
      assert.deepEqual(payloads(b), ['42']);
      assert.deepEqual(payloads(c), []);
      assert.deepEqual(parseMsgs(c.text).filter(is503).length, 1, 'C’s request had no responder in C');
    } finally {
      closeAll([a, b, c]);
    }
  });
});

for (const subject of ['ngs.usage.C', 'ngs.usage.*']) {
  test(`account_token_position: B importing ${subject} is a config error with nats-server’s text`, () => {
    const r = checkBoth(TOKEN_POSITION(subject));
    const expected = `accounts.conf:1:0: Error adding service import "${subject}": service import not authorized`;
    if (r.nats) assert.equal(r.nats.text, expected, 'nats-server 2.9.10 says so');
    assert.notEqual(r.dialtone.code, 0);
    assert.equal(r.dialtone.text, expected);
  });
}

// nats-server HEAD (client.go: a service import records `c.pa.delivered`, and the
// publisher gets the 503 when nothing in the exporter took the request) answers a
// no_responders requester at once. 2.9.10 did not (the requester timed out); the brief
// asks for the current behaviour, which Dialtone implements.
test('no responder in the exporter: a no_responders requester gets the 503 status at once', async () => {
  await withServer(SERVICES, async (srv) => {
    const [b] = await loginAll(srv.port, ['b']);
    try {
      b.send('SUB inbox.> 7\r\n');
      await b.flush();
      const t0 = Date.now();
      b.send(pub('nobody', 'anyone?', 'inbox.nr'));
      await b.waitUntil((t) => parseMsgs(t).length > 0, 1000, '503');
      assert.ok(Date.now() - t0 < 1000);
      const [m] = parseMsgs(b.text);
      assert.equal(m.op, 'HMSG');
      assert.equal(m.subject, 'inbox.nr');
      assert.equal(m.sid, '7');
      assert.match(m.headers, /^NATS\/1\.0 503\r\n/);
      assert.equal(m.payload, '');
    } finally {
      closeAll([b]);
    }
  });
});

for (const [name, lib] of [
  ['v3', v3],
  ['v2', v2],
]) {
  test(`${name} client: many concurrent requests through one service import, each reply to its own requester`, async () => {
    await withServer(SERVICES, async (srv) => {
      const responder = await lib.connect({ servers: srv.url, user: 'a', pass: 'a' });
      const requesters = await Promise.all(['b', 'b2'].map((u) => lib.connect({ servers: srv.url, user: u, pass: u })));
      try {
        const seenReplies = new Set();
        responder.subscribe('svc.echo', {
          callback: (err, msg) => {
            if (err) return;
            seenReplies.add(msg.reply);
            msg.respond(new TextEncoder().encode(`echo:${msg.string()}`));
          },
        });
        await responder.flush();
        const N = 200;
        const results = await Promise.all(
          Array.from({ length: N }, (_, i) => {
            const nc = requesters[i % 2];
            const subject = i % 3 === 0 ? 'echo.local' : 'svc.echo';
            return nc.request(subject, new TextEncoder().encode(`r${i}`), { timeout: 5000 }).then((m) => m.string());
          }),
        );
        assert.deepEqual(results, Array.from({ length: N }, (_, i) => `echo:r${i}`));
        assert.equal(seenReplies.size, N, 'every request had its own reply subject');
        for (const r of seenReplies) assert.match(r, R_SUBJECT);
      } finally {
        await Promise.all([responder, ...requesters].map((nc) => nc.close()));
      }
    });
  });
}

test('v3 client: a request through an import with no responder fails with no responders quickly', async () => {
  await withServer(SERVICES, async (srv) => {
    const nc = await v3.connect({ servers: srv.url, user: 'b', pass: 'b' });
    try {
      const t0 = Date.now();
      await assert.rejects(nc.request('nobody', 'x', { timeout: 5000 }), (e) => e instanceof v3.RequestError && e.isNoResponders());
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    } finally {
      await nc.close();
    }
  });
});

test('clients may not use an _R_ subject as a reply: Permissions Violation for Publish with Reply of', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b] = await loginAll(srv.port, ['b']);
    try {
      a.send('SUB svc.echo 1\r\nSUB > 2\r\n');
      await a.flush();
      b.send(pub('svc.echo', 'q', 'inbox.1'));
      await settle([a, b]);
      const routed = replyOf(a, 'svc.echo');
      a.clear();
      // An importer client reusing the server-made reply, and an invented one.
      b.send(pub('svc.echo', 'x', routed) + pub('foo', 'y', '_R_.abc.def'));
      // The exporter's own clients are refused too.
      a.send(pub('bar', 'z', routed));
      await settle([a, b]);
      assert.deepEqual(errLines(b.text), [
        `-ERR 'Permissions Violation for Publish with Reply of "${routed}"'`,
        `-ERR 'Permissions Violation for Publish with Reply of "_R_.abc.def"'`,
      ]);
      assert.deepEqual(errLines(a.text), [`-ERR 'Permissions Violation for Publish with Reply of "${routed}"'`]);
      assert.deepEqual(parseMsgs(a.text), [], 'none of those messages was delivered');
      // The error is not fatal.
      b.send(pub('svc.echo', 'again', 'inbox.2'));
      await settle([a, b]);
      assert.deepEqual(parseMsgs(a.text).filter((m) => m.sid === '1').map((m) => m.payload), ['again']);
    } finally {
      closeAll([a, b]);
    }
  });
});

test('an importer client publishing to an _R_ subject stays in its own account: the requester does not get it', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [b, b2] = await loginAll(srv.port, ['b', 'b2']);
    try {
      a.send('SUB many 1\r\nSUB _R_.> 2\r\n');
      b.send('SUB inbox.> 7\r\n');
      b2.send('SUB _R_.> 8\r\n');
      await flushAll([a, b, b2]);
      b.send(pub('many', 'q', 'inbox.1'));
      await settle([a, b, b2]);
      const routed = replyOf(a, 'many');
      b2.send(pub(routed, 'forged'));
      await settle([a, b, b2]);
      assert.deepEqual(errLines(b2.text), [], 'publishing to it is not refused, as in nats-server');
      assert.deepEqual(parseMsgs(b2.text).map((m) => `${m.subject}:${m.payload}`), [`${routed}:forged`], 'only B’s own subscriber sees it');
      assert.deepEqual(payloads(b), [], 'the requester got nothing');
      assert.deepEqual(parseMsgs(a.text).filter((m) => m.subject.startsWith('_R_')), [], 'the exporter got nothing');
      // The genuine response still goes through (the route was not used up).
      a.send(pub(routed, 'genuine'));
      await settle([a, b, b2]);
      assert.deepEqual(payloads(b), ['genuine']);
    } finally {
      closeAll([a, b, b2]);
    }
  });
});

test('an account without the import cannot reach the service', async () => {
  await withServer(SERVICES, async (srv) => {
    const [a] = await loginAll(srv.port, ['a'], { headers: false });
    const [c] = await loginAll(srv.port, ['c']);
    try {
      a.send('SUB svc.echo 1\r\n');
      c.send('SUB inbox.> 7\r\n');
      await flushAll([a, c]);
      c.send(pub('svc.echo', 'q', 'inbox.1'));
      await settle([a, c]);
      assert.deepEqual(parseMsgs(a.text), []);
      // C's own request had no responder in C.
      assert.match(parseMsgs(c.text)[0]?.headers ?? '', /^NATS\/1\.0 503/);
    } finally {
      closeAll([a, c]);
    }
  });
});

// nats-server stamps every request that crosses a service import with a
// `Nats-Request-Info` header (client.go processServiceImport: getClientInfo(share)):
// `{"acc":"B","rtt":<ns>}`, plus the requester's details with `share: true`.
// Responders without header support get the message without it.
test('requests through a service import carry Nats-Request-Info with the importing account (as nats-server)', async () => {
  const conf = {
    accounts: {
      A: { users: [{ user: 'a', password: 'a' }], exports: [{ service: 'plain' }, { service: 'shared' }] },
      B: {
        users: [{ user: 'b', password: 'b' }],
        imports: [{ service: { account: 'A', subject: 'plain' } }, { service: { account: 'A', subject: 'shared' }, share: true }],
      },
    },
  };
  await withServer(conf, async (srv) => {
    const [a] = await loginAll(srv.port, ['a']); // headers: true
    const [b] = await loginAll(srv.port, ['b'], { name: 'bee' });
    try {
      a.send('SUB plain 1\r\nSUB shared 2\r\n');
      await a.flush();
      b.send(pub('plain', 'p', 'inbox.1') + pub('shared', 's', 'inbox.2'));
      await settle([a, b]);
      const [plain, shared] = parseMsgs(a.text);
      assert.equal(plain?.op, 'HMSG', `a header was added: ${JSON.stringify(a.text)}`);
      const info = (m) => JSON.parse(/Nats-Request-Info: (.*)\r\n/.exec(m.headers)[1]);
      const pi = info(plain);
      assert.equal(pi.acc, 'B');
      assert.equal(typeof pi.rtt, 'number');
      assert.equal(pi.user, undefined, 'without share: account and rtt only');
      const si = info(shared);
      assert.equal(si.acc, 'B');
      assert.equal(si.user, 'b');
      assert.equal(si.name, 'bee');
      assert.equal(plain.payload, 'p');
      assert.equal(shared.payload, 's');
    } finally {
      closeAll([a, b]);
    }
  });
});
