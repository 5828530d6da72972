// Every way parsing can fail, and that it fails at the right moment with the right kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { setImmediate as tick } from 'node:timers/promises';
import { Recorder, feedWhole, feedBytes, pubEv } from './recorder.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
/** Collects garbage until freed Buffer memory has been released. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await tick();
  }
}

const err = (kind) => ({ op: 'parseError', kind });

/** Feeds `script` whole and byte by byte; both must give `before` then one error of `kind`. */
function expectError(script, kind, opts = {}, before = []) {
  const whole = new Recorder(opts).parse(script);
  assert.deepEqual(whole.events, [...before, err(kind)], `whole: ${JSON.stringify(script)}`);
  assert.equal(whole.parser.stopped, true);
  // Nothing more is delivered once stopped, even if more input arrives.
  whole.parse('PING\r\nSUB x 1\r\n');
  assert.equal(whole.events.length, before.length + 1, `events after the error: ${JSON.stringify(script)}`);
  assert.deepEqual(feedBytes(script, opts), [...before, err(kind)], `byte by byte: ${JSON.stringify(script)}`);
}

/** Feeds `script` whole; it must give `events` and no error. */
function expectOk(script, events, opts = {}) {
  const r = new Recorder(opts).parse(script);
  assert.deepEqual(r.events, events, JSON.stringify(script));
  assert.equal(r.parser.stopped, false);
}

test('UnknownOp: bad first byte, unknown and route/leaf ops', () => {
  for (const s of ['Z\r\n', 'x', '\r\n', '\n', ' PING\r\n', '\tSUB foo 1\r\n', 'MSG foo 1 1\r\nx\r\n', 'RS+ $G foo\r\n', 'RMSG $G foo 1\r\nx\r\n', 'LS+ foo\r\n', 'LMSG foo 1\r\nx\r\n', 'HMSG foo 1 1 1\r\n', 'A+ foo\r\n', '1\r\n', '*\r\n']) {
    expectError(s, 'UnknownOp');
  }
});

test('UnknownOp: a misspelled op name', () => {
  for (const s of ['PUX foo 1\r\nx\r\n', 'PX\r\n', 'PIN\r\n', 'PINX\r\n', 'PONX\r\n', 'HPUX foo 1 1\r\n', 'SUX foo 1\r\n', 'UNSUX 1\r\n', 'UNSB 1\r\n', 'CONNEXT {}\r\n', 'CONECT {}\r\n', 'INFX {}\r\n', '+OX\r\n', '+K\r\n', '-ERX x\r\n', '-X\r\n']) {
    expectError(s, 'UnknownOp');
  }
});

test('UnknownOp: an op name not followed by a space or tab', () => {
  for (const s of ['PUB\r\n', 'PUB\n', 'PUBfoo 5\r\nhello\r\n', 'PUB.foo 5\r\nhello\r\n', 'HPUBfoo 1 1\r\n', 'SUB\r\n', 'SUBfoo 1\r\n', 'UNSUB\r\n', 'UNSUB1\r\n', '-ERR\r\n']) {
    expectError(s, 'UnknownOp', { headers: true });
  }
});

test('UnknownOp: a payload not followed by CRLF', () => {
  expectError('PUB foo 5\r\nhelloXY', 'UnknownOp');
  expectError('PUB foo 5\r\nhelloX\n', 'UnknownOp');
  expectError('PUB foo 5\r\nhello\rX', 'UnknownOp');
  // LF alone does not end a payload.
  expectError('PUB foo 5\r\nhello\nPING\r\n', 'UnknownOp');
  // A payload longer or shorter than announced.
  expectError('PUB foo 5\r\nhello world\r\n', 'UnknownOp');
  expectError('PUB foo 5\r\nhell\r\nPING\r\n', 'UnknownOp');
  expectError('PUB a 1\r\nx\r\nPUB b 2\r\nxyz\r\n', 'UnknownOp', {}, [pubEv('a', null, 'x')]);
  const msg = 'NATS/1.0\r\n\r\nx';
  expectError(`HPUB foo 12 ${msg.length}\r\n${msg}XX`, 'UnknownOp', { headers: true });
  // A bad terminator is reported as soon as its byte arrives, before the frame is complete.
  const r = new Recorder();
  r.parse('PUB foo 5\r\nhelloX');
  assert.deepEqual(r.events, [err('UnknownOp')]);
  const r2 = new Recorder();
  r2.parse('PUB foo 5\r\nhel');
  r2.parse('lo');
  assert.deepEqual(r2.events, []);
  r2.parse('\r\r');
  assert.deepEqual(r2.events, [err('UnknownOp')]);
});

