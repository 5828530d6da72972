// Every -ERR and every close: for each bad input, the exact bytes Dialtone answers
// and whether it closes the connection (nats-server 2.9 behaviour, reference a1, a4,
// a5, a8). Run with PROTOCOL_TARGET=nats-server to check the expectations against
// Debian's nats-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { session, partialSession, startTarget, rawConnect, parseInfo } from './helpers.js';

const LIMITS = { max_payload: 1024, max_control_line: 256, max_subscriptions: 3 };
const UNKNOWN = "-ERR 'Unknown Protocol Operation'\r\n";
const MAX_PAYLOAD = "-ERR 'Maximum Payload Violation'\r\n";
const MAX_CONTROL = "-ERR 'maximum control line exceeded'\r\n";
const x = (n) => 'x'.repeat(n);
const QUIET = 'CONNECT {"verbose":false}\r\n';
const QUIET_H = 'CONNECT {"verbose":false,"headers":true}\r\n';

let srv;
before(async () => {
  srv = await startTarget(LIMITS);
});
after(async () => {
  await srv?.close();
});

async function io(script, opts) {
  const r = await session(srv.port, script, opts);
  return { out: r.out, closed: r.closed };
}

/** [name, input, expected output, closes] */
function cases(list) {
  for (const [name, input, out, closed] of list) {
    test(`${name}: ${JSON.stringify(input.length > 80 ? `${input.slice(0, 77)}...` : input)}`, async () => {
      assert.deepEqual(await io(input), { out, closed });
    });
  }
}

// ---- 'Unknown Protocol Operation' + close -------------------------------------------

cases([
  ['unknown op', 'FOO bar\r\n', UNKNOWN, true],
  ['unknown op after valid ops', 'PING\r\nSUBX foo 1\r\n', `PONG\r\n${UNKNOWN}`, true],
  ['empty line', '\r\n', UNKNOWN, true],
  ['leading space before op', ' PING\r\n', UNKNOWN, true],
  ['truncated op name', 'PIN\r\n', UNKNOWN, true],
  ['client sends MSG', 'MSG foo 1 2\r\nhi\r\n', UNKNOWN, true],
  ['client sends HMSG', 'HMSG foo 1 2 2\r\nhi\r\n', UNKNOWN, true],
  ['client sends RS+', 'RS+ $G foo\r\n', UNKNOWN, true],
  ['client sends RS-', 'RS- $G foo\r\n', UNKNOWN, true],
  ['client sends RMSG', 'RMSG $G foo 2\r\nhi\r\n', UNKNOWN, true],
  ['client sends LS+', 'LS+ $G foo\r\n', UNKNOWN, true],
  ['client sends LMSG', 'LMSG foo 2\r\nhi\r\n', UNKNOWN, true],
  ['client sends A+', 'A+ $G\r\n', UNKNOWN, true],
  ['client sends A-', 'A- $G\r\n', UNKNOWN, true],
  ['payload not followed by CRLF', `${QUIET}PUB foo 2\r\nhiX\r\n`, UNKNOWN, true],
  ['payload followed by LF only', `${QUIET}PUB foo 2\r\nhi\n`, UNKNOWN, true],
  ['payload followed by CR and junk', `${QUIET}PUB foo 2\r\nhi\rX`, UNKNOWN, true],
  ['HPUB payload not followed by CRLF', `${QUIET_H}HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi!!`, UNKNOWN, true],
  ['PUB with no space', 'PUB\r\n', UNKNOWN, true],
  ['PUB glued to subject', 'PUBfoo 2\r\nhi\r\n', UNKNOWN, true],
  ['SUB with no space', 'SUB\r\n', UNKNOWN, true],
  ['UNSUB with no space', 'UNSUB\r\n', UNKNOWN, true],
  ['HPUB with no space', `${QUIET_H}HPUB\r\n`, UNKNOWN, true],
  ['-ERR with no space', '-ERR\r\n', UNKNOWN, true],
  ['+O without K', '+O\r\n', UNKNOWN, true],
  ['binary garbage', '\x00\xff\x13\r\n', UNKNOWN, true],
  ['nothing after the error is processed', 'FOO\r\nPING\r\n', UNKNOWN, true],
]);

