// Every client op parsed with its arguments: case, whitespace and line-ending variants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, feedWhole, pubEv, hpubEv } from './recorder.js';

const H = { headers: true };

test('PUB without and with reply, empty and binary payloads', () => {
  assert.deepEqual(feedWhole('PUB foo 5\r\nhello\r\n'), [pubEv('foo', null, 'hello')]);
  assert.deepEqual(feedWhole('PUB foo.bar INBOX.1 5\r\nhello\r\n'), [pubEv('foo.bar', 'INBOX.1', 'hello')]);
  assert.deepEqual(feedWhole('PUB foo 0\r\n\r\n'), [pubEv('foo', null, '')]);
  // A payload may itself contain CRLF and op names: only the size counts.
  assert.deepEqual(feedWhole('PUB foo 11\r\nPING\r\nPUB x\r\n'), [pubEv('foo', null, 'PING\r\nPUB x')]);
  const bin = '\x00\xff\r\n\x7f\x80';
  assert.deepEqual(feedWhole(`PUB b 6\r\n${bin}\r\n`), [pubEv('b', null, bin)]);
  // The size token is reported as the client sent it.
  assert.deepEqual(feedWhole('PUB foo 005\r\nhello\r\n'), [pubEv('foo', null, 'hello', '005')]);
  // UTF-8 subjects are bytes like any other.
  const subj = Buffer.from('prix.€', 'utf8').toString('latin1');
  assert.deepEqual(feedWhole(`PUB ${subj} 1\r\nx\r\n`), [pubEv(subj, null, 'x')]);
});

test('PUB offsets point into msgBuf and reply offsets are -1 when absent', () => {
  const seen = [];
  const r = new Recorder();
  r.onPub = (p) => {
    seen.push({ rs: p.msgReplyStart, re: p.msgReplyEnd, hdr: p.msgHeaderSize, size: p.msgSize });
    assert.equal(p.msgBuf.latin1Slice(p.msgSizeStart, p.msgSizeEnd), String(p.msgSize));
    assert.equal(p.msgBuf[p.msgPayloadStart + p.msgSize], 13);
    assert.equal(p.msgBuf[p.msgPayloadStart + p.msgSize + 1], 10);
  };
  r.parse('PUB foo 2\r\nhi\r\nPUB foo bar 2\r\nhi\r\n');
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[0], { rs: -1, re: -1, hdr: -1, size: 2 });
  assert.equal(seen[1].hdr, -1);
  assert.ok(seen[1].rs >= 0 && seen[1].re - seen[1].rs === 3);
});

test('HPUB without and with reply', () => {
  const hdrs = 'NATS/1.0\r\nA: b\r\n\r\n';
  const msg = hdrs + 'payload';
  const n = hdrs.length;
  assert.deepEqual(feedWhole(`HPUB foo ${n} ${msg.length}\r\n${msg}\r\n`, H), [hpubEv('foo', null, n, msg)]);
  assert.deepEqual(feedWhole(`HPUB foo rep ${n} ${msg.length}\r\n${msg}\r\n`, H), [hpubEv('foo', 'rep', n, msg)]);
  // Headers only (header size == total size).
  assert.deepEqual(feedWhole(`HPUB foo ${n} ${n}\r\n${hdrs}\r\n`, H), [hpubEv('foo', null, n, hdrs)]);
});

test('SUB with and without queue, UNSUB with and without max', () => {
  assert.deepEqual(feedWhole('SUB foo 1\r\nSUB foo.* q 22\r\nSUB > 3\r\n'), [
    { op: 'sub', subject: 'foo', queue: null, sid: '1' },
    { op: 'sub', subject: 'foo.*', queue: 'q', sid: '22' },
    { op: 'sub', subject: '>', queue: null, sid: '3' },
  ]);
  assert.deepEqual(feedWhole('UNSUB 1\r\nUNSUB 22 5\r\nUNSUB 3 0\r\n'), [
    { op: 'unsub', sid: '1', max: -1 },
    { op: 'unsub', sid: '22', max: 5 },
    { op: 'unsub', sid: '3', max: 0 },
  ]);
  // nats-server treats an unparsable max as "no max" rather than an error.
  assert.deepEqual(feedWhole('UNSUB 1 x\r\n'), [{ op: 'unsub', sid: '1', max: -1 }]);
});