test('UnknownOp: a bad payload terminator is reported when it arrives, also in a frame begun in an earlier read', () => {
  // nats-server checks MSG_END_R/MSG_END_N byte by byte, whatever the read boundaries.
  const cases = [
    ['PUB foo 5\r\n', 'hllo\r\n'], // short payload: '\n' lands where the CR belongs
    ['PUB foo 5\r\nhe', 'lloX'],
    ['PUB foo 5\r\n', 'h', 'e', 'l', 'l', 'o', 'X'],
    ['PUB a b 0\r\n', '\n'],
    ['HPUB h 12 14\r\nNATS/1.0\r\n', '\r\nabX'],
  ];
  for (const chunks of cases) {
    const r = new Recorder({ headers: true });
    for (const c of chunks) r.parse(c);
    assert.deepEqual(r.events, [err('UnknownOp')], JSON.stringify(chunks));
  }
  // The same bytes in one read fail at once too.
  for (const chunks of cases) assert.deepEqual(feedWhole(chunks.join(''), { headers: true }), [err('UnknownOp')], JSON.stringify(chunks.join('')));
});

test('UnknownOp: a bad op byte fails at once, without waiting for the rest of the line', () => {
  for (const s of ['PUX', 'PX', 'PINX', 'Q', 'HPX', 'SUBX', 'UNSUX', 'CONNEXT', 'CX', 'INX', '+X', '-EX', 'PUBX']) {
    const r = new Recorder();
    r.parse(s);
    assert.deepEqual(r.events, [err('UnknownOp')], JSON.stringify(s));
  }
  // Valid prefixes wait for more input instead.
  for (const s of ['P', 'PU', 'PUB', 'PUB ', 'PI', 'PIN', 'H', 'HPU', 'S', 'SU', 'SUB', 'U', 'UNSU', 'C', 'CONNEC', 'CONNECT', 'I', 'INF', '+', '+O', '-', '-ER', 'ping', 'pUb']) {
    const r = new Recorder({ headers: true });
    r.parse(s);
    assert.deepEqual(r.events, [], JSON.stringify(s));
    assert.equal(r.parser.stopped, false);
  }
  // The bad byte may come in a later read.
  const r = new Recorder();
  r.parse('PU');
  assert.deepEqual(r.events, []);
  r.parse('X');
  assert.deepEqual(r.events, [err('UnknownOp')]);
});

test('MaxControlLine: complete lines over the limit, boundary at exactly the limit', () => {
  const o = { maxControlLine: 16 };
  // The limit applies to the arguments (after the op name and its spaces), not the CRLF.
  expectOk(`SUB ${'a'.repeat(14)} 1\r\n`, [{ op: 'sub', subject: 'a'.repeat(14), queue: null, sid: '1' }], o);
  expectOk(`SUB   ${'a'.repeat(14)} 1\n`, [{ op: 'sub', subject: 'a'.repeat(14), queue: null, sid: '1' }], o);
  expectError(`SUB ${'a'.repeat(15)} 1\r\n`, 'MaxControlLine', o);
  expectOk(`PUB ${'a'.repeat(14)} 1\r\nx\r\n`, [pubEv('a'.repeat(14), null, 'x')], o);
  expectError(`PUB ${'a'.repeat(15)} 1\r\nx\r\n`, 'MaxControlLine', o);
  expectError(`PUB\t${'a'.repeat(15)}\t1\nx\r\n`, 'MaxControlLine', o);
  expectError(`CONNECT {"name":"${'n'.repeat(20)}"}\r\n`, 'MaxControlLine', o);
  expectError(`UNSUB ${'1'.repeat(17)}\r\n`, 'MaxControlLine', o);
  // The default limit is 4096.
  expectOk(`SUB ${'s'.repeat(4094)} 1\r\n`, [{ op: 'sub', subject: 's'.repeat(4094), queue: null, sid: '1' }]);
  expectError(`PUB ${'s'.repeat(5000)} 1\r\nx\r\n`, 'MaxControlLine');
});

test('MaxControlLine: a partial line without LF is checked too', () => {
  const o = { maxControlLine: 16 };
  const r = new Recorder(o);
  r.parse(`SUB ${'a'.repeat(17)}`);
  assert.deepEqual(r.events, [err('MaxControlLine')]);
  // Accumulated over several reads.
  const r2 = new Recorder(o);
  r2.parse('SUB aaaa');
  r2.parse('aaaaaaaa');
  assert.deepEqual(r2.events, []);
  r2.parse('aaaaaaaa');
  assert.deepEqual(r2.events, [err('MaxControlLine')]);
  // A long partial PUB line, before any payload could be sent.
  const r3 = new Recorder();
  r3.parse(`PUB ${'x'.repeat(5000)}`);
  assert.deepEqual(r3.events, [err('MaxControlLine')]);
});

