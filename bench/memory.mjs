#!/usr/bin/env node
// Measures a server's resident memory: at rest, with N idle connections, and with M
// subscriptions. Runs Dialtone's CLI and Debian's nats-server the same way.
//
//   node bench/memory.mjs [--conns 10000] [--subs 100000]
//
// Each server runs as its own process; RSS is read from /proc/<pid>/status after the
// server has answered a PING on every connection (so all of them are fully set up).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort, opt, servers } from './_common.mjs';

const CONNS = opt('conns', 10000);
const SUBS = opt('subs', 100000);


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);


/** Opens a connection, sends CONNECT and `extra`, resolves when the final PONG arrives. */
function open(port, extra = '') {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let seen = '';
    s.on('error', reject);
    s.on('data', (d) => {
      seen += d.toString('latin1');
      if (seen.includes('PONG\r\n')) {
        s.removeAllListeners('data');
        resolve(s);
      } else if (seen.length > 1 << 20) seen = seen.slice(-64);
    });
    s.write(`CONNECT {"verbose":false,"pedantic":false}\r\n${extra}PING\r\n`);
  });
}

async function startServer(server) {
  const port = await freePort();
  const child = spawn(server.cmd, server.args(port), { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      (await open(port)).destroy();
      break;
    } catch {
      if (i > 200) throw new Error(`${server.name} did not start`);
      await sleep(50);
    }
  }
  await sleep(500);
  return { port, child };
}

/** RSS with CONNS idle connections, and (in a fresh process) with SUBS subscriptions. */
async function measure(server) {
  const a = await startServer(server);
  const idle = rssKiB(a.child.pid);
  const sockets = [];
  for (let i = 0; i < CONNS; i += 200) {
    const batch = [];
    for (let k = i; k < Math.min(i + 200, CONNS); k++) batch.push(open(a.port));
    sockets.push(...(await Promise.all(batch)));
  }
  await sleep(1000);
  const withConns = rssKiB(a.child.pid);
  for (const s of sockets) s.destroy();
  a.child.kill('SIGTERM');

  const b = await startServer(server);
  let subsText = '';
  for (let i = 0; i < SUBS; i++) subsText += `SUB bench.sub.${i} ${i}\r\n`;
  const subConn = await open(b.port, subsText);
  await sleep(1000);
  const withSubs = rssKiB(b.child.pid);
  subConn.destroy();
  b.child.kill('SIGTERM');
  const mib = (kib) => +(kib / 1024).toFixed(1);
  return { server: server.name, idle_mib: mib(idle), [`conns_${CONNS}_mib`]: mib(withConns), [`subs_${SUBS}_mib`]: mib(withSubs) };
}

for (const server of servers) console.log(JSON.stringify(await measure(server)));
