// Shared helpers for the authentication, permission and TLS tests: config files that
// both Dialtone and Debian's nats-server read, raw-socket checks of exact bytes, and
// small wrappers around the official clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import * as v3 from '@nats-io/transport-node';
import * as v2 from 'nats';
import { RawClient, parseInfo, rawConnect } from '../support/raw.js';
import { hasNatsServer, startDialtone, startDialtoneProcess, startNatsServer, tempDir } from '../support/servers.js';

export { v3, v2 };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** The exact -ERR lines of the protocol. */
export const ERR = {
  authViolation: "-ERR 'Authorization Violation'\r\n",
  authTimeout: "-ERR 'Authentication Timeout'\r\n",
  tlsRequired: "-ERR 'Secure Connection - TLS Required'\r\n",
  pub: (subject) => `-ERR 'Permissions Violation for Publish to ${goQuote(subject)}'\r\n`,
  sub: (subject, queue) => `-ERR 'Permissions Violation for Subscription to ${goQuote(subject)}${queue === undefined ? '' : ` using queue ${goQuote(queue)}`}'\r\n`,
};

/** Go's %q for the printable ASCII subjects these tests use (quotes and backslashes escaped). */
export function goQuote(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A nats-server config file text from an object: one `key: <JSON>` line per entry
 * (JSON maps and arrays are valid config syntax). Strings given as an array of lines
 * are joined as they are.
 */
export function confText(config) {
  if (typeof config === 'string') return config;
  if (Array.isArray(config)) return config.join('\n') + '\n';
  return (
    Object.entries(config)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n') + '\n'
  );
}

/** Writes a config file into a fresh temp dir (or `dir`) and returns its path. */
export function writeConf(config, dir = tempDir('dialtone-auth-'), name = 'server.conf') {
  const file = path.join(dir, name);
  writeFileSync(file, confText(config));
  return file;
}

/**
 * Which server startDialtoneConf() starts: Dialtone in process (default), or with
 * AUTH_TEST_TARGET=nats-server Debian's nats-server on the same config file — which is
 * how the expectations in these files were checked against the reference.
 */
export const TARGET = process.env.AUTH_TEST_TARGET === 'nats-server' ? 'nats-server' : 'dialtone';

/** Dialtone in-process from a config file with nats-server's syntax (see TARGET). */
export async function startDialtoneConf(config) {
  const file = writeConf(config);
  if (TARGET === 'nats-server') {
    const n = await startNatsServer(['-c', file]);
    return { port: n.port, url: n.url, close: () => n.stop() };
  }
  return startDialtone({ configFile: file });
}

/**
 * Starts Dialtone (in process) and nats-server with the same config file.
 * Returns {file, dial: {port, close}, ref: {port, close}}.
 */
export async function startBoth(config) {
  const file = writeConf(config);
  const d = await startDialtone({ configFile: file });
  let n;
  try {
    n = await startNatsServer(['-c', file]);
  } catch (err) {
    await d.close();
    throw err;
  }
  return {
    file,
    dial: { name: 'dialtone', port: d.port, url: d.url, close: () => d.close() },
    ref: { name: 'nats-server', port: n.port, url: n.url, close: () => n.stop(), output: n.output },
    async close() {
      await Promise.all([d.close(), n.stop()]);
    },
  };
}

/** Starts Dialtone's CLI process with a config file. */
export async function startDialtoneCli(config, extraArgs = []) {
  const file = writeConf(config);
  const p = await startDialtoneProcess(['-c', file, ...extraArgs]);
  return { ...p, file, close: () => p.stop() };
}

/** A differential test: skipped (with the reason) when nats-server is not installed. */
export function diff(name, fn, options = {}) {
  test(name, options, async (t) => {
    if (!hasNatsServer) {
      t.skip('nats-server not installed');
      return;
    }
    await fn(t);
  });
}

/**
 * Connects raw, sends `connect` (object → CONNECT line; string → sent as is), then a
 * PING, and waits until the server either answers PONG or closes. Returns
 * {text, info, closed, client} — the client is closed unless keepOpen.
 */
export async function rawTry(port, connect, { keepOpen = false, timeoutMs = 3000 } = {}) {
  const c = await rawConnect(port, null);
  const info = parseInfo(c.text);
  const line = typeof connect === 'string' ? connect : `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...connect })}\r\n`;
  c.send(`${line}PING\r\n`);
  await c.waitUntil((t, cl) => cl.closed || t.includes('PONG\r\n'), timeoutMs, 'PONG or close');
  if (!c.closed && !keepOpen) {
    // Give a close that follows an -ERR a moment to arrive (it would not for a PONG).
    c.close();
  }
  const afterInfo = c.text.slice(c.text.indexOf('\r\n') + 2);
  return { text: afterInfo, info, closed: c.closed, client: c };
}

/** Asserts that `connect` is refused with exactly `-ERR 'Authorization Violation'` and a close. */
export async function assertRefused(port, connect, what = JSON.stringify(connect)) {
  const r = await rawTry(port, connect);
  if (!r.closed) await r.client.waitClosed().catch(() => {});
  assert.equal(r.text, ERR.authViolation, `${what}: expected only the violation, got ${JSON.stringify(r.text)}`);
  assert.equal(r.client.closed, true, `${what}: the server closes the connection`);
  return r;
}

/** Asserts that `connect` is accepted: PONG and nothing else, connection open. */
export async function assertAccepted(port, connect, what = JSON.stringify(connect)) {
  const r = await rawTry(port, connect, { keepOpen: true });
  try {
    assert.equal(r.text, 'PONG\r\n', `${what}: expected PONG, got ${JSON.stringify(r.text)}`);
    assert.equal(r.closed, false, `${what}: stays open`);
  } finally {
    r.client.close();
  }
  return r;
}

/** A raw client that has authenticated with `connect` and was answered with PONG (left open). */
export async function rawAuthed(port, connect = {}) {
  const r = await rawTry(port, connect, { keepOpen: true });
  assert.equal(r.text, 'PONG\r\n', `CONNECT ${JSON.stringify(connect)} accepted; got ${JSON.stringify(r.text)}`);
  r.client.clear();
  return r.client;
}

/** Connects a v3 client without reconnects; extra options merged in. */
export function connectV3(url, opts = {}) {
  return v3.connect({ servers: url, reconnect: false, ...opts });
}

/** Connects a v2 client without reconnects; extra options merged in. */
export function connectV2(url, opts = {}) {
  return v2.connect({ servers: url, reconnect: false, ...opts });
}

/** Awaits `p` and returns the rejection (fails if it resolved, closing what it resolved to). */
export async function rejection(p) {
  let value;
  try {
    value = await p;
  } catch (err) {
    return err;
  }
  await value?.close?.();
  throw new Error('expected the promise to reject, but it resolved');
}

/** Closes the clients (official or raw) given, ignoring ones already closed. */
export async function closeAll(...conns) {
  await Promise.all(
    conns
      .flat()
      .filter(Boolean)
      .map(async (c) => {
        if (typeof c.isClosed === 'function') {
          if (!c.isClosed()) await c.close();
          else await c.closed();
        } else c.close();
      }),
  );
}

/**
 * Records the official client's async errors (permission violations arrive as status
 * events of type "error" in v3; in v2 as type "error" too with a NatsError).
 */
export function watchErrors(nc) {
  const errors = [];
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error') errors.push(s.error ?? s.data);
    }
  })().catch(() => {});
  return errors;
}

