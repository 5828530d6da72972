// Every client protocol op over a raw socket, asserting the exact bytes Dialtone
// sends back and whether it keeps the connection open (nats-server 2.9 behaviour,
// reference sections a1-a5 and a7).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { session, startTarget, rawConnect, client, parseInfo } from './helpers.js';

const HDR = 'NATS/1.0\r\nX-Key: v\r\n\r\n'; // 22 bytes
assert.equal(HDR.length, 22);

let srv;
before(async () => {
  srv = await startTarget();
});
after(async () => {
  await srv?.close();
});

/** Runs a script on a fresh connection: { out, closed }. */
async function io(script, opts) {
  const r = await session(srv.port, script, opts);
  return { out: r.out, closed: r.closed };
}

/** Splits MSG/HMSG output into frames (for order-independent comparisons). */
function frames(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf('\r\n', i);
    assert.ok(eol >= 0, `incomplete line in ${JSON.stringify(text.slice(i))}`);
    const line = text.slice(i, eol);
    const parts = line.split(' ');
    let size = 0;
    if (parts[0] === 'MSG' || parts[0] === 'HMSG') size = Number(parts[parts.length - 1]) + 2;
    out.push(text.slice(i, eol + 2 + size));
    i = eol + 2 + size;
  }
  return out;
}

test('INFO is sent on accept, before the client sends anything, with every required field', async () => {
  const c = await rawConnect(srv.port, null);
  const d = await rawConnect(srv.port, null);
  try {
    const text = c.text;
    assert.match(text, /^INFO \{[^\r\n]*\} \r\n$/, 'one INFO line ending with " \\r\\n"');
    const info = parseInfo(text);
    assert.deepEqual(Object.keys(info), [
      'server_id',
      'server_name',
      'version',
      'proto',
      'go',
      'host',
      'port',
      'headers',
      'max_payload',
      'client_id',
      'client_ip',
    ]);
    assert.match(info.server_id, /^N[A-Z2-7]{55}$/, 'server_id is a 56-char server nkey');
    assert.equal(info.server_name, info.server_id, 'server_name defaults to server_id');
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.proto, 1);
    assert.equal(typeof info.go, 'string');
    assert.ok(info.go.length > 0);
    assert.equal(info.host, '127.0.0.1');
    assert.equal(info.port, srv.port);
    assert.equal(info.headers, true);
    assert.equal(info.max_payload, 1048576);
    assert.ok(Number.isInteger(info.client_id) && info.client_id > 0);
    assert.equal(info.client_ip, '127.0.0.1');
    const other = parseInfo(d.text);
    assert.notEqual(other.client_id, info.client_id, 'client_id is per connection');
    assert.equal(other.server_id, info.server_id);
  } finally {
    c.close();
    d.close();
  }
});

test('CONNECT verbose:true answers +OK; verbose:false answers nothing', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":true}\r\n'), { out: '+OK\r\n', closed: false });
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\n'), { out: '', closed: false });
  // CONNECT directly followed by its JSON, or by a tab, is accepted too.
  assert.deepEqual(await io('CONNECT{"verbose":true}\r\n'), { out: '+OK\r\n', closed: false });
  assert.deepEqual(await io('CONNECT\t{"verbose":true}\r\n'), { out: '+OK\r\n', closed: false });
});

test('CONNECT {} defaults verbose, pedantic and echo to true', async () => {
  assert.deepEqual(await io('CONNECT {}\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\n'), {
    out: '+OK\r\n+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\n',
    closed: false,
  });
  // pedantic is on: a wildcard publish subject gets an -ERR (and is still processed).
  assert.deepEqual(await io('CONNECT {}\r\nPUB foo.> 0\r\n\r\n'), {
    out: "+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\n",
    closed: false,
  });
  // null leaves a field at its default.
  assert.deepEqual(await io('CONNECT {"verbose":null}\r\nSUB foo 1\r\n'), { out: '+OK\r\n+OK\r\n', closed: false });
  // Unknown fields are ignored.
  assert.deepEqual(await io('CONNECT {"foo":5,"verbose":false}\r\nPING\r\n'), { out: 'PONG\r\n', closed: false });
});

