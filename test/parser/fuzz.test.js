// Randomly generated valid PUB lines: whatever the spacing, case and line ending (which
// decide between the parser's fast path and its general path), and however the bytes
// are split, the recorded events equal the ones the generator expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, feedWhole, feedBytes, feedCuts, prng, pubEv } from './recorder.js';

const SUBJECT_BYTES = (() => {
  const out = [];
  for (let c = 0x21; c <= 0x7e; c++) out.push(c);
  for (let c = 0x80; c <= 0xff; c += 7) out.push(c);
  return out;
})();

function word(rnd, maxLen) {
  const len = 1 + rnd.int(maxLen);
  let s = '';
  for (let i = 0; i < len; i++) {
    // Rarely a control byte other than TAB/CR/LF: still part of the token.
    const c = rnd.chance(0.01) ? 1 + rnd.int(8) : rnd.pick(SUBJECT_BYTES);
    s += String.fromCharCode(c);
  }
  return s;
}

function sep(rnd, single) {
  if (single || rnd.chance(0.5)) return ' ';
  let s = '';
  const n = 1 + rnd.int(4);
  for (let i = 0; i < n; i++) s += rnd.chance(0.6) ? ' ' : '\t';
  return s;
}

function opName(rnd) {
  if (rnd.chance(0.7)) return 'PUB';
  return Array.from('pub', (ch) => (rnd.chance(0.5) ? ch.toUpperCase() : ch)).join('');
}

/** One random valid PUB frame and the event it must produce. */
function randomPub(rnd) {
  // About half the frames are "plain" (the shape the fast path takes).
  const plain = rnd.chance(0.5);
  const subject = word(rnd, 24);
  const reply = rnd.chance(0.5) ? word(rnd, 16) : null;
  const size = rnd.chance(0.05) ? 1000 + rnd.int(5000) : rnd.int(200);
  let payload = '';
  for (let i = 0; i < size; i++) payload += String.fromCharCode(rnd.chance(0.05) ? rnd.pick([13, 10]) : rnd.int(256));
  let sizeText = String(size);
  if (!plain && rnd.chance(0.15)) sizeText = '0'.repeat(1 + rnd.int(9 - sizeText.length)) + sizeText;
  const trailing = !plain && rnd.chance(0.25) ? sep(rnd, false) : '';
  const eol = plain || rnd.chance(0.5) ? '\r\n' : '\n';
  const lead = plain ? ' ' : sep(rnd, false);
  const line =
    (plain ? 'PUB' : opName(rnd)) + lead + subject + sep(rnd, plain) + (reply !== null ? reply + sep(rnd, plain) : '') + sizeText + trailing + eol;
  return { frame: line + payload + '\r\n', event: pubEv(subject, reply, payload, sizeText) };
}

function randomScript(seed, count) {
  const rnd = prng(seed);
  let script = '';
  const events = [];
  for (let i = 0; i < count; i++) {
    const r = rnd.next();
    if (r < 0.05) {
      script += rnd.chance(0.5) ? 'PING\r\n' : 'PING\n';
      events.push({ op: 'ping' });
    } else if (r < 0.08) {
      script += `SUB\tsub.${i}  ${i}\r\n`;
      events.push({ op: 'sub', subject: `sub.${i}`, queue: null, sid: String(i) });
    } else {
      const p = randomPub(rnd);
      script += p.frame;
      events.push(p.event);
    }
  }
  return { script, events };
}

const SEEDS = [1, 2, 3, 42, 0xdecafbad, (Date.now() ^ (process.pid << 10)) >>> 0];

test('random valid PUB frames parsed whole match the expected events', () => {
  for (const seed of SEEDS) {
    const { script, events } = randomScript(seed, 400);
    const got = feedWhole(script);
    assert.equal(got.length, events.length, `seed ${seed}: event count`);
    for (let i = 0; i < events.length; i++) assert.deepEqual(got[i], events[i], `seed ${seed}: event ${i}`);
  }
});

test('each random PUB frame parsed on its own (one read per frame) matches', () => {
  for (const seed of SEEDS) {
    const rnd = prng(seed ^ 0x5555);
    const r = new Recorder();
    const expected = [];
    for (let i = 0; i < 400; i++) {
      const p = randomPub(rnd);
      r.parse(Buffer.from(p.frame, 'latin1'));
      expected.push(p.event);
      assert.deepEqual(r.events.at(-1), p.event, `seed ${seed}: frame ${i} ${JSON.stringify(p.frame.slice(0, 60))}`);
    }
    assert.equal(r.events.length, expected.length);
  }
});

