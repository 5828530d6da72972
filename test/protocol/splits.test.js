// Bytes split arbitrarily across TCP reads must parse exactly as if they came in one
// read: every split point of a script, one byte at a time, random multi-way splits,
// and large payloads spread over many writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { session, startTarget, client, prng, sleep } from './helpers.js';

const HDR = 'NATS/1.0\r\nX-Key: v\r\n\r\n'; // 22 bytes
const LIMITS = { max_payload: 4 * 1024 * 1024, max_control_line: 128 };

let srv;
before(async () => {
  srv = await startTarget(LIMITS);
});
after(async () => {
  await srv?.close();
});

// Sessions run in parallel on one server, so each uses its own subject: "foo" in a
// script is replaced by a unique subject of the same length.
const SCRIPT =
  'CONNECT {"verbose":true,"headers":true}\r\n' +
  'SUB foo 1\r\n' +
  'SUB foo q 2\r\n' +
  'PUB foo reply 5\r\nhello\r\n' +
  `HPUB foo 22 27\r\n${HDR}world\r\n` +
  'UNSUB 1\r\n' +
  'PUB foo 3\r\nabc\r\n' +
  'PING\r\n';

const EXPECTED =
  '+OK\r\n' +
  '+OK\r\n' +
  '+OK\r\n' +
  '+OK\r\nMSG foo 1 reply 5\r\nhello\r\nMSG foo 2 reply 5\r\nhello\r\n' +
  `+OK\r\nHMSG foo 1 22 27\r\n${HDR}world\r\nHMSG foo 2 22 27\r\n${HDR}world\r\n` +
  '+OK\r\n' +
  '+OK\r\nMSG foo 2 3\r\nabc\r\n' +
  'PONG\r\n';

let uniq = 0;
/** A fresh 3-character subject ("Q00", "Q01", ...; no script or payload contains Q, W, Y or Z). */
function freshSubject() {
  const n = uniq++;
  return `${'QWYZ'[Math.floor(n / 1296) % 4]}${(n % 1296).toString(36).padStart(2, '0')}`;
}
const withSubject = (text, subj) => text.replaceAll('foo', subj);

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await fn(items[k], k);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Splits `script` at every position into two reads and checks each run against `expected`. */
async function everySplit(script, expected) {
  const positions = Array.from({ length: script.length - 1 }, (_, k) => k + 1);
  const results = await pool(positions, 16, async (k) => {
    const subj = freshSubject();
    const text = withSubject(script, subj);
    const r = await session(srv.port, [text.slice(0, k), text.slice(k)], { gapMs: 8 });
    // Compare in terms of "foo" again.
    return { k, out: r.out.replaceAll(subj, 'foo'), closed: r.closed };
  });
  const bad = results.filter((r) => r.out !== expected.out || r.closed !== expected.closed);
  assert.deepEqual(
    bad.slice(0, 3).map((r) => ({ split: r.k, before: script.slice(Math.max(0, r.k - 10), r.k), out: r.out, closed: r.closed })),
    [],
    `${bad.length} of ${positions.length} split points differ from the unsplit run (expected ${JSON.stringify(expected)})`,
  );
}

test('the unsplit script produces the expected bytes', async () => {
  const r = await session(srv.port, SCRIPT);
  assert.deepEqual({ out: r.out, closed: r.closed }, { out: EXPECTED, closed: false });
});

test('split at every byte position into two reads: identical output', async () => {
  await everySplit(SCRIPT, { out: EXPECTED, closed: false });
});

test('LF-only script split at every byte position: identical output', async () => {
  // Control lines end in bare LF; payloads are still followed by CRLF.
  const lf =
    'CONNECT {"verbose":true,"headers":true}\n' +
    'SUB foo 1\n' +
    'SUB foo q 2\n' +
    'PUB foo reply 5\nhello\r\n' +
    `HPUB foo 22 27\n${HDR}world\r\n` +
    'UNSUB 1\n' +
    'PUB foo 3\nabc\r\n' +
    'PING\n';
  const base = await session(srv.port, withSubject(lf, 'Q__'));
  assert.deepEqual({ out: base.out, closed: base.closed }, { out: withSubject(EXPECTED, 'Q__'), closed: false });
  await everySplit(lf, { out: EXPECTED, closed: false });
});