test('CONNECT field names match case-insensitively, like Go encoding/json', async () => {
  assert.deepEqual(await io('CONNECT {"Verbose":false}\r\nSUB foo 1\r\n'), { out: '', closed: false });
  assert.deepEqual(await io('CONNECT {"VERBOSE":false}\r\nSUB foo 1\r\n'), { out: '', closed: false });
});

test('verbose +OK follows CONNECT, PUB, HPUB, SUB and UNSUB but not PING', async () => {
  const script = `CONNECT {"verbose":true,"headers":true}\r\nSUB foo 1\r\nPUB foo 1\r\na\r\nHPUB foo 22 22\r\n${HDR}\r\nUNSUB 1\r\nPING\r\n`;
  assert.deepEqual(await io(script), {
    out: `+OK\r\n+OK\r\n+OK\r\nMSG foo 1 1\r\na\r\n+OK\r\nHMSG foo 1 22 22\r\n${HDR}\r\n+OK\r\nPONG\r\n`,
    closed: false,
  });
});

test('PUB without and with reply produces exact MSG frames', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo 5\r\nhello\r\nPUB foo bar 3\r\nabc\r\nPUB foo 0\r\n\r\n'), {
    out: 'MSG foo 1 5\r\nhello\r\nMSG foo 1 bar 3\r\nabc\r\nMSG foo 1 0\r\n\r\n',
    closed: false,
  });
});

test('payload bytes are opaque: CR, LF, NUL and high bytes pass through', async () => {
  const payload = 'a\r\nPING\r\n\x00\xff\n\r';
  assert.deepEqual(await io(`CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo ${payload.length}\r\n${payload}\r\n`, { pings: 0 }), {
    out: `MSG foo 1 ${payload.length}\r\n${payload}\r\n`,
    closed: false,
  });
});

test('HPUB without and with reply produces exact HMSG frames', async () => {
  const c = 'CONNECT {"verbose":false,"headers":true}\r\nSUB foo 1\r\n';
  assert.deepEqual(await io(`${c}HPUB foo 22 27\r\n${HDR}hello\r\n`), {
    out: `HMSG foo 1 22 27\r\n${HDR}hello\r\n`,
    closed: false,
  });
  assert.deepEqual(await io(`${c}HPUB foo my.reply 22 27\r\n${HDR}hello\r\n`), {
    out: `HMSG foo 1 my.reply 22 27\r\n${HDR}hello\r\n`,
    closed: false,
  });
  // The header block is not validated by the server.
  assert.deepEqual(await io(`${c}HPUB foo 2 4\r\nabcd\r\n`), { out: 'HMSG foo 1 2 4\r\nabcd\r\n', closed: false });
});

test('sizes are echoed exactly as the publisher wrote them', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo 002\r\nhi\r\nPUB foo 000000002\r\nhi\r\n'), {
    out: 'MSG foo 1 002\r\nhi\r\nMSG foo 1 000000002\r\nhi\r\n',
    closed: false,
  });
  assert.deepEqual(await io(`CONNECT {"verbose":false,"headers":true}\r\nSUB foo 1\r\nHPUB foo 022 0024\r\n${HDR}hi\r\n`), {
    out: `HMSG foo 1 022 0024\r\n${HDR}hi\r\n`,
    closed: false,
  });
});

test('HPUB with header size 0 is delivered as a plain MSG', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false,"headers":true}\r\nSUB foo 1\r\nHPUB foo 0 2\r\nhi\r\nHPUB foo r 0 0\r\n\r\n'), {
    out: 'MSG foo 1 2\r\nhi\r\nMSG foo 1 r 0\r\n\r\n',
    closed: false,
  });
});

test('PING answers PONG; a client PONG answers nothing', async () => {
  assert.deepEqual(await io('PING\r\nPONG\r\nPING\r\n'), { out: 'PONG\r\nPONG\r\n', closed: false });
});

test('PING with trailing garbage before LF still answers PONG', async () => {
  assert.deepEqual(await io('PING garbage here\nPINGX\r\nPING\t\r\nPONG whatever\n'), {
    out: 'PONG\r\nPONG\r\nPONG\r\n',
    closed: false,
  });
});

test('op names are case-insensitive', async () => {
  const script = `connect {"verbose":false,"headers":true}\r\nsub foo 1\r\npUb foo 1\r\na\r\nhPuB foo 22 22\r\n${HDR}\r\nUnSuB 1\r\nPUB foo 1\r\nb\r\nPiNg\r\n`;
  assert.deepEqual(await io(script), { out: `MSG foo 1 1\r\na\r\nHMSG foo 1 22 22\r\n${HDR}\r\nPONG\r\n`, closed: false });
});

