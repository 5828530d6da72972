#!/usr/bin/env node
// Connection setup rate with nkey and with JWT (operator mode) authentication, for
// Dialtone's CLI and Debian's nats-server, each run as its own process.
//
//   node bench/connect.mjs [--conns 2000] [--parallel 20]
//
// A connection counts once the server has answered CONNECT (signed nonce) + PING
// with PONG; the client then closes it. The client side signs nonces with
// node:crypto, the same for both servers.
import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser } from '@nats-io/jwt';
import { createUser as createNkeyUser } from '@nats-io/nkeys';
import { freePort, opt, servers } from './_common.mjs';

const CONNS = opt('conns', 2000);
const PARALLEL = opt('parallel', 20);
const dir = mkdtempSync(path.join(os.tmpdir(), 'dialtone-connect-bench-'));

/** A node:crypto signing key from an nkey seed (the 32-byte ed25519 seed inside it). */
function signer(kp) {
  const raw = kp.getRawSeed ? kp.getRawSeed() : null;
  const seed = Buffer.from(raw ?? kp.seed.subarray(0, 32));
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return (nonce) => sign(null, Buffer.from(nonce), key).toString('base64url');
}

async function nkeySetup() {
  const kp = createNkeyUser();
  const conf = path.join(dir, 'nkey.conf');
  writeFileSync(conf, `authorization { users [ { nkey: ${kp.getPublicKey()} } ] }\n`);
  const signNonce = signer(kp);
  // @nats-io/nkeys derives the public key with tweetnacl on every call: take it once.
  const nkey = kp.getPublicKey();
  return { conf, connect: (nonce) => ({ nkey, sig: signNonce(nonce) }) };
}

async function jwtSetup() {
  const op = createOperator();
  const sys = createAccount();
  const acc = createAccount();
  const user = createUser();
  const opFile = path.join(dir, 'op.jwt');
  writeFileSync(opFile, await encodeOperator('O', op, { system_account: sys.getPublicKey() }));
  const sysJwt = await encodeAccount('SYS', sys, {}, { signer: op });
  // Go's zero values: an account JWT without limits allows no connections; -1 means unlimited.
  const accJwt = await encodeAccount('A', acc, { limits: { conn: -1, subs: -1, payload: -1, data: -1 } }, { signer: op });
  const userJwt = await encodeUser('u', user, acc);
  const conf = path.join(dir, 'jwt.conf');
  writeFileSync(conf, `operator: ${opFile}\nresolver: MEMORY\nresolver_preload: {\n  ${sys.getPublicKey()}: ${sysJwt}\n  ${acc.getPublicKey()}: ${accJwt}\n}\n`);
  const signNonce = signer(user);
  return { conf, connect: (nonce) => ({ jwt: userJwt, sig: signNonce(nonce) }) };
}


/** One authenticated connection: INFO → CONNECT → PING → PONG, then close. */
function connectOnce(port, credentials) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let seen = '';
    let sent = false;
    s.on('error', reject);
    s.on('data', (d) => {
      seen += d.toString('latin1');
      if (!sent) {
        const m = /^INFO (\{.*\})/.exec(seen);
        if (!m) return;
        const info = JSON.parse(m[1]);
        sent = true;
        s.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...credentials(info.nonce) })}\r\nPING\r\n`);
      }
      if (seen.includes('PONG\r\n')) {
        s.destroy();
        resolve();
      } else if (seen.includes('-ERR')) {
        s.destroy();
        reject(new Error(seen.trim()));
      }
    });
  });
}

async function rate(server, setup) {
  const port = await freePort();
  const child = spawn(server.cmd, [...server.args(port), '-c', setup.conf], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      await connectOnce(port, setup.connect);
      break;
    } catch (err) {
      if (i > 200) throw new Error(`${server.name} did not accept a connection: ${err.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < CONNS) {
      next++;
      await connectOnce(port, setup.connect);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const seconds = (performance.now() - start) / 1000;
  child.kill('SIGTERM');
  return Math.round(CONNS / seconds);
}

const setups = { nkey: await nkeySetup(), jwt: await jwtSetup() };
for (const [auth, setup] of Object.entries(setups)) {
  for (const server of servers) {
    console.log(JSON.stringify({ server: server.name, auth, conns: CONNS, parallel: PARALLEL, conns_per_s: await rate(server, setup) }));
  }
}
