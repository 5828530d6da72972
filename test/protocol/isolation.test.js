// Bad input on one connection must not disturb anybody else: while a subscriber
// receives a steady stream from a publisher, every kind of bad input is sent on
// third connections; each gets its own response/close and the subscriber still
// receives every message, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, client, sleep } from './helpers.js';

const LIMITS = { max_payload: 1024, max_control_line: 256, max_subscriptions: 5 };
const UNKNOWN = "-ERR 'Unknown Protocol Operation'\r\n";
const x = (n) => 'x'.repeat(n);

// [name, input, expected output, closes]
const BAD = [
  ['unknown op', 'FOO\r\n', UNKNOWN, true],
  ['route op', 'RS+ $G iso.s\r\n', UNKNOWN, true],
  ['binary garbage', '\x00\xff\xfe\x01\r\n', UNKNOWN, true],
  ['payload not followed by CRLF', 'PUB iso.s 1\r\nXX\r\n', UNKNOWN, true],
  ['PUB with no space', 'PUB\r\n', UNKNOWN, true],
  ['max payload', 'PUB iso.s 1025\r\n', "-ERR 'Maximum Payload Violation'\r\n", true],
  ['max control line', `SUB ${x(300)} 1\r\n`, "-ERR 'maximum control line exceeded'\r\n", true],
  ['partial over-long line', `PUB iso.s ${x(400)}`, "-ERR 'maximum control line exceeded'\r\n", true],
  ['malformed PUB', 'PUB iso.s\r\n', '', true],
  ['bad size', 'PUB iso.s -5\r\n', '', true],
  ['malformed SUB', 'SUB iso.s\r\n', '', true],
  ['malformed UNSUB', 'UNSUB 1 2 3\r\n', '', true],
  ['bad CONNECT JSON', 'CONNECT {nope\r\n', '', true],
  ['wrong-typed CONNECT field', 'CONNECT {"verbose":1}\r\n', '', true],
  ['HPUB without headers', 'HPUB iso.s 12 12\r\nNATS/1.0\r\n\r\n\r\n', '', true],
  ['client -ERR', "-ERR 'boom'\r\n", '', true],
  ['protocol 2', 'CONNECT {"protocol":2}\r\n', "-ERR 'invalid client protocol'\r\n", true],
  ['no_responders without headers', 'CONNECT {"no_responders":true}\r\n', "-ERR 'no responders requires headers support'\r\n", true],
  ['account in CONNECT', 'CONNECT {"account":"B"}\r\n', "-ERR 'Authorization Violation'\r\n", true],
  ['invalid SUB subject', 'CONNECT {"verbose":false}\r\nSUB iso..s 1\r\nPING\r\n', "-ERR 'Invalid Subject'\r\nPONG\r\n", false],
  [
    'too many subscriptions',
    'CONNECT {"verbose":false}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\nSUB e 5\r\nSUB f 6\r\nPING\r\n',
    "-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n",
    false,
  ],
  [
    'reserved reply prefix',
    'CONNECT {"verbose":false}\r\nPUB iso.s _R_.x 1\r\nX\r\nPING\r\n',
    `-ERR 'Permissions Violation for Publish with Reply of "_R_.x"'\r\nPONG\r\n`,
    false,
  ],
  ['gateway subject', 'CONNECT {"verbose":false}\r\nPUB _GR_.iso 1\r\nX\r\nPING\r\n', `-ERR 'Permissions Violation for Publish to "_GR_.iso"'\r\nPONG\r\n`, false],
];

let srv;
before(async () => {
  srv = await startTarget(LIMITS);
});
after(async () => {
  await srv?.close();
});

/** Sends one bad input on a new connection; resolves with what came back. */
async function sendBad(input, closes) {
  const c = await client(srv.port, null);
  try {
    c.send(input);
    if (closes) await c.waitClosed(3000);
    else await c.expect('PONG\r\n');
    return { out: c.text, closed: c.closed };
  } finally {
    c.close();
  }
}

/** Starts a publisher that sends "PUB iso.s <seq>" every few ms until stopped. */
async function startPublisher() {
  const pub = await client(srv.port, { verbose: false });
  let seq = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      let batch = '';
      for (let k = 0; k < 5; k++, seq++) batch += `PUB iso.s ${String(seq).length}\r\n${seq}\r\n`;
      pub.send(batch);
      await sleep(2);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await pub.flush();
      pub.close();
      return seq;
    },
    errors: () => pub.text.replace(/PONG\r\n/g, ''),
    get sent() {
      return seq;
    },
  };
}

/** Checks the subscriber saw exactly messages 0..n-1 in order, and nothing else. */
function assertSequence(text, n) {
  const seqs = [];
  const re = /MSG iso\.s 1 (\d+)\r\n(\d+)\r\n/y;
  let m;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    assert.equal(m[2].length, Number(m[1]));
    seqs.push(Number(m[2]));
    at = re.lastIndex;
  }
  assert.equal(text.slice(at), 'PONG\r\n', 'nothing but in-order MSGs and the final PONG');
  assert.equal(seqs.length, n, `received ${seqs.length} of ${n} messages`);
  for (let k = 0; k < n; k++) if (seqs[k] !== k) assert.fail(`message ${k} out of order: got ${seqs[k]}`);
}

test('bad input on other connections, one after another, does not disturb a live stream', async () => {
  const sub = await client(srv.port, { verbose: false });
  try {
    sub.send('SUB iso.> 1\r\n');
    await sub.flush();
    sub.clear();
    const pub = await startPublisher();
    for (const [name, input, out, closes] of BAD) {
      const before = pub.sent;
      const r = await sendBad(input, closes);
      assert.deepEqual(r, { out, closed: closes }, name);
      // Messages keep flowing meanwhile.
      await sub.waitUntil(() => pub.sent > before, 2000, `publisher progress during ${name}`);
    }
    const n = await pub.stop();
    assert.equal(pub.errors(), '', 'the publisher got no errors');
    await sub.waitUntil((t) => t.includes(`\r\n${n - 1}\r\n`), 5000, 'last message');
    await sub.flush();
    assert.ok(n >= BAD.length * 5, `published ${n}`);
    assertSequence(sub.text, n);
  } finally {
    sub.close();
  }
});

test('all kinds of bad input at once do not disturb a live stream', async () => {
  const sub = await client(srv.port, { verbose: false });
  try {
    sub.send('SUB iso.s 1\r\n');
    await sub.flush();
    sub.clear();
    const pub = await startPublisher();
    const rounds = 3;
    const all = [];
    for (let round = 0; round < rounds; round++) {
      all.push(...BAD.map(([name, input, out, closes]) => sendBad(input, closes).then((r) => ({ name, r, want: { out, closed: closes } }))));
      await sleep(5);
    }
    for (const { name, r, want } of await Promise.all(all)) assert.deepEqual(r, want, name);
    const n = await pub.stop();
    assert.equal(pub.errors(), '');
    await sub.waitUntil((t) => t.includes(`\r\n${n - 1}\r\n`), 5000, 'last message');
    await sub.flush();
    assertSequence(sub.text, n);
    // A new connection is served normally afterwards.
    const a = await client(srv.port, { verbose: false });
    try {
      a.send('SUB after 1\r\nPUB after 2\r\nok\r\nPING\r\n');
      await a.expect('PONG\r\n');
      assert.equal(a.text, 'MSG after 1 2\r\nok\r\nPONG\r\n');
    } finally {
      a.close();
    }
  } finally {
    sub.close();
  }
});