test('MaxControlLine: a line exactly at the limit passes however it is split (CR is not counted)', () => {
  const o = { maxControlLine: 16 };
  const line = `SUB ${'a'.repeat(14)} 1\r\n`;
  const ev = [{ op: 'sub', subject: 'a'.repeat(14), queue: null, sid: '1' }];
  // nats-server leaves the CR out of a partial line's length (buf[as:i-drop]).
  for (let at = 0; at <= line.length; at++) {
    const r = new Recorder(o);
    r.parse(line.slice(0, at));
    r.parse(line.slice(at));
    assert.deepEqual(r.events, ev, `split at ${at}`);
  }
});

test('Violation: wrong argument counts', () => {
  const H = { headers: true };
  for (const s of [
    'PUB foo\r\n',
    'PUB \r\n',
    'PUB  \t \r\n',
    'PUB foo bar baz 5\r\nhello\r\n',
    'PUB a b c d e f 1\r\n',
    'HPUB foo 5\r\n',
    'HPUB foo\r\n',
    'HPUB a b c d 5\r\n',
    'HPUB a b c d e f\r\n',
    'SUB foo\r\n',
    'SUB \r\n',
    'SUB a b c d\r\n',
    'UNSUB \r\n',
    'UNSUB 1 2 3\r\n',
  ]) {
    expectError(s, 'Violation', H);
  }
});

test('Violation: bad sizes', () => {
  const H = { headers: true };
  for (const s of [
    'PUB foo abc\r\n',
    'PUB foo -1\r\n',
    'PUB foo 5x\r\n',
    'PUB foo +5\r\n',
    'PUB foo 1.5\r\n',
    'PUB foo 1234567890\r\n',
    'PUB foo 0000000001\r\n',
    'PUB foo bar 12345678901\r\n',
    'HPUB foo x 5\r\n',
    'HPUB foo 5 x\r\n',
    'HPUB foo 1 1234567890\r\n',
    'HPUB foo rep 1 x\r\n',
  ]) {
    expectError(s, 'Violation', { ...H, maxPayload: -1 });
  }
  // Nine digits are accepted (no payload limit here): the parser waits for the payload.
  const r = new Recorder({ maxPayload: -1 });
  r.parse('PUB foo 999999999\r\nabc');
  assert.deepEqual(r.events, []);
  assert.equal(r.parser.stopped, false);
});

test('Violation: HPUB when headers were not negotiated', () => {
  const msg = 'NATS/1.0\r\n\r\nx';
  expectError(`HPUB foo 12 ${msg.length}\r\n${msg}\r\n`, 'Violation');
  expectError(`hpub foo 12 ${msg.length}\r\n${msg}\r\n`, 'Violation', { headers: false });
  expectError(`PING\r\nHPUB foo 12 ${msg.length}\r\n`, 'Violation', {}, [{ op: 'ping' }]);
});

test('Violation: header size larger than total size', () => {
  expectError('HPUB foo 10 5\r\n01234\r\n', 'Violation', { headers: true });
  expectError('HPUB foo rep 6 5\r\n01234\r\n', 'Violation', { headers: true });
  // Header size equal to total is fine.
  expectOk('HPUB foo 5 5\r\n01234\r\n', [{ op: 'hpub', subject: 'foo', reply: null, size: 5, sizeText: '5', payload: '01234', hdr: 5, hdrText: '5' }], { headers: true });
});

test('MaxPayload: checked on the control line, before the payload arrives', () => {
  const o = { maxPayload: 10, headers: true };
  for (const s of ['PUB foo 11\r\n', 'PUB foo bar 11\r\n', 'PUB\tfoo\t11\n', 'HPUB foo 2 11\r\n', 'HPUB foo bar 2 11\r\n', 'PUB foo 999999999\r\n']) {
    expectError(s, 'MaxPayload', o);
  }
  expectOk('PUB foo 10\r\n0123456789\r\n', [pubEv('foo', null, '0123456789')], o);
  // The default limit is 1 MB.
  expectError(`PUB foo ${1024 * 1024 + 1}\r\n`, 'MaxPayload');
  const r = new Recorder();
  r.parse(`PUB foo ${1024 * 1024}\r\n`);
  assert.deepEqual(r.events, []);
  // maxPayload -1 means no limit; 0 admits only empty payloads.
  const r2 = new Recorder({ maxPayload: -1 });
  r2.parse('PUB foo 50000000\r\n');
  assert.deepEqual(r2.events, []);
  expectError('PUB foo 1\r\n', 'MaxPayload', { maxPayload: 0 });
  expectOk('PUB foo 0\r\n\r\n', [pubEv('foo', null, '')], { maxPayload: 0 });
  // A malformed line is a Violation even if its size is over the limit.
  expectError('PUB foo bar baz 11\r\n', 'Violation', o);
  expectError('HPUB foo 20 11\r\n', 'Violation', o);
});