test('PING, PONG, +OK, INFO and -ERR', () => {
  assert.deepEqual(feedWhole('PING\r\nPONG\r\n+OK\r\nINFO {"a":1}\r\n-ERR \'boom\'\r\n'), [
    { op: 'ping' },
    { op: 'pong' },
    { op: 'info', json: '{"a":1}' },
    { op: 'err', text: "'boom'" },
  ]);
});

test('CONNECT with and without a space before the JSON, and with tabs', () => {
  const json = '{"verbose":false,"pedantic":false,"name":"a b"}';
  assert.deepEqual(feedWhole(`CONNECT ${json}\r\n`), [{ op: 'connect', json }]);
  assert.deepEqual(feedWhole(`CONNECT${json}\r\n`), [{ op: 'connect', json }]);
  assert.deepEqual(feedWhole(`CONNECT \t  ${json}\n`), [{ op: 'connect', json }]);
  // UTF-8 in the JSON is decoded as UTF-8.
  assert.deepEqual(feedWhole(Buffer.from('CONNECT {"name":"é"}\r\n', 'utf8')), [{ op: 'connect', json: '{"name":"é"}' }]);
});

test('INFO, like CONNECT, needs no space before its JSON', () => {
  // nats-server's OP_INFO state (like OP_CONNECT) starts the argument at the first
  // non-blank byte; only PUB/HPUB/SUB/UNSUB/-ERR require a space or tab.
  assert.deepEqual(feedWhole('INFO{"a":1}\r\nPING\r\n'), [{ op: 'info', json: '{"a":1}' }, { op: 'ping' }]);
  assert.deepEqual(feedWhole('INFO \t {}\n'), [{ op: 'info', json: '{}' }]);
});

test('op names are case-insensitive', () => {
  const msg = 'NATS/1.0\r\n\r\nx';
  const script =
    'connect {}\r\nCoNnEcT {}\r\n' +
    'pub a 1\r\nx\r\nPuB a 1\r\nx\r\npUb a r 1\r\nx\r\n' +
    `hpub a 12 ${msg.length}\r\n${msg}\r\nHpUb a 12 ${msg.length}\r\n${msg}\r\n` +
    'sub a 1\r\nSuB a q 2\r\nunsub 1\r\nUnSuB 2 3\r\n' +
    'ping\r\nPiNg\r\npong\r\npOnG\r\n+ok\r\n+Ok\r\ninfo {}\r\nInFo {}\r\n-err x\r\n-ErR y\r\n';
  assert.deepEqual(feedWhole(script, H), [
    { op: 'connect', json: '{}' },
    { op: 'connect', json: '{}' },
    pubEv('a', null, 'x'),
    pubEv('a', null, 'x'),
    pubEv('a', 'r', 'x'),
    hpubEv('a', null, 12, msg),
    hpubEv('a', null, 12, msg),
    { op: 'sub', subject: 'a', queue: null, sid: '1' },
    { op: 'sub', subject: 'a', queue: 'q', sid: '2' },
    { op: 'unsub', sid: '1', max: -1 },
    { op: 'unsub', sid: '2', max: 3 },
    { op: 'ping' },
    { op: 'ping' },
    { op: 'pong' },
    { op: 'pong' },
    { op: 'info', json: '{}' },
    { op: 'info', json: '{}' },
    { op: 'err', text: 'x' },
    { op: 'err', text: 'y' },
  ]);
});