// ---- 'Maximum Payload Violation' + close ----------------------------------------------

cases([
  ['PUB size over max_payload, payload not sent', `${QUIET}PUB foo 1025\r\n`, MAX_PAYLOAD, true],
  ['PUB size over max_payload with payload', `${QUIET}PUB foo 1025\r\n${x(1025)}\r\n`, MAX_PAYLOAD, true],
  ['PUB with reply over max_payload', `${QUIET}PUB foo bar 999999999\r\n`, MAX_PAYLOAD, true],
  ['HPUB total over max_payload', `${QUIET_H}HPUB foo 12 1025\r\n`, MAX_PAYLOAD, true],
  ['PUB exactly max_payload is fine', `${QUIET}SUB foo 1\r\nPUB foo 1024\r\n${x(1024)}\r\n`, `MSG foo 1 1024\r\n${x(1024)}\r\n`, false],
]);

test('INFO advertises the configured max_payload', async () => {
  const c = await rawConnect(srv.port, null);
  try {
    assert.equal(parseInfo(c.text).max_payload, 1024);
  } finally {
    c.close();
  }
});

// ---- 'maximum control line exceeded' + close -----------------------------------------
// The limit applies to the arguments after the op name and its separating blanks.

cases([
  ['SUB line one over the limit', `${QUIET}SUB ${x(255)} 1\r\n`, MAX_CONTROL, true],
  ['SUB line at the limit is fine', `CONNECT {"verbose":true}\r\nSUB ${x(254)} 1\r\n`, '+OK\r\n+OK\r\n', false],
  ['LF-only line at the limit is fine', `CONNECT {"verbose":true}\r\nSUB ${x(254)} 1\n`, '+OK\r\n+OK\r\n', false],
  ['blanks after the op do not count', `CONNECT {"verbose":true}\r\nSUB ${' '.repeat(300)}foo 1\r\n`, '+OK\r\n+OK\r\n', false],
  ['PUB line over the limit', `${QUIET}PUB ${x(255)} 1\r\nx\r\n`, MAX_CONTROL, true],
  ['HPUB line over the limit', `${QUIET_H}HPUB ${x(255)} 0 1\r\nx\r\n`, MAX_CONTROL, true],
  ['UNSUB line over the limit', `${QUIET}UNSUB ${x(300)}\r\n`, MAX_CONTROL, true],
  ['CONNECT line over the limit', `CONNECT {"name":"${x(300)}"}\r\n`, MAX_CONTROL, true],
  ['client -ERR line over the limit', `-ERR ${x(300)}\r\n`, MAX_CONTROL, true],
  ['client INFO line over the limit', `INFO ${x(300)}\r\n`, MAX_CONTROL, true],
  ['PING with long trailing garbage is not limited', `PING${x(1000)}\r\n`, 'PONG\r\n', false],
]);

const partial = (parts) => partialSession(srv.port, parts);

test('a partial line (no LF yet) longer than max_control_line is rejected at once', async () => {
  assert.deepEqual(await partial([`SUB ${x(257)}`]), { out: MAX_CONTROL, closed: true });
  assert.deepEqual(await partial([`PUB ${x(300)}`]), { out: MAX_CONTROL, closed: true });
  assert.deepEqual(await partial([`CONNECT ${x(300)}`]), { out: MAX_CONTROL, closed: true });
  // Accumulated over several reads.
  assert.deepEqual(await partial([`SUB ${x(150)}`, x(107)]), { out: MAX_CONTROL, closed: true });
});