test('AuthViolation: with connectRequired the first op must be CONNECT', () => {
  const o = { connectRequired: true, headers: true };
  for (const s of ['PING\r\n', 'PONG\r\n', 'SUB foo 1\r\n', 'PUB foo 1\r\nx\r\n', 'pub foo 1\r\nx\r\n', 'UNSUB 1\r\n', 'INFO {}\r\n', '+OK\r\n', '-ERR x\r\n', 'HPUB foo 1 1\r\nx\r\n', 'Z\r\n', '\r\n']) {
    expectError(s, 'AuthViolation', o);
  }
  // It fails on the very first byte.
  const r = new Recorder(o);
  r.parse('P');
  assert.deepEqual(r.events, [err('AuthViolation')]);
  // CONNECT in any case, then anything.
  expectOk('CONNECT {}\r\nPING\r\nPUB foo 1\r\nx\r\n', [{ op: 'connect', json: '{}' }, { op: 'ping' }, pubEv('foo', null, 'x')], o);
  expectOk('connect{"a":1}\nSUB a 1\n', [{ op: 'connect', json: '{"a":1}' }, { op: 'sub', subject: 'a', queue: null, sid: '1' }], o);
  assert.deepEqual(feedBytes('CONNECT {}\r\nPING\r\n', o), [{ op: 'connect', json: '{}' }, { op: 'ping' }]);
  // A misspelled CONNECT is an unknown op, not an auth violation.
  expectError('CONNEXT {}\r\n', 'UnknownOp', o);
  // Without connectRequired, ops before CONNECT are fine.
  expectOk('PING\r\nSUB a 1\r\n', [{ op: 'ping' }, { op: 'sub', subject: 'a', queue: null, sid: '1' }]);
});

test('an error after valid ops keeps the earlier events and stops at once', () => {
  expectError('PING\r\nSUB a 1\r\nPUB a 1\r\nx\r\nBAD\r\nPING\r\n', 'UnknownOp', {}, [
    { op: 'ping' },
    { op: 'sub', subject: 'a', queue: null, sid: '1' },
    pubEv('a', null, 'x'),
  ]);
});

test('stopped set by a callback halts parsing of the rest of the chunk', () => {
  const r = new Recorder();
  r.onSub = function (subject) {
    this.events.push({ op: 'sub', subject });
    this.parser.stopped = true;
  };
  r.parse('PING\r\nSUB a 1\r\nPING\r\nPUB a 1\r\nx\r\n');
  assert.deepEqual(r.events, [{ op: 'ping' }, { op: 'sub', subject: 'a' }]);
  const r2 = new Recorder();
  r2.onPub = function () {
    this.events.push({ op: 'pub' });
    this.parser.stopped = true;
  };
  r2.parse('PUB a 1\r\nx\r\nPUB a 1\r\nx\r\nPING\r\n');
  assert.deepEqual(r2.events, [{ op: 'pub' }]);
});

test('once stopped, later reads deliver nothing, whatever was pending', () => {
  for (const [first, rest] of [
    ['PING', '\r\n'],
    ['PONG x', 'y\r\n'],
    ['SUB foo', ' 1\r\n'],
    ['PUB foo 5\r\nhel', 'lo\r\n'],
    ['P', 'ING\r\n'],
  ]) {
    const r = new Recorder();
    r.parse(first);
    r.parser.stopped = true;
    r.parse(rest);
    r.parse('PING\r\n');
    assert.deepEqual(r.events, [], `${JSON.stringify(first)} then ${JSON.stringify(rest)}`);
  }
});

test('whitespace after an op name is not accumulated without bound', async () => {
  // nats-server skips these spaces without storing them (OP_PUB_SPC etc.); a client
  // trickling spaces must not make the parser hold, and re-copy, an ever-growing buffer.
  const spaces = Buffer.alloc(64 * 1024, 0x20);
  const tails = { PUB: [' foo 1\r\nx\r\n', pubEv('foo', null, 'x')], SUB: [' foo 1\r\n', { op: 'sub', subject: 'foo', queue: null, sid: '1' }], CONNECT: ['{}\r\n', { op: 'connect', json: '{}' }] };
  for (const [op, [tail, ev]] of Object.entries(tails)) {
    const r = new Recorder();
    r.parse(op);
    await settle();
    const before = process.memoryUsage().arrayBuffers;
    for (let k = 0; k < 64; k++) r.parse(spaces); // 4 MB of spaces, one reused buffer
    await settle();
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.deepEqual(r.events, []);
    assert.ok(grown < 1024 * 1024, `${op} + 4 MB of spaces: memory retained grew by ${(grown / 1048576).toFixed(1)} MB`);
    // The op still completes once its arguments arrive.
    r.parse(tail);
    assert.deepEqual(r.events, [ev], op);
  }
});