test('arguments may be separated by tabs and runs of spaces', async () => {
  const script = 'CONNECT\t {"verbose":false}\r\nSUB\t\tfoo \t q\t 7\r\nPUB \t foo\t\tbar \t 2 \r\nhi\r\nUNSUB  \t7\t\r\nPUB foo 1\r\nx\r\n';
  assert.deepEqual(await io(script), { out: 'MSG foo 7 bar 2\r\nhi\r\n', closed: false });
});

test('LF-only line endings are accepted for control lines', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false}\nSUB foo 1\nPUB foo 2\nhi\r\nUNSUB 1\nPUB foo 1\nx\r\nPING\n'), {
    out: 'MSG foo 1 2\r\nhi\r\nPONG\r\n',
    closed: false,
  });
});

test('client INFO and +OK are ignored', async () => {
  assert.deepEqual(await io('+OK\r\nINFO {"server_id":"x"}\r\n+ok\r\nPING\r\n'), { out: 'PONG\r\n', closed: false });
});

test('SUB with a queue group delivers to the member; UNSUB stops delivery', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\nSUB foo workers 5\r\nPUB foo 1\r\na\r\nUNSUB 5\r\nPUB foo 1\r\nb\r\n'), {
    out: 'MSG foo 5 1\r\na\r\n',
    closed: false,
  });
});

test('UNSUB of an unknown sid is not an error', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":true}\r\nUNSUB 99\r\nUNSUB 99 3\r\n'), { out: '+OK\r\n+OK\r\n+OK\r\n', closed: false });
});

test('UNSUB with max auto-unsubscribes after that many deliveries', async () => {
  assert.deepEqual(
    await io('CONNECT {"verbose":false}\r\nSUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n'),
    { out: 'MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\n', closed: false },
  );
  // Already delivered >= max: removed at once.
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1 1\r\nPUB foo 1\r\nb\r\n'), {
    out: 'MSG foo 1 1\r\na\r\n',
    closed: false,
  });
  // max 0, and a max that is not a number, unsubscribe at once.
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\nSUB foo 1\r\nUNSUB 1 0\r\nSUB bar 2\r\nUNSUB 2 x\r\nPUB foo 1\r\na\r\nPUB bar 1\r\nb\r\n'), {
    out: '',
    closed: false,
  });
  // The sid is free again after the auto-unsubscribe.
  assert.deepEqual(await io('CONNECT {"verbose":false}\r\nSUB foo 1\r\nUNSUB 1 1\r\nPUB foo 1\r\na\r\nSUB bar 1\r\nPUB bar 1\r\nb\r\n'), {
    out: 'MSG foo 1 1\r\na\r\nMSG bar 1 1\r\nb\r\n',
    closed: false,
  });
});

test('UNSUB max counts deliveries across publishers', async () => {
  const sub = await client(srv.port, { verbose: false });
  const pub = await client(srv.port, { verbose: false });
  try {
    sub.send('SUB cnt 1\r\nUNSUB 1 3\r\n');
    await sub.flush();
    sub.clear();
    for (let i = 0; i < 5; i++) pub.send(`PUB cnt 1\r\n${i}\r\n`);
    await pub.flush();
    await sub.flush();
    assert.equal(sub.text, 'MSG cnt 1 1\r\n0\r\nMSG cnt 1 1\r\n1\r\nMSG cnt 1 1\r\n2\r\nPONG\r\n');
  } finally {
    sub.close();
    pub.close();
  }
});

test('two overlapping subscriptions give two MSGs, one per sid', async () => {
  const r = await io('CONNECT {"verbose":false}\r\nSUB foo.* 1\r\nSUB foo.bar 2\r\nSUB > 3\r\nPUB foo.bar 2\r\nhi\r\nPUB foo.baz 1\r\nz\r\n');
  assert.equal(r.closed, false);
  assert.deepEqual(frames(r.out).sort(), [
    'MSG foo.bar 1 2\r\nhi\r\n',
    'MSG foo.bar 2 2\r\nhi\r\n',
    'MSG foo.bar 3 2\r\nhi\r\n',
    'MSG foo.baz 1 1\r\nz\r\n',
    'MSG foo.baz 3 1\r\nz\r\n',
  ]);
});