test('a partial line within max_control_line waits for the rest', async () => {
  assert.deepEqual(await partial([`SUB ${x(256)}`]), { out: '', closed: false });
  assert.deepEqual(await partial([`SUB ${x(150)}`, x(100)]), { out: '', closed: false });
  assert.deepEqual(await partial([`PING${x(5000)}`]), { out: '', closed: false });
  assert.deepEqual(await partial([`PUB ${x(200)}`, ' 0\r\n\r\nPING\r\n']), { out: '+OK\r\nPONG\r\n', closed: false });
});

test('a line exactly at max_control_line whose CR and LF arrive in different reads is accepted', async () => {
  // nats-server drops the CR before measuring a partial line: 256 argument bytes + CR is within the limit.
  assert.deepEqual(await partial([`SUB ${x(254)} 1\r`, '\nPING\r\n']), { out: '+OK\r\nPONG\r\n', closed: false });
});

// ---- silent close (protocol violation, no -ERR) -----------------------------------------

cases([
  ['PUB with one argument', `${QUIET}PUB foo\r\n`, '', true],
  ['PUB with four arguments', `${QUIET}PUB foo a b 2\r\nhi\r\n`, '', true],
  ['PUB with negative size', `${QUIET}PUB foo -1\r\n`, '', true],
  ['PUB with non-numeric size', `${QUIET}PUB foo x\r\n`, '', true],
  ['PUB with size 2x', `${QUIET}PUB foo 2x\r\nhi\r\n`, '', true],
  ['PUB with size +2', `${QUIET}PUB foo +2\r\nhi\r\n`, '', true],
  ['PUB with a 10-digit size', `${QUIET}PUB foo 0000000002\r\nhi\r\n`, '', true],
  ['PUB with a 10-digit size over max_payload', `${QUIET}PUB foo 1234567890\r\n`, '', true],
  ['PUB with only blanks', `${QUIET}PUB  \t \r\n`, '', true],
  ['SUB with one argument', `${QUIET}SUB foo\r\n`, '', true],
  ['SUB with four arguments', `${QUIET}SUB foo q 1 x\r\n`, '', true],
  ['SUB with no arguments', `${QUIET}SUB \r\n`, '', true],
  ['UNSUB with no arguments', `${QUIET}UNSUB \r\n`, '', true],
  ['UNSUB with three arguments', `${QUIET}UNSUB 1 2 3\r\n`, '', true],
  ['CONNECT with bad JSON', 'CONNECT {bad\r\n', '', true],
  ['CONNECT with no JSON', 'CONNECT\r\n', '', true],
  ['CONNECT with a JSON array', 'CONNECT []\r\n', '', true],
  ['CONNECT with a JSON string', 'CONNECT "x"\r\n', '', true],
  ['CONNECT with trailing data after the JSON', 'CONNECT {} x\r\n', '', true],
  ['CONNECT with two JSON objects', 'CONNECT {}{}\r\n', '', true],
  ['CONNECT verbose is a string', 'CONNECT {"verbose":"yes"}\r\n', '', true],
  ['CONNECT echo is a number', 'CONNECT {"echo":1}\r\n', '', true],
  ['CONNECT headers is a string', 'CONNECT {"headers":"true"}\r\n', '', true],
  ['CONNECT protocol is a string', 'CONNECT {"protocol":"1"}\r\n', '', true],
  ['CONNECT protocol is fractional', 'CONNECT {"protocol":1.5}\r\n', '', true],
  ['CONNECT name is a number', 'CONNECT {"name":5}\r\n', '', true],
  ['CONNECT lang is an array', 'CONNECT {"lang":[]}\r\n', '', true],
  ['CONNECT account is a number', 'CONNECT {"account":5}\r\n', '', true],
  ['CONNECT with a raw control character in a string', 'CONNECT {"name":"a\tb"}\r\n', '', true],
  ['HPUB without headers negotiated', `${QUIET}HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n`, '', true],
  ['HPUB before CONNECT', 'HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n', '', true],
  ['HPUB with headers:false', `CONNECT {"verbose":false,"headers":false}\r\nHPUB foo 0 0\r\n\r\n`, '', true],
  ['HPUB header size > total size', `${QUIET_H}HPUB foo 5 2\r\nhi\r\n`, '', true],
  ['HPUB with two arguments', `${QUIET_H}HPUB foo 2\r\nhi\r\n`, '', true],
  ['HPUB with five arguments', `${QUIET_H}HPUB foo a b 2 2\r\nhi\r\n`, '', true],
  ['HPUB with a bad header size', `${QUIET_H}HPUB foo x 2\r\nhi\r\n`, '', true],
  ['HPUB with a bad total size', `${QUIET_H}HPUB foo 0 -2\r\n`, '', true],
  ['client -ERR', "-ERR 'whatever'\r\n", '', true],
  ['client -ERR with a tab', "-ERR\t'whatever'\r\n", '', true],
  ['client INFO with bad JSON', 'INFO {bad\r\n', '', true],
]);

