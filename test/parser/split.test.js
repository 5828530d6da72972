// Bytes split arbitrarily across reads must parse exactly as when they arrive whole;
// recorded events must not depend on buffers the parser was given earlier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, feedWhole, feedBytes, feedCuts, feedChunks, prng, pubEv, hpubEv } from './recorder.js';

const H = { headers: true };
const hdrs = 'NATS/1.0\r\nX-Key: v\r\n\r\n';
const hmsg = hdrs + 'body';

// A long script with every op, odd spacing, both line endings and awkward payloads.
const SCRIPT =
  'CONNECT {"verbose":false,"headers":true}\r\n' +
  'PING\r\n' +
  'SUB foo.* 1\r\n' +
  'sub\tbar  q1\t2\n' +
  'PUB foo.a 5\r\nhello\r\n' +
  'PUB foo.b INBOX.x.y 11\r\nhello world\r\n' +
  'pub   foo.c\t \t7   \r\nPUB 1\r\n\r\n' +
  'PUB foo.d 0\r\n\r\n' +
  'PUB foo.e 2\n\r\n\r\n' +
  `HPUB foo.h ${hdrs.length} ${hmsg.length}\r\n${hmsg}\r\n` +
  `hpub foo.h reply.to ${hdrs.length} ${hmsg.length}\n${hmsg}\r\n` +
  'PONG junk\r\n' +
  '+OK\r\n' +
  'INFO {"x":[1,2,3]}\r\n' +
  'UNSUB 1 10\r\n' +
  'UNSUB 2\r\n' +
  `PUB big ${300}\r\n${'0123456789'.repeat(30)}\r\n` +
  'PING\n' +
  '-ERR \'Unknown Protocol Operation\'\r\n';

const EXPECTED = [
  { op: 'connect', json: '{"verbose":false,"headers":true}' },
  { op: 'ping' },
  { op: 'sub', subject: 'foo.*', queue: null, sid: '1' },
  { op: 'sub', subject: 'bar', queue: 'q1', sid: '2' },
  pubEv('foo.a', null, 'hello'),
  pubEv('foo.b', 'INBOX.x.y', 'hello world'),
  pubEv('foo.c', null, 'PUB 1\r\n'),
  pubEv('foo.d', null, ''),
  pubEv('foo.e', null, '\r\n'),
  hpubEv('foo.h', null, hdrs.length, hmsg),
  hpubEv('foo.h', 'reply.to', hdrs.length, hmsg),
  { op: 'pong' },
  { op: 'info', json: '{"x":[1,2,3]}' },
  { op: 'unsub', sid: '1', max: 10 },
  { op: 'unsub', sid: '2', max: -1 },
  pubEv('big', null, '0123456789'.repeat(30)),
  { op: 'ping' },
  { op: 'err', text: "'Unknown Protocol Operation'" },
];

test('the script parsed whole gives the expected events', () => {
  assert.deepEqual(feedWhole(SCRIPT, H), EXPECTED);
});

test('byte-at-a-time feeding gives the same events as feeding whole', () => {
  assert.deepEqual(feedBytes(SCRIPT, H), EXPECTED);
});

test('splitting into two chunks at every byte position gives the same events', () => {
  const len = Buffer.byteLength(SCRIPT, 'latin1');
  for (let at = 0; at <= len; at++) {
    const got = feedCuts(SCRIPT, [at], H);
    assert.deepEqual(got, EXPECTED, `split at byte ${at}`);
  }
});

test('splitting into three chunks at many position pairs gives the same events', () => {
  const len = Buffer.byteLength(SCRIPT, 'latin1');
  for (let a = 0; a <= len; a += 7) {
    for (let b = a; b <= len; b += 13) {
      assert.deepEqual(feedCuts(SCRIPT, [a, b], H), EXPECTED, `cuts at ${a},${b}`);
    }
  }
});

test('fixed-size and random chunkings give the same events', () => {
  for (const size of [2, 3, 5, 8, 16, 64, 100]) {
    assert.deepEqual(feedChunks(SCRIPT, size, H), EXPECTED, `chunks of ${size}`);
  }
  const seed = (Date.now() ^ (process.pid << 8)) >>> 0;
  const rnd = prng(seed);
  const len = Buffer.byteLength(SCRIPT, 'latin1');
  for (let round = 0; round < 200; round++) {
    const cuts = [];
    for (let c = rnd.int(20); c < len; c += 1 + rnd.int(40)) cuts.push(c);
    assert.deepEqual(feedCuts(SCRIPT, cuts, H), EXPECTED, `seed ${seed} round ${round} cuts ${cuts}`);
  }
});