test('arguments split on tabs and runs of spaces, leading and trailing', () => {
  const msg = 'NATS/1.0\r\n\r\nx';
  const script =
    'PUB\tfoo\t5\r\nhello\r\n' +
    'PUB   foo    bar   5   \r\nhello\r\n' +
    'PUB \t foo \t bar \t 5 \t\r\nhello\r\n' +
    `HPUB\t\tfoo  \t rep\t12 \t ${msg.length}\t \r\n${msg}\r\n` +
    'SUB\t foo \t q \t 9 \t\r\n' +
    'SUB  foo   9\r\n' +
    'UNSUB \t 9 \t 4 \t\r\n' +
    'UNSUB\t9\r\n';
  assert.deepEqual(feedWhole(script, H), [
    pubEv('foo', null, 'hello'),
    pubEv('foo', 'bar', 'hello'),
    pubEv('foo', 'bar', 'hello'),
    hpubEv('foo', 'rep', 12, msg),
    { op: 'sub', subject: 'foo', queue: 'q', sid: '9' },
    { op: 'sub', subject: 'foo', queue: null, sid: '9' },
    { op: 'unsub', sid: '9', max: 4 },
    { op: 'unsub', sid: '9', max: -1 },
  ]);
});

test('control lines may end in LF alone; the payload still needs CRLF', () => {
  const msg = 'NATS/1.0\r\n\r\nx';
  const script =
    'CONNECT {}\nPUB foo 5\nhello\r\nPUB foo bar 5\nhello\r\n' +
    `HPUB foo 12 ${msg.length}\n${msg}\r\n` +
    'SUB foo 1\nSUB foo q 2\nUNSUB 1\nUNSUB 2 7\nPING\nPONG\n+OK\nINFO {}\n-ERR e\n';
  assert.deepEqual(feedWhole(script, H), [
    { op: 'connect', json: '{}' },
    pubEv('foo', null, 'hello'),
    pubEv('foo', 'bar', 'hello'),
    hpubEv('foo', null, 12, msg),
    { op: 'sub', subject: 'foo', queue: null, sid: '1' },
    { op: 'sub', subject: 'foo', queue: 'q', sid: '2' },
    { op: 'unsub', sid: '1', max: -1 },
    { op: 'unsub', sid: '2', max: 7 },
    { op: 'ping' },
    { op: 'pong' },
    { op: 'info', json: '{}' },
    { op: 'err', text: 'e' },
  ]);
});

test('PING, PONG and +OK ignore bytes between the op name and LF', () => {
  assert.deepEqual(feedWhole('PING foo bar\r\nPONGxyz\nPINGPONG\r\n+OK whatever\r\nPING\t\r\n'), [
    { op: 'ping' },
    { op: 'pong' },
    { op: 'ping' },
    { op: 'ping' },
  ]);
  // The ignored tail may arrive in later reads; the op fires once its LF arrives.
  const r = new Recorder();
  r.parse('PING trailing');
  assert.deepEqual(r.events, []);
  r.parse(' more junk');
  assert.deepEqual(r.events, []);
  r.parse('\r\nPONG\r\n');
  assert.deepEqual(r.events, [{ op: 'ping' }, { op: 'pong' }]);
});

test('an op is only delivered once its line (and payload) is complete', () => {
  const r = new Recorder();
  r.parse('SUB foo 1');
  assert.deepEqual(r.events, []);
  r.parse('\r\nPUB foo 5\r\nhel');
  assert.deepEqual(r.events, [{ op: 'sub', subject: 'foo', queue: null, sid: '1' }]);
  r.parse('lo\r');
  assert.equal(r.events.length, 1);
  r.parse('\n');
  assert.deepEqual(r.events.at(-1), pubEv('foo', null, 'hello'));
  assert.equal(r.events.length, 2);
});

test('reset() drops a partial frame', () => {
  const r = new Recorder();
  r.parse('PUB foo 5\r\nhel');
  r.parser.reset();
  r.parse('PING\r\n');
  assert.deepEqual(r.events, [{ op: 'ping' }]);
  r.parse('SUB foo');
  r.parser.reset();
  r.parse('PONG\r\n');
  assert.deepEqual(r.events, [{ op: 'ping' }, { op: 'pong' }]);
});