// CONNECT numbers are decoded like Go's encoding/json into an int: no fraction or
// exponent, and no value beyond int64.
cases([
  ['CONNECT protocol written as 1.0', 'CONNECT {"protocol":1.0}\r\n', '', true],
  ['CONNECT protocol written as 1E0', 'CONNECT {"protocol":1E0}\r\n', '', true],
  ['CONNECT protocol beyond int64', 'CONNECT {"protocol":99999999999999999999}\r\n', '', true],
]);

// ---- CONNECT errors with -ERR ----------------------------------------------------------

cases([
  ['protocol 2', 'CONNECT {"protocol":2}\r\n', "-ERR 'invalid client protocol'\r\n", true],
  ['protocol -1', 'CONNECT {"protocol":-1}\r\n', "-ERR 'invalid client protocol'\r\n", true],
  ['protocol 2^53+1', 'CONNECT {"protocol":9007199254740993}\r\n', "-ERR 'invalid client protocol'\r\n", true],
  ['no_responders without headers', 'CONNECT {"no_responders":true}\r\n', "-ERR 'no responders requires headers support'\r\n", true],
  ['no_responders with headers:false', 'CONNECT {"no_responders":true,"headers":false}\r\n', "-ERR 'no responders requires headers support'\r\n", true],
  ['CONNECT with account', 'CONNECT {"account":"A"}\r\n', "-ERR 'Authorization Violation'\r\n", true],
  ['CONNECT with new_account', 'CONNECT {"new_account":true}\r\n', "-ERR 'Authorization Violation'\r\n", true],
  ['account is checked before protocol', 'CONNECT {"protocol":2,"account":"A"}\r\n', "-ERR 'Authorization Violation'\r\n", true],
  ['protocol is checked before no_responders', 'CONNECT {"protocol":2,"no_responders":true}\r\n', "-ERR 'invalid client protocol'\r\n", true],
  ['empty account is allowed', 'CONNECT {"account":""}\r\n', '+OK\r\n', false],
  ['protocol 1 is allowed', 'CONNECT {"protocol":1}\r\n', '+OK\r\n', false],
  ['protocol -0 is allowed', 'CONNECT {"protocol":-0}\r\n', '+OK\r\n', false],
]);

// ---- errors that keep the connection open --------------------------------------------