test('wildcards: * matches one token, > one or more; foo* is literal', async () => {
  const r = await io(
    'CONNECT {"verbose":false}\r\nSUB foo.> 1\r\nSUB *.bar 2\r\nSUB foo* 3\r\nPUB foo 1\r\na\r\nPUB foo.bar 1\r\nb\r\nPUB foo.bar.baz 1\r\nc\r\nPUB foo* 1\r\nd\r\nPUB foox 1\r\ne\r\n',
  );
  assert.equal(r.closed, false);
  assert.deepEqual(frames(r.out).sort(), [
    'MSG foo* 3 1\r\nd\r\n',
    'MSG foo.bar 1 1\r\nb\r\n',
    'MSG foo.bar 2 1\r\nb\r\n',
    'MSG foo.bar.baz 1 1\r\nc\r\n',
  ]);
});

test('a duplicate sid is ignored (first subscription kept, +OK when verbose)', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":true}\r\nSUB foo 1\r\nSUB bar 1\r\nPUB bar 1\r\nb\r\nPUB foo 1\r\na\r\n'), {
    out: '+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\nMSG foo 1 1\r\na\r\n',
    closed: false,
  });
});

test('queue group members on one connection: each message goes to exactly one', async () => {
  let script = 'CONNECT {"verbose":false}\r\nSUB foo q 1\r\nSUB foo q 2\r\nSUB foo 3\r\n';
  for (let i = 0; i < 20; i++) script += `PUB foo ${String(i).length}\r\n${i}\r\n`;
  const r = await io(script);
  assert.equal(r.closed, false);
  const fs = frames(r.out);
  const queued = fs.filter((f) => /^MSG foo [12] /.test(f)).map((f) => f.split('\r\n')[1]);
  const plain = fs.filter((f) => f.startsWith('MSG foo 3 ')).map((f) => f.split('\r\n')[1]);
  const all = Array.from({ length: 20 }, (_, i) => String(i));
  assert.deepEqual(queued, all, 'each message delivered to exactly one queue member');
  assert.deepEqual(plain, all, 'a plain subscriber gets every message');
});

test('queue groups across connections: exactly one member per message, plain subs get all', async () => {
  const members = await Promise.all([0, 1, 2].map(() => client(srv.port, { verbose: false })));
  const plain = await client(srv.port, { verbose: false });
  const other = await client(srv.port, { verbose: false });
  const pub = await client(srv.port, { verbose: false });
  try {
    members.forEach((m, i) => m.send(`SUB work.* grp ${i + 1}\r\n`));
    plain.send('SUB work.* 9\r\n');
    other.send('SUB work.* other 1\r\n'); // a different group gets its own copy
    await Promise.all([...members, plain, other].map((c) => c.flush()));
    const n = 60;
    for (let i = 0; i < n; i++) pub.send(`PUB work.${i} 0\r\n\r\n`);
    await pub.flush();
    await Promise.all([...members, plain, other].map((c) => c.flush()));
    const subjects = (c) => [...c.text.matchAll(/MSG (work\.\d+) \d+ 0\r\n\r\n/g)].map((m) => m[1]);
    const got = members.flatMap(subjects);
    const expected = Array.from({ length: n }, (_, i) => `work.${i}`);
    assert.deepEqual([...got].sort(), [...expected].sort(), 'every message reached exactly one member');
    assert.deepEqual(subjects(plain), expected);
    assert.deepEqual(subjects(other), expected);
    assert.ok(members.filter((m) => subjects(m).length > 0).length >= 2, 'messages are spread over members');
  } finally {
    for (const c of [...members, plain, other, pub]) c.close();
  }
});

test('echo:false suppresses delivery of a connection\'s own messages only', async () => {
  const a = await client(srv.port, { verbose: false, echo: false });
  const b = await client(srv.port, { verbose: false });
  try {
    b.send('SUB echo.t 1\r\n');
    await b.flush();
    a.send('SUB echo.t 1\r\nPUB echo.t 2\r\nhi\r\n');
    await a.flush();
    await b.flush();
    assert.equal(a.text, 'PONG\r\n');
    assert.equal(b.text, 'PONG\r\nMSG echo.t 1 2\r\nhi\r\nPONG\r\n');
    // Messages from others still reach the echo:false connection.
    b.send('PUB echo.t 1\r\nx\r\n');
    await b.flush();
    await a.flush();
    assert.equal(a.text, 'PONG\r\nMSG echo.t 1 1\r\nx\r\nPONG\r\n');
  } finally {
    a.close();
    b.close();
  }
});

