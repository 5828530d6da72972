// Monitoring from the command line, as test launchers use it: `http: "127.0.0.1:-1"`
// in a config file with ports_file_dir, -m / -ms, the log line, and fatal errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, runCli, tempDir } from '../support/servers.js';
import { natsServerSymlink, readPortsFile, spawnCli, withTimeout } from '../cli/_helpers.js';
import { getJson, get } from './_helpers.js';

test('a nats.js launcher config with http: "127.0.0.1:-1" serves monitoring and lists it in the ports file', async () => {
  const dir = tempDir('dialtone-monitor-cli-');
  const conf = path.join(dir, 'launcher.conf');
  writeFileSync(conf, ['host: 127.0.0.1', 'port: -1', `ports_file_dir: "${dir}"`, 'http: "127.0.0.1:-1"', 'server_name: launcher_mon', ''].join('\n'));
  const proc = spawnCli(['-c', conf], { exe: natsServerSymlink(dir) });
  try {
    const ports = await readPortsFile(path.join(dir, `nats-server_${proc.pid}.ports`));
    assert.equal(ports.nats.length, 1);
    assert.equal(ports.monitoring.length, 1);
    assert.deepEqual(Object.keys(ports), ['nats', 'monitoring']);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(ports.monitoring[0]);
    assert.ok(m, ports.monitoring[0]);
    await proc.waitOutput(new RegExp(`\\[INF\\] Starting http monitor on 127\\.0\\.0\\.1:${m[1]}\\n`));
    // nats-server logs the monitor before the client listener.
    const out = proc.output();
    assert.ok(out.indexOf('Starting http monitor') < out.indexOf('Listening for client connections'));
    assert.doesNotMatch(out, /not served/);
    // What launchers poll.
    const varz = await getJson(`${ports.monitoring[0]}/varz`);
    assert.equal(varz.server_name, 'launcher_mon');
    assert.equal(`nats://127.0.0.1:${varz.port}`, ports.nats[0]);
    const connz = await getJson(`${ports.monitoring[0]}/connz?subs=1&cid=1`);
    assert.deepEqual(connz.connections, []);
  } finally {
    await proc.kill();
  }
});

test('-m <port> serves monitoring on that port, on the -a host', async () => {
  const mport = await freePort();
  const port = await freePort();
  const proc = spawnCli(['-a', '127.0.0.1', '-p', String(port), '-m', String(mport)]);
  try {
    await proc.ready();
    assert.match(proc.output(), new RegExp(`Starting http monitor on 127\\.0\\.0\\.1:${mport}`));
    const r = await get(`http://127.0.0.1:${mport}/healthz`);
    assert.deepEqual([r.status, r.body], [200, '{"status":"ok"}']);
    assert.equal((await getJson(`http://127.0.0.1:${mport}/varz`)).http_port, mport);
    const code = (await proc.stop('SIGTERM')).code;
    assert.equal(code, 0);
    // The monitor port is released with the server.
    await new Promise((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(mport, '127.0.0.1', () => s.close(resolve));
    });
  } finally {
    await proc.kill();
  }
});

test('monitoring that cannot start is fatal, with nats-server\'s message', async () => {
  const busy = net.createServer();
  await new Promise((r) => busy.listen(0, '127.0.0.1', r));
  const mport = busy.address().port;
  try {
    const proc = spawnCli(['-a', '127.0.0.1', '-p', String(await freePort()), '-m', String(mport)]);
    const { code } = await withTimeout(proc.exited, 8000, 'exit');
    assert.equal(code, 1);
    assert.match(proc.output(), new RegExp(`\\[FTL\\] Can't start monitoring: can't listen to the monitor port: listen tcp 127\\.0\\.0\\.1:${mport}: bind: address already in use`));
  } finally {
    busy.close();
  }
  const https = spawnCli(['-a', '127.0.0.1', '-p', String(await freePort()), '-ms', '-1']);
  assert.equal((await withTimeout(https.exited, 8000, 'exit')).code, 1);
  assert.match(https.output(), /\[FTL\] Can't start monitoring: TLS cert and key required for HTTPS/);
});

test('http_base_path is accepted in config files (no longer refused)', () => {
  const dir = tempDir();
  const conf = path.join(dir, 'base.conf');
  writeFileSync(conf, 'http: 8222\nhttp_base_path: "/nats"\n');
  const r = runCli(['-t', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
});
