// Shared helpers for the client tests: the two official NATS JavaScript clients behind
// one small adapter, a server starter, and message collectors.
//
// By default every scenario runs against Dialtone (in-process). Setting
// CLIENT_TEST_TARGET=nats-server runs the same scenarios against Debian's nats-server,
// which is how the expectations in these files were checked against the reference.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as v3 from '@nats-io/transport-node';
import * as v2 from 'nats';
import { CLI, NATS_SERVER, freePort, startDialtone, tempDir, waitForPort } from '../support/servers.js';

export const TARGET = process.env.CLIENT_TEST_TARGET === 'nats-server' ? 'nats-server' : 'dialtone';

/** The v3 client (@nats-io/transport-node). */
export const V3 = {
  name: 'v3',
  connect: (opts) => v3.connect(opts),
  headers: (...a) => v3.headers(...a),
  isNoResponders: (e) => e instanceof v3.RequestError && e.isNoResponders() && e.cause instanceof v3.NoRespondersError,
  isTimeout: (e) => e instanceof v3.TimeoutError,
  isMaxPayload: (e) => e instanceof v3.InvalidArgumentError && /max_payload/.test(e.message),
  isClosed: (e) => e instanceof v3.ClosedConnectionError,
};

/** The v2 client (nats). */
export const V2 = {
  name: 'v2',
  connect: (opts) => v2.connect(opts),
  headers: (...a) => v2.headers(...a),
  isNoResponders: (e) => e instanceof v2.NatsError && e.code === v2.ErrorCode.NoResponders,
  isTimeout: (e) => e instanceof v2.NatsError && e.code === v2.ErrorCode.Timeout,
  isMaxPayload: (e) => e instanceof v2.NatsError && e.code === v2.ErrorCode.MaxPayloadExceeded,
  isClosed: (e) => e instanceof v2.NatsError && e.code === v2.ErrorCode.ConnectionClosed,
};

export const CLIENTS = [V3, V2];

/** Registers `name` once per client: "v3: name", "v2: name". */
export function eachClient(name, fn, options = {}) {
  for (const c of CLIENTS) test(`${c.name}: ${name}`, options, () => fn(c));
}

/**
 * Starts the server under test with nats-server config keys; `port` may be fixed.
 * Returns {port, url, close()}.
 */
export async function startTarget(config = {}) {
  if (TARGET === 'dialtone') {
    const s = await startDialtone(config);
    return { port: s.port, url: s.url, close: () => s.close() };
  }
  const { port: wanted, ...rest } = config;
  const port = wanted || (await freePort());
  const dir = tempDir('client-test-nats-');
  const conf = path.join(dir, 'server.conf');
  writeFileSync(conf, Object.entries(rest).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') + '\n');
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-c', conf], { stdio: 'ignore' });
  await waitForPort(port);
  return serverProcess(child, port);
}

/** Wraps a server child process: {port, url, signal(sig), close()}. */
export function serverProcess(child, port) {
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    exited,
    signal(sig) {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
    async close(sig = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      return exited;
    },
  };
}

/**
 * Runs the server as a child process (Dialtone's CLI, or nats-server when that is the
 * target) on `port`, with `args` as extra command-line flags.
 */
export async function startTargetProcess(port, args = []) {
  const cmd = TARGET === 'dialtone' ? [process.execPath, CLI] : [NATS_SERVER];
  const child = spawn(cmd[0], [...cmd.slice(1), '-a', '127.0.0.1', '-p', String(port), ...args], { stdio: 'ignore' });
  await waitForPort(port);
  return serverProcess(child, port);
}

/** Connects with `client` to `srv`, with test-friendly defaults. */
export function connectTo(client, srv, opts = {}) {
  return client.connect({ servers: srv.url, reconnect: false, ...opts });
}

/** Closes every connection given (ignores ones already closed). */
export async function closeAll(...conns) {
  await Promise.all(conns.flat().filter(Boolean).map((nc) => (nc.isClosed() ? nc.closed() : nc.close())));
}

/**
 * Callback subscription that records messages. `until(n)` resolves once n messages
 * (in total) have arrived, or rejects after the timeout with what it saw.
 */
export function collect(nc, subject, opts = {}) {
  const msgs = [];
  const errors = [];
  const waiters = new Set();
  const notify = () => {
    for (const w of waiters) w();
  };
  const sub = nc.subscribe(subject, {
    ...opts,
    callback: (err, m) => {
      if (err) errors.push(err);
      else {
        msgs.push(m);
        if (opts.onMsg) opts.onMsg(m);
      }
      notify();
    },
  });
  return {
    sub,
    msgs,
    errors,
    until(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (msgs.length >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(msgs);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${n} messages on ${subject}, got ${msgs.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * Round-trips every connection given, in order. Flushing the publishers first and the
 * receivers second guarantees that everything the server routed has arrived.
 */
export async function flushAll(...conns) {
  for (const nc of conns.flat()) await nc.flush();
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Awaits `p` and returns the rejection (fails if it resolved). */
export async function rejection(p) {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Records the client's status events in order (ends when the connection closes). */
export function watchStatus(nc) {
  const events = [];
  (async () => {
    for await (const s of nc.status()) events.push(s);
  })().catch(() => {});
  return events;
}

/** Resolves with the first `n` status events of `type` (rejects after the timeout). */
export function waitForEvent(nc, type, n = 1, timeoutMs = 5000) {
  const events = watchStatus(nc);
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      const hits = events.filter((e) => e.type === type);
      if (hits.length >= n) return resolve(hits.slice(0, n));
      if (Date.now() > deadline) return reject(new Error(`expected ${n} '${type}' status events, saw: ${events.map((e) => e.type)}`));
      setTimeout(poll, 10);
    };
    poll();
  });
}


/** Records the types of the client's status events in order. */
export function watchStatusTypes(nc) {
  const types = [];
  (async () => {
    for await (const s of nc.status()) types.push(s.type);
  })().catch(() => {});
  return types;
}
