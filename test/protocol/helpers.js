// Shared helpers for the raw-socket protocol tests: run a byte script on one
// connection and collect exactly what the server answered and whether it closed,
// start Debian's nats-server with the same limits as Dialtone, compare outputs.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rawConnect, parseInfo } from '../support/raw.js';
import { startDialtone, startNatsServer, tempDir } from '../support/servers.js';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Number of PONG lines in `text`. */
export const countPongs = (text) => (text.match(/PONG\r\n/g) ?? []).length;

/** Line-leading PINGs in a script (what the server will answer with PONG). */
export function countScriptPings(text) {
  return (text.match(/(^|\n)ping/gi) ?? []).length;
}

const toBuf = (x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x);

/**
 * Connects, waits for INFO, sends `input` (a string/Buffer, or an array of chunks sent
 * `gapMs` apart so each arrives as its own read), then finds out where the server
 * stands: either it closed the connection, or it answers a trailing PING (proving it
 * processed everything before). Returns { info, out, closed, pending } where `out` is
 * every byte after INFO (latin1 text, minus the sentinel PONG) and `pending` (only with
 * pendingOk) means the server neither closed nor answered: it still waits for bytes.
 */
export async function session(port, input, { gapMs = 5, settleMs = 40, timeoutMs = 3000, pendingOk = false, pings } = {}) {
  const c = await rawConnect(port, null);
  try {
    const info = c.text;
    c.clear();
    const chunks = Array.isArray(input) ? input.map(toBuf) : [toBuf(input)];
    for (let k = 0; k < chunks.length; k++) {
      if (k > 0 && gapMs > 0) await sleep(gapMs);
      if (c.closed) break;
      if (chunks[k].length > 0) c.send(chunks[k]);
    }
    const all = Buffer.concat(chunks).toString('latin1');
    await Promise.race([sleep(settleMs), c.waitClosed(settleMs + 50).catch(() => {})]);
    let sentinel = false;
    let pending = false;
    if (!c.closed) {
      const want = Math.max(countPongs(c.text), pings ?? countScriptPings(all)) + 1;
      c.send('PING\r\n');
      sentinel = true;
      try {
        await c.waitUntil((t, cl) => cl.closed || countPongs(t) >= want, timeoutMs, 'sentinel PONG or close');
      } catch (err) {
        // The server is still waiting for more bytes (e.g. the rest of a payload).
        if (!pendingOk) throw err;
        pending = true;
      }
    }
    let out = c.text;
    // A sentinel PONG answered last is ours, not the script's.
    if (sentinel && !pending && !c.closed && out.endsWith('PONG\r\n')) out = out.slice(0, -6);
    return { info, out, closed: c.closed, pending };
  } finally {
    c.close();
  }
}

/**
 * Several connections on one server: `connects[k]` is sent as CONNECT on connection k
 * (null: none); each step [k, bytes] is sent on connection k, then every connection
 * still open is synced with PING/PONG (so deliveries to it have arrived). Returns
 * [{ out, closed }] per connection; `out` includes the sync PONGs.
 */
export async function multiSession(port, connects, steps, { settleMs = 30 } = {}) {
  const conns = [];
  try {
    for (const cn of connects) conns.push(await client(port, cn));
    for (const c of conns) if (!c.closed) await c.flush();
    for (const [k, data] of steps) {
      conns[k].send(data);
      await Promise.race([sleep(settleMs), conns[k].waitClosed(settleMs + 50).catch(() => {})]);
      for (const c of conns) {
        if (c.closed) continue;
        const want = countPongs(c.text) + 1;
        c.send('PING\r\n');
        await c.waitUntil((t, cl) => cl.closed || countPongs(t) >= want, 3000, 'sync PONG');
      }
    }
    return conns.map((c) => ({ out: c.text, closed: c.closed }));
  } finally {
    for (const c of conns) c.close();
  }
}

/** Sends `parts` 20 ms apart and reports what came back after `waitMs`, without any PING. */
export async function partialSession(port, parts, waitMs = 150) {
  const c = await client(port, null);
  try {
    for (const p of parts) {
      c.send(p);
      await sleep(20);
    }
    await Promise.race([c.waitClosed(waitMs).catch(() => {}), sleep(waitMs)]);
    return { out: c.text, closed: c.closed };
  } finally {
    c.close();
  }
}

/** rawConnect, then forgets the INFO line so `text` holds only later bytes. */
export async function client(port, connect = { verbose: false, pedantic: false }) {
  const c = await rawConnect(port, connect);
  c.clear();
  return c;
}

/** INFO fields whose values legitimately differ between two servers. */
export const MASKED_INFO_FIELDS = ['server_id', 'server_name', 'client_id', 'port', 'host', 'go', 'version', 'client_ip'];

/** Replaces each INFO line by its field names and unmasked values. */
export function normalize(text) {
  return text.replace(/INFO (\{[^\r\n]*\}) ?\r\n/g, (_m, json) => {
    const o = JSON.parse(json);
    for (const k of MASKED_INFO_FIELDS) if (k in o) o[k] = '<masked>';
    return `INFO ${JSON.stringify(o)}\r\n`;
  });
}

/** Writes a nats-server config file with the given top-level limits; returns its path. */
export function writeNatsConf(limits) {
  const dir = tempDir('dialtone-proto-');
  const file = path.join(dir, 'server.conf');
  const lines = Object.entries(limits).map(([k, v]) => `${k}: ${v}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Starts Debian's nats-server with the same limits Dialtone gets; stop() also removes its conf. */
export async function startReference(limits = {}) {
  const conf = Object.keys(limits).length > 0 ? writeNatsConf(limits) : null;
  const ref = await startNatsServer(conf ? ['-c', conf] : []);
  const stop = ref.stop.bind(ref);
  ref.stop = async (signal) => {
    const r = await stop(signal);
    if (conf) rmSync(path.dirname(conf), { recursive: true, force: true });
    return r;
  };
  return ref;
}

export { startDialtone, rawConnect, parseInfo };

/**
 * The server under test: Dialtone, or Debian's nats-server when the environment has
 * PROTOCOL_TARGET=nats-server (to check that these tests' expectations are
 * nats-server's behaviour). Returns { port, close(), dialtone } where `dialtone` is
 * the in-process server (null for nats-server).
 */
export async function startTarget(limits = {}) {
  if (process.env.PROTOCOL_TARGET === 'nats-server') {
    const ref = await startReference(limits);
    return { port: ref.port, dialtone: null, close: () => ref.stop() };
  }
  const d = await startDialtone(limits);
  return { port: d.port, dialtone: d.server, close: () => d.close() };
}

export { prng } from '../support/prng.js';

/** Shows control characters so failures are readable. */
export const show = (s) => JSON.stringify(s);
