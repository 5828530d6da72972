// Fuzz: random byte streams and mutations of valid scripts on a few hundred
// connections. Every answer must be well-formed server protocol (known -ERR texts,
// closing errors last and followed by a close), no connection may linger, and the
// server must still serve a normal pub/sub round trip afterwards.
// Reproduce a run with FUZZ_SEED=<seed> (printed on failure).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, client, prng, sleep } from './helpers.js';
import { waitFor } from '../support/servers.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 8)) >>> 0;
const LIMITS = { max_payload: 4096, max_control_line: 512, max_subscriptions: 20 };
const MAX_INPUTS = 1000;
const TIME_BUDGET_MS = 8000;
const IN_FLIGHT = 24;

const CLOSING_ERRORS = new Set([
  'Unknown Protocol Operation',
  'Maximum Payload Violation',
  'maximum control line exceeded',
  'invalid client protocol',
  'no responders requires headers support',
  'Authorization Violation',
]);
const OPEN_ERRORS = [/^Invalid Subject$/, /^Invalid Publish Subject$/, /^maximum subscriptions exceeded$/, /^Permissions Violation for Publish (to|with Reply of) ".*"$/s];

const HDR = 'NATS/1.0\r\nA: b\r\n\r\n';
const FRAGMENTS = [
  'CONNECT {"verbose":true,"headers":true,"no_responders":true}\r\n',
  'CONNECT {"verbose":false,"pedantic":true,"echo":false,"headers":true}\r\n',
  'CONNECT {}\r\n',
  'CONNECT {"protocol":1,"name":"fz","lang":"js","version":"1"}\r\n',
  'SUB foo 1\r\n',
  'SUB foo.* q 2\r\n',
  'SUB > 3\r\n',
  'SUB r 9\r\n',
  'sub\tbar.>\t\t4\n',
  'PUB foo 5\r\nhello\r\n',
  'PUB foo.bar r 3\r\nabc\r\n',
  'pub foo 0\n\r\n',
  `HPUB foo ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`,
  `HPUB foo.x r ${HDR.length} ${HDR.length}\r\n${HDR}\r\n`,
  'UNSUB 1\r\n',
  'UNSUB 2 1\r\n',
  'PING\r\n',
  'PONG\r\n',
  '+OK\r\n',
  'PUB foo 3000\r\n' + 'z'.repeat(3000) + '\r\n',
];
const INSERTS = ['\r', '\n', ' ', '\t', '\r\n', '0', '9', '-', '*', '>', '.', '{', '"', 'x', '\x00', '\xff'];
const ALPHABET = 'PUBSHCONETIGKMRLA+-SUBpubsub \t\r\n0123456789{}":.*>_R$xyz';

function generate(r) {
  const kind = r.int(6);
  if (kind === 0) {
    // Raw random bytes.
    return Array.from({ length: 1 + r.int(256) }, () => String.fromCharCode(r.int(256))).join('');
  }
  if (kind === 1) {
    // Random text from the protocol's alphabet.
    return Array.from({ length: 1 + r.int(200) }, () => ALPHABET[r.int(ALPHABET.length)]).join('');
  }
  let script = '';
  const n = 1 + r.int(7);
  for (let k = 0; k < n; k++) script += r.pick(FRAGMENTS);
  if (kind === 2) return script; // valid, only split
  if (kind === 3) return script.slice(0, r.int(script.length)); // truncated
  // Mutated: flips, insertions, deletions, duplicated slices.
  const b = script.split('');
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    const at = r.int(b.length + 1);
    switch (r.int(5)) {
      case 0:
        if (b.length > 0) b[Math.min(at, b.length - 1)] = String.fromCharCode(r.int(256));
        break;
      case 1:
        b.splice(at, 0, r.pick(INSERTS));
        break;
      case 2:
        b.splice(at, 1 + r.int(3));
        break;
      case 3: {
        const from = r.int(b.length + 1);
        b.splice(at, 0, ...b.slice(from, from + 1 + r.int(20)));
        break;
      }
      default:
        b.splice(at, 0, r.pick(INSERTS), r.pick(INSERTS));
    }
  }
  return b.join('');
}

