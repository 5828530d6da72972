// Shared helpers for the multi-tenancy tests: config files in nats-server's syntax,
// a server under test started from one, raw connections logged into an account,
// MSG/HMSG parsing, and running `-t` on both servers to compare config errors.
//
// By default every scenario runs against Dialtone (in-process, from the config file).
// ACCOUNTS_TEST_TARGET=nats-server runs the same scenarios against Debian's
// nats-server, which is how the expectations in these files were checked.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { rawConnect } from '../support/raw.js';
import { CLI, NATS_SERVER, hasNatsServer, startDialtone, startNatsServer, tempDir } from '../support/servers.js';

export const TARGET = process.env.ACCOUNTS_TEST_TARGET === 'nats-server' ? 'nats-server' : 'dialtone';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * nats-server config text for `conf`: a string is used as is; an object becomes one
 * `key: <json>` line per top-level key (JSON values are valid nats-server config).
 */
export function confText(conf) {
  if (typeof conf === 'string') return conf;
  return Object.entries(conf)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join('\n') + '\n';
}

/** Writes `conf` to a fresh temp file and returns its path. */
export function writeConf(conf, name = 'accounts.conf') {
  const file = path.join(tempDir('dialtone-accounts-'), name);
  writeFileSync(file, confText(conf));
  return file;
}

/** Removes the temp directory of a file made by writeConf. */
export function removeConf(file) {
  rmSync(path.dirname(file), { recursive: true, force: true });
}

/** Starts the server under test from a config file; returns {port, url, close()}. */
export async function startTarget(conf) {
  const file = writeConf(conf);
  try {
    const s = TARGET === 'nats-server' ? await startNatsServer(['-c', file]) : await startDialtone({ configFile: file });
    const stop = TARGET === 'nats-server' ? () => s.stop() : () => s.close();
    return {
      port: s.port,
      url: s.url,
      file,
      async close() {
        await stop();
        removeConf(file);
      },
    };
  } catch (err) {
    removeConf(file);
    throw err;
  }
}

/** Runs `fn(server)` with a server started from `conf`, always closing it. */
export async function withServer(conf, fn) {
  const s = await startTarget(conf);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Starts Dialtone and nats-server from the same config file. */
export async function startBoth(conf) {
  const file = writeConf(conf);
  let ref;
  let dial;
  try {
    ref = await startNatsServer(['-c', file]);
    dial = await startDialtone({ configFile: file });
  } catch (err) {
    await ref?.stop();
    removeConf(file);
    throw err;
  }
  return {
    file,
    ref: { port: ref.port, close: () => ref.stop() },
    dial: { port: dial.port, close: () => dial.close() },
    async close() {
      await Promise.all([ref.stop(), dial.close()]);
      removeConf(file);
    },
  };
}

/** A test that needs Debian's nats-server (skipped when it is not installed). */
export function diffTest(name, fn) {
  test(name, async (t) => {
    if (!hasNatsServer) {
      t.skip('nats-server not installed');
      return;
    }
    await fn(t);
  });
}

/**
 * Runs `<server> -t -c file` for Dialtone's CLI and (when installed) nats-server.
 * Returns { dialtone: {code, text}, nats: {code, text} | null } where `text` is the
 * combined output with the program-name prefix (`nats-server: ` / `dialtone: `) removed
 * and trimmed.
 */
export function checkBoth(conf) {
  const file = writeConf(conf);
  const dir = path.dirname(file);
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 15000 });
    const text = `${r.stdout}${r.stderr}`.trim().replace(/^(nats-server|dialtone|main\.js):\s*/, '');
    return { code: r.status, text };
  };
  const base = path.basename(file);
  try {
    return {
      dialtone: run(process.execPath, [CLI, '-t', '-c', base]),
      nats: hasNatsServer ? run(NATS_SERVER, ['-t', '-c', base]) : null,
    };
  } finally {
    removeConf(file);
  }
}

const DEFAULT_CONNECT = { verbose: false, pedantic: false, headers: true, no_responders: true };

/**
 * A raw connection logged in as `user`/`pass` (null: no credentials, global account),
 * synced with PING/PONG so the login has been processed, then cleared.
 */
export async function login(port, user, pass = user, extra = {}) {
  const connect = { ...DEFAULT_CONNECT, ...(extra.headers === false ? { no_responders: false } : {}), ...(user === null ? {} : { user, pass }), ...extra };
  const c = await rawConnect(port, connect);
  await c.flush().catch(() => {});
  if (c.closed || /-ERR/.test(c.text)) {
    c.close();
    throw new Error(`login as ${user} failed: ${JSON.stringify(c.text)}`);
  }
  c.clear();
  return c;
}

/** Closes every raw client in `clients`. */
export function closeAll(clients) {
  for (const c of clients) c?.close();
}

/**
 * Parses the MSG and HMSG frames in `text` (other lines are skipped): each is
 * { op, subject, sid, reply, headers, payload }.
 */
export function parseMsgs(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf('\r\n', i);
    if (eol < 0) break;
    const line = text.slice(i, eol);
    i = eol + 2;
    const parts = line.split(' ');
    if (parts[0] === 'MSG') {
      const size = Number(parts[parts.length - 1]);
      const [, subject, sid] = parts;
      const reply = parts.length === 5 ? parts[3] : '';
      out.push({ op: 'MSG', subject, sid, reply, headers: '', payload: text.slice(i, i + size) });
      i += size + 2;
    } else if (parts[0] === 'HMSG') {
      const total = Number(parts[parts.length - 1]);
      const hsize = Number(parts[parts.length - 2]);
      const [, subject, sid] = parts;
      const reply = parts.length === 6 ? parts[3] : '';
      out.push({ op: 'HMSG', subject, sid, reply, headers: text.slice(i, i + hsize), payload: text.slice(i + hsize, i + total) });
      i += total + 2;
    }
  }
  return out;
}

/** The -ERR lines in `text`. */
export const errLines = (text) => text.match(/-ERR [^\r\n]*/g) ?? [];

/** Waits until `client` has received `n` MSG/HMSG frames; returns them. */
export async function waitMsgs(client, n, timeoutMs = 3000) {
  await client.waitUntil((t) => parseMsgs(t).length >= n, timeoutMs, `${n} messages`);
  return parseMsgs(client.text);
}

/** A PUB line (with optional reply) carrying `payload`. */
export function pub(subject, payload = '', reply = '') {
  return `PUB ${subject}${reply ? ` ${reply}` : ''} ${Buffer.byteLength(payload, 'latin1')}\r\n${payload}\r\n`;
}

/** Flushes every client (each has processed everything sent before). */
export async function flushAll(clients) {
  await Promise.all(clients.map((c) => c.flush()));
}

/** An HPUB line carrying header block `headers` (e.g. 'NATS/1.0\r\nK: v\r\n\r\n') and `payload`. */
export function hpub(subject, headers, payload = '', reply = '') {
  const h = Buffer.byteLength(headers, 'latin1');
  const t = h + Buffer.byteLength(payload, 'latin1');
  return `HPUB ${subject}${reply ? ` ${reply}` : ''} ${h} ${t}\r\n${headers}${payload}\r\n`;
}