/** Collects messages of a callback subscription. */
export function collect(nc, subject, opts = {}) {
  const msgs = [];
  const errors = [];
  const sub = nc.subscribe(subject, {
    ...opts,
    callback: (err, m) => {
      if (err) errors.push(err);
      else msgs.push(m);
    },
  });
  return { sub, msgs, errors, subjects: () => msgs.map((m) => m.subject) };
}

/** Counts `MSG ` frames in raw text. */
export function msgLines(text) {
  return text.split('\r\n').filter((l) => /^H?MSG /.test(l));
}

/**
 * Opens a TCP connection and upgrades it to TLS as nats clients do: reads the plain
 * INFO line first (unless handshakeFirst), then runs the client handshake with the
 * given CA and optional client certificate. Returns {client (RawClient over TLS),
 * info, ok: true | Error}. With TLS 1.3 a refused client certificate shows up after
 * `ok` as a close without bytes.
 */
export async function rawTlsConnect(port, { ca, cert, key, handshakeFirst = false, timeoutMs = 3000 } = {}) {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  let info = null;
  if (handshakeFirst) {
    await once(sock, 'connect');
  } else {
    const line = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`no INFO within ${timeoutMs}ms; got ${JSON.stringify(buf)}`)), timeoutMs);
      const onData = (d) => {
        buf += d.toString('latin1');
        const i = buf.indexOf('\r\n');
        if (i >= 0) {
          clearTimeout(timer);
          sock.off('data', onData);
          sock.pause();
          if (buf.length > i + 2) reject(new Error(`unexpected bytes after INFO before TLS: ${JSON.stringify(buf)}`));
          else resolve(buf);
        }
      };
      sock.on('data', onData);
    });
    info = parseInfo(line);
  }
  const options = { socket: sock, ca: readFileSync(ca), servername: 'localhost' };
  if (cert) options.cert = readFileSync(cert);
  if (key) options.key = readFileSync(key);
  const secure = tls.connect(options);
  const client = new RawClient(secure);
  const ok = await new Promise((resolve) => {
    secure.once('secureConnect', () => resolve(true));
    secure.once('error', (e) => resolve(e));
    secure.once('close', () => resolve(new Error('closed during the handshake')));
  });
  return { client, info, ok };
}