cases([
  [
    'SUB on invalid subjects',
    'CONNECT {"verbose":true}\r\nSUB foo..bar 1\r\nSUB foo.>.bar 2\r\nSUB .foo 3\r\nSUB foo. 4\r\nSUB ok 5\r\n',
    "+OK\r\n-ERR 'Invalid Subject'\r\n-ERR 'Invalid Subject'\r\n-ERR 'Invalid Subject'\r\n-ERR 'Invalid Subject'\r\n+OK\r\n",
    false,
  ],
  [
    'a rejected SUB leaves its sid free',
    `${QUIET}SUB foo..bar 1\r\nSUB foo 1\r\nPUB foo 1\r\na\r\n`,
    "-ERR 'Invalid Subject'\r\nMSG foo 1 1\r\na\r\n",
    false,
  ],
  [
    'pedantic: wildcard publish subject is reported and still delivered',
    'CONNECT {"verbose":false,"pedantic":true}\r\nSUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\n',
    "-ERR 'Invalid Publish Subject'\r\nMSG foo.* 1 2\r\nhi\r\n",
    false,
  ],
  [
    'pedantic: invalid publish subject with verbose',
    'CONNECT {"verbose":true,"pedantic":true}\r\nPUB foo..bar 2\r\nhi\r\n',
    "+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\n",
    false,
  ],
  ['not pedantic: wildcard publish subject is accepted', 'CONNECT {"verbose":false,"pedantic":false}\r\nSUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\n', 'MSG foo.* 1 2\r\nhi\r\n', false],
  [
    'maximum subscriptions exceeded',
    'CONNECT {"verbose":true}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\nPUB d 1\r\nx\r\nUNSUB 1\r\nSUB d 4\r\n',
    "+OK\r\n+OK\r\n+OK\r\n+OK\r\n-ERR 'maximum subscriptions exceeded'\r\n+OK\r\n+OK\r\n+OK\r\n",
    false,
  ],
  [
    'at the limit even a duplicate sid is refused',
    'CONNECT {"verbose":true}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB a 1\r\n',
    "+OK\r\n+OK\r\n+OK\r\n+OK\r\n-ERR 'maximum subscriptions exceeded'\r\n",
    false,
  ],
]);

// Reserved reply prefixes and gateway subjects: -ERR, no +OK, no delivery, stays open.
const permReply = (r) => `-ERR 'Permissions Violation for Publish with Reply of "${r}"'\r\n`;
cases([
  ['reply _R_.x', 'CONNECT {"verbose":true}\r\nSUB foo 1\r\nPUB foo _R_.x 2\r\nhi\r\n', `+OK\r\n+OK\r\n${permReply('_R_.x')}`, false],
  ['reply $JS.ACK.x', 'CONNECT {"verbose":true}\r\nSUB foo 1\r\nPUB foo $JS.ACK.x 2\r\nhi\r\n', `+OK\r\n+OK\r\n${permReply('$JS.ACK.x')}`, false],
  ['reply _GR_.x', 'CONNECT {"verbose":true}\r\nSUB foo 1\r\nPUB foo _GR_.x 2\r\nhi\r\n', `+OK\r\n+OK\r\n${permReply('_GR_.x')}`, false],
  [
    'reply _R_.x on HPUB',
    `${QUIET_H}SUB foo 1\r\nHPUB foo _R_.abc 12 12\r\nNATS/1.0\r\n\r\n\r\nPUB foo 1\r\nz\r\n`,
    `${permReply('_R_.abc')}MSG foo 1 1\r\nz\r\n`,
    false,
  ],
  ['reply _R_. alone is reserved', 'CONNECT {"verbose":true}\r\nPUB foo _R_. 0\r\n\r\n', `+OK\r\n${permReply('_R_.')}`, false],
  ['reply _GR_. alone is not reserved', 'CONNECT {"verbose":true}\r\nSUB foo 1\r\nPUB foo _GR_. 2\r\nhi\r\n', '+OK\r\n+OK\r\n+OK\r\nMSG foo 1 _GR_. 2\r\nhi\r\n', false],
  ['reply $JS.ACK. alone is not reserved', 'CONNECT {"verbose":true}\r\nPUB foo $JS.ACK. 0\r\n\r\n', '+OK\r\n+OK\r\n', false],
  ['reply _R_ (no dot) is not reserved', 'CONNECT {"verbose":true}\r\nPUB foo _R_ 0\r\n\r\n', '+OK\r\n+OK\r\n', false],
  [
    'publish to _GR_.x',
    'CONNECT {"verbose":true}\r\nSUB _GR_.> 1\r\nPUB _GR_.x 2\r\nhi\r\n',
    `+OK\r\n+OK\r\n-ERR 'Permissions Violation for Publish to "_GR_.x"'\r\n`,
    false,
  ],
  [
    'publish to _GR_.x is checked before the reply',
    'CONNECT {"verbose":true}\r\nPUB _GR_.a _R_.b 0\r\n\r\n',
    `+OK\r\n-ERR 'Permissions Violation for Publish to "_GR_.a"'\r\n`,
    false,
  ],
  [
    'pedantic error comes first, then the reply violation',
    'CONNECT {"verbose":true,"pedantic":true}\r\nPUB foo.> _R_.x 2\r\nhi\r\n',
    `+OK\r\n-ERR 'Invalid Publish Subject'\r\n${permReply('_R_.x')}`,
    false,
  ],
]);