test('each single op split at every position gives the same events', () => {
  const ops = [
    'PUB foo 5\r\nhello\r\n',
    'PUB foo bar 5\r\nhello\r\n',
    'PUB\tfoo\t5\nhello\r\n',
    `HPUB foo ${hdrs.length} ${hmsg.length}\r\n${hmsg}\r\n`,
    'SUB foo q 1\r\n',
    'UNSUB 1 2\r\n',
    'CONNECT{}\r\n',
    'PING\r\n',
    '+OK\r\nPING\r\n',
  ];
  for (const op of ops) {
    const whole = feedWhole(op, H);
    assert.ok(whole.length >= 1 && whole.every((e) => e.op !== 'parseError'), op);
    for (let at = 0; at <= op.length; at++) assert.deepEqual(feedCuts(op, [at], H), whole, `${JSON.stringify(op)} split at ${at}`);
  }
});

test('clobber: overwriting earlier chunks after delivery does not change recorded events or later parsing', () => {
  const r = new Recorder(H);
  const chunks = [
    Buffer.from('PUB foo 5\r\nhel', 'latin1'),
    Buffer.from('lo\r\nPUB bar baz 3\r\nabc\r\nSUB a 1\r\n', 'latin1'),
    Buffer.from(`HPUB h ${hdrs.length} ${hmsg.length}\r\n${hmsg.slice(0, 10)}`, 'latin1'),
    Buffer.from(`${hmsg.slice(10)}\r\nPUB whole 3\r\nxyz\r\n`, 'latin1'),
  ];
  for (const c of chunks) r.parse(c);
  const expected = [
    pubEv('foo', null, 'hello'),
    pubEv('bar', 'baz', 'abc'),
    { op: 'sub', subject: 'a', queue: null, sid: '1' },
    hpubEv('h', null, hdrs.length, hmsg),
    pubEv('whole', null, 'xyz'),
  ];
  assert.deepEqual(r.events, expected);
  // Everything in these chunks has been delivered: reuse their memory.
  for (const c of chunks) c.fill(0x58);
  assert.deepEqual(r.events, expected);
  // Later input parses normally, unaffected by the overwritten chunks.
  r.parse(Buffer.from('PUB after 2\r\nok\r\n'));
  assert.deepEqual(r.events.at(-1), pubEv('after', null, 'ok'));
  assert.equal(r.events.length, expected.length + 1);
});

test('clobber: reusing one read buffer for every chunk, each fully consumed, parses correctly', () => {
  // A reader that refills a single buffer must only do so once the parser has consumed
  // everything in it; whole frames per chunk satisfy that.
  const r = new Recorder();
  const buf = Buffer.alloc(64);
  const frames = ['PUB a 1\r\nx\r\n', 'PUB bb rr 2\r\nyy\r\n', 'SUB c 3\r\n', 'PUB a 3\r\nzzz\r\n'];
  for (const f of frames) {
    buf.fill(0x20);
    const n = buf.write(f, 'latin1');
    r.parse(buf.subarray(0, n));
  }
  assert.deepEqual(r.events, [
    pubEv('a', null, 'x'),
    pubEv('bb', 'rr', 'yy'),
    { op: 'sub', subject: 'c', queue: null, sid: '3' },
    pubEv('a', null, 'zzz'),
  ]);
});

test('a 300 KB payload in 64 KB chunks arrives intact in a single onPub', () => {
  const size = 300 * 1024;
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + (i >> 8)) & 0xff;
  const frame = Buffer.concat([
    Buffer.from(`PUB big.payload reply.x ${size}\r\n`),
    payload,
    Buffer.from('\r\nPING\r\n'),
  ]);
  const r = new Recorder();
  const pubs = [];
  r.onPub = (p) => {
    pubs.push({
      subject: p.msgBuf.latin1Slice(p.msgSubjectStart, p.msgSubjectEnd),
      reply: p.msgBuf.latin1Slice(p.msgReplyStart, p.msgReplyEnd),
      size: p.msgSize,
      payload: Buffer.from(p.msgBuf.subarray(p.msgPayloadStart, p.msgPayloadStart + p.msgSize)),
    });
  };
  const CH = 64 * 1024;
  for (let off = 0; off < frame.length; off += CH) {
    const chunk = Buffer.from(frame.subarray(off, off + CH));
    r.parse(chunk);
    if (off + CH < frame.length - 8) assert.equal(pubs.length, 0, `no onPub before the last chunk (offset ${off})`);
  }
  assert.equal(pubs.length, 1);
  assert.equal(pubs[0].subject, 'big.payload');
  assert.equal(pubs[0].reply, 'reply.x');
  assert.equal(pubs[0].size, size);
  assert.ok(pubs[0].payload.equals(payload), 'payload bytes intact');
  assert.deepEqual(r.events, [{ op: 'ping' }]);
});

test('a large HPUB split at odd sizes arrives intact', () => {
  const body = 'z'.repeat(200 * 1024 + 3);
  const msg = hdrs + body;
  const script = `HPUB big ${hdrs.length} ${msg.length}\r\n${msg}\r\nPONG\r\n`;
  const expected = [hpubEv('big', null, hdrs.length, msg), { op: 'pong' }];
  for (const size of [1000, 4093, 65536, 70000]) assert.deepEqual(feedChunks(script, size, H), expected, `chunks of ${size}`);
});