/** Checks that `text` is a sequence of server frames; returns the -ERR texts. */
function checkFrames(text, closed, input) {
  const where = () => `input ${JSON.stringify(input)} got ${JSON.stringify(text)}`;
  const errs = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf('\r\n', i);
    if (eol < 0) {
      assert.ok(!closed, `incomplete frame at the end of a closed connection: ${where()}`);
      break;
    }
    const line = text.slice(i, eol);
    let next = eol + 2;
    if (line === '+OK' || line === 'PONG' || line === 'PING') {
      // fine
    } else if (line.startsWith("-ERR '") && line.endsWith("'")) {
      const msg = line.slice(6, -1);
      const known = CLOSING_ERRORS.has(msg) || OPEN_ERRORS.some((re) => re.test(msg));
      assert.ok(known, `unknown -ERR text ${JSON.stringify(msg)}: ${where()}`);
      errs.push(msg);
      if (CLOSING_ERRORS.has(msg)) assert.equal(next, text.length, `bytes after a closing -ERR: ${where()}`);
    } else {
      // MSG <subject> <sid> [reply] <size> | HMSG <subject> <sid> [reply] <hdr> <total>;
      // subjects are any bytes but space/tab (other connections' subjects included).
      const parts = line.split(' ');
      const isH = parts[0] === 'HMSG';
      assert.ok(parts[0] === 'MSG' || isH, `not a server frame: ${JSON.stringify(line)}: ${where()}`);
      const argc = parts.length - 1;
      assert.ok(isH ? argc === 4 || argc === 5 : argc === 3 || argc === 4, `bad argument count in ${JSON.stringify(line)}: ${where()}`);
      assert.ok(parts.slice(1).every((p) => p.length > 0 && !p.includes('\t')), `empty or tabbed token in ${JSON.stringify(line)}: ${where()}`);
      assert.match(parts[argc], /^\d{1,9}$/, `bad size in ${JSON.stringify(line)}: ${where()}`);
      const size = Number(parts[argc]);
      if (isH) {
        assert.match(parts[argc - 1], /^\d{1,9}$/, `bad header size in ${JSON.stringify(line)}: ${where()}`);
        const hdr = Number(parts[argc - 1]);
        assert.ok(hdr > 0 && hdr <= size, `header size out of range in ${JSON.stringify(line)}: ${where()}`);
      }
      if (next + size + 2 > text.length) {
        assert.ok(!closed, `truncated message at the end of a closed connection: ${where()}`);
        break;
      }
      assert.equal(text.slice(next + size, next + size + 2), '\r\n', `payload not followed by CRLF: ${where()}`);
      next += size + 2;
    }
    i = next;
  }
  return errs;
}

async function fuzzOne(port, input, r) {
  const c = await client(port, null);
  try {
    // Deliver in 1-4 pieces, sometimes with a pause so they arrive as separate reads.
    const pieces = 1 + r.int(4);
    const cuts = Array.from({ length: pieces - 1 }, () => r.int(input.length + 1)).sort((a, b) => a - b);
    let at = 0;
    for (const cut of [...cuts, input.length]) {
      if (c.closed) break;
      if (cut > at) c.send(input.slice(at, cut));
      at = cut;
      await (r.int(2) === 0 ? sleep(1) : new Promise((res) => setImmediate(res)));
    }
    await Promise.race([c.waitClosed(25).catch(() => {}), sleep(25)]);
    const errs = checkFrames(c.text, c.closed, input);
    if (errs.some((e) => CLOSING_ERRORS.has(e))) {
      await c.waitClosed(2000).catch(() => {});
      assert.ok(c.closed, `a closing -ERR must be followed by a close: input ${JSON.stringify(input)}`);
    }
    return { closed: c.closed, errs };
  } finally {
    c.close();
  }
}

let srv;
before(async () => {
  srv = await startTarget(LIMITS);
});
after(async () => {
  await srv?.close();
});

test('fuzzed byte streams on hundreds of connections', async (t) => {
  t.diagnostic(`fuzz seed ${SEED} (set FUZZ_SEED=${SEED} to reproduce)`);
  const started = Date.now();
  let launched = 0;
  const stats = { closed: 0, open: 0, errs: 0 };
  try {
    const worker = async () => {
      while (launched < MAX_INPUTS && Date.now() - started < TIME_BUDGET_MS) {
        const id = launched++;
        // Each input has its own stream so a failure can be replayed from (seed, id).
        const r = prng((SEED ^ Math.imul(id + 1, 0x9e3779b1)) >>> 0);
        const input = generate(r);
        try {
          const res = await fuzzOne(srv.port, input, r);
          if (res.closed) stats.closed++;
          else stats.open++;
          stats.errs += res.errs.length;
        } catch (err) {
          err.message = `[fuzz seed ${SEED}, input #${id}] ${err.message}`;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    t.diagnostic(`${launched} inputs in ${Date.now() - started} ms: ${stats.closed} closed, ${stats.open} open, ${stats.errs} -ERRs`);
    assert.ok(launched >= 200, `only ${launched} inputs ran within the time budget`);
    assert.ok(stats.closed > 0 && stats.open > 0, 'the inputs exercised both closing and non-closing paths');

    if (srv.dialtone) {
      // Every fuzz connection is gone from the server.
      await waitFor(() => srv.dialtone.clients.size === 0, 5000);
    }

    // The server still serves a normal round trip.
    const sub = await client(srv.port, { verbose: false, headers: true });
    const pub = await client(srv.port, { verbose: false, headers: true });
    try {
      sub.send('SUB after.fuzz 1\r\n');
      await sub.flush();
      sub.clear();
      pub.send(`PUB after.fuzz 5\r\nhello\r\nHPUB after.fuzz r ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\nPING\r\n`);
      await pub.expect('PONG\r\n');
      await sub.flush();
      assert.equal(pub.text, 'PONG\r\n');
      assert.equal(sub.text, `MSG after.fuzz 1 5\r\nhello\r\nHMSG after.fuzz 1 r ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\nPONG\r\n`);
    } finally {
      sub.close();
      pub.close();
    }
  } catch (err) {
    console.error(`fuzz failed with seed ${SEED}; rerun with FUZZ_SEED=${SEED}`);
    throw err;
  }
});
