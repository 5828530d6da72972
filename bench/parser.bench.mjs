#!/usr/bin/env node
// Parse throughput of the client-protocol parser: a stream of PUB or HPUB frames cut
// into 64 KB reads (so frames straddle reads as on a socket), with a no-op handler.
// Prints messages/s and MB/s of wire bytes. Build first: `npx tsc -p .`
import { ClientParser } from '../dist/protocol/parser.js';

const CHUNK = 64 * 1024;
const STREAM_BYTES = 32 * 1024 * 1024;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500);

class NoopHandler {
  pubs = 0;
  onConnect() {}
  onPub() {
    this.pubs++;
  }
  onSub() {}
  onUnsub() {}
  onPing() {}
  onPong() {}
  onInfo() {}
  onErr() {}
  onParseError(kind, detail) {
    throw new Error(`parse error ${kind}: ${detail}`);
  }
}

const HEADERS = 'NATS/1.0\r\nX-Bench: 1\r\n\r\n';

function frame(kind, payloadSize) {
  const payload = 'x'.repeat(payloadSize);
  if (kind === 'PUB') return `PUB bench.subject.${payloadSize} ${payloadSize}\r\n${payload}\r\n`;
  const total = HEADERS.length + payloadSize;
  return `HPUB bench.subject.${payloadSize} ${HEADERS.length} ${total}\r\n${HEADERS}${payload}\r\n`;
}

/** Pre-cut reads: fresh Buffers, as a socket would hand them over. */
function makeChunks(frameText) {
  const one = Buffer.from(frameText, 'latin1');
  const count = Math.max(1, Math.floor(STREAM_BYTES / one.length));
  const stream = Buffer.alloc(one.length * count);
  for (let i = 0; i < count; i++) one.copy(stream, i * one.length);
  const chunks = [];
  for (let off = 0; off < stream.length; off += CHUNK) chunks.push(Buffer.from(stream.subarray(off, off + CHUNK)));
  return { chunks, count, bytes: stream.length };
}

function runOnce(chunks, headers) {
  const h = new NoopHandler();
  const p = new ClientParser(h);
  p.headers = headers;
  for (let i = 0; i < chunks.length; i++) p.parse(chunks[i]);
  return h.pubs;
}

function prepare(name, kind, payloadSize) {
  const { chunks, count, bytes } = makeChunks(frame(kind, payloadSize));
  const headers = kind === 'HPUB';
  // Warm up (and check every frame is delivered).
  const warmEnd = process.hrtime.bigint() + BigInt(WARMUP_MS) * 1_000_000n;
  do {
    const got = runOnce(chunks, headers);
    if (got !== count) throw new Error(`${name}: expected ${count} messages, got ${got}`);
  } while (process.hrtime.bigint() < warmEnd);
  return { name, kind, payloadSize, chunks, headers, bytes, rates: [] };
}

/** One timed round: whole passes over the stream for at least ROUND_MS. */
function round(c) {
  let msgs = 0;
  let wire = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ROUND_MS) * 1_000_000n;
  let now;
  do {
    msgs += runOnce(c.chunks, c.headers);
    wire += c.bytes;
    now = process.hrtime.bigint();
  } while (now < end);
  const secs = Number(now - start) / 1e9;
  c.rates.push({ msgs: msgs / secs, bytes: wire / secs });
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

const ALL = [
  ['PUB 16 B', 'PUB', 16],
  ['PUB 1 KB', 'PUB', 1024],
  ['HPUB 16 B payload', 'HPUB', 16],
  ['HPUB 1 KB payload', 'HPUB', 1024],
];
// BENCH_ONLY=prefix runs just the matching cases (e.g. "PUB 1 KB" alone, free of the
// JIT feedback the other cases leave behind).
const only = process.env.BENCH_ONLY;
const cases = ALL.filter(([name]) => !only || name.startsWith(only)).map((a) => prepare(...a));
// Rounds are interleaved across cases so a burst of machine noise hits them all alike.
for (let r = 0; r < ROUNDS; r++) for (const c of cases) round(c);
const rows = cases.map((c) => {
  const msgs = median(c.rates.map((x) => x.msgs));
  const bytes = median(c.rates.map((x) => x.bytes));
  return {
    case: c.name,
    'frame B': Buffer.byteLength(frame(c.kind, c.payloadSize), 'latin1'),
    'msgs/s': Math.round(msgs).toLocaleString('en-US'),
    'MB/s': (bytes / 1e6).toFixed(0),
    'ns/msg': (1e9 / msgs).toFixed(1),
    'min-max msgs/s': `${Math.round(Math.min(...c.rates.map((x) => x.msgs)) / 1e3).toLocaleString('en-US')}k-${Math.round(Math.max(...c.rates.map((x) => x.msgs)) / 1e3).toLocaleString('en-US')}k`,
  };
});
console.log(`node ${process.version}, ${CHUNK / 1024} KB reads, ${STREAM_BYTES / 1024 / 1024} MB stream per pass, median of ${ROUNDS} rounds of >= ${ROUND_MS} ms`);
console.table(rows);
