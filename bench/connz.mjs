#!/usr/bin/env node
// /connz latency with many open connections, for Debian's nats-server and Dialtone's
// CLI, each run as its own process with `-m <port>`.
//
//   node bench/connz.mjs [--conns 10000] [--requests 30]
//
// Every connection sends CONNECT with a name, one SUB and PING, and is counted once
// its PONG is back; then each query below is requested `--requests` times, one at a
// time over a keep-alive connection, after 3 warm-up requests. Reported: median, p90
// and max latency (request sent to last body byte) and the body size.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { freePort, opt, servers } from './_common.mjs';

const CONNS = opt('conns', 10000);
const REQUESTS = opt('requests', 30);
const QUERIES = ['/connz', '/connz?sort=bytes_to', '/connz?sort=idle&limit=100', '/connz?limit=10000', '/connz?subs=1&limit=10000', '/varz'];

function waitPort(port, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => (Date.now() > deadline ? reject(new Error(`port ${port} not open`)) : setTimeout(attempt, 50)));
    };
    attempt();
  });
}

/** Opens `n` connections in batches; resolves with the sockets once every PONG is in. */
async function openConnections(port, n, batch = 250) {
  const sockets = [];
  for (let i = 0; i < n; i += batch) {
    const chunk = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      chunk.push(
        new Promise((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1');
          let buf = '';
          let connected = false;
          s.on('error', (err) => (connected ? undefined : reject(err)));
          s.on('data', (d) => {
            buf += d;
            if (!connected && buf.includes('\r\n')) {
              connected = true;
              buf = '';
              s.write(`CONNECT {"verbose":false,"pedantic":false,"name":"bench-${j}","lang":"node","version":"1"}\r\nSUB bench.${j} 1\r\nPING\r\n`);
            } else if (connected && buf.includes('PONG\r\n')) {
              // Keep answering the server's PINGs; ignore the rest.
              s.removeAllListeners('data');
              s.on('data', (x) => {
                if (x.includes('PING\r\n')) s.write('PONG\r\n');
              });
              resolve(s);
            }
          });
        }),
      );
    }
    sockets.push(...(await Promise.all(chunk)));
  }
  return sockets;
}

function request(agent, port, path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let size = 0;
        res.on('data', (d) => (size += d.length));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
          else resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, size });
        });
      })
      .on('error', reject);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function run(server) {
  const port = await freePort();
  const mport = await freePort();
  const child = spawn(server.cmd, [...server.args(port), '-m', String(mport)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.once('exit', r));
  let sockets = [];
  try {
    await waitPort(port);
    await waitPort(mport);
    const t0 = Date.now();
    sockets = await openConnections(port, CONNS);
    const setupMs = Date.now() - t0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const check = JSON.parse(await new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: mport, path: '/connz?limit=1', agent }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject)));
    if (check.total !== CONNS) throw new Error(`${server.name}: /connz total ${check.total}, expected ${CONNS}`);
    const rows = [];
    for (const q of QUERIES) {
      for (let i = 0; i < 3; i++) await request(agent, mport, q);
      const times = [];
      let size = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const r = await request(agent, mport, q);
        times.push(r.ms);
        size = r.size;
      }
      times.sort((a, b) => a - b);
      rows.push({ query: q, median: pct(times, 50), p90: pct(times, 90), max: times[times.length - 1], size });
    }
    agent.destroy();
    return { server: server.name, setupMs, rows };
  } finally {
    for (const s of sockets) s.destroy();
    child.kill('SIGKILL');
    await exited;
    if (child.exitCode !== null && child.exitCode !== 0 && stderr) process.stderr.write(stderr);
  }
}

console.log(`/connz latency with ${CONNS} open connections (${REQUESTS} requests per query after 3 warm-up, one at a time)\n`);
const results = [];
for (const server of servers) results.push(await run(server));
const fmt = (ms) => `${ms.toFixed(1)} ms`.padStart(10);
console.log(`${'query'.padEnd(28)}${'server'.padEnd(13)}${'median'.padStart(10)}${'p90'.padStart(10)}${'max'.padStart(10)}${'body'.padStart(12)}`);
for (let i = 0; i < QUERIES.length; i++) {
  for (const r of results) {
    const row = r.rows[i];
    console.log(`${row.query.padEnd(28)}${r.server.padEnd(13)}${fmt(row.median)}${fmt(row.p90)}${fmt(row.max)}${`${(row.size / 1024).toFixed(0)} KB`.padStart(12)}`);
  }
}
console.log('');
for (const r of results) console.log(`${r.server}: ${CONNS} connections set up in ${r.setupMs} ms`);
