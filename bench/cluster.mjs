#!/usr/bin/env node
// Throughput across a 3-node cluster: a Dialtone-only cluster against a nats-server-only
// cluster of the same size, driven by ../shared/bench/natsbench with the publisher on
// node A (`-url`) and the subscribers on node B (`-sub-url`).
//
//   node bench/cluster.mjs [--rounds 3] [--scale 1]
//
// Each cluster is three processes, each in its own process group, configured with a
// `cluster {}` block whose routes name the other two nodes; the run starts once every
// node's /routez lists two routes. The sides alternate which goes first each round;
// the table shows each workload's median rate and the ratio Dialtone / nats-server.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dialtoneMain, freePort, opt, root, servers } from './_common.mjs';

const ROUNDS = opt('rounds', 3);
const SCALE = opt('scale', 1);
const NATSBENCH = path.resolve(root, '../shared/bench/natsbench');

const WORKLOADS = [
  ['pubsub-16B', 'pubsub -size 16 -n 2000000'],
  ['pubsub-1KB', 'pubsub -size 1024 -n 500000'],
  ['fanout4-16B', 'fanout -subs 4 -size 16 -n 500000'],
  ['queue4-16B', 'queue -subs 4 -size 16 -n 1000000'],
  ['reqrep-lat', 'lat -size 16 -n 5000'],
];

function scaled(args) {
  return args.split(' ').map((a, i, all) => (all[i - 1] === '-n' ? String(Math.max(1, Math.round(Number(a) * SCALE))) : a));
}

async function startCluster(server, dir) {
  const nodes = [];
  for (let i = 0; i < 3; i++) nodes.push({ port: await freePort(), routePort: await freePort(), httpPort: await freePort() });
  const procs = nodes.map((node, i) => {
    const routes = nodes.filter((_, j) => j !== i).map((n) => `"nats-route://127.0.0.1:${n.routePort}"`);
    const conf = path.join(dir, `${server.name}-${i}.conf`);
    fs.writeFileSync(
      conf,
      `host: 127.0.0.1\nport: ${node.port}\nhttp_port: ${node.httpPort}\nserver_name: ${server.name}-${i}\n` +
        `cluster {\n  name: bench\n  listen: "127.0.0.1:${node.routePort}"\n  routes: [${routes.join(', ')}]\n}\n`,
    );
    const args = server.name === 'nats-server' ? ['-c', conf] : [dialtoneMain, '-c', conf];
    const child = spawn(server.cmd, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, `${server.name}-${i}.log`), 'w')], detached: true });
    return child;
  });
  const deadline = Date.now() + 20000;
  for (const node of nodes) {
    for (;;) {
      const routes = await fetch(`http://127.0.0.1:${node.httpPort}/routez`).then((r) => r.json()).then((j) => j.num_routes, () => -1);
      if (routes === 2) break;
      if (Date.now() > deadline) throw new Error(`${server.name}: the cluster did not form (see ${dir})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    urls: nodes.map((n) => `nats://127.0.0.1:${n.port}`),
    pgid: procs[0].pid,
    stop: () => {
      for (const p of procs) {
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {}
      }
    },
  };
}

function runWorkload(args, cluster) {
  const argv = [...scaled(args), '-url', cluster.urls[0], '-sub-url', cluster.urls[1], '-max', '4s', '-timeout', '8s'];
  try {
    return JSON.parse(execFileSync(NATSBENCH, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop());
  } catch (err) {
    const out = String(err.stdout ?? '').trim();
    return out ? JSON.parse(out.split('\n').pop()) : { ok: false, error: String(err.message).split('\n')[0] };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
};

if (!fs.existsSync(NATSBENCH)) execFileSync(path.resolve(root, '../shared/bench/build.sh'), { stdio: 'inherit' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-cluster-bench-'));
const clusters = {};
try {
  for (const server of servers) clusters[server.name] = await startCluster(server, dir);
  const results = {};
  for (const [label, args] of WORKLOADS) {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const r = runWorkload(args, clusters[server.name]);
        const key = `${label}|${server.name}`;
        (results[key] ??= []).push(r);
        const figure = r.ok ? (label === 'reqrep-lat' ? `${Math.round(r.value)} req/s p50 ${r.p50_us} µs p99 ${r.p99_us} µs` : `${Math.round(r.value)} msgs/s`) : `FAIL ${r.error}`;
        process.stderr.write(`${label} ${server.name} round ${round + 1}: ${figure}\n`);
      }
    }
  }
  console.log('| workload | nats-server cluster | Dialtone cluster | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const [label] of WORKLOADS) {
    const figure = (name) => {
      const runs = results[`${label}|${name}`].filter((r) => r.ok);
      return runs.length === 0 ? NaN : median(runs.map((r) => r.value));
    };
    const ref = figure('nats-server');
    const cand = figure('dialtone');
    const fmt = (v) => (Number.isNaN(v) ? 'FAIL' : Math.round(v).toLocaleString('en-US'));
    console.log(`| ${label} | ${fmt(ref)} | ${fmt(cand)} | ${(cand / ref).toFixed(2)} |`);
  }
} finally {
  for (const c of Object.values(clusters)) c.stop();
}