test('a script ending in a protocol error fails identically at every split', async () => {
  const bad = 'CONNECT {"verbose":true}\r\nSUB foo 1\r\nPUB foo 2\r\nhiX\r\nPING\r\n';
  const expected = { out: "+OK\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n", closed: true };
  const r = await session(srv.port, bad);
  assert.deepEqual({ out: r.out, closed: r.closed }, expected);
  await everySplit(bad, expected);
});

test('a malformed PUB closes silently at every split', async () => {
  const bad = 'CONNECT {"verbose":true}\r\nPUB foo bar baz 1\r\nx\r\n';
  await everySplit(bad, { out: '+OK\r\n', closed: true });
});

test('a too-long control line is rejected at every split', async () => {
  const bad = `CONNECT {"verbose":true}\r\nSUB ${'x'.repeat(127)} 1\r\nPING\r\n`;
  await everySplit(bad, { out: "+OK\r\n-ERR 'maximum control line exceeded'\r\n", closed: true });
});

test('a control line exactly max_control_line long is accepted at every split', async () => {
  // 126 + " 1" = 128 argument bytes; the split between CR and LF must not count the CR.
  const ok = `CONNECT {"verbose":true}\r\nSUB ${'x'.repeat(126)} 1\r\nPING\r\n`;
  await everySplit(ok, { out: '+OK\r\n+OK\r\nPONG\r\n', closed: false });
});

test('a long script fed one byte at a time: identical output', async () => {
  let script = SCRIPT.replace('PING\r\n', '');
  let expected = EXPECTED.replace('PONG\r\n', '');
  for (let i = 0; i < 6; i++) {
    script += `PUB foo r.${i} 4\r\nab\r\n\r\nHPUB foo 22 23\r\n${HDR}${i}\r\nsub bar.${i} ${10 + i}\r\npub bar.${i} 1\nz\r\nunsub ${10 + i} 1\n`;
    expected +=
      `+OK\r\nMSG foo 2 r.${i} 4\r\nab\r\n\r\n+OK\r\nHMSG foo 2 22 23\r\n${HDR}${i}\r\n` + `+OK\r\n+OK\r\nMSG bar.${i} ${10 + i} 1\r\nz\r\n+OK\r\n`;
  }
  script += 'PING\r\n';
  expected += 'PONG\r\n';
  assert.ok(script.length > 500);
  const whole = await session(srv.port, script);
  assert.deepEqual({ out: whole.out, closed: whole.closed }, { out: expected, closed: false });
  const bytes = Array.from(script, (ch) => ch);
  const r = await session(srv.port, bytes, { gapMs: 1 });
  assert.deepEqual({ out: r.out, closed: r.closed }, { out: expected, closed: false });
});

test('random multi-way splits (seeded): identical output', async () => {
  const seed = 20240611;
  const rnd = prng(seed);
  const variants = Array.from({ length: 40 }, () => {
    const cuts = new Set();
    const pieces = 2 + rnd.int(12);
    while (cuts.size < pieces - 1) cuts.add(1 + rnd.int(SCRIPT.length - 1));
    const sorted = [0, ...[...cuts].sort((a, b) => a - b), SCRIPT.length];
    return sorted.slice(1).map((end, k) => SCRIPT.slice(sorted[k], end));
  });
  const results = await pool(variants, 10, async (parts) => {
    const subj = freshSubject();
    // Same cut points, unique subject ("foo" and its replacement have the same length).
    const text = withSubject(parts.join(''), subj);
    let at = 0;
    const cut = parts.map((p) => text.slice(at, (at += p.length)));
    const r = await session(srv.port, cut, { gapMs: 3 });
    return { out: r.out.replaceAll(subj, 'foo'), closed: r.closed };
  });
  results.forEach((r, k) => {
    assert.deepEqual(r, { out: EXPECTED, closed: false }, `seed ${seed}, variant ${k}: ${JSON.stringify(variants[k])}`);
  });
});