test('headers are stripped for a subscriber that did not negotiate them', async () => {
  const plain = await client(srv.port, { verbose: false });
  const hdrs = await client(srv.port, { verbose: false, headers: true });
  const pub = await client(srv.port, { verbose: false, headers: true });
  try {
    plain.send('SUB hs 1\r\n');
    hdrs.send('SUB hs 2\r\n');
    await Promise.all([plain.flush(), hdrs.flush()]);
    plain.clear();
    hdrs.clear();
    pub.send(`HPUB hs 22 27\r\n${HDR}hello\r\nHPUB hs rep 022 00022\r\n${HDR}\r\n`);
    await pub.flush();
    await Promise.all([plain.flush(), hdrs.flush()]);
    assert.equal(plain.text, 'MSG hs 1 5\r\nhello\r\nMSG hs 1 rep 0\r\n\r\nPONG\r\n');
    assert.equal(hdrs.text, `HMSG hs 2 22 27\r\n${HDR}hello\r\nHMSG hs 2 rep 022 00022\r\n${HDR}\r\nPONG\r\n`);
  } finally {
    plain.close();
    hdrs.close();
    pub.close();
  }
});

test('no_responders: a request nobody receives gets the 503 status frame', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB inbox.1 7\r\nPUB svc inbox.1 2\r\nhi\r\n'), {
    out: 'HMSG inbox.1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\n',
    closed: false,
  });
  // Via a wildcard reply subscription, and for HPUB requests.
  assert.deepEqual(
    await io(`CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB inbox.* 3\r\nHPUB svc inbox.x 22 24\r\n${HDR}hi\r\n`),
    { out: 'HMSG inbox.x 3 16 16\r\nNATS/1.0 503\r\n\r\n\r\n', closed: false },
  );
  // With verbose, the +OK for the PUB comes first.
  assert.deepEqual(await io('CONNECT {"verbose":true,"headers":true,"no_responders":true}\r\nSUB r 1\r\nPUB svc r 0\r\n\r\n'), {
    out: '+OK\r\n+OK\r\n+OK\r\nHMSG r 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n',
    closed: false,
  });
});

test('no_responders: no status frame when someone received it, or when not requested', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB svc 1\r\nSUB r 2\r\nPUB svc r 0\r\n\r\n'), {
    out: 'MSG svc 1 r 0\r\n\r\n',
    closed: false,
  });
  assert.deepEqual(await io('CONNECT {"verbose":false,"headers":true}\r\nSUB r 2\r\nPUB svc r 0\r\n\r\n'), { out: '', closed: false });
  // No subscription of its own on the reply subject: nothing to send it to.
  assert.deepEqual(await io('CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nPUB svc r 0\r\n\r\n'), { out: '', closed: false });
  // Its only would-be receiver is itself with echo:false: nobody received it.
  assert.deepEqual(
    await io('CONNECT {"verbose":false,"headers":true,"no_responders":true,"echo":false}\r\nSUB svc 1\r\nSUB r 2\r\nPUB svc r 0\r\n\r\n'),
    { out: 'HMSG r 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n', closed: false },
  );
});

test('publishing and subscribing before CONNECT is legal without auth (verbose by default)', async () => {
  assert.deepEqual(await io('SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n'), { out: '+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\nPONG\r\n', closed: false });
});

test('a second CONNECT is processed again', async () => {
  assert.deepEqual(await io('CONNECT {"verbose":true}\r\nCONNECT {"verbose":false}\r\nSUB foo 1\r\n'), { out: '+OK\r\n', closed: false });
});

test('subjects are bytes: UTF-8 and control characters pass through', async () => {
  const subj = 'f\xc3\xb6\xc3\xb6.b\x01r';
  assert.deepEqual(await io(`CONNECT {"verbose":false}\r\nSUB f\xc3\xb6\xc3\xb6.* 1\r\nPUB ${subj} 2\r\nhi\r\n`), {
    out: `MSG ${subj} 1 2\r\nhi\r\n`,
    closed: false,
  });
});
