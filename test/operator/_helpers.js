// Shared helpers for the operator-mode (decentralized JWT auth) tests: fast nkeys,
// operator/account/user fixtures minted with @nats-io/jwt, nats-server config files in
// operator mode, a server under test started from one, and raw JWT logins.
//
// By default every scenario runs against Dialtone (in-process, from the config file).
// OPERATOR_TEST_TARGET=nats-server runs the same scenarios against Debian's
// nats-server 2.9.10, which is how the expectations in these files were checked.
import { generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { encodeAccount, encodeActivation, encodeOperator, encodeUser, fmtCreds, newScopedSigner } from '@nats-io/jwt';
import { parseInfo, rawConnect } from '../support/raw.js';
import { hasNatsServer, startDialtone, startNatsServer, tempDir } from '../support/servers.js';

export { encodeAccount, encodeActivation, encodeOperator, encodeUser, fmtCreds, newScopedSigner };

export const TARGET = process.env.OPERATOR_TEST_TARGET === 'nats-server' ? 'nats-server' : 'dialtone';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const te = new TextEncoder();
export const td = new TextDecoder();
/** Seconds since the epoch, as JWT times are stamped. */
export const nowSec = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------
// NKeys made with node:crypto (tweetnacl needs ~10 ms per key or signature).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PREFIX = { O: 14 << 3, A: 0, U: 20 << 3 };
const SEED_PREFIX = 18 << 3;

function crc16(bytes) {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(bytes) {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

function withCrc(body) {
  const out = new Uint8Array(body.length + 2);
  out.set(body);
  const crc = crc16(body);
  out[body.length] = crc & 0xff;
  out[body.length + 1] = crc >> 8;
  return base32(out);
}

/** An nkeys-compatible KeyPair ('O', 'A' or 'U') backed by node:crypto. */
export function keyPair(kind) {
  const prefix = PREFIX[kind];
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const raw = Buffer.from(jwk.x, 'base64url');
  const d = Buffer.from(jwk.d, 'base64url');
  const pk = withCrc(Uint8Array.from([prefix, ...raw]));
  const seedBody = new Uint8Array(34);
  seedBody[0] = SEED_PREFIX | (prefix >> 5);
  seedBody[1] = (prefix & 31) << 3;
  seedBody.set(d, 2);
  const seed = withCrc(seedBody);
  return {
    getPublicKey: () => pk,
    getPrivateKey: () => Buffer.concat([d, raw]),
    getSeed: () => te.encode(seed),
    sign: (data) => new Uint8Array(edSign(null, data, privateKey)),
    verify: (data, sig) => edVerify(null, data, publicKey, sig),
    clear: () => {},
  };
}

export const newOperatorKey = () => keyPair('O');
export const newAccountKey = () => keyPair('A');
export const newUserKey = () => keyPair('U');

// ---------------------------------------------------------------------------
// JWT fixtures.

/** Account limits as nsc writes them: everything unlimited (nats-server reads a missing limit as 0). */
export const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };

/** Claims of an account JWT, with unlimited limits unless `limits` overrides some. */
export function accountClaims(claims = {}) {
  return { ...claims, limits: { ...UNLIMITED, ...(claims.limits ?? {}) } };
}

/** An account JWT for `kp` signed by `signer` (an operator key or signing key). */
export function accountJwt(name, kp, signer, claims = {}, opts = {}) {
  return encodeAccount(name, kp, accountClaims(claims), { signer, ...opts });
}

/** A user (kp + jwt) of account `accountKp`, signed by the account or `opts.signer`. */
export async function mintUser(accountKp, claims = {}, opts = {}, name = 'user') {
  const kp = newUserKey();
  const jwt = await encodeUser(name, kp, accountKp, claims, opts);
  return { kp, jwt, pub: kp.getPublicKey(), creds: fmtCreds(jwt, kp) };
}

/** Splits a JWT and re-encodes its claims after `edit`, keeping the old signature. */
export function tamper(token, edit) {
  const [h, c, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  edit(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

/** Re-signs a JWT with `kp` after `edit` changed its claims (iss is left as edited). */
export function resign(token, kp, edit = () => {}) {
  const [h, c] = token.split('.');
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  edit(claims);
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = Buffer.from(kp.sign(te.encode(`${h}.${body}`))).toString('base64url');
  return `${h}.${body}.${sig}`;
}

/** The claims of a JWT (unverified). */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/**
 * A trusted operator (with one signing key) and its system account (with a user).
 * `accounts` map names to claims: each gets a key pair and a JWT signed by the
 * operator's signing key, plus a user `<name>.user` with no permissions.
 */
export async function makeWorld(accounts = {}) {
  const operator = newOperatorKey();
  const opSigner = newOperatorKey();
  const sysKp = newAccountKey();
  const operatorJwt = await encodeOperator('OP', operator, { signing_keys: [opSigner.getPublicKey()] });
  const world = {
    operator,
    opSigner,
    operatorJwt,
    sys: { kp: sysKp, pub: sysKp.getPublicKey(), jwt: await accountJwt('SYS', sysKp, opSigner) },
    accounts: {},
  };
  world.sys.user = await mintUser(sysKp, {}, {}, 'sys');
  for (const [name, claims] of Object.entries(accounts)) {
    const kp = newAccountKey();
    const jwt = await accountJwt(name, kp, opSigner, claims);
    world.accounts[name] = { kp, pub: kp.getPublicKey(), jwt, name };
    world.accounts[name].user = await mintUser(kp, {}, {}, `${name}-user`);
  }
  return world;
}

// ---------------------------------------------------------------------------
// Config files and servers.

/**
 * Writes an operator-mode config in nats-server syntax into a fresh temp dir.
 * `resolver`: 'memory' (default) or 'dir' (a full directory resolver in `<tmp>/jwt`,
 * or at `dir`). `preload`: accounts (objects with pub and jwt) to put in
 * resolver_preload; the system account is always preloaded.
 * Returns { file, dir, jwtDir }.
 */
export function writeOperatorConf(world, { resolver = 'memory', preload = [], extra = '', dir: jwtDirWanted, systemAccount = world.sys.pub, operatorJwt = world.operatorJwt } = {}) {
  const dir = tempDir('dialtone-operator-');
  const opFile = path.join(dir, 'op.jwt');
  writeFileSync(opFile, operatorJwt);
  const jwtDir = jwtDirWanted ?? path.join(dir, 'jwt');
  const entries = [world.sys, ...preload].map((a) => `  ${a.pub}: ${JSON.stringify(a.jwt)}`).join('\n');
  const lines = [
    `operator: ${JSON.stringify(opFile)}`,
    `system_account: ${systemAccount}`,
    resolver === 'dir' ? `resolver { type: full, dir: ${JSON.stringify(jwtDir)}, allow_delete: true }` : 'resolver: MEMORY',
    `resolver_preload {\n${entries}\n}`,
    extra,
  ];
  const file = path.join(dir, 'server.conf');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, dir, jwtDir };
}

/** Starts `target` (default: the server under test) from a config file: {port, url, close()}. */
export async function startFrom(file, target = TARGET) {
  if (target === 'nats-server') {
    const s = await startNatsServer(['-c', file]);
    return { port: s.port, url: s.url, target, output: s.output, close: () => s.stop() };
  }
  const s = await startDialtone({ configFile: file });
  return { port: s.port, url: s.url, target, server: s.server, close: () => s.close() };
}

/** Writes the config and starts the server under test; the result also has `conf`. */
export async function startOperator(world, options = {}) {
  const conf = writeOperatorConf(world, options);
  const s = await startFrom(conf.file, options.target);
  return { ...s, conf };
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

// ---------------------------------------------------------------------------
// Raw logins.

/** base64url (no padding) ed25519 signature of `nonce` by `kp`. */
export function signNonce(kp, nonce) {
  return Buffer.from(kp.sign(te.encode(nonce))).toString('base64url');
}

const BASE_CONNECT = { verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1 };

/**
 * Opens a raw connection, sends CONNECT with `user.jwt` and the nonce signed by
 * `user.kp` (or `sig` when given; `sign: false` sends none), then PING. Resolves with
 * { client, info, ok } once the PONG arrives (ok) or the server closed the connection.
 */
export async function jwtLogin(port, user, { sig, sign = true, extra = {}, timeoutMs = 3000 } = {}) {
  const client = await rawConnect(port, null);
  const info = parseInfo(client.text);
  const connect = { ...BASE_CONNECT, ...(user ? { jwt: user.jwt } : {}), ...extra };
  if (sig !== undefined) connect.sig = sig;
  else if (user && sign && user.kp) connect.sig = signNonce(user.kp, info.nonce ?? '');
  client.send(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
  await client.waitUntil((t, c) => c.closed || /PONG\r\n/.test(t), timeoutMs, 'PONG or close');
  const ok = /PONG\r\n/.test(client.text) && !/-ERR/.test(client.text);
  return { client, info, ok };
}

/** Logs in and requires success; returns the raw client with its buffer cleared. */
export async function login(port, user, options) {
  const r = await jwtLogin(port, user, options);
  if (!r.ok) {
    r.client.close();
    throw new Error(`login failed: ${JSON.stringify(r.client.text)}`);
  }
  r.client.clear();
  return r.client;
}

/**
 * Logs in expecting a refusal: resolves with the text after INFO (the -ERR line)
 * once the server has closed the connection.
 */
export async function refusedLogin(port, user, options) {
  const r = await jwtLogin(port, user, options);
  await r.client.waitClosed().catch(() => {});
  const closed = r.client.closed;
  r.client.close();
  return { text: r.client.text.replace(/^INFO [^\r\n]*\r\n/, ''), closed, ok: r.ok };
}

export const AUTH_VIOLATION = "-ERR 'Authorization Violation'\r\n";

/** Parses MSG/HMSG frames in `text` (other lines are skipped): [{subject, sid, reply, headers, payload}]. */
export function parseMsgs(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf('\r\n', i);
    if (eol < 0) break;
    const parts = text.slice(i, eol).split(' ');
    i = eol + 2;
    if (parts[0] === 'MSG' || parts[0] === 'HMSG') {
      const h = parts[0] === 'HMSG';
      const total = Number(parts[parts.length - 1]);
      const hsize = h ? Number(parts[parts.length - 2]) : 0;
      const reply = parts.length === (h ? 6 : 5) ? parts[3] : '';
      if (i + total + 2 > text.length) break;
      out.push({ subject: parts[1], sid: parts[2], reply, headers: text.slice(i, i + hsize), payload: text.slice(i + hsize, i + total) });
      i += total + 2;
    }
  }
  return out;
}

/** A PUB line. */
export function pub(subject, payload = '', reply = '') {
  return `PUB ${subject}${reply ? ` ${reply}` : ''} ${Buffer.byteLength(payload)}\r\n${payload}\r\n`;
}

/** The -ERR lines in `text`. */
export const errLines = (text) => text.match(/-ERR [^\r\n]*/g) ?? [];

/**
 * Sends a request from a system-account raw client and resolves with the reply
 * payload (parsed as JSON when it looks like JSON).
 */
let inboxSeq = 0;
export async function sysRequest(client, subject, payload = '', timeoutMs = 3000) {
  const inbox = `_INBOX.optest.${process.pid}.${++inboxSeq}`;
  const sid = `r${inboxSeq}`;
  const before = client.text.length;
  client.send(`SUB ${inbox} ${sid}\r\n${pub(subject, payload, inbox)}`);
  const text = await client.waitUntil((t) => parseMsgs(t.slice(before)).some((m) => m.sid === sid), timeoutMs, `reply on ${subject}`);
  client.send(`UNSUB ${sid}\r\n`);
  const msg = parseMsgs(text.slice(before)).find((m) => m.sid === sid);
  try {
    return JSON.parse(msg.payload);
  } catch {
    return msg.payload;
  }
}