/** Deterministic pseudo-random bytes, CR and LF included. */
function randomBytes(n, seed) {
  const r = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/** Writes `buf` in pieces of random sizes up to `maxPiece`, yielding to the event loop in between. */
async function writeInPieces(conn, buf, maxPiece, seed) {
  const r = prng(seed);
  let at = 0;
  let writes = 0;
  while (at < buf.length) {
    const n = 1 + r.int(maxPiece);
    conn.send(buf.subarray(at, at + n));
    at += n;
    writes++;
    if (writes % 8 === 0) await sleep(1);
    else await new Promise((res) => setImmediate(res));
  }
  return writes;
}

async function bigRoundTrip({ size, hpub, maxPiece, seed }) {
  const sub = await client(srv.port, { verbose: false, headers: true });
  const pub = await client(srv.port, { verbose: false, headers: true });
  try {
    sub.send('SUB big.* 1\r\n');
    await sub.flush();
    sub.clear();
    const payload = randomBytes(size, seed);
    const head = hpub ? `HPUB big.${seed} rep ${HDR.length} ${HDR.length + size}\r\n${HDR}` : `PUB big.${seed} rep ${size}\r\n`;
    const frame = Buffer.concat([Buffer.from(head, 'latin1'), payload, Buffer.from('\r\nPING\r\n')]);
    const writes = await writeInPieces(pub, frame, maxPiece, seed + 1);
    assert.ok(writes > 20, `sent in ${writes} writes`);
    await pub.expect('PONG\r\n', 10000);
    assert.equal(pub.text, 'PONG\r\n');
    const line = hpub ? `HMSG big.${seed} 1 rep ${HDR.length} ${HDR.length + size}\r\n${HDR}` : `MSG big.${seed} 1 rep ${size}\r\n`;
    const expected = line + payload.toString('latin1') + '\r\n';
    await sub.waitUntil((t) => t.length >= expected.length, 10000, 'the whole message');
    await sub.flush();
    assert.equal(sub.text.length, expected.length + 6);
    assert.ok(sub.text.startsWith(line), 'MSG line');
    assert.ok(sub.text === `${expected}PONG\r\n`, 'payload delivered byte for byte');
  } finally {
    sub.close();
    pub.close();
  }
}

test('a 200 KB PUB split across many writes arrives byte for byte', async () => {
  await bigRoundTrip({ size: 200 * 1024, hpub: false, maxPiece: 4096, seed: 7 });
});

test('a 200 KB HPUB split across many writes arrives byte for byte', async () => {
  await bigRoundTrip({ size: 200 * 1024, hpub: true, maxPiece: 3000, seed: 8 });
});

test('a 3 MB PUB (max_payload raised to 4 MB) split across writes arrives byte for byte', async () => {
  await bigRoundTrip({ size: 3 * 1024 * 1024, hpub: false, maxPiece: 96 * 1024, seed: 9 });
});

test('pipelined large messages split at random points all arrive in order', async () => {
  const sub = await client(srv.port, { verbose: false });
  const pub = await client(srv.port, { verbose: false });
  try {
    sub.send('SUB pipe 1\r\n');
    await sub.flush();
    sub.clear();
    const parts = [];
    let expected = '';
    for (let i = 0; i < 20; i++) {
      const p = randomBytes(1000 + i * 997, 100 + i);
      parts.push(Buffer.from(`PUB pipe ${p.length}\r\n`), p, Buffer.from('\r\n'));
      expected += `MSG pipe 1 ${p.length}\r\n${p.toString('latin1')}\r\n`;
    }
    parts.push(Buffer.from('PING\r\n'));
    await writeInPieces(pub, Buffer.concat(parts), 5000, 77);
    await pub.expect('PONG\r\n', 10000);
    await sub.waitUntil((t) => t.length >= expected.length, 10000, 'all messages');
    await sub.flush();
    assert.ok(sub.text === `${expected}PONG\r\n`, 'every message intact and in order');
  } finally {
    sub.close();
    pub.close();
  }
});