test('after a permissions violation the connection keeps working', async () => {
  assert.deepEqual(await io(`${QUIET}SUB foo 1\r\nPUB foo _R_.x 1\r\na\r\nPUB foo 1\r\nb\r\nPING\r\n`), {
    out: `${permReply('_R_.x')}MSG foo 1 1\r\nb\r\nPONG\r\n`,
    closed: false,
  });
});

// ---- client INFO is ignored when it is a JSON object (parsed as nats-server's Info) ----

cases([
  ['client INFO with an object', 'INFO {"server_id":"x"}\r\nPING\r\n', 'PONG\r\n', false],
  ['client INFO glued to its JSON', 'INFO{}\r\nPING\r\n', 'PONG\r\n', false],
  ['client INFO with null', 'INFO null\r\nPING\r\n', 'PONG\r\n', false],
  ['client INFO with no JSON', 'INFO \r\n', '', true],
  ['client INFO with glued garbage', 'INFOx\r\n', '', true],
  ['client INFO with an array', 'INFO []\r\n', '', true],
  ['client INFO with a wrong-typed field', 'INFO {"port":"x"}\r\n', '', true],
]);

// ---- the first byte after an op's separator always starts its arguments ---------------
// nats-server's parser moves to the argument state on the first non-blank byte, even
// CR or LF, so a line break right after "SUB " does not end the line.

cases([
  ['LF right after "SUB "', `${QUIET}SUB \nfoo 1\r\nPUB foo 1\r\nx\r\n`, 'MSG foo 1 1\r\nx\r\n', false],
  ['LF right after "SUB\\t"', `${QUIET}SUB\t\nfoo 1\r\nPUB foo 1\r\nx\r\n`, 'MSG foo 1 1\r\nx\r\n', false],
  ['LF right after "PUB " becomes part of the subject', `${QUIET}SUB > 1\r\nPUB \nfoo 1\r\nx\r\n`, 'MSG \nfoo 1 1\r\nx\r\n', false],
  ['LF right after "UNSUB "', 'CONNECT {"verbose":true}\r\nSUB foo 1\r\nUNSUB \n1\r\nPUB foo 1\r\nx\r\n', '+OK\r\n+OK\r\n+OK\r\n+OK\r\n', false],
  ['LF right after "CONNECT"', 'CONNECT\n{"verbose":false}\r\nPING\r\n', 'PONG\r\n', false],
  ['LF right after "CONNECT "', 'CONNECT \n{"verbose":false}\r\nPING\r\n', 'PONG\r\n', false],
  ['LF right after "INFO "', 'INFO \n{}\r\nPING\r\n', 'PONG\r\n', false],
  ['CR right after "SUB " then the line', 'CONNECT {"verbose":true}\r\nSUB \rfoo 1\r\n', '+OK\r\n+OK\r\n', false],
]);