test('random PUB frames fed byte by byte match', () => {
  for (const seed of SEEDS.slice(0, 3).concat(SEEDS.at(-1))) {
    const { script, events } = randomScript(seed + 100, 80);
    assert.deepEqual(feedBytes(script), events, `seed ${seed + 100}`);
  }
});

test('random PUB frames in random chunkings match', () => {
  for (const seed of SEEDS) {
    const { script, events } = randomScript(seed + 200, 250);
    const rnd = prng(seed + 300);
    const len = Buffer.byteLength(script, 'latin1');
    for (let round = 0; round < 5; round++) {
      const cuts = [];
      const maxStep = [3, 17, 100, 1000, 8192][round];
      for (let c = 1 + rnd.int(maxStep); c < len; c += 1 + rnd.int(maxStep)) cuts.push(c);
      const got = feedCuts(script, cuts);
      assert.equal(got.length, events.length, `seed ${seed + 200} round ${round}: event count`);
      for (let i = 0; i < events.length; i++) assert.deepEqual(got[i], events[i], `seed ${seed + 200} round ${round}: event ${i}`);
    }
  }
});

test('a plain PUB and its tab/LF/space-run variants give identical events', () => {
  const rnd = prng(7);
  for (let i = 0; i < 500; i++) {
    const subject = word(rnd, 20);
    const reply = rnd.chance(0.5) ? word(rnd, 10) : null;
    const payload = word(rnd, 50);
    const args = reply === null ? [subject, payload.length] : [subject, reply, payload.length];
    const plain = `PUB ${args.join(' ')}\r\n${payload}\r\n`;
    const variants = [
      `PUB\t${args.join('\t')}\r\n${payload}\r\n`,
      `PUB  ${args.join('   ')}  \r\n${payload}\r\n`,
      `PUB ${args.join(' ')}\n${payload}\r\n`,
      `pub ${args.join(' \t ')}\t\n${payload}\r\n`,
    ];
    const expected = [pubEv(subject, reply, payload)];
    assert.deepEqual(feedWhole(plain), expected, JSON.stringify(plain));
    for (const v of variants) assert.deepEqual(feedWhole(v), expected, JSON.stringify(v));
  }
});

test('mutated scripts (valid or not) give the same events and errors whole, byte by byte and split anywhere', () => {
  // Random valid ops with a few random byte insertions/deletions/replacements, under
  // random limits: however the bytes are split, the outcome must not change.
  const ops = [
    'PUB foo 5\r\nhello\r\n',
    'PUB a b 0\r\n\r\n',
    'HPUB h 12 14\r\nNATS/1.0\r\n\r\nab\r\n',
    'SUB x 1\r\n',
    'SUB x q 2\r\n',
    'UNSUB 1 3\r\n',
    'PING\r\n',
    'PONG\r\n',
    '+OK\r\n',
    'CONNECT {}\r\n',
    'INFO {}\r\n',
    '-ERR x\r\n',
    'PUB\tz\t2\nzz\r\n',
  ];
  const bytes = [' ', '\t', '\r', '\n', 'P', 'U', 'B', '0', '1', '9', 'x', '.', 'S'];
  for (const seed of [11, 12, SEEDS.at(-1)]) {
    const rnd = prng(seed);
    for (let iter = 0; iter < 300; iter++) {
      let s = '';
      const n = 1 + rnd.int(5);
      for (let k = 0; k < n; k++) s += rnd.pick(ops);
      const muts = rnd.int(4);
      for (let m = 0; m < muts; m++) {
        const pos = rnd.int(s.length + 1);
        const r = rnd.next();
        if (r < 0.33) s = s.slice(0, pos) + rnd.pick(bytes) + s.slice(pos);
        else if (r < 0.66) s = s.slice(0, pos) + s.slice(pos + 1);
        else s = s.slice(0, pos) + rnd.pick(bytes) + s.slice(pos + 1);
      }
      const opts = {
        headers: rnd.chance(0.8),
        maxControlLine: rnd.chance(0.5) ? 8 + rnd.int(10) : 4096,
        maxPayload: rnd.chance(0.5) ? 4 : 1 << 20,
        connectRequired: rnd.chance(0.1),
      };
      const whole = feedWhole(s, opts);
      const where = `seed ${seed} iter ${iter}: ${JSON.stringify(s)} ${JSON.stringify(opts)}`;
      assert.deepEqual(feedBytes(s, opts), whole, `byte by byte, ${where}`);
      for (let at = 1; at < s.length; at++) assert.deepEqual(feedCuts(s, [at], opts), whole, `split at ${at}, ${where}`);
    }
  }
});
